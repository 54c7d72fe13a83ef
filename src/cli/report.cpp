#include "finding_view.hpp"
#include "option_values.hpp"
#include "platforms.hpp"

#include <velocity/cli/commands.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/input_limits.hpp>
#include <velocity/core/time.hpp>
#include <velocity/report/bundle.hpp>
#include <velocity/report/finding_formats.hpp>
#include <velocity/report/model.hpp>
#include <velocity/report/package.hpp>
#include <velocity/report/pdf.hpp>
#include <velocity/report/render.hpp>
#include <velocity/store/assessment.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

namespace velocity::cli {

namespace {

struct ReportOptions {
  std::optional<std::string> framework;
  FindingViewOptions view;
  std::optional<std::string> output;
  std::optional<std::string> template_dir;
  std::optional<std::string> frameworks_dir;
  std::optional<std::string> from;
  std::optional<std::string> to;
  size_t top = 25;
  std::optional<double> hourly_rate; // else the settings' hourly_rate, else 150
  std::string bundle;
  std::optional<std::string> pubkey;
  std::string sarif_anchor{report::k_default_sarif_anchor};
};

constexpr std::string_view k_formats =
  "md, html, json, csv, oscal, jsonl, findings-csv, pdf, sarif, sarif-github, junit, ocsf";

// `text` as an ISO 8601 UTC time; a bare date as `to` means the end of that day.
std::optional<std::string> period_bound(const std::optional<std::string>& text, bool end) {
  if (!text) {
    return std::nullopt;
  }
  const auto parsed = time::parse_iso8601(*text);
  if (!parsed) {
    throw UsageError(fmt::format("{} {} is not a date or time", end ? "--to" : "--from", *text),
                     "use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)");
  }
  auto point = *parsed;
  if (end && text->size() == 10) {
    point += std::chrono::days(1) - std::chrono::milliseconds(1);
  }
  return time::to_iso8601(point);
}

// --framework, else the first framework of the latest completed assessment.
std::string framework_of(Context& ctx, const ReportOptions& options) {
  if (options.framework) {
    return *options.framework;
  }
  const auto assessments = store::list_assessments(ctx.state().db(), ctx.org());
  for (auto it = assessments.rbegin(); it != assessments.rend(); ++it) {
    if (it->status == store::AssessmentStatus::completed && !it->frameworks.empty()) {
      return it->frameworks.substr(0, it->frameworks.find(','));
    }
  }
  throw UsageError("which framework? there is no completed assessment to take it from",
                   "pass --framework, e.g. -f soc2 (`velocity frameworks list`)");
}

report::ReportRequest request_of(Context& ctx, const ReportOptions& options) {
  report::ReportRequest request;
  request.framework = framework_of(ctx, options);
  request.period.from = period_bound(options.from, false);
  request.period.to = period_bound(options.to, true);
  if (request.period.from && request.period.to && *request.period.from > *request.period.to) {
    throw UsageError(fmt::format("--from {} is after --to {}", *options.from, *options.to));
  }
  request.plan.hourly_rate = options.hourly_rate ? *options.hourly_rate : 150.0;
  if (!options.hourly_rate) {
    if (const auto configured = ctx.settings().find("hourly_rate")) {
      request.plan.hourly_rate = compliance::setting_number(configured->value);
    }
  }
  request.top_findings = options.top;
  request.generated_at = time::to_iso8601(time::now());
  request.tool = "velocity " VELOCITY_VERSION;
  return request;
}

// The acceptances (state, --accept-file) and filters the report applies to every finding.
void add_lens(Context& ctx, const ReportOptions& options, compliance::Library& library,
              report::ReportRequest& request) {
  auto view =
    std::make_shared<const FindingView>(ctx, library, validated_checks(library), options.view);
  request.lens = [view](store::FindingRecord& finding) {
    finding.acceptance = view->with_acceptance(finding).acceptance;
    return view->selected(finding);
  };
}

report::Format format_of(const Context& ctx, const ReportOptions& options) {
  const std::string& chosen = ctx.options.format;
  const bool given = ctx.format_setting().source == SettingSource::option;
  if (!given && options.output) {
    // The extension of --output says more than a team-wide default format.
    if (const auto implied = report::format_for_path(*options.output)) {
      return *implied;
    }
    if (std::filesystem::path(*options.output).has_extension()) {
      throw UsageError(
        fmt::format("--output {}: velocity does not know which format '{}' is", *options.output,
                    std::filesystem::path(*options.output).extension().string()),
        "name the file .md, .html, .json, .csv, .oscal.json, .jsonl, .pdf, .sarif, .xml (JUnit) "
        "or .ocsf.json, or choose the format with --format");
    }
  }
  if (chosen == "table") {
    return report::Format::markdown;
  }
  if (const auto format = report::parse_format(chosen)) {
    return *format;
  }
  if (!given) {
    return report::Format::markdown;
  }
  throw UsageError(fmt::format("--format {} is not a report format", chosen),
                   fmt::format("velocity report prints: {}", k_formats));
}

audit::EventInput report_event(std::string action, const std::string& framework,
                               nlohmann::json details) {
  audit::EventInput event;
  event.category = audit::Category::data_access;
  event.action = std::move(action);
  event.resource_type = "report";
  event.resource_id = framework;
  event.details = std::move(details);
  return event;
}

// Streams a findings listing to --output (atomically) or stdout.
void stream_findings(Context& ctx, const ReportOptions& options, compliance::Library& library,
                     const report::ReportRequest& request, report::Format format) {
  store::Database& db = ctx.state().db();
  const store::Org org = ctx.org();
  const auto write = [&](const report::Sink& sink) {
    if (format == report::Format::jsonl) {
      report::write_findings_jsonl(db, org, library, request.period, sink, request.lens);
    } else if (format == report::Format::findings_csv) {
      report::write_findings_csv(db, org, request.period, sink, request.lens);
    } else {
      // The report's lens (acceptances, filters) on every finding the format writer reads.
      const report::FindingSource findings = [&](const report::FindingVisitor& visit) {
        store::for_each_finding_in(
          db, org, request.period,
          [&](const store::FindingRecord& stored) {
            store::FindingRecord finding = stored;
            if (!request.lens || request.lens(finding)) {
              visit(finding);
            }
          },
          store::FindingOrder::by_check);
      };
      report::FindingFormatOptions format_options{.tool_version = VELOCITY_VERSION,
                                                  .generated_at = request.generated_at};
      if (format == report::Format::sarif_github) {
        format_options.sarif_anchor = options.sarif_anchor;
      }
      report::write_findings_as(format, findings, library, format_options, sink);
    }
  };
  if (options.output) {
    fs::AtomicFile file(*options.output, fs::Mode::private_file);
    uint64_t bytes_written = 0;
    write([&](std::string_view bytes) {
      file.write(bytes);
      bytes_written += bytes.size();
    });
    file.commit();
    ctx.out().info(fmt::format("wrote the findings of '{}' as {} ({} bytes) to {}", ctx.options.org,
                               report::to_string(format), bytes_written, *options.output));
  } else {
    write([](std::string_view bytes) { std::fwrite(bytes.data(), 1, bytes.size(), stdout); });
    std::fflush(stdout);
  }
}

void run_report(Context& ctx, const ReportOptions& options) {
  const report::Format format = format_of(ctx, options);
  if (format == report::Format::pdf && !options.output) {
    throw UsageError("--format pdf needs --output FILE.pdf", "a PDF is not written to a terminal");
  }
  report::ReportRequest request = request_of(ctx, options);
  compliance::Library library = compliance::Library::open(options.frameworks_dir);
  library.require_framework(request.framework);
  add_lens(ctx, options, library, request);
  const auto event = report_event(
    "report.generate", request.framework,
    {{"format", report::to_string(format)},
     {"from", request.period.from ? nlohmann::json(*request.period.from) : nlohmann::json()},
     {"to", request.period.to ? nlohmann::json(*request.period.to) : nlohmann::json()}});
  ctx.audit_intent(event);

  if (format == report::Format::jsonl || format == report::Format::findings_csv ||
      report::is_finding_format(format)) {
    stream_findings(ctx, options, library, request, format);
    ctx.audit(event);
    return;
  }
  const auto templates = report::TemplateSet::open(
    options.template_dir ? std::optional<std::filesystem::path>(*options.template_dir)
                         : std::nullopt);
  const nlohmann::json doc = report::build_report(ctx.state().db(), ctx.org(), library, request);
  std::string text;
  switch (format) {
  case report::Format::markdown:
    text = report::render_markdown(doc, templates);
    break;
  case report::Format::html:
  case report::Format::pdf:
    text = report::render_html(doc, templates);
    break;
  case report::Format::json:
    text = doc.dump(2) + "\n";
    break;
  case report::Format::csv:
    text = report::render_controls_csv(doc);
    break;
  case report::Format::oscal:
    break;
  case report::Format::jsonl:
  case report::Format::findings_csv:
  case report::Format::sarif:
  case report::Format::sarif_github:
  case report::Format::junit:
  case report::Format::ocsf:
    break;
  }
  if (format == report::Format::oscal) {
    // Streamed: the observations grow with the findings.
    const store::Org org = ctx.org();
    const auto write = [&](const report::Sink& sink) {
      report::write_oscal(doc, ctx.state().db(), org, library, request.period, sink, request.lens);
    };
    if (options.output) {
      fs::AtomicFile file(*options.output, fs::Mode::private_file);
      write([&](std::string_view bytes) { file.write(bytes); });
      file.commit();
    } else {
      write([](std::string_view bytes) { std::fwrite(bytes.data(), 1, bytes.size(), stdout); });
      std::fflush(stdout);
    }
  } else if (format == report::Format::pdf) {
    ctx.out().verbose("printing the HTML report with headless Chromium");
    report::print_pdf(text, *options.output);
  } else if (options.output) {
    fs::write_file_atomic(*options.output, text, fs::Mode::private_file);
  } else {
    ctx.out().data(text);
  }
  ctx.audit(event);
  if (options.output) {
    ctx.out().info(fmt::format("wrote the {} report of '{}' ({}, score {}) to {}",
                               report::to_string(format), ctx.options.org, request.framework,
                               doc["summary"]["score"].is_number() ? doc["summary"]["score"].dump()
                                                                   : std::string("not scored"),
                               *options.output));
  }
}

void run_bundle(Context& ctx, const ReportOptions& options) {
  if (!options.output) {
    throw UsageError("report bundle needs --output FILE.tar.gz");
  }
  report::ReportRequest request = request_of(ctx, options);
  compliance::Library library = compliance::Library::open(options.frameworks_dir);
  library.require_framework(request.framework);
  add_lens(ctx, options, library, request);
  const auto templates = report::TemplateSet::open(
    options.template_dir ? std::optional<std::filesystem::path>(*options.template_dir)
                         : std::nullopt);
  auto event =
    report_event("report.bundle", request.framework,
                 {{"output", std::filesystem::path(*options.output).filename().string()}});
  ctx.audit_intent(event);
  audit::Recorder& recorder = ctx.audit_log(ctx.options.org);
  const auto started = std::chrono::steady_clock::now();
  // Signed and witnessed first, so that the bundle carries the witness's view of this log.
  ctx.audit_checkpoint();
  const auto witnessed =
    audit::witnessed_head(audit::witness_of(ctx.state(), ctx.witness_file()), recorder.log_name());
  const report::BundleSummary summary =
    report::write_report_bundle(recorder, library, templates, request, *options.output, witnessed);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - started);
  event.details["files"] = summary.manifest.files.size() + 2;
  event.details["evidence"] = summary.evidence;
  event.details["key_fingerprint"] = summary.manifest.key_fingerprint;
  ctx.audit(event);

