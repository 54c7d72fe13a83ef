#pragma once

#include <velocity/audit/recorder.hpp>
#include <velocity/audit/tree_head.hpp>
#include <velocity/audit/verify.hpp>
#include <velocity/store/backup.hpp>
#include <velocity/store/state.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

// The audit witness: the latest signed tree head of each organisation's log, kept in a file
// outside the state (docs/audit-format.md, "The witness"), so that deleting a log from the state,
// starting it over with a new key, or restoring an older copy of the state does not pass
// `audit verify`, as transparency logs anchor theirs with checkpoints held by witnesses.
//
// The file holds the records of every state that writes to it, by the state's random id:
//   {"type":"velocity_audit_witness","v":1,"states":{"<id>":{"state":"/abs/velocity.db",
//    "logs":{"acme":{"type":"witness","v":1,"log":"acme","size":42,"root":..,"time":..,
//    "signature":..,"key_fingerprint":..,"witnessed_at":..}, "old":{..,"deleted_at":..}}}}}
// Every change is made under an flock on FILE.lock and written atomically; a log's record only
// ever moves forward to a head that extends it.
namespace velocity::audit {

// One log as the witness saw it last.
struct WitnessedLog {
  WitnessedHead latest;
  std::optional<std::string> deleted_at; // `org delete` or `demo --reset` removed it on purpose
};

// What the witness knows of one state.
struct WitnessedState {
  std::string path;                         // where the state was when last witnessed
  std::optional<std::string> replaced_at;   // `init` made another state at that path
  std::map<std::string, WitnessedLog> logs; // by log (organisation) name
};

struct Witness {
  std::map<std::string, WitnessedState> states; // by state id
};

// Where the witness of the state at `state_path` lives: $VELOCITY_WITNESS_FILE when set, else
// audit-witness.json beside the master key file when the key comes from a file (`key_file`),
// else beside the state file.
std::filesystem::path witness_location(const std::filesystem::path& state_path,
                                       const std::optional<std::filesystem::path>& key_file);
// The same for a state opened with `key`: beside its file when it came from one.
std::filesystem::path witness_location(const std::filesystem::path& state_path,
                                       const crypto::MasterKey& key);

// Reads the witness at `file`; nothing when there is none. Throws IntegrityError when the file is
// there but is not a witness.
std::optional<Witness> read_witness(const std::filesystem::path& file);

// What one command did to the logs, for the witness.
struct WitnessChanges {
  std::vector<std::string> deleted;      // organisations deleted on purpose in this run
  std::vector<const Recorder*> appended; // the logs this run appended to and signed
};

// Records `changes` in the witness at `file` for `state` (giving the state its id on first use):
// a deleted organisation's log is marked deleted; each appended log's latest signed head replaces
// the recorded one when it extends it (same key, a head of the recorded size with the recorded
// root). Returns what it refused to record, and why: a log whose key changed or that does not
// extend its record is left for `audit verify` to report.
std::vector<std::string> advance_witness(const std::filesystem::path& file, store::State& state,
                                         const WitnessChanges& changes);

// Marks every record of a state at `state_path` as replaced (`init` made a new state there): the
// old records are kept, and no longer expected to match. Returns how many records it marked.
int retire_witnessed_state(const std::filesystem::path& file,
                           const std::filesystem::path& state_path);

// What the witness at `file` says about `state`.
struct StateWitness {
  std::filesystem::path file;
  bool file_found = false;
  std::optional<WitnessedState> record;
  // Set when the witness knows another, live state at this state's path: this one replaced it.
  std::optional<std::string> replaced;
};

StateWitness witness_of(store::State& state, const std::filesystem::path& file);

// The head the witness saw last of `log` in this state, unless the log was deleted on purpose.
std::optional<WitnessedHead> witnessed_head(const StateWitness& witness, const std::string& log);

// The size whose root verify_state should report for `log`: the witnessed one.
std::optional<int64_t> witnessed_size(const StateWitness& witness, const std::string& log);

// Checks `result`, the verification of its log in `state` (verify_state asked for the root at
// witnessed_size), against the witness: a log gone from the state, signed with another key,
// shorter than its witnessed head or whose tree at that size has another root fails (exit 5), as
// does any other log the witness knows that is gone from the state. A missing witness, or one
// without a record of this state, is a warning.
void check_witness(const StateWitness& witness, store::State& state, VerifyResult& result);

// A log that restoring a backup would roll back: the witness saw it further than the backup holds
// it (or with another key, or other events at the size it saw).
struct RestoreRollback {
  std::string log;
  WitnessedHead seen;
  int64_t restored_size; // events of the log in the backup; 0 when it has none
  std::string message;   // what the witness saw and the backup lacks, in words
};

// The logs of the backup staged in `staged` that the witness at `file` saw further: restoring
// them is the rollback `audit verify` reports. Empty when the witness has no record of the
// backup's state (a first run, another machine, a backup of another state).
std::vector<RestoreRollback> restore_rollbacks(const std::filesystem::path& file,
                                               store::StagedRestore& staged);

// Records in the witness at `file` that the state with id `state_id` was restored at
// `state_path`: the records of the `accepted` rollbacks are removed (the next command records
// those logs as they are now, as a deliberate restore was always told to), a record of this state
// marked replaced by `init` is live again, and any other state the witness knew at `state_path`
// is marked replaced, as `init` marks it. Returns how many other states it marked.
int record_restore(const std::filesystem::path& file, const std::optional<std::string>& state_id,
                   const std::filesystem::path& state_path,
                   const std::vector<RestoreRollback>& accepted);

} // namespace velocity::audit
