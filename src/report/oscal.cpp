#include <velocity/crypto/digest.hpp>
#include <velocity/report/render.hpp>

#include <fmt/format.h>

#include <map>

// OSCAL assessment-results 1.0.4 (NIST's schema in tests/data/oscal/): one result for the
// report's framework, an observation per answered control and per automated check, and a
// finding per assessed control, whose target is the control.
namespace velocity::report {

namespace {

using nlohmann::json;

constexpr std::string_view k_oscal_version = "1.0.4";

// A random (version 4) UUID.
std::string uuid4() {
  std::string bytes = crypto::random_bytes(16);
  bytes[6] = static_cast<char>((static_cast<unsigned char>(bytes[6]) & 0x0f) | 0x40);
  bytes[8] = static_cast<char>((static_cast<unsigned char>(bytes[8]) & 0x3f) | 0x80);
  const std::string hex = crypto::to_hex(bytes);
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                     hex.substr(16, 4), hex.substr(20));
}

// An OSCAL token for a control id: `CC6.1` stays, `164.312(d)` becomes `c-164.312_d`.
std::string control_token(std::string_view id) {
  std::string token;
  for (const char c : id) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '-' || c == '_';
    if (plain) {
      token += c;
    } else if (c != ')' && !token.empty() && token.back() != '_') {
      token += '_';
    }
  }
  while (!token.empty() && token.back() == '_') {
    token.pop_back();
  }
  const char first = token.empty() ? '0' : token.front();
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '_')) {
    token = "c-" + token;
  }
  return token;
}

std::string text_or(const json& value, std::string_view fallback) {
  return value.is_string() && !value.get<std::string>().empty() ? value.get<std::string>()
                                                                : std::string(fallback);
}

json prop(std::string_view name, std::string_view value) {
  return {{"name", name}, {"value", value}};
}

std::string implementation_state(std::string_view status) {
  if (status == "met") {
    return "implemented";
  }
  if (status == "partially_met") {
    return "partial";
  }
  if (status == "not_applicable") {
    return "not-applicable";
  }
  return "planned";
}

} // namespace

