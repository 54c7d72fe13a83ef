// `velocity assess list | show | diff | delete`: the stored assessments.

#include "assess.hpp"

#include <velocity/compliance/report_json.hpp>
#include <velocity/compliance/text.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <sstream>

namespace velocity::cli {

using assess::Options;

namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, ',')) {
    if (!part.empty()) {
      parts.push_back(part);
    }
  }
  return parts;
}

store::AssessmentRecord load_record(Context& ctx, int64_t id) {
  store::State& state = ctx.state();
  const store::Org org = ctx.org();
  auto record = store::find_assessment(state.db(), org, id);
  if (!record) {
    throw UsageError(fmt::format("no assessment {} in organisation '{}'", id, org.name()),
                     "`velocity assess list` shows them");
  }
  return *record;
}

// A stored assessment evaluated again with the current catalogues.
struct Loaded {
  store::AssessmentRecord record;
  compliance::Scope scope;
  compliance::Answers answers;
  compliance::Evaluation evaluation;
};

Loaded evaluate_record(Context& ctx, compliance::Library& library, const Options& options,
                       int64_t id) {
  Loaded loaded;
  loaded.record = load_record(ctx, id);
  const store::AssessmentRecord& record = loaded.record;
  for (const std::string& framework : split_commas(record.frameworks)) {
    if (!library.has_framework(framework)) {
      throw UsageError(fmt::format("assessment {} covers framework '{}', which the {} do not have",
                                   id, framework, library.description()),
                       "use the catalogues it was made with (--frameworks-dir)");
    }
    loaded.scope.frameworks.push_back(framework);
  }
  loaded.scope.variant = record.variant;
  const compliance::Questionnaire& questionnaire = library.questionnaire();
  const auto json = nlohmann::json::parse(record.answers, nullptr, false);
  for (auto& [control, answer] : compliance::answers_from_json(json)) {
    if (questionnaire.find(control) == nullptr) {
      ctx.out().warn(fmt::format("assessment {}: question '{}' is no longer in the questionnaire; "
                                 "its answer is left out",
                                 id, control));
      continue;
    }
    loaded.answers.emplace(control, std::move(answer));
  }
  if (record.status == store::AssessmentStatus::completed &&
      library.digest(loaded.scope.frameworks) != record.catalog_sha256) {
    ctx.out().info(fmt::format("note: the catalogues changed since assessment {}; its results are "
                               "computed again with the current ones",
                               id));
  }
  const std::string when = record.completed_at.value_or(record.updated_at);
  const auto frameworks = assess::load_frameworks(library, loaded.scope);
  loaded.evaluation = compliance::evaluate(
    questionnaire, frameworks, loaded.scope, loaded.answers,
    assess::plan_options(options, time::parse_iso8601(when).value_or(time::now()),
                         loaded.scope.frameworks.size()));
  return loaded;
}

std::string format_scores(const std::string& scores_text) {
  const auto scores = nlohmann::json::parse(scores_text, nullptr, false);
  if (!scores.is_object() || scores.empty()) {
    return "-";
  }
  std::string text;
  for (const auto& [id, score] : scores.items()) {
    text += text.empty() ? "" : " ";
    text += fmt::format("{} {}", id,
                        score.is_number() ? compliance::format_decimal(score.get<double>()) : "-");
  }
  return text;
}

std::string short_time(const std::string& iso) {
  // "2025-06-01T10:22:33.123Z" -> "2025-06-01 10:22"
  return iso.size() >= 16 ? iso.substr(0, 10) + " " + iso.substr(11, 5) : iso;
}

std::string answer_text(const compliance::Answer* answer) {
  if (answer == nullptr || !answer->design) {
    return "-";
  }
  std::string text(compliance::to_string(*answer->design));
  if (answer->operating) {
    text += fmt::format(" / {}", compliance::to_string(*answer->operating));
  }
  return text;
}

std::string signed_change(double change) {
  const std::string text = compliance::format_decimal(change);
  return change > 0 ? "+" + text : text;
}

} // namespace

