// `velocity checks list | show ID`: the automated checks, as the check catalogue describes them.

#include "option_values.hpp"
#include "platforms.hpp"

#include <velocity/cli/commands.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/compliance/text.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/suggest.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace velocity::cli {

namespace {

constexpr size_t k_nearest_shown = 3;

struct ChecksOptions {
  std::optional<std::filesystem::path> dir;
  std::optional<std::string> platform;
  std::optional<std::string> framework;
  std::optional<std::string> severity;
  std::optional<std::string> service;
  std::string id;
};

nlohmann::json check_json(const compliance::Check& check) {
  nlohmann::json controls = nlohmann::json::object();
  for (const compliance::CheckFrameworkControls& mapping : check.controls) {
    nlohmann::json list = nlohmann::json::array();
    for (const compliance::CheckControl& control : mapping.controls) {
      list.push_back({{"id", control.id}, {"why", control.why}});
    }
    controls[mapping.framework] = list;
  }
  const compliance::CheckReferences& references = check.references;
  nlohmann::json cis = nullptr;
  if (references.cis) {
    cis = {{"benchmark", references.cis->benchmark},
           {"recommendations", references.cis->recommendations}};
  }
  return {{"id", check.id},
          {"platform", check.platform},
          {"service", check.service},
          {"evidence_type", check.evidence_type},
          {"severity", std::string(store::to_string(check.severity))},
          {"title", check.title},
          {"risk", check.risk},
          {"remediation",
           {{"steps", check.remediation.steps},
            {"cli", check.remediation.cli.empty() ? nlohmann::json(nullptr)
                                                  : nlohmann::json(check.remediation.cli)},
            {"url", check.remediation.url}}},
          {"references", {{"cis", cis}, {"prowler", references.prowler}}},
          {"controls", controls}};
}

std::vector<const compliance::Check*> selected(compliance::Library& library,
                                               const compliance::CheckCatalogue& catalogue,
                                               const ChecksOptions& options) {
  std::vector<std::string> platforms;
  std::vector<std::string> services;
  for (const compliance::Check& check : catalogue.checks) {
    platforms.push_back(check.platform);
    services.push_back(check.service);
  }
  const auto platform =
    options.platform ? require_one_of("--platform", "platform", *options.platform, platforms) : "";
  const auto service =
    options.service ? require_one_of("--service", "service", *options.service, services) : "";
  std::optional<compliance::Severity> severity;
  if (options.severity) {
    severity = severity_value("--severity", *options.severity);
  }
  if (options.framework) {
    library.require_framework(*options.framework);
  }
  std::vector<const compliance::Check*> checks;
  for (const compliance::Check& check : catalogue.checks) {
    if ((options.platform && check.platform != platform) ||
        (options.service && check.service != service) ||
        (severity && check.severity != *severity) ||
        (options.framework && check.controls_in(*options.framework).empty())) {
      continue;
    }
    checks.push_back(&check);
  }
  return checks;
}

void run_list(Context& ctx, const ChecksOptions& options) {
  const std::string format = ctx.format({"table", "json"});
  compliance::Library library = compliance::Library::open(options.dir);
  const compliance::CheckCatalogue& catalogue = validated_checks(library);
  const std::vector<const compliance::Check*> checks = selected(library, catalogue, options);
  if (format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const compliance::Check* check : checks) {
      list.push_back(check_json(*check));
    }
    ctx.out().json(list);
    return;
  }
  std::vector<std::string> headers = {"ID", "SEVERITY", "SERVICE", "TITLE"};
  if (options.framework) {
    headers.push_back(fmt::format("{} CONTROLS", *options.framework));
  }
  Table table(headers);
  for (const compliance::Check* check : checks) {
    std::vector<std::string> row = {check->id, std::string(store::to_string(check->severity)),
                                    fmt::format("{}/{}", check->platform, check->service),
                                    compliance::truncate(check->title, 48)};
    if (options.framework) {
      std::vector<std::string> ids;
      for (const compliance::CheckControl& control : check->controls_in(*options.framework)) {
        ids.push_back(control.id);
      }
      row.push_back(fmt::format("{}", fmt::join(ids, ", ")));
    }
    table.add_row(std::move(row));
  }
  ctx.out().data(table.render());
  ctx.out().info(fmt::format("{} of {} checks ({})", checks.size(), catalogue.checks.size(),
                             library.checks_directory()));
}