  if (ctx.format({"table", "json"}) == "json") {
    ctx.out().json({{"output", *options.output},
                    {"organization", summary.manifest.info.organization},
                    {"framework", request.framework},
                    {"files", summary.manifest.files.size() + 2},
                    {"evidence", summary.evidence},
                    {"findings", summary.findings},
                    {"audit_events", summary.audit_events},
                    {"score", summary.score},
                    {"key_fingerprint", summary.manifest.key_fingerprint},
                    {"elapsed_ms", elapsed.count()}});
    return;
  }
  ctx.out().info(fmt::format(
    "wrote {}: {} files ({} evidence items, {} findings, {} audit events), signed with key {} "
    "in {:.1f} s",
    *options.output, summary.manifest.files.size() + 2, summary.evidence, summary.findings,
    summary.audit_events, summary.manifest.key_fingerprint,
    static_cast<double>(elapsed.count()) / 1000.0));
  ctx.out().info(fmt::format("check it with: velocity report verify {} --pubkey ORG-KEY.pem "
                             "(`velocity audit key > ORG-KEY.pem` writes the key)",
                             *options.output));
}

void run_verify(Context& ctx, const ReportOptions& options) {
  const std::string format = ctx.format({"table", "json"});
  std::optional<crypto::VerifyKey> trusted;
  if (options.pubkey) {
    trusted = crypto::VerifyKey::from_pem(fs::read_file(*options.pubkey, limits::public_key_file));
    if (!trusted) {
      throw UsageError(
        fmt::format("--pubkey {} is not an Ed25519 public key in PEM form", *options.pubkey),
        "ask the organisation for its key (`velocity audit key` prints it)");
    }
  }
  const auto started = std::chrono::steady_clock::now();
  const report::VerifyResult result = report::verify_bundle(options.bundle, trusted);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - started);
  const bool from_bundle = result.key_source == report::KeySource::bundle;

