#include "chain.hpp"
#include "json_field.hpp"

#include <velocity/audit/verify.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace velocity::audit {

namespace {

constexpr size_t k_read_size = size_t{4} << 20;
// No event velocity writes comes near this; a longer line is not an export (/dev/zero, a binary).
constexpr size_t k_max_line_bytes = size_t{16} << 20;

// Hands out the lines of a file without their newline, reading it in large blocks so that the
// verifier's speed is bound by hashing, not by I/O calls.
class LineReader {
public:
  explicit LineReader(const std::filesystem::path& path) : m_path(path) {
    m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0) {
      fs::throw_read_error(path, errno);
    }
  }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  ~LineReader() { ::close(m_fd); }

  // The next line, or nothing at the end of the file. Valid until the next call.
  std::optional<std::string_view> next() {
    for (;;) {
      const char* begin = m_buffer.data() + m_pos;
      const size_t available = m_end - m_pos;
      if (const void* newline = std::memchr(begin, '\n', available); newline != nullptr) {
        const auto length = static_cast<size_t>(static_cast<const char*>(newline) - begin);
        m_pos += length + 1;
        ++m_line;
        return std::string_view(begin, length);
      }
      if (m_eof) {
        if (available == 0) {
          return std::nullopt;
        }
        m_pos = m_end;
        ++m_line;
        return std::string_view(begin, available);
      }
      fill();
    }
  }

  int64_t line() const noexcept { return m_line; }

private:
  void fill() {
    // Keep the partial line, then read behind it.
    const size_t kept = m_end - m_pos;
    if (kept > k_max_line_bytes) {
      throw UsageError(fmt::format("line {} of {} is longer than an audit event can be ({} bytes "
                                   "without a line break)",
                                   m_line + 1, m_path.string(), kept),
                       "give the file `velocity audit export --format jsonl` wrote");
    }
    if (m_pos > 0) {
      std::memmove(m_buffer.data(), m_buffer.data() + m_pos, kept);
    }
    m_pos = 0;
    m_end = kept;
    if (m_buffer.size() < kept + k_read_size) {
      m_buffer.resize(kept + k_read_size);
    }
    for (;;) {
      const ssize_t got = ::read(m_fd, m_buffer.data() + m_end, m_buffer.size() - m_end);
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got < 0) {
        throw UsageError(fmt::format("cannot read {}: {}", m_path.string(), std::strerror(errno)));
      }
      if (got == 0) {
        m_eof = true;
      }
      m_end += static_cast<size_t>(got);
      return;
    }
  }

  std::filesystem::path m_path;
  int m_fd = -1;
  std::string m_buffer;
  size_t m_pos = 0;
  size_t m_end = 0;
  bool m_eof = false;
  int64_t m_line = 0;
};

std::optional<nlohmann::json> parse_record(std::string_view line) {
  auto json = nlohmann::json::parse(line, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("type") ||
      !json["type"].is_string()) {
    return std::nullopt;
  }
  return json;
}

std::optional<std::vector<Hash>> hashes_of(const nlohmann::json& record, const char* name) {
  const auto it = record.find(name);
  if (it == record.end() || !it->is_array()) {
    return std::nullopt;
  }
  std::vector<Hash> hashes;
  for (const auto& item : *it) {
    const auto hash = item.is_string() ? hash_from_hex(item.get<std::string>()) : std::nullopt;
    if (!hash) {
      return std::nullopt;
    }
    hashes.push_back(*hash);
  }
  return hashes;
}

// The state of one export's verification, fed line by line.
class ExportCheck {
public:
  ExportCheck(const crypto::VerifyKey& key, VerifyResult& result) : m_key(key), m_result(result) {}

  void run(LineReader& reader) {
    if (!header(reader) || !public_key(reader)) {
      return;
    }
    while (!m_result.failure) {
      const auto line = reader.next();
      if (!line) {
        break;
      }
      if (line->empty()) {
        continue;
      }
      line_of(*line, reader.line());
      absorb_failure();
    }
    end(reader.line());
    absorb_failure();
  }

private:
  void fail(Problem problem, std::optional<int64_t> seq, std::string message) {
    if (!m_result.failure) {
      m_result.failure = Failure{problem, seq, std::move(message)};
    }
  }

  void absorb_failure() {
    if (m_walker && m_walker->failure() && !m_result.failure) {
      m_result.failure = m_walker->failure();
    }
  }

  bool header(LineReader& reader) {
    const auto line = reader.next();
    const auto record = line ? parse_record(*line) : std::nullopt;
    if (!record || (*record)["type"] != "audit_export" ||
        detail::json_field<int64_t>(*record, "v") != 1) {
      fail(Problem::malformed, std::nullopt,
           "line 1 is not the header of a velocity audit export: this is not an export, or its "
           "header was changed");
      return false;
    }
    m_result.log = detail::json_field<std::string>(*record, "log").value_or("");
    return true;
  }