const compliance::Check& find_check(const compliance::CheckCatalogue& catalogue,
                                    const std::string& id) {
  if (const compliance::Check* check = catalogue.find(id)) {
    return *check;
  }
  std::vector<std::string> ids;
  for (const compliance::Check& check : catalogue.checks) {
    ids.push_back(check.id);
  }
  throw UsageError(fmt::format("no check has the id '{}'", id),
                   fmt::format("the nearest ids are {}; `velocity checks list` lists them all",
                               fmt::join(suggest::nearest(id, ids, k_nearest_shown), ", ")));
}

void run_show(Context& ctx, const ChecksOptions& options) {
  const std::string format = ctx.format({"table", "json"});
  compliance::Library library = compliance::Library::open(options.dir);
  const compliance::Check& check = find_check(validated_checks(library), options.id);
  if (format == "json") {
    ctx.out().json(check_json(check));
    return;
  }
  const Output& out = ctx.out();
  std::string text = out.paint(fmt::format("{}: {}", check.id, check.title), Color::bold) + "\n";
  text += fmt::format("Platform:   {} ({}), reads evidence type {}\n", check.platform,
                      check.service, check.evidence_type);
  text += fmt::format("Severity:   {}\n", store::to_string(check.severity));
  const auto paragraph = [&](std::string_view label, std::string_view body) {
    const std::vector<std::string> lines = compliance::wrap(body, 66);
    for (size_t i = 0; i < lines.size(); ++i) {
      text += fmt::format("{:<12}{}\n", i == 0 ? label : "", lines[i]);
    }
  };
  paragraph("Risk:", check.risk);
  for (size_t i = 0; i < check.remediation.steps.size(); ++i) {
    paragraph(i == 0 ? "Fix:" : "", fmt::format("{}. {}", i + 1, check.remediation.steps[i]));
  }
  if (!check.remediation.cli.empty()) {
    text += fmt::format("{:<12}{}\n", "Command:", check.remediation.cli);
  }
  text += fmt::format("{:<12}{}\n", "Docs:", check.remediation.url);
  if (check.references.cis) {
    paragraph("CIS:", fmt::format("{} {}", check.references.cis->benchmark,
                                  fmt::join(check.references.cis->recommendations, ", ")));
  }
  if (!check.references.prowler.empty()) {
    paragraph("Prowler:", fmt::format("{}", fmt::join(check.references.prowler, ", ")));
  }
  text += "\n";
  Table table({"FRAMEWORK", "CONTROL", "WHY"});
  for (const std::string& framework : library.framework_ids()) {
    for (const compliance::CheckControl& control : check.controls_in(framework)) {
      table.add_row({framework, control.id, control.why});
    }
  }
  text += table.empty() ? "It tests no control of the frameworks.\n" : table.render();
  out.data(text);
}

} // namespace

void setup_checks(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<ChecksOptions>();
  command.require_subcommand(1);
  command
    .add_option("--frameworks-dir", options->dir,
                "catalogues to use instead of the built-in ones, with the checks in DIR/checks "
                "(env VELOCITY_FRAMEWORKS_DIR)")
    ->option_text("DIR");

  CLI::App* list = command.add_subcommand("list", "list the checks, filtered");
  list->fallthrough();
  list->add_option("--platform", options->platform, "only the checks of this platform (aws, ...)")
    ->option_text("PLATFORM");
  list
    ->add_option("-f,--framework", options->framework,
                 "only the checks testing a control of this framework, with those controls")
    ->option_text("ID");
  list->add_option("--severity", options->severity, "only the checks of this severity")
    ->option_text("SEVERITY");
  list->add_option("--service", options->service, "only the checks of this service (iam, s3, ...)")
    ->option_text("SERVICE");
  ctx.examples.add(*list,
                   {{"velocity checks list --platform aws --severity high", "high AWS checks"},
                    {"velocity checks list --framework pci-dss",
                     "the checks giving evidence for PCI DSS, and for which requirements"}});
  list->callback([&ctx, options] { run_list(ctx, *options); });

  CLI::App* show = command.add_subcommand(
    "show", "one check: risk, remediation, references and the controls it tests, with why");
  show->fallthrough();
  show->add_option("ID", options->id, "check id (aws_iam_root_mfa_enabled, ...)")
    ->required()
    ->type_name("");
  ctx.examples.add(*show, {{"velocity checks show aws_s3_bucket_level_public_access_block",
                            "what the check tests and why it counts for each control"}});
  show->callback([&ctx, options] { run_show(ctx, *options); });
  ctx.examples.add(command, {{"velocity checks list", "every automated check"},
                             {"velocity checks show aws_iam_root_mfa_enabled --format json",
                              "one check as JSON"}});
}

} // namespace velocity::cli
