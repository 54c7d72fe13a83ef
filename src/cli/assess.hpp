#pragma once

// What the files of `velocity assess` share: src/cli/assess.cpp (options, non-interactive runs,
// list, show, diff), assess_interactive.cpp (the questionnaire on a terminal) and
// assess_render.cpp (table and Markdown output).

#include <velocity/cli/context.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/compliance/plan.hpp>
#include <velocity/compliance/verdict.hpp>
#include <velocity/store/assessment.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace velocity::cli::assess {

struct Options {
  std::vector<std::string> frameworks;
  // The config file's or the environment's frameworks, used when --framework is not given.
  std::vector<std::string> configured_frameworks;
  std::string variant;
  std::optional<std::string> answers_path;
  bool resume = false;
  std::optional<double> fail_under;
  double hourly_rate = 150;
  double hours_per_week = 40;
  std::optional<double> audit_cost;
  // The config file's or the environment's audit_cost, per framework as in `velocity roi`.
  std::optional<double> audit_cost_per_framework;
  std::optional<std::string> start;
  int observation_days = 90;
  std::optional<std::filesystem::path> frameworks_dir;
  bool no_save = false;
  int64_t id = 0;
  int64_t other_id = 0;
};

// Facts about a stored or just-finished assessment, printed with its results.
struct Meta {
  std::optional<int64_t> id;
  std::string status = "completed";
  std::string started_at;
  std::optional<std::string> completed_at;
  std::string org;
  std::string catalogues; // "built-in catalogues" or a directory
  // Set when automated verdicts count (apply_automated): the findings were taken as they stood
  // at this time.
  std::optional<std::string> findings_until;
};

// The frameworks and variant to assess: ids checked, duplicates dropped, the variant checked
// against the frameworks or defaulted to the first variant of the first framework having one.
compliance::Scope resolve_scope(compliance::Library& library, std::vector<std::string> frameworks,
                                const std::string& variant);

// The frameworks of `scope`, loaded.
std::vector<const compliance::Framework*> load_frameworks(compliance::Library& library,
                                                          const compliance::Scope& scope);

// Plan options from the command line and the settings; `default_start` is used without --start,
// and a configured audit cost per framework is counted `framework_count` times.
compliance::PlanOptions plan_options(const Options& options, time::TimePoint default_start,
                                     size_t framework_count);

// Applies the automated verdicts (compliance/verdict.hpp) of the organisation's findings as they
// stood at `until` to every framework of `evaluation`, and notes `until` in `meta`. The results
// returned must outlive `evaluation`'s use.
compliance::AutomatedResults apply_automated(Context& ctx, compliance::Library& library,
                                             compliance::Evaluation& evaluation,
                                             const std::string& until, Meta& meta);

// {"soc2": 53.8, ...} as stored with a finished assessment.
std::string scores_json(const compliance::Evaluation& evaluation);

// Logs a finished assessment, stored as `id`, to the organisation's audit trail.
void audit_completed(Context& ctx, int64_t id, const std::vector<std::string>& frameworks,
                     const std::string& variant);

// Prints an evaluation in the --format asked for (table, json or md) on stdout.
void print_evaluation(Context& ctx, const std::string& format,
                      const compliance::Evaluation& evaluation,
                      const compliance::Questionnaire& questionnaire,
                      const compliance::Answers& answers, const Meta& meta);

// Exit 1 (CheckFailed) when a framework scores under --fail-under (or has no score).
void check_fail_under(const Options& options, const compliance::Evaluation& evaluation);

// "SOC 2 Type II, ISO 27001".
std::string scope_title(const compliance::Evaluation& evaluation);

// The interactive questionnaire; returns the id of the assessment it completed, or nothing when
// the user saved and quit. Throws Error(ExitCode::interrupted) on Ctrl-C after saving.
std::optional<int64_t> run_interactive(Context& ctx, compliance::Library& library,
                                       Options& options);

// Table and Markdown renderings of an evaluation.
std::string render_table(const Output& out, const compliance::Evaluation& evaluation,
                         const Meta& meta);
std::string render_markdown(const compliance::Evaluation& evaluation,
                            const compliance::Questionnaire& questionnaire,
                            const compliance::Answers& answers, const Meta& meta);

} // namespace velocity::cli::assess

namespace velocity::cli {

// The subcommands over stored assessments (src/cli/assess_history.cpp).
void run_assess_list(Context& ctx);
void run_assess_show(Context& ctx, const assess::Options& options);
void run_assess_diff(Context& ctx, const assess::Options& options);
void run_assess_delete(Context& ctx, const assess::Options& options);

} // namespace velocity::cli