  bool public_key(LineReader& reader) {
    const auto line = reader.next();
    const auto record = line ? parse_record(*line) : std::nullopt;
    const auto key =
      record && (*record)["type"] == "public_key"
        ? crypto::VerifyKey::from_pem(detail::json_field<std::string>(*record, "pem").value_or(""))
        : std::nullopt;
    if (!key) {
      fail(Problem::malformed, std::nullopt,
           "line 2 is not the export's public key record: it was changed or removed");
      return false;
    }
    m_result.key_fingerprint = m_key.fingerprint();
    if (key->raw() != m_key.raw()) {
      fail(Problem::resigned, std::nullopt,
           fmt::format("the export's public key ({}) is not the key given with --pubkey ({}): its "
                       "tree heads were re-signed with another key",
                       key->fingerprint(), m_key.fingerprint()));
      return false;
    }
    return true;
  }

  detail::ChainWalker& walker(int64_t first_seq = 1, merkle::Frontier start = {}) {
    if (!m_walker) {
      m_walker.emplace(detail::Source::file, first_seq, std::move(start));
    }
    return *m_walker;
  }

  void line_of(std::string_view line, int64_t number) {
    if (m_sealed) {
      fail(Problem::inserted, std::nullopt,
           fmt::format("line {} comes after the export's signed seal: it was added", number));
      return;
    }
    if (looks_like_event(line)) {
      event_line(line, number);
      return;
    }
    const auto record = parse_record(line);
    const std::string type = record ? (*record)["type"].get<std::string>() : std::string();
    if (type == "tree_head") {
      head_line(*record, number);
    } else if (type == "witness" && !m_walker && !m_result.witness) {
      witness_line(*record, number);
    } else if (type == "range_prefix" && !m_walker) {
      const auto size = detail::json_field<int64_t>(*record, "size");
      const auto nodes = hashes_of(*record, "nodes");
      std::string bytes;
      for (const Hash& node : nodes.value_or(std::vector<Hash>{})) {
        bytes += crypto::to_bytes(node);
      }
      auto frontier = size && *size > 0 && nodes
                        ? merkle::Frontier::from_bytes(static_cast<uint64_t>(*size), bytes)
                        : std::nullopt;
      if (!frontier) {
        fail(Problem::malformed, std::nullopt,
             fmt::format("line {}: the range prefix is malformed: it was changed", number));
        return;
      }
      check_witnessed_root(walker(*size + 1, std::move(*frontier)).frontier());
    } else if (type == "range_suffix" && !m_suffixed) {
      suffix_line(*record, number);
    } else if (type == "export_seal") {
      seal_line(*record, number);
    } else {
      fail(Problem::malformed, std::nullopt,
           fmt::format("line {} is not a record velocity writes here: it was inserted or changed",
                       number));
    }
  }

  void event_line(std::string_view line, int64_t number) {
    if (m_suffixed) {
      fail(Problem::reordered, std::nullopt,
           fmt::format("line {}: an event after the range suffix: lines were moved", number));
      return;
    }
    if (m_head_ahead) {
      head_ahead_fails(false);
      return;
    }
    const auto prefix = read_event_prefix(line);
    if (!prefix) {
      fail(Problem::changed, std::nullopt,
           fmt::format("line {} is an event that is no longer in canonical form: it was edited",
                       number));
      return;
    }
    detail::Seen seen;
    seen.seq = prefix->seq;
    seen.prev = prefix->prev;
    seen.hash = event_hash(line, m_scratch);
    seen.line = number;
    walker().add(seen);
    check_witnessed_root(walker().frontier());
  }

  // The head the witness saw last (line 3, when the export carries one): signed with the
  // export's key, and the export's log must extend to it.
  void witness_line(const nlohmann::json& record, int64_t number) {
    std::string fault;
    auto witnessed = witnessed_from_json(record, &fault);
    if (!witnessed) {
      fail(
        Problem::malformed, std::nullopt,
        fmt::format("line {}: the witnessed head is malformed: {}: it was changed", number, fault));
      return;
    }
    if (witnessed->key_fingerprint != m_key.fingerprint()) {
      fail(Problem::replaced, std::nullopt,
           fmt::format("the witnessed head the export carries (line {}) was signed with key {}, "
                       "not the log's key {}: the log was started over after the witness saw {} "
                       "events signed at {}",
                       number, witnessed->key_fingerprint, m_key.fingerprint(),
                       witnessed->head.size, witnessed->head.time));
      return;
    }
    if (!signature_valid(witnessed->head, m_key)) {
      fail(Problem::forged_head, std::nullopt,
           fmt::format("the witnessed head the export carries (line {}) does not verify with key "
                       "{}: it was forged or altered",
                       number, m_key.fingerprint()));
      return;
    }
    m_result.witness = std::move(*witnessed);
  }