void run_assess_list(Context& ctx) {
  const std::string format = ctx.format({"table", "json"});
  store::State& state = ctx.state();
  const store::Org org = ctx.org();
  const auto records = store::list_assessments(state.db(), org);
  if (format == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& record : records) {
      rows.push_back({{"id", record.id},
                      {"status", store::to_string(record.status)},
                      {"frameworks", split_commas(record.frameworks)},
                      {"variant", record.variant.empty() ? nlohmann::json(nullptr)
                                                         : nlohmann::json(record.variant)},
                      {"scores", nlohmann::json::parse(record.scores, nullptr, false)},
                      {"started_at", record.started_at},
                      {"updated_at", record.updated_at},
                      {"completed_at", record.completed_at ? nlohmann::json(*record.completed_at)
                                                           : nlohmann::json(nullptr)}});
    }
    ctx.out().json(rows);
    return;
  }
  if (records.empty()) {
    ctx.out().info("no assessments yet; `velocity assess --framework soc2` starts one");
    return;
  }
  Table table({"ID", "STATUS", "FRAMEWORKS", "VARIANT", "SCORES", "WHEN (UTC)"});
  for (const auto& record : records) {
    const bool done = record.status == store::AssessmentStatus::completed;
    table.add_row({std::to_string(record.id), done ? "completed" : "in progress", record.frameworks,
                   record.variant.empty() ? "-" : record.variant,
                   done ? format_scores(record.scores) : "-",
                   short_time(record.completed_at.value_or(record.updated_at))});
  }
  ctx.out().data(table.render());
}

void run_assess_show(Context& ctx, const Options& options) {
  const std::string format = ctx.format({"table", "json", "md"});
  compliance::Library library = compliance::Library::open(options.frameworks_dir);
  Loaded loaded = evaluate_record(ctx, library, options, options.id);
  const store::AssessmentRecord& record = loaded.record;
  assess::Meta meta;
  meta.id = record.id;
  meta.status = std::string(store::to_string(record.status));
  meta.started_at = record.started_at;
  meta.completed_at = record.completed_at;
  meta.org = ctx.options.org;
  meta.catalogues = library.description();
  // A completed assessment meets the findings of its time; one in progress, today's.
  const compliance::AutomatedResults automated =
    assess::apply_automated(ctx, library, loaded.evaluation,
                            record.completed_at.value_or(time::to_iso8601(time::now())), meta);
  if (record.status == store::AssessmentStatus::in_progress) {
    ctx.out().info(fmt::format("assessment {} is in progress ({} of {} answered); `velocity assess "
                               "--resume` continues it",
                               record.id, loaded.evaluation.answered, loaded.evaluation.questions));
  }
  assess::print_evaluation(ctx, format, loaded.evaluation, library.questionnaire(), loaded.answers,
                           meta);
  assess::check_fail_under(options, loaded.evaluation);
}