  if (format == "json") {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& problem : result.problems) {
      problems.push_back({{"path", problem.path}, {"message", problem.message}});
    }
    nlohmann::json out = {{"bundle", options.bundle},
                          {"valid", result.valid()},
                          {"key_source", from_bundle ? "bundle" : "given"},
                          {"key_fingerprint", result.key_fingerprint},
                          {"members", result.members},
                          {"bytes", result.bytes},
                          {"problems", problems},
                          {"elapsed_ms", elapsed.count()}};
    if (result.manifest) {
      const auto& info = result.manifest->info;
      out["organization"] = info.organization;
      out["framework"] = info.framework;
      out["created_at"] = info.created_at;
      out["period"] = {
        {"from", info.period_from ? nlohmann::json(*info.period_from) : nlohmann::json()},
        {"to", info.period_to ? nlohmann::json(*info.period_to) : nlohmann::json()}};
    }
    ctx.out().json(out);
  }
  if (!result.valid()) {
    for (const auto& problem : result.problems) {
      ctx.out().warn(fmt::format("FAILED {}: {}", problem.path, problem.message));
    }
    const auto& first = result.problems.front();
    throw IntegrityError(fmt::format("bundle {} does not verify: {} problem{} (first: {}: {})",
                                     options.bundle, result.problems.size(),
                                     result.problems.size() == 1 ? "" : "s", first.path,
                                     first.message),
                         "do not rely on this bundle; ask its sender for a fresh copy");
  }
  if (from_bundle) {
    ctx.out().warn(fmt::format(
      "trusted the key inside the bundle (public-key.pem, {}): this proves the bundle was not "
      "changed since it was signed, not who signed it; pass --pubkey with the organisation's "
      "published key to check its origin",
      result.key_fingerprint));
  }
  if (format == "json") {
    return;
  }
  const auto& info = result.manifest->info;
  ctx.out().data(fmt::format(
    "OK {}: {} files verified, signature by {} ({}); organisation {}, framework {}, period {} to "
    "{}, created {} by {}\n",
    options.bundle, result.manifest->files.size() + 2, result.key_fingerprint,
    from_bundle ? "key inside the bundle" : "key given with --pubkey", info.organization,
    info.framework, info.period_from.value_or("the beginning"),
    info.period_to.value_or(info.created_at), info.created_at, info.tool));
}