  // Compares the root of the first witnessed-size events with the witnessed root, once the
  // export's tree has exactly that many.
  void check_witnessed_root(const merkle::Frontier& tree) {
    if (!m_result.witness || tree.size() != static_cast<uint64_t>(m_result.witness->head.size)) {
      return;
    }
    m_result.witnessed_root = tree.root();
    if (*m_result.witnessed_root != m_result.witness->head.root) {
      const WitnessedHead& seen = *m_result.witness;
      fail(Problem::rolled_back, std::nullopt,
           fmt::format("the export's first {} events do not hash to the root of the witnessed "
                       "head it carries (signed at {}): the log was rolled back and rewritten "
                       "before it was exported",
                       seen.head.size, seen.head.time));
    }
  }

  void head_line(const nlohmann::json& record, int64_t number) {
    std::string fault;
    const auto head = head_from_json(record, &fault);
    const std::string where = fmt::format(" at line {}", number);
    if (!head) {
      fail(Problem::forged_head, std::nullopt,
           fmt::format("the tree head at line {} is malformed: {}: it was changed", number, fault));
      return;
    }
    if (m_head_ahead) {
      head_ahead_fails(true); // no event follows the first such head
      return;
    }
    detail::ChainWalker& w = walker();
    if (m_suffixed) {
      w.check_head(*head, m_key, where, &*m_suffixed);
      return;
    }
    if (w.pending() || static_cast<uint64_t>(head->size) == w.frontier().size()) {
      w.check_head(*head, m_key, where);
      return;
    }
    if (!signature_valid(*head, m_key)) {
      w.check_head(*head, m_key, where); // reports the bad signature
      return;
    }
    if (static_cast<uint64_t>(head->size) > w.frontier().size()) {
      m_head_ahead = std::make_pair(*head, number);
      return;
    }
    fail(
      Problem::reordered, std::nullopt,
      fmt::format("the tree head at line {} covers {} events but comes after event {}: lines were "
                  "moved",
                  number, head->size, w.next_seq() - 1));
  }

  // A validly signed head covers events that are not before it: they were deleted.
  void head_ahead_fails(bool at_end) {
    const auto& [head, number] = *m_head_ahead;
    const int64_t have = walker().next_seq() - 1;
    const std::string events = have + 1 == head.size
                                 ? fmt::format("event {} was", head.size)
                                 : fmt::format("events {}..{} were", have + 1, head.size);
    fail(at_end ? Problem::deleted_tail : Problem::deleted, have + 1,
         fmt::format("{} deleted{}: the signed tree head at line {} covers {} events, only {} come "
                     "before it",
                     events, at_end ? " at the tail" : "", number, head.size, have));
  }

  void suffix_line(const nlohmann::json& record, int64_t number) {
    detail::ChainWalker& w = walker();
    w.finish();
    if (w.failure()) {
      return;
    }
    if (m_head_ahead) {
      head_ahead_fails(true);
      return;
    }
    const auto from = detail::json_field<int64_t>(record, "from");
    const auto size = detail::json_field<int64_t>(record, "tree_size");
    const auto nodes = hashes_of(record, "nodes");
    if (!from || !size || !nodes || *from < 0 || *size <= *from ||
        merkle::range_levels(static_cast<uint64_t>(*from), static_cast<uint64_t>(*size)).size() !=
          nodes->size()) {
      fail(Problem::malformed, std::nullopt,
           fmt::format("line {}: the range suffix is malformed: it was changed", number));
      return;
    }
    if (static_cast<uint64_t>(*from) != w.frontier().size()) {
      const int64_t have = w.next_seq() - 1;
      fail(Problem::deleted_tail, have + 1,
           fmt::format("{} deleted at the tail: the export's range suffix (line {}) starts after "
                       "event {}",
                       have + 1 == *from ? fmt::format("event {} was", *from)
                                         : fmt::format("events {}..{} were", have + 1, *from),
                       number, *from));
      return;
    }
    merkle::Frontier frontier = w.frontier();
    const auto levels =
      merkle::range_levels(static_cast<uint64_t>(*from), static_cast<uint64_t>(*size));
    for (size_t i = 0; i < levels.size(); ++i) {
      frontier.append_subtree((*nodes)[i], levels[i]);
    }
    m_suffixed = std::move(frontier);
  }

