#include "assess.hpp"

#include "option_values.hpp"

#include <velocity/cli/commands.hpp>
#include <velocity/compliance/report_json.hpp>
#include <velocity/compliance/text.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/input_limits.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <iterator>

namespace velocity::cli {

namespace assess {

compliance::Scope resolve_scope(compliance::Library& library, std::vector<std::string> frameworks,
                                const std::string& variant) {
  compliance::Scope scope;
  for (std::string& id : frameworks) {
    library.require_framework(id);
    if (std::find(scope.frameworks.begin(), scope.frameworks.end(), id) == scope.frameworks.end()) {
      scope.frameworks.push_back(std::move(id));
    }
  }
  if (scope.frameworks.empty()) {
    throw UsageError("no framework to assess", "pass --framework ID (`velocity frameworks list`)");
  }
  std::vector<std::string> variants;
  for (const std::string& id : scope.frameworks) {
    for (const compliance::Variant& v : library.framework(id).variants) {
      variants.push_back(v.id);
    }
  }
  if (!variant.empty()) {
    if (std::find(variants.begin(), variants.end(), variant) == variants.end()) {
      std::string known;
      for (const std::string& v : variants) {
        known += known.empty() ? v : ", " + v;
      }
      throw UsageError(fmt::format("--variant {} is not a variant of {}", variant,
                                   fmt::join(scope.frameworks, ", ")),
                       known.empty() ? "these frameworks have no variants; leave --variant out"
                                     : fmt::format("variants: {}", known));
    }
    scope.variant = variant;
  } else if (!variants.empty()) {
    scope.variant = variants.front();
  }
  return scope;
}

std::vector<const compliance::Framework*> load_frameworks(compliance::Library& library,
                                                          const compliance::Scope& scope) {
  std::vector<const compliance::Framework*> frameworks;
  for (const std::string& id : scope.frameworks) {
    frameworks.push_back(&library.framework(id));
  }
  return frameworks;
}

compliance::PlanOptions plan_options(const Options& options, time::TimePoint default_start,
                                     size_t framework_count) {
  compliance::PlanOptions plan;
  plan.hourly_rate = options.hourly_rate;
  plan.audit_cost = options.audit_cost;
  if (!plan.audit_cost && options.audit_cost_per_framework) {
    plan.audit_cost = *options.audit_cost_per_framework * static_cast<double>(framework_count);
  }
  plan.hours_per_week = options.hours_per_week;
  plan.observation_days = options.observation_days;
  plan.start = default_start;
  if (options.start) {
    const auto parsed = time::parse_iso8601(*options.start);
    if (!parsed) {
      throw UsageError(fmt::format("--start {} is not a date", *options.start),
                       "use YYYY-MM-DD, e.g. --start 2025-07-01");
    }
    plan.start = *parsed;
  }
  return plan;
}

std::string scores_json(const compliance::Evaluation& evaluation) {
  nlohmann::json scores = nlohmann::json::object();
  for (const compliance::FrameworkResult& result : evaluation.frameworks) {
    scores[result.framework->id] = compliance::score_json(result.sum.score());
  }
  return scores.dump();
}

void audit_completed(Context& ctx, int64_t id, const std::vector<std::string>& frameworks,
                     const std::string& variant) {
  ctx.audit(
    {audit::Category::system_security,
     "assess.complete",
     "assessment",
     std::to_string(id),
     audit::Outcome::success,
     {{"frameworks", fmt::format("{}", fmt::join(frameworks, ","))}, {"variant", variant}}});
}

std::string scope_title(const compliance::Evaluation& evaluation) {
  std::string title;
  for (const compliance::FrameworkResult& result : evaluation.frameworks) {
    title += title.empty() ? "" : ", ";
    title += result.framework->name;
    if (result.variant != nullptr) {
      title += " " + result.variant->name;
    }
  }
  return title;
}

compliance::AutomatedResults apply_automated(Context& ctx, compliance::Library& library,
                                             compliance::Evaluation& evaluation,
                                             const std::string& until, Meta& meta) {
  // The findings as they stood when the answers were given: both describe the same moment.
  compliance::AutomatedResults automated = compliance::load_automated_results(
    ctx.state().db(), ctx.org(), library, store::TimeWindow{std::nullopt, until});
  for (compliance::FrameworkResult& result : evaluation.frameworks) {
    compliance::apply_verdicts(result, automated);
  }
  meta.findings_until = until;
  return automated;
}

void print_evaluation(Context& ctx, const std::string& format,
                      const compliance::Evaluation& evaluation,
                      const compliance::Questionnaire& questionnaire,
                      const compliance::Answers& answers, const Meta& meta) {
  if (format == "json") {
    nlohmann::json json = compliance::evaluation_to_json(evaluation, questionnaire, answers);
    nlohmann::json assessment = {
      {"id", meta.id ? nlohmann::json(*meta.id) : nlohmann::json(nullptr)},
      {"status", meta.status},
      {"org", meta.org},
      {"started_at", meta.started_at},
      {"completed_at",
       meta.completed_at ? nlohmann::json(*meta.completed_at) : nlohmann::json(nullptr)},
      {"catalogues", meta.catalogues}};
    json["assessment"] = assessment;
    json["automated"] = meta.findings_until
                          ? nlohmann::json{{"findings_until", *meta.findings_until}}
                          : nlohmann::json(nullptr);
    ctx.out().json(json);
  } else if (format == "md") {
    ctx.out().data(render_markdown(evaluation, questionnaire, answers, meta));
  } else {
    ctx.out().data(render_table(ctx.out(), evaluation, meta));
  }
}

void check_fail_under(const Options& options, const compliance::Evaluation& evaluation) {
  if (!options.fail_under) {
    return;
  }
  std::vector<std::string> below;
  for (const compliance::FrameworkResult& result : evaluation.frameworks) {
    const auto score = result.sum.score();
    if (!score || std::round(*score * 10) / 10 < *options.fail_under) {
      below.push_back(fmt::format("{} {}", result.framework->id,
                                  score ? compliance::format_decimal(*score) : "(no score)"));
    }
  }
  if (!below.empty()) {
    throw CheckFailed(fmt::format("score under --fail-under {}: {}",
                                  compliance::format_decimal(*options.fail_under),
                                  fmt::join(below, ", ")));
  }
}

} // namespace assess

namespace {

using assess::Options;

std::string read_answers_text(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  // Not only regular files: `--answers <(generate-answers)` is a pipe.
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) {
    throw UsageError(
      fmt::format("answers file {} does not exist", path),
      "`velocity assess template --framework ID > answers.yaml` writes one to fill in");
  }
  if (std::filesystem::is_directory(status)) {
    throw UsageError(fmt::format("answers file {} is a directory", path),
                     "pass the YAML file of answers, e.g. --answers answers.yaml");
  }
  try {
    return fs::read_file(path, limits::answers_file, fs::Source::file_or_pipe);
  } catch (const StateError& unreadable) {
    // An input file, not the state: a usage error (exit 2), not a state error (exit 3).
    throw UsageError(unreadable.what(), "check the file's permissions, or pass --answers -");
  }
}

std::string today_string() {
  return time::to_iso8601(time::now());
}

// An answers file run: check, score, store, print.
void run_answers_file(Context& ctx, const Options& options) {
  const std::string format = ctx.format({"table", "json", "md"});
  compliance::Library library = compliance::Library::open(options.frameworks_dir);
  const compliance::Questionnaire& questionnaire = library.questionnaire();
  const std::string source = *options.answers_path == "-" ? "<stdin>" : *options.answers_path;
  const compliance::AnswerFile file =
    compliance::read_answer_file(read_answers_text(*options.answers_path), source, questionnaire);
  // The command line, else the file's own, else the team's frameworks in scope.
  std::vector<std::string> frameworks = !options.frameworks.empty() ? options.frameworks
                                        : !file.frameworks.empty()  ? file.frameworks
                                                                    : options.configured_frameworks;
  if (frameworks.empty()) {
    throw UsageError(fmt::format("{}: says no framework, and --framework is not given", source),
                     "add `framework: soc2` to the file or pass --framework soc2");
  }
  // The file's variant applies only where it fits: --framework may pick other frameworks.
  std::string variant = options.variant;
  if (variant.empty() && !file.variant.empty()) {
    for (const std::string& id : frameworks) {
      if (library.has_framework(id) &&
          library.framework(id).find_variant(file.variant) != nullptr) {
        variant = file.variant;
      }
    }
  }
  const compliance::Scope scope = assess::resolve_scope(library, frameworks, variant);
  const compliance::Answers answers = compliance::answers_for_scope(file, questionnaire, scope);
  const auto frameworks_loaded = assess::load_frameworks(library, scope);
  compliance::Evaluation evaluation =
    compliance::evaluate(questionnaire, frameworks_loaded, scope, answers,
                         assess::plan_options(options, time::now(), scope.frameworks.size()));

  assess::Meta meta;
  meta.started_at = today_string();
  meta.completed_at = meta.started_at;
  meta.org = ctx.options.org;
  meta.catalogues = library.description();
  std::error_code error;
  if (options.no_save) {
    ctx.out().verbose("not stored (--no-save)");
  } else if (!std::filesystem::exists(ctx.state_path(), error)) {
    ctx.out().info(fmt::format("not stored: there is no state at {} (`velocity init` creates one; "
                               "--no-save silences this)",
                               ctx.state_path().string()));
  } else {
    store::State& state = ctx.state();
    // The assessment and its event commit together.
    store::Transaction tx(state.db());
    const store::Org org = ctx.org();
    store::NewAssessment record;
    record.frameworks = fmt::format("{}", fmt::join(scope.frameworks, ","));
    record.variant = scope.variant;
    record.catalog_sha256 = library.digest(scope.frameworks);
    record.answers = compliance::answers_to_json(answers).dump();
    meta.id =
      store::add_completed_assessment(state.db(), org, record, assess::scores_json(evaluation));
    assess::audit_completed(ctx, *meta.id, scope.frameworks, scope.variant);
    tx.commit();
    ctx.out().info(
      fmt::format("stored as assessment {} (`velocity assess show {}`)", *meta.id, *meta.id));
  }
  std::optional<compliance::AutomatedResults> automated;
  if (meta.id) {
    automated.emplace(assess::apply_automated(ctx, library, evaluation, *meta.completed_at, meta));
  }
  assess::print_evaluation(ctx, format, evaluation, questionnaire, answers, meta);
  assess::check_fail_under(options, evaluation);
}

// The plan options the config file and the environment may set, so that a command-line value
// is told from a default.
struct PlanFlags {
  CLI::Option* hourly_rate = nullptr;
  CLI::Option* hours_per_week = nullptr;
  CLI::Option* audit_cost = nullptr;
  CLI::Option* observation_days = nullptr;
};

PlanFlags add_plan_options(CLI::App& command, Options& options) {
  PlanFlags flags;
  flags.hourly_rate =
    command
      .add_option("--hourly-rate", options.hourly_rate,
                  "cost of an hour of effort in USD (default 150; config hourly_rate)")
      ->option_text("USD")
      ->check(positive());
  flags.hours_per_week = command
                           .add_option("--hours-per-week", options.hours_per_week,
                                       "hours of remediation work per week, for the roadmap "
                                       "(default 40; config hours_per_week)")
                           ->option_text("HOURS")
                           ->check(positive());
  flags.audit_cost = command
                       .add_option("--audit-cost", options.audit_cost,
                                   "external audit cost in USD, replacing the per-framework "
                                   "estimates (config audit_cost: per framework)")
                       ->option_text("USD")
                       ->check(non_negative());
  command.add_option("--start", options.start, "roadmap start date, YYYY-MM-DD (default today)")
    ->option_text("DATE");
  flags.observation_days = command
                             .add_option("--observation-days", options.observation_days,
                                         "Type II observation period after remediation (default "
                                         "90; config observation_days)")
                             ->option_text("DAYS")
                             ->check(within(0, 3660));
  command
    .add_option("--fail-under", options.fail_under,
                "exit 1 when a framework scores under SCORE (0-100)")
    ->option_text("SCORE")
    ->check(within(0, 100));
  return flags;
}

// The plan options and frameworks the command line did not give, from the environment or the
// config file. A configured audit_cost is per framework, as in `velocity roi`.
void apply_settings(Context& ctx, const PlanFlags& flags, Options& options, bool frameworks_given) {
  if (const auto value = ctx.setting_for(flags.hourly_rate, "hourly_rate")) {
    options.hourly_rate = compliance::setting_number(value->value);
  }
  if (const auto value = ctx.setting_for(flags.hours_per_week, "hours_per_week")) {
    options.hours_per_week = compliance::setting_number(value->value);
  }
  if (const auto value = ctx.setting_for(flags.observation_days, "observation_days")) {
    options.observation_days = static_cast<int>(compliance::setting_number(value->value));
  }
  if (!frameworks_given) {
    if (const auto value = ctx.settings().find("frameworks")) {
      options.configured_frameworks = compliance::setting_list(value->value);
    }
  }
  if (const auto value = ctx.setting_for(flags.audit_cost, "audit_cost")) {
    options.audit_cost_per_framework = compliance::setting_number(value->value);
  }
}

} // namespace