json render_oscal(const json& doc) {
  const std::string generated = doc["generated_at"].get<std::string>();
  const std::string framework_name = doc["framework"]["name"].get<std::string>();
  const std::string organization = doc["organization"].get<std::string>();
  const std::string plan_uuid = uuid4();
  const std::string party_uuid = uuid4();
  const json& assessment = doc["assessment"];
  const std::string assessed_at =
    assessment.is_null() ? generated : text_or(assessment["completed_at"], generated);

  json observations = json::array();
  json findings = json::array();
  json selected = json::array();
  std::map<std::string, std::string> check_observations;
  for (const auto& check : doc["findings"]["checks"]) {
    const std::string id = uuid4();
    check_observations[check["id"].get<std::string>()] = id;
    observations.push_back(
      {{"uuid", id},
       {"title", fmt::format("Automated check {}", check["id"].get<std::string>())},
       {"description",
        fmt::format("{} resources passed and {} failed the automated check {} (severity {}).",
                    check["pass"].get<int64_t>(), check["fail"].get<int64_t>(),
                    check["id"].get<std::string>(), check["severity"].get<std::string>())},
       {"methods", json::array({"TEST"})},
       {"collected", generated}});
  }
  for (const auto& control : doc["controls"]) {
    const std::string id = control["id"].get<std::string>();
    const std::string token = control_token(id);
    const std::string status = control["status"].get<std::string>();
    selected.push_back({{"control-id", token}});
    if (status == "not_assessed") {
      continue;
    }
    json related = json::array();
    if (!control["answers"].empty()) {
      std::string answers;
      for (const auto& answer : control["answers"]) {
        answers += fmt::format("{}{} \"{}\": {}", answers.empty() ? "" : " ",
                               answer["common_control"].get<std::string>(),
                               answer["question"].get<std::string>(),
                               text_or(answer["answer"], "unanswered"));
        if (answer["operating"].is_string()) {
          answers +=
            fmt::format(" (operating effectively: {})", answer["operating"].get<std::string>());
        }
        answers += ".";
      }
      const std::string observation = uuid4();
      observations.push_back({{"uuid", observation},
                              {"title", fmt::format("Questionnaire answers for {}", id)},
                              {"description", answers},
                              {"methods", json::array({"INTERVIEW"})},
                              {"collected", assessed_at}});
      related.push_back({{"observation-uuid", observation}});
    }
    for (const auto& check : control["checks"]) {
      const auto found = check_observations.find(check["id"].get<std::string>());
      if (found != check_observations.end()) {
        related.push_back({{"observation-uuid", found->second}});
      }
    }
    json target = {
      {"type", "objective-id"},
      {"target-id", token},
      {"props", json::array({prop("label", id)})},
      {"status",
       {{"state", status == "met" || status == "not_applicable" ? "satisfied" : "not-satisfied"}}},
      {"implementation-status", {{"state", implementation_state(status)}}}};
    json finding = {
      {"uuid", uuid4()},
      {"title", fmt::format("{} {}", id, control["title"].get<std::string>())},
      {"description", fmt::format("{}: {}. Automated checks: {} passed, {} failed.", id, status,
                                  control["findings"]["pass"].get<int64_t>(),
                                  control["findings"]["fail"].get<int64_t>())},
      {"target", target}};
    if (!related.empty()) {
      finding["related-observations"] = related;
    }
    findings.push_back(std::move(finding));
  }

  json result = {
    {"uuid", uuid4()},
    {"title", fmt::format("{} assessment of {}", framework_name, organization)},
    {"description",
     fmt::format("Questionnaire answers and automated checks of {} against {} {}, as recorded by "
                 "{}.",
                 organization, framework_name, doc["framework"]["version"].get<std::string>(),
                 doc["tool"].get<std::string>())},
    {"start", text_or(doc["period"]["from"], assessed_at)},
    {"end", text_or(doc["period"]["to"], generated)},
    {"props",
     json::array({prop("framework", doc["framework"]["id"].get<std::string>()),
                  prop("score", doc["summary"]["score"].is_number()
                                  ? fmt::format("{}", doc["summary"]["score"].get<double>())
                                  : std::string("not scored"))})},
  };
  json selection = json::object();
  if (selected.empty()) {
    selection["include-all"] = json::object();
  } else {
    selection["include-controls"] = selected;
  }
  result["reviewed-controls"] = {{"control-selections", json::array({selection})}};
  if (!observations.empty()) {
    result["observations"] = std::move(observations);
  }
  if (!findings.empty()) {
    result["findings"] = std::move(findings);
  }
  // The result starts no later than it ends.
  if (result["start"].get<std::string>() > result["end"].get<std::string>()) {
    result["start"] = result["end"];
  }

  const json resource = {
    {"uuid", plan_uuid},
    {"title", fmt::format("velocity assessment plan for {}", framework_name)},
    {"description", "A weighted questionnaire of common controls mapped to the framework, plus "
                    "automated checks of connected cloud accounts mapped to the same controls."}};
  return {
    {"assessment-results",
     {{"uuid", uuid4()},
      {"metadata",
       {{"title", fmt::format("{} assessment results: {}", framework_name, organization)},
        {"last-modified", generated},
        {"version", generated},
        {"oscal-version", k_oscal_version},
        {"parties", json::array({json{
                      {"uuid", party_uuid}, {"type", "organization"}, {"name", organization}}})}}},
      {"import-ap",
       {{"href", "#" + plan_uuid},
        {"remarks", "velocity has no separate assessment plan: the back-matter resource "
                    "describes the questionnaire and the automated checks."}}},
      {"results", json::array({result})},
      {"back-matter", {{"resources", json::array({resource})}}}}}};
}

} // namespace velocity::report