void run_assess_diff(Context& ctx, const Options& options) {
  const std::string format = ctx.format({"table", "json"});
  compliance::Library library = compliance::Library::open(options.frameworks_dir);
  const Loaded a = evaluate_record(ctx, library, options, options.id);
  const Loaded b = evaluate_record(ctx, library, options, options.other_id);
  const compliance::Questionnaire& questionnaire = library.questionnaire();

  struct Row {
    std::string id;
    std::string name;
    std::optional<double> a;
    std::optional<double> b;
  };
  std::vector<Row> rows;
  const auto row_of = [&](const std::string& id) -> Row& {
    for (Row& row : rows) {
      if (row.id == id) {
        return row;
      }
    }
    rows.push_back({id, library.framework(id).name, std::nullopt, std::nullopt});
    return rows.back();
  };
  for (const auto& result : a.evaluation.frameworks) {
    row_of(result.framework->id).a = result.sum.score();
  }
  for (const auto& result : b.evaluation.frameworks) {
    row_of(result.framework->id).b = result.sum.score();
  }

  std::vector<const compliance::CommonControl*> changed;
  for (const compliance::CommonControl& control : questionnaire.controls) {
    const auto in_a = a.answers.find(control.id);
    const auto in_b = b.answers.find(control.id);
    const compliance::Answer* answer_a = in_a == a.answers.end() ? nullptr : &in_a->second;
    const compliance::Answer* answer_b = in_b == b.answers.end() ? nullptr : &in_b->second;
    if (answer_text(answer_a) != answer_text(answer_b)) {
      changed.push_back(&control);
    }
  }
  std::set<std::string> gaps_a;
  std::set<std::string> gaps_b;
  for (const auto& gap : a.evaluation.gaps) {
    gaps_a.insert(gap.control->id);
  }
  for (const auto& gap : b.evaluation.gaps) {
    gaps_b.insert(gap.control->id);
  }
  std::vector<std::string> closed;
  std::vector<std::string> opened;
  std::set_difference(gaps_a.begin(), gaps_a.end(), gaps_b.begin(), gaps_b.end(),
                      std::back_inserter(closed));
  std::set_difference(gaps_b.begin(), gaps_b.end(), gaps_a.begin(), gaps_a.end(),
                      std::back_inserter(opened));

  const auto answer_of = [](const Loaded& loaded, const std::string& id) {
    const auto found = loaded.answers.find(id);
    return found == loaded.answers.end() ? nullptr : &found->second;
  };
  if (format == "json") {
    const auto side = [](const Loaded& loaded) {
      return nlohmann::json{{"id", loaded.record.id},
                            {"status", store::to_string(loaded.record.status)},
                            {"completed_at", loaded.record.completed_at
                                               ? nlohmann::json(*loaded.record.completed_at)
                                               : nlohmann::json(nullptr)}};
    };
    nlohmann::json frameworks = nlohmann::json::array();
    for (const Row& row : rows) {
      frameworks.push_back({{"id", row.id},
                            {"a", compliance::score_json(row.a)},
                            {"b", compliance::score_json(row.b)},
                            {"change", row.a && row.b ? compliance::score_json(*row.b - *row.a)
                                                      : nlohmann::json(nullptr)}});
    }
    nlohmann::json changes = nlohmann::json::array();
    const auto answer_json = [](const compliance::Answer* answer) {
      if (answer == nullptr || !answer->design) {
        return nlohmann::json(nullptr);
      }
      return nlohmann::json{
        {"answer", compliance::to_string(*answer->design)},
        {"operating", answer->operating ? nlohmann::json(compliance::to_string(*answer->operating))
                                        : nlohmann::json(nullptr)}};
    };
    for (const auto* control : changed) {
      changes.push_back({{"id", control->id},
                         {"title", control->title},
                         {"a", answer_json(answer_of(a, control->id))},
                         {"b", answer_json(answer_of(b, control->id))}});
    }
    ctx.out().json({{"a", side(a)},
                    {"b", side(b)},
                    {"frameworks", frameworks},
                    {"changed_answers", changes},
                    {"gaps_closed", closed},
                    {"gaps_opened", opened}});
    return;
  }

  std::string text =
    fmt::format("Assessment {} ({}) -> {} ({})\n\n", a.record.id,
                short_time(a.record.completed_at.value_or(a.record.updated_at)), b.record.id,
                short_time(b.record.completed_at.value_or(b.record.updated_at)));
  Table scores({"FRAMEWORK", "A", "B", "CHANGE"});
  for (const Row& row : rows) {
    const auto show = [](const std::optional<double>& score) {
      return score ? compliance::format_decimal(*score) : std::string("-");
    };
    std::string change = "-";
    if (row.a && row.b) {
      const double delta = *row.b - *row.a;
      change = ctx.out().paint(signed_change(delta), delta > 0.05    ? Color::green
                                                     : delta < -0.05 ? Color::red
                                                                     : Color::none);
    }
    scores.add_row({row.name, show(row.a), show(row.b), change});
  }
  text += scores.render();
  text += fmt::format("\nChanged answers: {}\n", changed.size());
  if (!changed.empty()) {
    Table answers({"QUESTION", "A", "B"});
    for (const auto* control : changed) {
      answers.add_row({compliance::truncate(control->title, 44),
                       answer_text(answer_of(a, control->id)),
                       answer_text(answer_of(b, control->id))});
    }
    text += answers.render();
  }
  text += fmt::format("\nGaps closed: {}{}\n", closed.size(),
                      closed.empty() ? "" : fmt::format(" ({})", fmt::join(closed, ", ")));
  text += fmt::format("New gaps: {}{}\n", opened.size(),
                      opened.empty() ? "" : fmt::format(" ({})", fmt::join(opened, ", ")));
  ctx.out().data(text);
}

void run_assess_delete(Context& ctx, const Options& options) {
  ctx.format({"table", "json"});
  store::State& state = ctx.state();
  const store::Org org = ctx.org();
  if (!store::delete_assessment(state.db(), org, options.id)) {
    throw UsageError(fmt::format("no assessment {} in organisation '{}'", options.id, org.name()),
                     "`velocity assess list` shows them");
  }
  ctx.out().info(fmt::format("deleted assessment {}", options.id));
}

} // namespace velocity::cli