void setup_assess(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<Options>();
  auto framework_values = std::make_shared<std::vector<std::string>>();
  command
    .add_option("-f,--framework", *framework_values,
                "framework(s) to assess, e.g. soc2 or soc2,iso27001 (`velocity frameworks list`; "
                "config frameworks)")
    ->option_text("ID[,ID]");
  command.add_option("--variant", options->variant, "variant, e.g. type1 or type2 for SOC 2")
    ->option_text("VARIANT");
  command
    .add_option("--answers", options->answers_path,
                "take the answers from FILE (YAML; - reads stdin) instead of asking")
    ->option_text("FILE");
  command.add_flag("--resume", options->resume, "continue the assessment in progress");
  command.add_flag("--no-save", options->no_save, "do not store the assessment");
  command
    .add_option("--frameworks-dir", options->frameworks_dir,
                "catalogues to use instead of the built-in ones (env VELOCITY_FRAMEWORKS_DIR)")
    ->option_text("DIR");
  const PlanFlags plan_flags = add_plan_options(command, *options);
  command.footer(
    "On a terminal velocity asks the questions one at a time and saves after each answer; "
    "elsewhere it needs --answers. Scores, gaps, cost and roadmap follow frameworks/README.md; "
    "--format json is documented in docs/assess-json.md.");

  const auto prepare = [&ctx, options, framework_values, plan_flags] {
    options->frameworks = split_comma_lists(*framework_values);
    apply_settings(ctx, plan_flags, *options, !options->frameworks.empty());
  };

  CLI::App* templ = command.add_subcommand("template", "write a fill-in answers file to stdout");
  templ->fallthrough();
  // Subcommands inherit the parent's footer; these say what applies to them instead.
  templ->footer("Takes these options of `velocity assess`: --framework ID[,ID] (required), "
                "--variant, --answers FILE (answers to keep in the new file), --frameworks-dir.");
  ctx.examples.add(*templ, {{"velocity assess template --framework soc2 --variant type2 > "
                             "answers.yaml",
                             "an answers file to fill in for SOC 2 Type II"}});
  templ->callback([&ctx, options, prepare] {
    prepare();
    compliance::Library library = compliance::Library::open(options->frameworks_dir);
    if (options->frameworks.empty()) {
      options->frameworks = options->configured_frameworks;
    }
    if (options->frameworks.empty()) {
      throw UsageError("assess template needs --framework",
                       "e.g. `velocity assess template --framework soc2 > answers.yaml`");
    }
    const compliance::Scope scope =
      assess::resolve_scope(library, options->frameworks, options->variant);
    const auto frameworks = assess::load_frameworks(library, scope);
    compliance::Answers prefill;
    if (options->answers_path) {
      const compliance::AnswerFile file = compliance::read_answer_file(
        read_answers_text(*options->answers_path), *options->answers_path, library.questionnaire());
      for (const auto& entry : file.entries) {
        prefill[entry.id] = entry.answer;
      }
    }
    ctx.out().data(
      compliance::answer_template(library.questionnaire(), frameworks, scope, prefill));
  });

  CLI::App* list = command.add_subcommand("list", "list the stored assessments");
  list->fallthrough();
  list->footer("");
  ctx.examples.add(*list, {{"velocity assess list", "the stored assessments"}});
  list->callback([&ctx] { run_assess_list(ctx); });

  CLI::App* show = command.add_subcommand("show", "print a stored assessment's results again");
  show->fallthrough();
  show->footer("");
  show->add_option("ID", options->id, "assessment id (`velocity assess list`)")
    ->required()
    ->type_name("");
  ctx.examples.add(*show, {{"velocity assess show 3 --format md", "assessment 3 in Markdown"}});
  show->callback([&ctx, options, prepare] {
    prepare();
    run_assess_show(ctx, *options);
  });

  CLI::App* diff = command.add_subcommand("diff", "compare two stored assessments");
  diff->fallthrough();
  diff->footer("");
  diff->add_option("A", options->id, "the earlier assessment id")->required()->type_name("");
  diff->add_option("B", options->other_id, "the later assessment id")->required()->type_name("");
  ctx.examples.add(*diff, {{"velocity assess diff 2 3", "what changed from assessment 2 to 3"}});
  diff->callback([&ctx, options] { run_assess_diff(ctx, *options); });

  CLI::App* remove = command.add_subcommand("delete", "delete a stored assessment");
  remove->fallthrough();
  remove->footer("");
  remove->add_option("ID", options->id, "assessment id")->required()->type_name("");
  ctx.examples.add(*remove, {{"velocity assess delete 3", "delete assessment 3"}});
  ctx.examples.add(
    command, {{"velocity assess --framework soc2", "answer the SOC 2 questions on the terminal"},
              {"velocity assess --answers answers.yaml --fail-under 80",
               "score a filled-in answers file; exit 1 under 80"}});
  remove->callback([&ctx, options] { run_assess_delete(ctx, *options); });

  command.callback([&ctx, &command, options, prepare] {
    if (!command.get_subcommands().empty()) {
      return;
    }
    prepare();
    if (options->answers_path) {
      if (options->resume) {
        throw UsageError("--resume and --answers do not go together",
                         "--resume continues an interactive assessment");
      }
      run_answers_file(ctx, *options);
      return;
    }
    if (!ctx.interactive()) {
      throw UsageError(
        "velocity assess asks its questions on a terminal, and stdin or stderr is not one",
        "without a terminal pass the answers in a file: `velocity assess template --framework "
        "soc2 > answers.yaml`, fill it in, then `velocity assess --answers answers.yaml`");
    }
    if (options->no_save) {
      // The questionnaire is saved after every answer so that it can be resumed: refusing is
      // the honest answer, where going ahead would store what the user asked not to store.
      throw UsageError("--no-save works with --answers FILE only: an interactive assessment is "
                       "saved after every answer so that --resume can continue it",
                       "answer in a file (`velocity assess template --framework soc2 > a.yaml`) "
                       "and run `velocity assess --answers a.yaml --no-save`, or delete the "
                       "stored one afterwards with `velocity assess delete ID`");
    }
    const std::string format = ctx.format({"table", "json", "md"});
    compliance::Library library = compliance::Library::open(options->frameworks_dir);
    const auto id = assess::run_interactive(ctx, library, *options);
    if (id) {
      options->id = *id;
      run_assess_show(ctx, *options);
    }
  });
}

} // namespace velocity::cli
