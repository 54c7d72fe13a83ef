#include "rows.hpp"

#include <velocity/audit/export.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/time.hpp>

#include <fmt/format.h>

namespace velocity::audit {

namespace {

constexpr size_t k_flush_size = size_t{1} << 20;

// Buffers lines so that a million-event export makes a few hundred writes, not a million.
class BufferedFile {
public:
  BufferedFile(const std::filesystem::path& path) : m_file(path, fs::Mode::private_file) {}

  void line(std::string_view text) {
    m_buffer += text;
    m_buffer.push_back('\n');
    if (m_buffer.size() >= k_flush_size) {
      m_file.write(m_buffer);
      m_buffer.clear();
    }
  }
  void commit() {
    m_file.write(m_buffer);
    m_file.commit();
  }

private:
  fs::AtomicFile m_file;
  std::string m_buffer;
};

std::vector<Hash> stored_hashes(store::AuditStore& audit_store, int64_t org_id, int64_t from,
                                int64_t to) {
  std::vector<Hash> hashes;
  for (const std::string& bytes : audit_store.event_hashes(org_id, from, to)) {
    hashes.push_back(hash_from_bytes(bytes).value_or(zero_hash()));
  }
  if (static_cast<int64_t>(hashes.size()) != to - from + 1) {
    throw IntegrityError(fmt::format("the audit log lacks events between {} and {}", from, to),
                         "run `velocity audit verify` to see which");
  }
  return hashes;
}

nlohmann::json hex_list(const std::vector<Hash>& hashes) {
  nlohmann::json list = nlohmann::json::array();
  for (const Hash& hash : hashes) {
    list.push_back(hex(hash));
  }
  return list;
}

void write_csv(Recorder& recorder, BufferedFile& out, const store::AuditEventQuery& query,
               ExportResult& result) {
  store::AuditStore audit_store(recorder.state().db());
  out.line("seq,time,category,actor,action,resource_type,resource_id,outcome,correlation_id,"
           "details,prev_hash,hash");
  audit_store.scan_events(recorder.org().id(), query, [&](const store::AuditEventRow& row) {
    const Event event = detail::require_event(recorder.org(), row);
    std::string line = std::to_string(row.seq);
    for (const std::string& field :
         {event.time, event.category, event.actor, event.action, event.resource_type,
          event.resource_id, event.outcome, event.correlation_id, event.details}) {
      line += ',';
      line += csv_field(field);
    }
    line += ',' + crypto::to_hex(row.prev_hash) + ',' + crypto::to_hex(row.hash);
    out.line(line);
    ++result.events;
    return true;
  });
}

} // namespace

std::string csv_field(std::string_view text) {
  std::string field(text);
  if (!field.empty() &&
      std::string_view("=+-@\t\r").find(field.front()) != std::string_view::npos) {
    field.insert(field.begin(), '\'');
  }
  if (field.find_first_of(",\"\r\n") == std::string::npos) {
    return field;
  }
  std::string quoted = "\"";
  for (const char c : field) {
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  quoted += '"';
  return quoted;
}

ExportResult export_log(Recorder& recorder, const std::filesystem::path& path, ExportFormat format,
                        const ExportRange& range, const std::optional<WitnessedHead>& witnessed) {
  if (format == ExportFormat::jsonl) {
    recorder.checkpoint();
  }
  const int64_t size = recorder.size();
  const int64_t from = range.from_seq.value_or(1);
  const int64_t to = range.to_seq.value_or(size);
  if (from < 1 || to < from || to > size) {
    throw UsageError(fmt::format("events {}..{} are not in the audit log of '{}', which has events "
                                 "1..{}",
                                 from, to, recorder.log_name(), size),
                     "choose --from-seq and --to-seq within the log");
  }
  ExportResult result{from, to, 0, 0, size};
  store::AuditEventQuery query;
  query.from_seq = from;
  query.to_seq = to;
  BufferedFile out(path);
  if (format == ExportFormat::csv) {
    write_csv(recorder, out, query, result);
    out.commit();
    return result;
  }

  const int64_t org_id = recorder.org().id();
  store::AuditStore audit_store(recorder.state().db());
  const std::vector<store::AuditHeadRow> heads = audit_store.heads(org_id);
  if (heads.empty() || heads.back().size != size) {
    throw IntegrityError(fmt::format("the audit log of '{}' has no signed tree head over its {} "
                                     "events",
                                     recorder.log_name(), size),
                         "run `velocity audit verify`");
  }
  const crypto::VerifyKey key = recorder.public_key();
  out.line(nlohmann::json{{"type", "audit_export"},
                          {"v", 1},
                          {"log", recorder.log_name()},
                          {"from_seq", from},
                          {"to_seq", to},
                          {"exported_at", time::to_iso8601(time::now())},
                          {"generator", "velocity " VELOCITY_VERSION}}
             .dump());
  out.line(nlohmann::json{{"type", "public_key"},
                          {"algorithm", "Ed25519"},
                          {"fingerprint", key.fingerprint()},
                          {"pem", key.to_pem()}}
             .dump());
  if (witnessed) {
    out.line(to_json(*witnessed).dump());
  }

  size_t next_head = 0;
  const auto write_heads_at = [&](int64_t at) {
    while (next_head < heads.size() && heads[next_head].size <= at) {
      const store::AuditHeadRow& h = heads[next_head++];
      if (h.size == at) {
        const TreeHead head{recorder.log_name(), h.size,
                            hash_from_bytes(h.root).value_or(zero_hash()), h.time, h.signature};
        out.line(to_line(head));
        ++result.heads;
      }
    }
  };
  if (from > 1) {
    merkle::Frontier prefix;
    for (const Hash& hash : stored_hashes(audit_store, org_id, 1, from - 1)) {
      prefix.append(hash);
    }
    out.line(nlohmann::json{
      {"type", "range_prefix"}, {"size", from - 1}, {"nodes", hex_list(prefix.nodes())}}
               .dump());
    write_heads_at(from - 1);
  }
  std::string line;
  audit_store.scan_events(org_id, query, [&](const store::AuditEventRow& row) {
    line.clear();
    write_canonical(detail::require_event(recorder.org(), row), line);
    out.line(line);
    ++result.events;
    write_heads_at(row.seq);
    return true;
  });
  if (to < size) {
    const std::vector<Hash> after = stored_hashes(audit_store, org_id, to + 1, size);
    out.line(
      nlohmann::json{{"type", "range_suffix"},
                     {"from", to},
                     {"tree_size", size},
                     {"nodes", hex_list(merkle::range_nodes(static_cast<uint64_t>(to), after))}}
        .dump());
    const store::AuditHeadRow& latest = heads.back();
    out.line(to_line(TreeHead{recorder.log_name(), latest.size,
                              hash_from_bytes(latest.root).value_or(zero_hash()), latest.time,
                              latest.signature}));
    ++result.heads;
  }
  ExportSeal seal{recorder.log_name(),
                  from,
                  to,
                  result.events,
                  result.heads,
                  size,
                  hash_from_bytes(heads.back().root).value_or(zero_hash()),
                  witnessed
                    ? std::optional(std::make_pair(witnessed->head.size, witnessed->head.root))
                    : std::nullopt,
                  time::to_iso8601(time::now()),
                  {}};
  recorder.sign(seal);
  out.line(to_line(seal));
  out.commit();
  return result;
}

} // namespace velocity::audit
