#include "json_field.hpp"

#include <velocity/audit/witness.hpp>
#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/input_limits.hpp>
#include <velocity/core/time.hpp>
#include <velocity/store/audit_store.hpp>

#include <fmt/format.h>

namespace velocity::audit {

namespace {

constexpr std::string_view k_file_name = "audit-witness.json";
constexpr std::string_view k_type = "velocity_audit_witness";

std::string absolute_path(const std::filesystem::path& path) {
  std::error_code ec;
  const auto canonical = std::filesystem::weakly_canonical(std::filesystem::absolute(path), ec);
  return ec ? std::filesystem::absolute(path).string() : canonical.string();
}

IntegrityError not_a_witness(const std::filesystem::path& file, std::string_view why) {
  return IntegrityError(
    fmt::format("the audit witness {} is not a witness file velocity wrote: {}", file.string(),
                why),
    "restore it from a backup; moving it away starts a new witness, and the logs are then no "
    "longer checked against what it saw");
}

std::optional<std::string> optional_text(const nlohmann::json& record, const char* name) {
  const auto it = record.find(name);
  if (it == record.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

Witness parse(const std::filesystem::path& file, const std::string& text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || detail::json_field<std::string>(json, "type") != k_type ||
      detail::json_field<int>(json, "v") != 1 || !json.contains("states") ||
      !json["states"].is_object()) {
    throw not_a_witness(file, "its header is missing or changed");
  }
  Witness witness;
  for (const auto& [id, state] : json["states"].items()) {
    const auto path = state.is_object() ? optional_text(state, "state") : std::nullopt;
    if (!path || !state.contains("logs") || !state["logs"].is_object()) {
      throw not_a_witness(file, fmt::format("the record of state {} is malformed", id));
    }
    WitnessedState record{*path, optional_text(state, "replaced_at"), {}};
    for (const auto& [name, log] : state["logs"].items()) {
      std::string fault;
      auto latest = witnessed_from_json(log, &fault);
      if (!latest) {
        throw not_a_witness(file,
                            fmt::format("the record of log '{}' is malformed: {}", name, fault));
      }
      if (latest->head.log != name) {
        throw not_a_witness(
          file, fmt::format("the record of log '{}' names log '{}'", name, latest->head.log));
      }
      record.logs.emplace(name, WitnessedLog{std::move(*latest), optional_text(log, "deleted_at")});
    }
    witness.states.emplace(id, std::move(record));
  }
  return witness;
}

std::string serialise(const Witness& witness) {
  nlohmann::json states = nlohmann::json::object();
  for (const auto& [id, state] : witness.states) {
    nlohmann::json logs = nlohmann::json::object();
    for (const auto& [name, log] : state.logs) {
      nlohmann::json record = to_json(log.latest);
      if (log.deleted_at) {
        record["deleted_at"] = *log.deleted_at;
      }
      logs[name] = std::move(record);
    }
    nlohmann::json record = {{"state", state.path}, {"logs", std::move(logs)}};
    if (state.replaced_at) {
      record["replaced_at"] = *state.replaced_at;
    }
    states[id] = std::move(record);
  }
  return nlohmann::json{{"type", k_type}, {"v", 1}, {"states", std::move(states)}}.dump(2) + "\n";
}

// Runs `change` on the witness at `file` under its lock and writes it back when `change` says it
// changed it.
template <typename Change> void update(const std::filesystem::path& file, Change change) {
  fs::create_private_directories(file.parent_path());
  const fs::FileLock lock(file.string() + ".lock");
  Witness witness = read_witness(file).value_or(Witness{});
  if (change(witness)) {
    fs::write_file_atomic(file, serialise(witness), fs::Mode::private_file);
  }
}

std::string events(int64_t size) {
  return fmt::format("{} event{}", size, size == 1 ? "" : "s");
}

// "saw 42 events signed at TIME": the witnessed head in words.
std::string saw(const WitnessedHead& seen) {
  return fmt::format("saw {} signed at {}", events(seen.head.size), seen.head.time);
}

// Checks log `name` of the state in `db`, whose organisation is `org` (nothing when it has none),
// from its row alone: gone, another key, shorter than the witness saw.
std::optional<Failure> check_other_log(store::Database& db,
                                       const std::optional<store::OrgInfo>& org,
                                       const std::string& name, const WitnessedLog& log,
                                       const std::string& file) {
  const WitnessedHead& seen = log.latest;
  const auto row = org ? store::AuditStore(db).find_log(org->id) : std::nullopt;
  if (!row) {
    return Failure{Problem::gone, std::nullopt,
                   fmt::format("the audit log of '{}' is gone{}: the witness at {} {}", name,
                               org ? "" : " with its organisation", file, saw(seen))};
  }
  const auto key = crypto::VerifyKey::from_raw(row->public_key);
  if (!key || key->fingerprint() != seen.key_fingerprint) {
    return Failure{Problem::replaced, std::nullopt,
                   fmt::format("the audit log of '{}' was replaced by a new one with another key: "
                               "the witness at {} {} with key {}",
                               name, file, saw(seen), seen.key_fingerprint)};
  }
  if (row->tail.size < seen.head.size) {
    return Failure{Problem::rolled_back, std::nullopt,
                   fmt::format("the audit log of '{}' was rolled back: it has {}, the witness at "
                               "{} {}",
                               name, events(row->tail.size), file, saw(seen))};
  }
  return std::nullopt;
}

} // namespace

std::filesystem::path witness_location(const std::filesystem::path& state_path,
                                       const std::optional<std::filesystem::path>& key_file) {
  if (auto file = env::get("VELOCITY_WITNESS_FILE")) {
    return std::filesystem::absolute(*file);
  }
  const std::filesystem::path beside = key_file ? *key_file : state_path;
  return std::filesystem::absolute(beside).parent_path() / k_file_name;
}

std::filesystem::path witness_location(const std::filesystem::path& state_path,
                                       const crypto::MasterKey& key) {
  const bool from_file =
    key.origin == crypto::KeyOrigin::key_file || key.origin == crypto::KeyOrigin::default_key_file;
  return witness_location(state_path, from_file ? std::optional(key.file) : std::nullopt);
}

std::optional<Witness> read_witness(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    return std::nullopt;
  }
  return parse(file, fs::read_file(file, limits::witness_file));
}

std::vector<std::string> advance_witness(const std::filesystem::path& file, store::State& state,
                                         const WitnessChanges& changes) {
  std::vector<std::string> refused;
  update(file, [&](Witness& witness) {
    store::AuditStore audit_store(state.db());
    const std::string id = audit_store.ensure_state_id(crypto::to_hex(crypto::random_bytes(16)));
    const std::string path = absolute_path(state.path());
    bool changed = false;
    auto it = witness.states.find(id);
    if (it != witness.states.end() && it->second.replaced_at) {
      refused.push_back(fmt::format(
        "the audit witness {} records that `init` replaced this state at {}: its heads are not "
        "recorded; run `velocity audit verify`",
        file.string(), *it->second.replaced_at));
      return false;
    }
    if (it == witness.states.end()) {
      for (const auto& [other_id, other] : witness.states) {
        if (other.path == path && !other.replaced_at) {
          refused.push_back(fmt::format(
            "the audit witness {} knows another state at {} (id {}): this one's heads are not "
            "recorded; run `velocity audit verify`",
            file.string(), path, other_id));
          return false;
        }
      }
      it = witness.states.emplace(id, WitnessedState{path, std::nullopt, {}}).first;
      changed = true;
    }
    WitnessedState& record = it->second;
    if (record.path != path) {
      record.path = path;
      changed = true;
    }
    const std::string now = time::to_iso8601(time::now());
    for (const std::string& name : changes.deleted) {
      const auto log = record.logs.find(name);
      if (log != record.logs.end() && !log->second.deleted_at) {
        log->second.deleted_at = now;
        changed = true;
      }
    }
    for (const Recorder* recorder : changes.appended) {
      const std::string& name = recorder->log_name();
      const auto org = state.find_org(name);
      const auto row = org ? audit_store.latest_head(org->id) : std::nullopt;
      if (!row) {
        continue;
      }
      const crypto::VerifyKey key = recorder->public_key();
      const TreeHead head{name, row->size, hash_from_bytes(row->root).value_or(zero_hash()),
                          row->time, row->signature};
      if (!signature_valid(head, key)) {
        refused.push_back(fmt::format("the latest tree head of the audit log of '{}' does not "
                                      "verify: not recorded in the witness; run `velocity --org "
                                      "{} audit verify`",
                                      name, name));
        continue;
      }
      WitnessedLog latest{WitnessedHead{key.fingerprint(), head, now}, std::nullopt};
      auto log = record.logs.find(name);
      if (log == record.logs.end() || log->second.deleted_at) {
        record.logs.insert_or_assign(name, std::move(latest));
        changed = true;
        continue;
      }
      const WitnessedHead& seen = log->second.latest;
      if (seen.key_fingerprint != latest.latest.key_fingerprint) {
        refused.push_back(fmt::format(
          "the audit log of '{}' is signed with key {}, but the witness at {} {} with key {}: its "
          "head is not recorded; run `velocity --org {} audit verify`",
          name, latest.latest.key_fingerprint, file.string(), saw(seen), seen.key_fingerprint,
          name));
        continue;
      }
      const auto at_seen = audit_store.head_at(org->id, seen.head.size);
      if (!at_seen || at_seen->root != crypto::to_bytes(seen.head.root)) {
        refused.push_back(fmt::format(
          "the audit log of '{}' does not extend the head the witness at {} {}: its head is not "
          "recorded; run `velocity --org {} audit verify`",
          name, file.string(), saw(seen), name));
        continue;
      }
      if (head.size > seen.head.size) {
        log->second = std::move(latest);
        changed = true;
      }
    }
    return changed;
  });
  return refused;
}

int retire_witnessed_state(const std::filesystem::path& file,
                           const std::filesystem::path& state_path) {
  if (!read_witness(file)) {
    return 0;
  }
  const std::string path = absolute_path(state_path);
  int retired = 0;
  update(file, [&](Witness& witness) {
    for (auto& [id, state] : witness.states) {
      if (state.path == path && !state.replaced_at) {
        state.replaced_at = time::to_iso8601(time::now());
        ++retired;
      }
    }
    return retired > 0;
  });
  return retired;
}

StateWitness witness_of(store::State& state, const std::filesystem::path& file) {
  StateWitness result;
  result.file = file;
  const auto witness = read_witness(file);
  if (!witness) {
    return result;
  }
  result.file_found = true;
  const auto id = store::AuditStore(state.db()).state_id();
  const std::string path = absolute_path(state.path());
  if (id) {
    if (const auto it = witness->states.find(*id); it != witness->states.end()) {
      result.record = it->second;
      if (!it->second.replaced_at) {
        return result;
      }
    }
  }
  for (const auto& [other_id, other] : witness->states) {
    if (other.path == path && !other.replaced_at && other_id != id) {
      size_t live = 0;
      for (const auto& [name, log] : other.logs) {
        live += log.deleted_at ? 0 : 1;
      }
      result.replaced = fmt::format(
        "the state at {} is not the state the witness at {} saw there (id {}, {} audit log{}): the "
        "state file was replaced by another one, or its id was changed",
        path, file.string(), other_id, live, live == 1 ? "" : "s");
      if (result.record) {
        *result.replaced += fmt::format(": this is the state that `init` replaced at {}",
                                        *result.record->replaced_at);
      }
      return result;
    }
  }
  return result;
}

std::optional<WitnessedHead> witnessed_head(const StateWitness& witness, const std::string& log) {
  if (!witness.record) {
    return std::nullopt;
  }
  const auto it = witness.record->logs.find(log);
  if (it == witness.record->logs.end() || it->second.deleted_at) {
    return std::nullopt;
  }
  return it->second.latest;
}

std::optional<int64_t> witnessed_size(const StateWitness& witness, const std::string& log) {
  const auto head = witnessed_head(witness, log);
  return head ? std::optional(head->head.size) : std::nullopt;
}

void check_witness(const StateWitness& witness, store::State& state, VerifyResult& result) {
  const std::string file = witness.file.string();
  const auto fail = [&](Problem problem, std::string message) {
    if (!result.failure) {
      result.failure = Failure{problem, std::nullopt, std::move(message)};
    }
  };
  if (!witness.file_found) {
    result.warnings.push_back(fmt::format(
      "no audit witness at {}: the log cannot be checked for deletion or rollback (a first run, a "
      "new machine, or the file was removed); the next command that writes to the log starts it",
      file));
    return;
  }
  if (witness.replaced) {
    fail(Problem::replaced, *witness.replaced);
    return;
  }
  if (!witness.record) {
    result.warnings.push_back(
      fmt::format("the audit witness {} has no record of this state yet: the next command that "
                  "writes to the log records it",
                  file));
    return;
  }
  for (const auto& [name, log] : witness.record->logs) {
    if (log.deleted_at) {
      continue;
    }
    if (name != result.log) {
      if (auto failure = check_other_log(state.db(), state.find_org(name), name, log, file)) {
        fail(failure->problem, std::move(failure->message));
      }
      continue;
    }
    const WitnessedHead& seen = log.latest;
    result.witness = seen;
    if (result.key_fingerprint.empty()) {
      fail(Problem::gone, fmt::format("the audit log of '{}' is gone: the witness at {} {}", name,
                                      file, saw(seen)));
    } else if (result.key_fingerprint != seen.key_fingerprint) {
      fail(Problem::replaced,
           fmt::format("the audit log of '{}' was replaced by a new one with key {}: the witness "
                       "at {} {} with key {}",
                       name, result.key_fingerprint, file, saw(seen), seen.key_fingerprint));
    } else if (result.last_seq < seen.head.size) {
      fail(Problem::rolled_back,
           fmt::format("the audit log of '{}' was rolled back: it has {}, the witness at {} {}",
                       name, events(result.last_seq), file, saw(seen)));
    } else if (result.witnessed_root && *result.witnessed_root != seen.head.root) {
      fail(Problem::rolled_back,
           fmt::format("the audit log of '{}' was rolled back and rewritten: its first {} do not "
                       "hash to the root the witness at {} {}",
                       name, events(seen.head.size), file, saw(seen)));
    }
  }
}

std::vector<RestoreRollback> restore_rollbacks(const std::filesystem::path& file,
                                               store::StagedRestore& staged) {
  std::vector<RestoreRollback> rollbacks;
  const auto witness = read_witness(file);
  const auto id = store::AuditStore(staged.copy()).state_id();
  if (!witness || !id) {
    return rollbacks;
  }
  const auto it = witness->states.find(*id);
  if (it == witness->states.end()) {
    return rollbacks;
  }
  store::AuditStore audit_store(staged.copy());
  for (const auto& [name, log] : it->second.logs) {
    if (log.deleted_at) {
      continue;
    }
    const auto org = staged.find_org(name);
    const auto row = org ? audit_store.find_log(org->id) : std::nullopt;
    const int64_t size = row ? row->tail.size : 0;
    const WitnessedHead& seen = log.latest;
    if (auto failure = check_other_log(staged.copy(), org, name, log, file.string())) {
      rollbacks.push_back({name, seen, size, std::move(failure->message)});
      continue;
    }
    const auto at_seen = audit_store.head_at(org->id, seen.head.size);
    if (!at_seen || at_seen->root != crypto::to_bytes(seen.head.root)) {
      rollbacks.push_back(
        {name, seen, size,
         fmt::format("the audit log of '{}' was rolled back and rewritten: its first {} do not "
                     "hash to the root the witness at {} {}",
                     name, events(seen.head.size), file.string(), saw(seen))});
    }
  }
  return rollbacks;
}

int record_restore(const std::filesystem::path& file, const std::optional<std::string>& state_id,
                   const std::filesystem::path& state_path,
                   const std::vector<RestoreRollback>& accepted) {
  if (!read_witness(file)) {
    return 0;
  }
  const std::string path = absolute_path(state_path);
  int replaced = 0;
  update(file, [&](Witness& witness) {
    bool changed = false;
    const std::string now = time::to_iso8601(time::now());
    for (auto& [id, state] : witness.states) {
      if (id == state_id) {
        changed = changed || state.replaced_at.has_value();
        state.replaced_at.reset();
        for (const RestoreRollback& rollback : accepted) {
          changed = state.logs.erase(rollback.log) > 0 || changed;
        }
      } else if (state.path == path && !state.replaced_at) {
        state.replaced_at = now;
        ++replaced;
        changed = true;
      }
    }
    return changed;
  });
  return replaced;
}

} // namespace velocity::audit