void add_report_options(CLI::App& command, ReportOptions& options) {
  command
    .add_option("-f,--framework", options.framework,
                "framework id (default: that of the latest assessment)")
    ->option_text("ID");
  command.add_option("--from", options.from, "start of the period (YYYY-MM-DD or ISO 8601 UTC)")
    ->option_text("TIME");
  command.add_option("--to", options.to, "end of the period; a date includes that whole day")
    ->option_text("TIME");
  command
    .add_option("--template-dir", options.template_dir,
                "directory of *.mustache files replacing the built-in templates")
    ->option_text("DIR");
  command
    .add_option("--frameworks-dir", options.frameworks_dir,
                "catalogues to use instead of the built-in ones")
    ->envname("VELOCITY_FRAMEWORKS_DIR")
    ->option_text("DIR");
  command
    .add_option("--hourly-rate", options.hourly_rate,
                "USD per hour of remediation effort (default 150; config hourly_rate)")
    ->option_text("USD")
    ->check(positive());
  command
    .add_option("--top", options.top,
                "failing findings listed by name (default 25; all are counted)")
    ->option_text("N")
    ->check(non_negative());
  add_finding_view_options(command, options.view, FrameworkFilter::no);
}

} // namespace

void setup_report(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<ReportOptions>();
  command.require_subcommand(0, 1);
  command.footer(fmt::format("Formats (--format, or from the --output extension): {}.\n"
                             "md/html/json/csv/oscal hold summaries and per-control counts; "
                             "jsonl, findings-csv, junit and ocsf list every finding, sarif "
                             "every failing one (sarif-github: anchored to --sarif-anchor for "
                             "GitHub code scanning).",
                             k_formats));
  add_report_options(command, *options);
  command
    .add_option("-o,--output", options->output, "write to FILE (atomically) instead of stdout")
    ->option_text("FILE");
  add_sarif_anchor_option(command, options->sarif_anchor);

  CLI::App* bundle = command.add_subcommand(
    "bundle",
    "a signed tar.gz of the reports, evidence and audit log that auditors verify offline");
  add_report_options(*bundle, *options);
  bundle->add_option("-o,--output", options->output, "the bundle to write (FILE.tar.gz)")
    ->required()
    ->option_text("FILE");
  ctx.examples.add(*bundle, {{"velocity report bundle --framework soc2 -o audit.tar.gz",
                              "a signed bundle of the SOC 2 reports, evidence and audit log"}});
  bundle->callback([&ctx, options] { run_bundle(ctx, *options); });

  CLI::App* verify = command.add_subcommand(
    "verify", "check a bundle offline: signature, every digest, no file missing or added");
  verify->add_option("BUNDLE", options->bundle, "the bundle (.tar.gz)")->required()->type_name("");
  verify
    ->add_option("--pubkey", options->pubkey,
                 "the organisation's public key (PEM); without it the bundle's own key is trusted")
    ->option_text("PEM");
  ctx.examples.add(*verify, {{"velocity report verify audit.tar.gz --pubkey acme.pem",
                              "check a bundle against the organisation's published key"}});
  ctx.examples.add(command,
                   {{"velocity report --framework soc2 -o soc2.html", "an HTML report of SOC 2"},
                    {"velocity report --format oscal", "the latest assessment as OSCAL JSON"}});
  verify->callback([&ctx, options] { run_verify(ctx, *options); });

  command.callback([&ctx, &command, options] {
    if (!command.get_subcommands().empty()) {
      return;
    }
    run_report(ctx, *options);
  });
}

} // namespace velocity::cli
