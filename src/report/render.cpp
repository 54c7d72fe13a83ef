#include "charts.hpp"
#include "findings_summary.hpp"

#include <velocity/audit/export.hpp>
#include <velocity/compliance/finding_json.hpp>
#include <velocity/compliance/report_json.hpp>
#include <velocity/compliance/text.hpp>
#include <velocity/report/render.hpp>

#include <fmt/format.h>

namespace velocity::report {

namespace {

using nlohmann::json;

struct StatusView {
  std::string_view id;
  std::string_view label;
};

constexpr std::array<StatusView, 5> k_status_views = {{
  {"met", "Met"},
  {"partially_met", "Partially met"},
  {"not_met", "Not met"},
  {"not_applicable", "Not applicable"},
  {"not_assessed", "Not assessed"},
}};

std::string status_label(std::string_view status) {
  for (const auto& view : k_status_views) {
    if (view.id == status) {
      return std::string(view.label);
    }
  }
  return std::string(status);
}

// The status as read: a status the checks decided says so.
std::string control_status_label(const json& control) {
  const std::string source = control["status_source"].get<std::string>();
  if (source == "passing_checks") {
    return "Met by automated evidence";
  }
  if (source == "failing_checks") {
    return "Not met (automated checks fail)";
  }
  return status_label(control["status"].get<std::string>());
}

// A benchmark recommendation's result, with who decided it where that is not the benchmark's own
// way (an automated recommendation met by answers alone, a manual one decided by checks).
std::string benchmark_result_label(const json& control) {
  const std::string result = control["benchmark_result"].get<std::string>();
  const std::string source = control["status_source"].get<std::string>();
  if (result == "pass") {
    return source == "passing_checks" ? "Pass (automated checks)" : "Pass (answered)";
  }
  if (result == "fail") {
    return source == "failing_checks" ? "Fail (automated checks)" : "Fail (answered)";
  }
  if (result == "manual") {
    return "Manual: not answered yet";
  }
  if (result == "no_result") {
    return "No automated result";
  }
  return "Not applicable";
}

std::string score_text(const json& score) {
  return score.is_number() ? compliance::format_decimal(score.get<double>()) : "not scored";
}

std::string score_class(const json& score) {
  if (!score.is_number()) {
    return "none";
  }
  const double value = score.get<double>();
  return value >= 80 ? "good" : value >= 60 ? "fair" : "poor";
}

std::string text_or(const json& value, std::string_view fallback) {
  return value.is_string() ? value.get<std::string>() : std::string(fallback);
}

// The document with what the templates show but the JSON does not need: labels, CSS classes,
// formatted amounts and sentences.
json view_of(const json& doc) {
  json view = doc;
  const json& summary = doc["summary"];
  json& extra = view["view"];
  extra["score_text"] = score_text(summary["score"]);
  extra["score_class"] = score_class(summary["score"]);
  if (summary["change"].is_number()) {
    const double change = summary["change"].get<double>();
    extra["change_text"] = fmt::format(
      "{}{} since the assessment of {}", change > 0 ? "+" : "", compliance::format_decimal(change),
      text_or(doc["previous_assessment"]["completed_at"], "?").substr(0, 10));
  } else {
    extra["change_text"] = doc["previous_assessment"].is_null()
                             ? "no earlier assessment to compare with"
                             : "no change can be computed";
  }
  extra["period_text"] =
    fmt::format("{} to {}", text_or(doc["period"]["from"], "the beginning"),
                text_or(doc["period"]["to"], doc["generated_at"].get<std::string>()));
  extra["assessed"] = !doc["assessment"].is_null();
  json statuses = json::array();
  for (const auto& status : k_status_views) {
    statuses.push_back({{"id", status.id},
                        {"label", status.label},
                        {"count", summary["status_counts"][std::string(status.id)]}});
  }
  extra["statuses"] = statuses;
  json severities = json::array();
  for (const store::Severity severity : k_worst_first) {
    const std::string name(to_string(severity));
    severities.push_back({{"severity", name}, {"fail", doc["findings"]["fail_by_severity"][name]}});
  }
  extra["severities"] = severities;
  std::string severity_text;
  for (const json& row : severities) {
    severity_text += fmt::format("{}{} {}", severity_text.empty() ? "" : ", ",
                                 row["fail"].get<int64_t>(), row["severity"].get<std::string>());
  }
  extra["severity_text"] = severity_text;
  extra["cost_total_text"] = compliance::format_usd(doc["cost"]["total"].get<double>());
  extra["labour_text"] = compliance::format_usd(doc["cost"]["labour"].get<double>());
  extra["tooling_text"] = compliance::format_usd(doc["cost"]["tooling"].get<double>());
  extra["audit_text"] = compliance::format_usd(doc["cost"]["audit"].get<double>());

  for (json& control : view["controls"]) {
    control["status_label"] = control_status_label(control);
    if (control["benchmark_result"].is_string()) {
      control["result_label"] = benchmark_result_label(control);
      control["profile_label"] = control["profile"] == "level2"   ? "Level 2"
                                 : control["profile"] == "level1" ? "Level 1"
                                                                  : "-";
      control["assessment_label"] = control["assessment"] == "manual" ? "Manual" : "Automated";
    }
    std::string answers;
    for (const json& answer : control["answers"]) {
      answers += answers.empty() ? "" : "; ";
      answers += fmt::format("{}: {}", answer["common_control"].get<std::string>(),
                             text_or(answer["answer"], "unanswered"));
      if (answer["operating"].is_string()) {
        answers += fmt::format(" (operating: {})", answer["operating"].get<std::string>());
      }
    }
    control["answers_text"] = answers.empty() ? "no question maps here" : answers;
    std::string checks;
    for (json& check : control["checks"]) {
      check["text"] = compliance::check_results_text(check);
      checks += checks.empty() ? "" : "; ";
      checks += check["text"].get<std::string>();
    }
    control["checks_text"] = checks.empty() ? "-" : checks;
  }
  for (json& category : view["categories"]) {
    category["score_text"] = score_text(category["score"]);
    category["score_class"] = score_class(category["score"]);
  }
  for (json& gap : view["gaps"]) {
    gap["cost_text"] = compliance::format_usd(gap["cost"].get<double>());
    gap["hours_text"] = compliance::format_decimal(gap["hours"].get<double>());
    std::string controls;
    for (const json& id : gap["controls"]) {
      controls += controls.empty() ? "" : ", ";
      controls += id.get<std::string>();
    }
    gap["controls_text"] = controls;
  }
  for (json& gap : view["summary"]["top_gaps"]) {
    gap["cost_text"] = compliance::format_usd(gap["cost"].get<double>());
  }
  for (json& phase : view["roadmap"]["phases"]) {
    phase["cost_text"] = compliance::format_usd(phase["cost"].get<double>());
    phase["projected_text"] = score_text(phase["projected_score"]);
  }
  for (json& point : view["history"]) {
    point["score_text"] = score_text(point["score"]);
    point["date"] = point["completed_at"].get<std::string>().substr(0, 10);
  }
  return view;
}

std::string csv_row(std::initializer_list<std::string> fields) {
  std::string row;
  for (const std::string& field : fields) {
    row += row.empty() ? "" : ",";
    row += audit::csv_field(field);
  }
  return row + "\r\n";
}

std::string optional_text(const std::optional<std::string>& text) {
  return text.value_or("");
}

} // namespace

std::optional<Format> parse_format(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, Format>, 13> k_names = {{
    {"md", Format::markdown},
    {"markdown", Format::markdown},
    {"html", Format::html},
    {"json", Format::json},
    {"csv", Format::csv},
    {"oscal", Format::oscal},
    {"jsonl", Format::jsonl},
    {"findings-csv", Format::findings_csv},
    {"pdf", Format::pdf},
    {"sarif", Format::sarif},
    {"sarif-github", Format::sarif_github},
    {"junit", Format::junit},
    {"ocsf", Format::ocsf},
  }};
  for (const auto& [text, format] : k_names) {
    if (text == name) {
      return format;
    }
  }
  return std::nullopt;
}

std::string_view to_string(Format format) noexcept {
  switch (format) {
  case Format::markdown:
    return "md";
  case Format::html:
    return "html";
  case Format::json:
    return "json";
  case Format::csv:
    return "csv";
  case Format::oscal:
    return "oscal";
  case Format::jsonl:
    return "jsonl";
  case Format::findings_csv:
    return "findings-csv";
  case Format::pdf:
    return "pdf";
  case Format::sarif:
    return "sarif";
  case Format::sarif_github:
    return "sarif-github";
  case Format::junit:
    return "junit";
  case Format::ocsf:
    return "ocsf";
  }
  return "md";
}

std::optional<Format> format_for_path(const std::filesystem::path& path) {
  if (path.filename().string().ends_with(".oscal.json")) {
    return Format::oscal;
  }
  if (path.filename().string().ends_with(".ocsf.json")) {
    return Format::ocsf;
  }
  const std::string extension = path.extension().string();
  if (extension == ".md") {
    return Format::markdown;
  }
  if (extension == ".html" || extension == ".htm") {
    return Format::html;
  }
  if (extension == ".json") {
    return Format::json;
  }
  if (extension == ".csv") {
    return Format::csv;
  }
  if (extension == ".jsonl") {
    return Format::jsonl;
  }
  if (extension == ".pdf") {
    return Format::pdf;
  }
  if (extension == ".sarif") {
    return Format::sarif;
  }
  if (extension == ".xml") {
    return Format::junit;
  }
  return std::nullopt;
}

std::string render_markdown(const json& doc, const TemplateSet& templates) {
  return templates.render("report.md.mustache", view_of(doc), Escape::markdown);
}

std::string render_html(const json& doc, const TemplateSet& templates) {
  json view = view_of(doc);
  view["charts"] = {{"gauge", charts::score_gauge(doc["summary"]["score"])},
                    {"categories", charts::category_bars(doc["categories"])},
                    {"severity", charts::severity_bars(doc["findings"]["fail_by_severity"])},
                    {"history", charts::score_history(doc["history"])}};
  return templates.render("report.html.mustache", view, Escape::html);
}

std::string render_controls_csv(const json& doc) {
  std::string out =
    csv_row({"framework", "control_id", "title", "category", "status", "answers", "checks_pass",
             "checks_fail", "fail_critical", "fail_high", "fail_medium", "fail_low", "contradicted",
             "answered_status", "status_source", "failing_checks"});
  const json view = view_of(doc);
  const std::string framework = doc["framework"]["id"].get<std::string>();
  for (const json& control : view["controls"]) {
    const json& findings = control["findings"];
    const json& severity = findings["fail_by_severity"];
    const bool answered = !control["answers"].empty();
    std::string failing;
    for (const json& check : control["checks"]) {
      if (check["fail"].get<int64_t>() > 0) {
        failing += failing.empty() ? "" : "; ";
        failing += check["text"].get<std::string>();
      }
    }
    out +=
      csv_row({framework, control["id"].get<std::string>(), control["title"].get<std::string>(),
               control["category"].get<std::string>(), control["status"].get<std::string>(),
               answered ? control["answers_text"].get<std::string>() : std::string(),
               std::to_string(findings["pass"].get<int64_t>()),
               std::to_string(findings["fail"].get<int64_t>()),
               std::to_string(severity["critical"].get<int64_t>()),
               std::to_string(severity["high"].get<int64_t>()),
               std::to_string(severity["medium"].get<int64_t>()),
               std::to_string(severity["low"].get<int64_t>()),
               control["contradicted"].get<bool>() ? "yes" : "no",
               control["answered_status"].get<std::string>(),
               control["status_source"].get<std::string>(), failing});
  }
  return out;
}

void write_findings_jsonl(store::Database& db, const store::Org& org, compliance::Library& library,
                          const store::TimeWindow& period, const Sink& sink,
                          const std::function<bool(store::FindingRecord&)>& lens) {
  compliance::CheckControls controls(library);
  std::string line;
  store::for_each_finding_in(db, org, period, [&](const store::FindingRecord& stored) {
    store::FindingRecord finding = stored;
    if (!through_lens(lens, finding)) {
      return;
    }
    line = compliance::finding_text(finding, controls);
    line += '\n';
    sink(line);
  });
}

void write_findings_csv(store::Database& db, const store::Org& org, const store::TimeWindow& period,
                        const Sink& sink, const std::function<bool(store::FindingRecord&)>& lens) {
  sink(csv_row({"id", "check_id", "severity", "status", "integration", "platform", "evidence_id",
                "evidence_type", "resource_id", "account_id", "region", "reason", "first_seen_at",
                "first_failed_at", "last_seen_at", "passed_again_at", "accepted_by",
                "accepted_until"}));
  store::for_each_finding_in(db, org, period, [&](const store::FindingRecord& stored) {
    store::FindingRecord f = stored;
    if (!through_lens(lens, f)) {
      return;
    }
    sink(csv_row({std::to_string(f.id), f.check_id, std::string(to_string(f.severity)),
                  std::string(to_string(f.status)), f.integration, f.platform,
                  f.evidence_id ? std::to_string(*f.evidence_id) : std::string(), f.evidence_type,
                  f.resource_id, f.account_id, f.region, f.reason, f.first_seen_at,
                  optional_text(f.first_failed_at), f.last_seen_at,
                  optional_text(f.passed_again_at), f.acceptance ? f.acceptance->owner : "",
                  f.acceptance ? f.acceptance->expires_at : ""}));
  });
}

} // namespace velocity::report
