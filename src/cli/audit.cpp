#include "option_values.hpp"

#include <velocity/audit/export.hpp>
#include <velocity/audit/proof.hpp>
#include <velocity/audit/recorder.hpp>
#include <velocity/audit/report.hpp>
#include <velocity/audit/verify.hpp>
#include <velocity/cli/commands.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/input_limits.hpp>
#include <velocity/core/time.hpp>

#include <fmt/format.h>

namespace velocity::cli {

namespace {

struct LogOptions {
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::optional<std::string> category;
  std::optional<std::string> actor;
  std::optional<std::string> action;
  std::optional<std::string> outcome;
  std::optional<int64_t> limit;
};

struct FileOptions {
  std::optional<std::string> file;
  std::optional<std::string> pubkey;
  std::optional<std::string> output;
  std::optional<int64_t> from_seq;
  std::optional<int64_t> to_seq;
  std::optional<std::string> from;
  std::optional<std::string> to;
  int64_t seq = 0;
};

enum class Bound { start, end };

// An ISO 8601 time or date as stored (UTC, milliseconds). A bare date ending a range means the
// whole day.
std::string parse_time(const std::string& text, const char* option, Bound bound) {
  const auto parsed = time::parse_iso8601(text);
  if (!parsed) {
    throw UsageError(fmt::format("{} {}: not a date or time", option, text),
                     "use 2026-11-23 or 2026-11-23T07:59:04Z (UTC)");
  }
  if (bound == Bound::end && text.size() == 10) {
    return time::to_iso8601(*parsed + std::chrono::days(1) - std::chrono::milliseconds(1));
  }
  return time::to_iso8601(*parsed);
}

// A period that ends before it starts selects nothing: a mistake to point out, not an empty answer.
// Both bounds are parse_time's output (same format, UTC), so they compare as text.
void check_period(const std::string& start, const std::string& end, const char* start_option,
                  const std::string& start_text, const char* end_option,
                  const std::string& end_text) {
  if (start > end) {
    throw UsageError(fmt::format("{} {} is after {} {}: the period is empty", start_option,
                                 start_text, end_option, end_text),
                     "give the earlier time as the start");
  }
}

std::string read_text(const std::string& path, const char* what, size_t max_bytes) {
  try {
    return fs::read_file(path, max_bytes, fs::Source::file_or_pipe);
  } catch (const StateError&) {
    throw UsageError(fmt::format("cannot read {} {}", what, path), "check the path");
  }
}

crypto::VerifyKey read_pubkey(const std::optional<std::string>& path) {
  if (!path) {
    throw UsageError("--pubkey is required to verify a file",
                     "get the organisation's key with `velocity audit key > key.pem` from a "
                     "source you trust, not from the file being checked");
  }
  auto key = crypto::VerifyKey::from_pem(read_text(*path, "public key", limits::public_key_file));
  if (!key) {
    throw UsageError(fmt::format("{} is not an Ed25519 public key in PEM form", *path),
                     "`velocity audit key` prints one");
  }
  return std::move(*key);
}

audit::EventInput access_event(const std::string& action, const std::string& org,
                               nlohmann::json details) {
  audit::EventInput event;
  event.category = audit::Category::data_access;
  event.action = action;
  event.resource_type = "audit_log";
  event.resource_id = org;
  event.details = std::move(details);
  return event;
}

// What to do about a log that does not verify.
std::string verify_help(const audit::VerifyResult& result) {
  switch (result.failure->problem) {
  case audit::Problem::gone:
  case audit::Problem::replaced:
  case audit::Problem::rolled_back:
    return "the state was changed outside velocity after the witness saw it: restore the state "
           "from a backup that holds the witnessed events; if the loss is known and accepted, "
           "remove the log's record from the witness file (docs/audit-format.md, \"The witness\")";
  default:
    return "the log was modified outside velocity; compare with an earlier export or restore the "
           "state from a backup";
  }
}

void print_verify(Context& ctx, const audit::VerifyResult& result, const std::string& format) {
  for (const std::string& warning : result.warnings) {
    ctx.out().warn(warning);
  }
  if (format == "json") {
    ctx.out().json(audit::to_json(result));
  } else {
    std::string text;
    if (result.ok()) {
      text += fmt::format("audit log '{}': intact\n", result.log);
    } else {
      text += fmt::format("audit log '{}': FAILED: {}\n", result.log, result.failure->message);
    }
    text += fmt::format("  events checked:      {}", result.events_checked);
    if (result.events_checked > 0) {
      text += fmt::format(" (seq {}..{})", result.first_seq, result.last_seq);
    }
    text += fmt::format("\n  tree heads checked:  {}", result.heads_checked);
    if (result.latest_head) {
      text += fmt::format(" (latest: {} events, signed {})", result.latest_head->size,
                          result.latest_head->time);
    }
    text += '\n';
    if (result.unsigned_events > 0) {
      text += fmt::format("  after the latest head: {} events, authenticated by the log's tail MAC "
                          "(a command stopped before signing; the next one signs them)\n",
                          result.unsigned_events);
    }
    if (!result.key_fingerprint.empty()) {
      text += fmt::format("  key:                 {}\n", result.key_fingerprint);
    }
    if (result.witness) {
      text += fmt::format("  witnessed head:      {} events, signed {} (witnessed {})\n",
                          result.witness->head.size, result.witness->head.time,
                          result.witness->witnessed_at);
    }
    ctx.out().data(text);
  }
  if (!result.ok()) {
    throw IntegrityError(
      fmt::format("audit log '{}' failed verification: {}", result.log, result.failure->message),
      verify_help(result));
  }
}

void write_output(Context& ctx, const std::optional<std::string>& output, const std::string& text) {
  if (output) {
    fs::write_file_atomic(*output, text, fs::Mode::private_file);
    ctx.out().info(fmt::format("wrote {}", *output));
  } else {
    ctx.out().data(text);
  }
}

void setup_key_command(CLI::App& audit_app, Context& ctx) {
  CLI::App* key = audit_app.add_subcommand(
    "key", "print the organisation's audit public key (PEM) and its fingerprint");
  ctx.examples.add(*key, {{"velocity audit key > acme-audit.pem",
                           "the public key to publish, for offline verification"}});
  key->callback([&ctx] {
    const std::string format = ctx.format({"table", "json"});
    audit::Recorder& log = ctx.audit_log(ctx.options.org);
    const crypto::VerifyKey key_pem = log.public_key();
    if (format == "json") {
      ctx.out().json({{"log", log.log_name()},
                      {"algorithm", "Ed25519"},
                      {"fingerprint", key_pem.fingerprint()},
                      {"public_key_pem", key_pem.to_pem()}});
      return;
    }
    ctx.out().data(key_pem.to_pem());
    ctx.out().info(
      fmt::format("fingerprint {} (audit log of '{}')", key_pem.fingerprint(), log.log_name()));
  });
}

void setup_log_command(CLI::App& audit_app, Context& ctx) {
  auto options = std::make_shared<LogOptions>();
  CLI::App* log = audit_app.add_subcommand("log", "list audit events, oldest first");
  log->add_option("--from", options->from, "events at or after this time (ISO 8601, UTC)")
    ->option_text("TIME");
  log->add_option("--to", options->to, "events at or before this time (a date: the whole day)")
    ->option_text("TIME");
  add_old_spelling(*log, ctx, "--since", "--from", options->from);
  add_old_spelling(*log, ctx, "--until", "--to", options->to);
  log
    ->add_option("--category", options->category,
                 "authentication, authorization, data_access, agent_activity or system_security")
    ->option_text("CATEGORY");
  log->add_option("--actor", options->actor, "who acted")->option_text("ACTOR");
  log->add_option("--action", options->action, "e.g. org.create")->option_text("ACTION");
  log->add_option("--outcome", options->outcome, "success, failure or denied")
    ->option_text("OUTCOME");
  log->add_option("--limit", options->limit, "only the latest N matches")->option_text("N");
  ctx.examples.add(*log, {{"velocity audit log --since 2025-07-01 --outcome failure",
                           "the failed actions since 1 July 2025"}});
  log->callback([&ctx, options] {
    const std::string format = ctx.format({"table", "json"});
    if (options->category && !audit::parse_category(*options->category)) {
      throw UsageError(
        fmt::format("unknown category '{}'", *options->category),
        "use authentication, authorization, data_access, agent_activity or system_security");
    }
    if (options->outcome && !audit::parse_outcome(*options->outcome)) {
      throw UsageError(fmt::format("unknown outcome '{}'", *options->outcome),
                       "use success, failure or denied");
    }
    if (options->limit && *options->limit < 1) {
      throw UsageError("--limit must be at least 1");
    }
    store::AuditEventQuery query;
    query.since = options->from ? std::optional(parse_time(*options->from, "--from", Bound::start))
                                : std::nullopt;
    query.until =
      options->to ? std::optional(parse_time(*options->to, "--to", Bound::end)) : std::nullopt;
    query.category = options->category;
    query.actor = options->actor;
    query.action = options->action;
    query.outcome = options->outcome;
    query.limit = options->limit;
    if (query.since && query.until) {
      check_period(*query.since, *query.until, "--from", *options->from, "--to", *options->to);
    }
    // The data key and the events from one snapshot, so that a key rotation that commits
    // meanwhile is not seen half; the read is recorded after it.
    store::Transaction snapshot(ctx.state().db(), store::TransactionKind::deferred);
    const store::Org org = ctx.org();
    const auto events = audit::read_events(ctx.state(), org, query);
    snapshot.commit();
    if (format == "json") {
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& event : events) {
        rows.push_back(audit::to_json(event));
      }
      ctx.out().json(rows);
    } else {
      Table table({"SEQ", "TIME", "CATEGORY", "ACTOR", "ACTION", "RESOURCE", "OUTCOME"});
      for (const auto& e : events) {
        const std::string resource =
          e.resource_id.empty() ? e.resource_type : e.resource_type + ":" + e.resource_id;
        const Color color = e.outcome == "success" ? Color::none : Color::red;
        table.add_row({std::to_string(e.seq), e.time, e.category, e.actor, e.action, resource,
                       ctx.out().paint(e.outcome, color)});
      }
      ctx.out().data(table.render());
      ctx.out().info(fmt::format("{} events", events.size()));
    }
    ctx.audit(access_event("audit.log.read", org.name(), {{"returned", events.size()}}));
  });
}

void setup_verify_command(CLI::App& audit_app, Context& ctx) {
  auto options = std::make_shared<FileOptions>();
  CLI::App* verify = audit_app.add_subcommand(
    "verify", "check the audit log (in the state, or an export with --file and --pubkey): exit 5 "
              "on any tampering");
  verify->footer("In the state, the logs are also checked against the audit witness "
                 "(audit-witness.json beside the key file, else beside the state; "
                 "VELOCITY_WITNESS_FILE): a log deleted, started over or rolled back exits 5. "
                 "docs/audit-format.md describes it.");
  verify
    ->add_option("--file", options->file, "an export (jsonl) to check offline, without the state")
    ->option_text("FILE");
  verify
    ->add_option("--pubkey", options->pubkey,
                 "the organisation's public key (PEM), from a source you trust")
    ->option_text("PEM");
  ctx.examples.add(*verify, {{"velocity audit verify", "check the log in the state"},
                             {"velocity audit verify --file log.jsonl --pubkey acme-audit.pem",
                              "check an export offline"}});
  verify->callback([&ctx, options] {
    const std::string format = ctx.format({"table", "json"});
    if (options->file) {
      const crypto::VerifyKey key = read_pubkey(options->pubkey);
      print_verify(ctx, audit::verify_export(*options->file, key), format);
      return;
    }
    if (options->pubkey) {
      throw UsageError("--pubkey goes with --file", "in the state the key is the log's own");
    }
    const std::string org = ctx.options.org;
    store::State& state = ctx.state();
    const audit::StateWitness witness = audit::witness_of(state, ctx.witness_file());
    const auto witnessed = audit::witnessed_size(witness, org);
    if (!state.find_org(org) && !witnessed) {
      ctx.org(); // says there is no such organisation
    }
    ctx.audit_intent({audit::Category::system_security, "audit.verify", "audit_log", org,
                      audit::Outcome::failure, nlohmann::json::object()});
    audit::VerifyResult result;
    result.log = org;
    if (state.find_org(org)) {
      result = audit::verify_state(state, org, witnessed);
    }
    audit::check_witness(witness, state, result);
    print_verify(ctx, result, format);
    ctx.audit(
      {audit::Category::system_security,
       "audit.verify",
       "audit_log",
       org,
       audit::Outcome::success,
       {{"events_checked", result.events_checked}, {"heads_checked", result.heads_checked}}});
  });
}

// The events of the --from/--to period of an export, as the range of sequence numbers the export
// (and its offline verification) works on.
audit::ExportRange period_range(Context& ctx, const FileOptions& options) {
  store::AuditEventQuery query;
  query.since =
    options.from ? std::optional(parse_time(*options.from, "--from", Bound::start)) : std::nullopt;
  query.until =
    options.to ? std::optional(parse_time(*options.to, "--to", Bound::end)) : std::nullopt;
  if (query.since && query.until) {
    check_period(*query.since, *query.until, "--from", *options.from, "--to", *options.to);
  }
  const auto events = audit::read_events(ctx.state(), ctx.org(), query);
  if (events.empty()) {
    throw UsageError(fmt::format("no audit events from {} to {}",
                                 options.from.value_or("the first"),
                                 options.to.value_or("the latest")),
                     "`velocity audit log` lists the events and their times");
  }
  return {events.front().seq, events.back().seq};
}

void setup_export_command(CLI::App& audit_app, Context& ctx) {
  auto options = std::make_shared<FileOptions>();
  CLI::App* exporter = audit_app.add_subcommand(
    "export", "write the log to a file: --format jsonl (verifiable offline) or csv");
  exporter->add_option("-o,--output", options->output, "the file to write (atomically, mode 0600)")
    ->option_text("FILE")
    ->required();
  CLI::Option* from =
    exporter->add_option("--from", options->from, "events at or after this time (ISO 8601, UTC)")
      ->option_text("TIME");
  CLI::Option* to =
    exporter
      ->add_option("--to", options->to, "events at or before this time (a date: the whole day)")
      ->option_text("TIME");
  // A range of sequence numbers is its own idea (the numbers `audit prove` and `verify` name),
  // so it keeps its own options beside the period.
  exporter->add_option("--from-seq", options->from_seq, "first event by number (default 1)")
    ->option_text("N")
    ->excludes(from)
    ->excludes(to);
  exporter->add_option("--to-seq", options->to_seq, "last event by number (default the latest)")
    ->option_text("N")
    ->excludes(from)
    ->excludes(to);
  ctx.examples.add(
    *exporter, {{"velocity audit export --output log.jsonl", "the whole log, verifiable offline"}});
  exporter->callback([&ctx, options] {
    // The global default "table" means no --format was given: jsonl, the verifiable one.
    const std::string format =
      ctx.options.format == "table" ? "jsonl" : ctx.format({"jsonl", "csv"});
    audit::Recorder& log = ctx.audit_log(ctx.options.org);
    ctx.audit_intent(access_event("audit.export", log.log_name(), {{"format", format}}));
    const audit::ExportRange range = options->from || options->to
                                       ? period_range(ctx, *options)
                                       : audit::ExportRange{options->from_seq, options->to_seq};
    // Signed and witnessed first, so that the export carries the witness's view of this log.
    ctx.audit_checkpoint();
    const auto witnessed =
      audit::witnessed_head(audit::witness_of(ctx.state(), ctx.witness_file()), log.log_name());
    const audit::ExportResult result = audit::export_log(
      log, *options->output,
      format == "csv" ? audit::ExportFormat::csv : audit::ExportFormat::jsonl, range, witnessed);
    ctx.out().info(fmt::format("exported events {}..{} ({}) and {} tree heads of '{}' to {}",
                               result.from_seq, result.to_seq, result.events, result.heads,
                               log.log_name(), *options->output));
    if (format == "jsonl") {
      ctx.out().info(fmt::format("check it with `velocity audit verify --file {} --pubkey KEY.pem`",
                                 *options->output));
    }
    ctx.audit(access_event("audit.export", log.log_name(),
                           {{"format", format},
                            {"from_seq", result.from_seq},
                            {"to_seq", result.to_seq},
                            {"events", result.events},
                            {"file", std::filesystem::absolute(*options->output).string()}}));
  });
}

void setup_report_command(CLI::App& audit_app, Context& ctx) {
  auto options = std::make_shared<FileOptions>();
  CLI::App* report = audit_app.add_subcommand(
    "report", "counts by category, outcome and actor over a period, and the notable events");
  report->add_option("--from", options->from, "start of the period (default: the first event)")
    ->option_text("TIME");
  report->add_option("--to", options->to, "end of the period (a date: the whole day; default now)")
    ->option_text("TIME");
  report->add_option("-o,--output", options->output, "write to this file instead of stdout")
    ->option_text("FILE");
  report->footer("--format md (default), html or json. The report also verifies the whole log.");
  ctx.examples.add(*report, {{"velocity audit report --from 2025-01-01 --format html --output "
                              "audit.html",
                              "an HTML report of the events since 1 January 2025"}});
  report->callback([&ctx, options] {
    const std::string format =
      ctx.options.format == "table" ? "md" : ctx.format({"md", "html", "json"});
    const std::string from =
      options->from ? parse_time(*options->from, "--from", Bound::start) : std::string();
    const std::string to =
      options->to ? parse_time(*options->to, "--to", Bound::end) : time::to_iso8601(time::now());
    if (options->from && options->to) {
      check_period(from, to, "--from", *options->from, "--to", *options->to);
    }
    const store::Org org = ctx.org();
    audit::Report report_data = audit::build_report(ctx.state(), org, from, to);
    report_data.from = from.empty() ? "the first event" : from;
    const audit::StateWitness witness = audit::witness_of(ctx.state(), ctx.witness_file());
    report_data.integrity =
      audit::verify_state(ctx.state(), org.name(), audit::witnessed_size(witness, org.name()));
    audit::check_witness(witness, ctx.state(), *report_data.integrity);
    const std::string text = format == "json"   ? audit::to_json(report_data).dump(2) + "\n"
                             : format == "html" ? audit::render_html(report_data)
                                                : audit::render_markdown(report_data);
    write_output(ctx, options->output, text);
    ctx.audit(
      access_event("audit.report", org.name(), {{"from", from}, {"to", to}, {"format", format}}));
    if (!report_data.integrity->ok()) {
      throw IntegrityError(
        fmt::format("audit log '{}' failed verification: {}", org.name(),
                    report_data.integrity->failure->message),
        "the report was written; the log it counts was modified outside velocity");
    }
  });
}

void setup_proof_commands(CLI::App& audit_app, Context& ctx) {
  auto options = std::make_shared<FileOptions>();
  CLI::App* prove = audit_app.add_subcommand(
    "prove", "an inclusion proof (RFC 9162) of one event against the latest signed tree head");
  prove->add_option("SEQ", options->seq, "the event's sequence number")->required()->type_name("");
  prove->add_option("-o,--output", options->output, "write to this file instead of stdout")
    ->option_text("FILE");
  ctx.examples.add(*prove, {{"velocity audit prove 42 --output proof.json",
                             "a proof that event 42 is in the log"}});
  prove->callback([&ctx, options] {
    ctx.format({"table", "json"});
    audit::Recorder& log = ctx.audit_log(ctx.options.org);
    const nlohmann::json proof = audit::prove(log, options->seq);
    write_output(ctx, options->output, proof.dump(2) + "\n");
    ctx.audit(access_event("audit.prove", log.log_name(), {{"seq", options->seq}}));
  });

  auto check = std::make_shared<FileOptions>();
  CLI::App* verify_proof = audit_app.add_subcommand(
    "verify-proof", "check an inclusion proof offline with the organisation's public key");
  verify_proof->add_option("--file", check->file, "the proof (JSON)")
    ->option_text("FILE")
    ->required();
  verify_proof->add_option("--pubkey", check->pubkey, "the organisation's public key (PEM)")
    ->option_text("PEM")
    ->required();
  ctx.examples.add(*verify_proof,
                   {{"velocity audit verify-proof --file proof.json --pubkey acme-audit.pem",
                     "check a proof offline"}});
  verify_proof->callback([&ctx, check] {
    const std::string format = ctx.format({"table", "json"});
    const crypto::VerifyKey key = read_pubkey(check->pubkey);
    const auto json = nlohmann::json::parse(
      read_text(*check->file, "proof", limits::audit_proof_file), nullptr, false);
    const audit::ProofCheck result = audit::verify_proof(json, key);
    if (format == "json") {
      ctx.out().json(
        {{"ok", !result.failure},
         {"seq", result.seq},
         {"tree_size", result.head ? result.head->size : 0},
         {"failure", result.failure ? nlohmann::json(*result.failure) : nlohmann::json(nullptr)}});
    } else if (!result.failure) {
      ctx.out().data(fmt::format(
        "event {} is in the log '{}' of {} events (tree head signed {}, key {})\n", result.seq,
        result.head->log, result.head->size, result.head->time, key.fingerprint()));
    }
    if (result.failure) {
      throw IntegrityError(
        fmt::format("the inclusion proof {} does not hold: {}", *check->file, *result.failure));
    }
  });
}

} // namespace

void setup_audit(CLI::App& command, Context& ctx) {
  command.require_subcommand(1);
  command.footer("Every command that changes the state or reads secrets appends events to the "
                 "organisation's hash-chained log; each run ends with a signed tree head. "
                 "docs/audit-format.md describes the formats.");
  ctx.examples.add(command, {{"velocity audit log --limit 20", "the latest 20 events"},
                             {"velocity audit verify", "check that nothing was tampered with"}});
  setup_key_command(command, ctx);
  setup_log_command(command, ctx);
  setup_verify_command(command, ctx);
  setup_export_command(command, ctx);
  setup_report_command(command, ctx);
  setup_proof_commands(command, ctx);
}

} // namespace velocity::cli