  void seal_line(const nlohmann::json& record, int64_t number) {
    detail::ChainWalker& w = walker();
    w.finish();
    if (w.failure()) {
      return;
    }
    if (m_head_ahead) {
      head_ahead_fails(true);
      return;
    }
    std::string fault;
    const auto seal = seal_from_json(record, &fault);
    if (!seal) {
      fail(
        Problem::forged_head, std::nullopt,
        fmt::format("line {}: the export's seal is malformed: {}: it was changed", number, fault));
      return;
    }
    if (!signature_valid(*seal, m_key)) {
      fail(Problem::forged_head, std::nullopt,
           fmt::format("the export's seal (line {}) does not verify with key {}: it was forged or "
                       "altered, or re-signed with another key",
                       number, m_key.fingerprint()));
      return;
    }
    m_sealed = true;
    m_result.log = seal->log;
    const int64_t last = w.next_seq() - 1;
    if (seal->to_seq > last) {
      fail(Problem::deleted_tail, last + 1,
           fmt::format("{} deleted at the tail: the export's signed seal covers events up to {}",
                       last + 1 == seal->to_seq
                         ? fmt::format("event {} was", last + 1)
                         : fmt::format("events {}..{} were", last + 1, seal->to_seq),
                       seal->to_seq));
      return;
    }
    if (seal->from_seq != w.first_seq() || seal->to_seq != last || seal->events != w.events()) {
      fail(Problem::inserted, std::nullopt,
           fmt::format("the export holds events {}..{} ({}), its signed seal says {}..{} ({}): "
                       "events were added or removed",
                       w.first_seq(), last, w.events(), seal->from_seq, seal->to_seq,
                       seal->events));
      return;
    }
    if (seal->heads != w.heads()) {
      fail(Problem::deleted, std::nullopt,
           fmt::format("the export holds {} tree heads, its signed seal counts {}: tree heads were "
                       "removed or added",
                       w.heads(), seal->heads));
      return;
    }
    const merkle::Frontier& tree = m_suffixed ? *m_suffixed : w.frontier();
    if (tree.size() != static_cast<uint64_t>(seal->tree_size) || tree.root() != seal->root) {
      fail(Problem::changed, std::nullopt,
           fmt::format("the events do not hash to the root the export's seal signs (tree of {} "
                       "events): events were changed and the chain recomputed",
                       seal->tree_size));
      return;
    }
    check_seal_witness(*seal, tree);
  }

  // The witnessed head the seal signs must be the one the export carries, and the export's log
  // must reach it.
  void check_seal_witness(const ExportSeal& seal, const merkle::Frontier& tree) {
    const auto& carried = m_result.witness;
    if (seal.witness && !carried) {
      fail(Problem::deleted, std::nullopt,
           fmt::format("the export's signed seal names a witnessed head of {} events that the "
                       "export does not carry: its witness record was removed",
                       seal.witness->first));
      return;
    }
    if (!carried) {
      return;
    }
    if (!seal.witness || seal.witness->first != carried->head.size ||
        seal.witness->second != carried->head.root) {
      fail(Problem::inserted, std::nullopt,
           "the witnessed head the export carries is not the one its signed seal names: the "
           "witness record was added or replaced");
      return;
    }
    if (seal.tree_size < carried->head.size) {
      fail(Problem::rolled_back, std::nullopt,
           fmt::format("the export's log ends at event {}, but the witness it carries saw {} "
                       "events signed at {}: the log was rolled back or cut short before it was "
                       "exported",
                       seal.tree_size, carried->head.size, carried->head.time));
      return;
    }
    check_witnessed_root(tree);
  }

  void end(int64_t lines) {
    detail::ChainWalker& w = walker();
    if (!m_result.failure) {
      w.finish();
      absorb_failure();
    }
    if (!m_result.failure && m_head_ahead) {
      head_ahead_fails(true);
    }
    if (!m_result.failure && !m_sealed) {
      fail(
        Problem::deleted_tail, std::nullopt,
        fmt::format("the export ends at line {} without its signed seal: it was truncated", lines));
    }
    m_result.events_checked = w.events();
    m_result.first_seq = w.events() > 0 ? w.first_seq() : 0;
    m_result.last_seq = w.events() > 0 ? w.next_seq() - 1 : 0;
    m_result.heads_checked = w.heads();
    m_result.latest_head = w.latest_head();
  }

  const crypto::VerifyKey& m_key;
  VerifyResult& m_result;
  std::optional<detail::ChainWalker> m_walker;
  std::optional<merkle::Frontier> m_suffixed;
  std::optional<std::pair<TreeHead, int64_t>> m_head_ahead;
  bool m_sealed = false;
  std::string m_scratch;
};

} // namespace

VerifyResult verify_export(const std::filesystem::path& file, const crypto::VerifyKey& key) {
  LineReader reader(file);
  VerifyResult result;
  ExportCheck check(key, result);
  check.run(reader);
  return result;
}

} // namespace velocity::audit
