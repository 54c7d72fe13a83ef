#pragma once

#include <velocity/audit/recorder.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>

// Writing an organisation's audit log to a file an auditor can keep and check offline.
//
// jsonl, one record per line (docs/audit-format.md):
//   {"type":"audit_export",...}           header: log, range, time (informational)
//   {"type":"public_key",...}             the log's Ed25519 key (PEM) and fingerprint
//   {"type":"witness",...}                the head the witness saw last, when there is one
//   {"type":"range_prefix",...}           slices only: the Merkle frontier of the events before
//   <event lines>                         each exactly its canonical bytes (event.hpp), in order,
//   {"type":"tree_head",...}                with each signed head right after the event it ends at
//   {"type":"range_suffix",...}           slices only: subtree roots of the events after the slice
//   {"type":"tree_head",...}                and the latest head, which covers them
//   {"type":"export_seal",...}            signed: range, counts, tree size and root
// csv: one row per event with a header row, for spreadsheets; it carries no proofs.
namespace velocity::audit {

enum class ExportFormat { jsonl, csv };

struct ExportRange {
  std::optional<int64_t> from_seq;
  std::optional<int64_t> to_seq;
};

struct ExportResult {
  int64_t from_seq = 0;
  int64_t to_seq = 0;
  int64_t events = 0;
  int64_t heads = 0;
  int64_t tree_size = 0;
};

// Writes events `range` of the recorder's log to `path` atomically (mode 0600: the details are in
// plaintext). For jsonl, first signs a tree head over the whole log when the latest one does not
// cover it, and writes `witnessed` (the head the audit witness saw last) for verifiers to check
// that the log extends to it; the seal signs its size and root. Throws UsageError for a range
// outside the log.
ExportResult export_log(Recorder& recorder, const std::filesystem::path& path, ExportFormat format,
                        const ExportRange& range,
                        const std::optional<WitnessedHead>& witnessed = std::nullopt);

// `text` as one CSV field (RFC 4180 quoting); a field that a spreadsheet would run as a formula
// (starting with = + - @, tab or CR) is prefixed with an apostrophe.
std::string csv_field(std::string_view text);

} // namespace velocity::audit
