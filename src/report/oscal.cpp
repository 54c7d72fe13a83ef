#include "findings_summary.hpp"

#include <velocity/compliance/verdict.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/crypto/uuid.hpp>
#include <velocity/report/render.hpp>

#include <fmt/format.h>

#include <map>
#include <optional>
#include <set>

// OSCAL assessment-results 1.0.4 (NIST's schema in tests/data/oscal/), as docs/report-json.md
// ("OSCAL") describes it: one result for the report's framework; an observation per control's
// answers and per automated check on each evidence item, whose subjects are the resources and
// whose relevant evidence is the bundle's evidence file; a risk per failing check; a finding per
// assessed control linking them. Every UUID is a version 5 UUID of the organisation and the
// object's identity, so two documents of the same state name the same objects alike.
namespace velocity::report {

namespace {

using nlohmann::json;

constexpr std::string_view k_oscal_version = "1.0.4";
// Where evidence files are, seen from the OSCAL member (oscal/assessment-results.json).
constexpr std::string_view k_evidence_href_prefix = "../";

// The stable UUID of one object: its kind and identity within the organisation.
std::string stable_uuid(std::string_view organization, std::initializer_list<std::string_view> id) {
  std::string name(organization);
  for (const std::string_view part : id) {
    name += '\n';
    name += part;
  }
  return crypto::uuid_v5(k_oscal_namespace_uuid, name);
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

std::string nonempty_text_or(const json& value, std::string_view fallback) {
  return value.is_string() && !value.get<std::string>().empty() ? value.get<std::string>()
                                                                : std::string(fallback);
}

// A velocity property: every prop this document holds is in velocity's namespace.
json prop(std::string_view name, std::string_view value) {
  return {{"name", name}, {"ns", k_oscal_namespace}, {"value", value}};
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

// "1 resource", "3 resources".
std::string resources(int64_t count) {
  return fmt::format("{} resource{}", count, count == 1 ? "" : "s");
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string text;
  for (const std::string& part : parts) {
    text += text.empty() ? "" : separator;
    text += part;
  }
  return text;
}

// "user/a (failing since 2025-03-29), user/b (...) and 3 more".
std::string failing_resources_text(const json& check) {
  std::vector<std::string> named;
  for (const json& resource : check["failing_resources"]) {
    named.push_back(fmt::format("{} (failing since {})", resource["resource_id"].get<std::string>(),
                                resource["failing_since"].get<std::string>()));
  }
  std::string text = join(named, ", ");
  const int64_t omitted = check["failing_resources_omitted"].get<int64_t>();
  if (omitted > 0) {
    text += fmt::format(" and {} more", omitted);
  }
  return text;
}

} // namespace

struct OscalResults::Impl {
  const json& doc;
  Sink sink;
  std::string organization;
  std::string framework;
  std::optional<std::string> period_end;
  // This framework's checks (findings.checks[]) with the controls they reach.
  std::map<std::string, std::vector<std::string>, std::less<>> check_controls;
  std::map<std::string, std::string, std::less<>> check_severity;
  // Observations of each check, in the order the evidence came.
  std::map<std::string, std::vector<std::string>, std::less<>> check_observations;
  bool observations_open = false;
  // What follows the observations, kept as compact JSON text: it grows with the resources and
  // evidence items, the observations (one per finding or so) go straight to the sink.
  std::map<std::string, std::string, std::less<>> inventory; // by UUID
  std::vector<std::string> evidence_resources;

  Impl(const json& report, Sink output)
    : doc(report),
      sink(std::move(output)),
      organization(report["organization"].get<std::string>()),
      framework(report["framework"]["id"].get<std::string>()) {
    if (report["period"]["to"].is_string()) {
      period_end = report["period"]["to"].get<std::string>();
    }
    for (const json& check : report["findings"]["checks"]) {
      if (!check["controls"].empty()) {
        const std::string id = check["id"].get<std::string>();
        check_controls[id] = check["controls"].get<std::vector<std::string>>();
        check_severity[id] = check["severity"].get<std::string>();
      }
    }
    write_head();
  }

  std::string generated() const { return doc["generated_at"].get<std::string>(); }
  std::string period_from() const { return nonempty_text_or(doc["period"]["from"], ""); }
  std::string period_to() const { return nonempty_text_or(doc["period"]["to"], ""); }
  std::string assessed_at() const {
    const json& assessment = doc["assessment"];
    return assessment.is_null() ? generated()
                                : nonempty_text_or(assessment["completed_at"], generated());
  }
  std::string plan_uuid() const {
    return stable_uuid(organization, {"assessment-plan", framework});
  }

  // The document up to the result's arrays, left open: the observations stream in after it.
  void write_head() {
    const std::string framework_name = doc["framework"]["name"].get<std::string>();
    json selected = json::array();
    for (const json& control : doc["controls"]) {
      selected.push_back({{"control-id", control_token(control["id"].get<std::string>())}});
    }
    json selection = json::object();
    if (selected.empty()) {
      selection["include-all"] = json::object();
    } else {
      selection["include-controls"] = selected;
    }
    json result = {
      {"uuid", stable_uuid(organization, {"result", framework, period_from(), period_to()})},
      {"title", fmt::format("{} assessment of {}", framework_name, organization)},
      {"description",
       fmt::format("Questionnaire answers and automated checks of {} against {} {}, as recorded "
                   "by {}.",
                   organization, framework_name, doc["framework"]["version"].get<std::string>(),
                   doc["tool"].get<std::string>())},
      {"start", nonempty_text_or(doc["period"]["from"], assessed_at())},
      {"end", nonempty_text_or(doc["period"]["to"], generated())},
      {"props",
       json::array({prop("framework", framework),
                    prop("score", doc["summary"]["score"].is_number()
                                    ? fmt::format("{}", doc["summary"]["score"].get<double>())
                                    : std::string("not scored"))})},
      {"reviewed-controls", {{"control-selections", json::array({selection})}}}};
    // The result starts no later than it ends.
    if (result["start"].get<std::string>() > result["end"].get<std::string>()) {
      result["start"] = result["end"];
    }
    const json document = {
      {"uuid",
       stable_uuid(organization, {"assessment-results", framework, period_from(), period_to()})},
      {"metadata",
       {{"title", fmt::format("{} assessment results: {}", framework_name, organization)},
        {"last-modified", generated()},
        {"version", generated()},
        {"oscal-version", k_oscal_version},
        {"parties", json::array({json{{"uuid", stable_uuid(organization, {"party"})},
                                      {"type", "organization"},
                                      {"name", organization}}})}}},
      {"import-ap",
       {{"href", "#" + plan_uuid()},
        {"remarks", "velocity writes no separate assessment plan: this back-matter resource "
                    "describes the questionnaire and the automated checks."}}}};
    std::string head = document.dump();
    head.pop_back();
    std::string open_result = result.dump();
    open_result.pop_back();
    sink("{\"assessment-results\":" + head + ",\"results\":[" + open_result);
  }

  void write_observation(const json& observation) {
    sink(observations_open ? ",\n" : ",\n\"observations\":[\n");
    observations_open = true;
    sink(observation.dump());
  }

  // `,"KEY":[` the texts `]`, or nothing for no text (OSCAL arrays are never empty).
  void write_array(std::string_view key, const std::vector<std::string>& texts) {
    if (texts.empty()) {
      return;
    }
    sink(fmt::format(",\n\"{}\":[\n", key));
    for (size_t i = 0; i < texts.size(); ++i) {
      sink(i == 0 ? texts[i] : ",\n" + texts[i]);
    }
    sink("\n]");
  }

  // The inventory item of a finding's resource, added on first use.
  std::string subject_of(const store::FindingRecord& finding) {
    const std::string uuid =
      stable_uuid(organization, {"resource", finding.integration, finding.account_id,
                                 finding.region, finding.resource_id});
    if (inventory.find(uuid) == inventory.end()) {
      std::string where = fmt::format("{} resource {} (integration {}", finding.platform,
                                      finding.resource_id, finding.integration);
      where += finding.account_id.empty() ? "" : ", account " + finding.account_id;
      where += finding.region.empty() ? "" : ", region " + finding.region;
      inventory[uuid] = json{{"uuid", uuid},
                             {"description", where + ")"},
                             {"props", json::array({prop("asset-id", finding.resource_id)})}}
                          .dump();
    }
    return uuid;
  }

  void add_evidence(const store::EvidenceRecord& record,
                    const std::vector<store::FindingRecord>& findings, std::string_view path,
                    std::string_view sha256) {
    const std::string href = std::string(k_evidence_href_prefix) + std::string(path);
    const std::string file_uuid =
      stable_uuid(organization, {"evidence-file", record.integration, record.type,
                                 record.account_id, record.region, record.resource_id});
    std::map<std::string, std::vector<const store::FindingRecord*>, std::less<>> by_check;
    for (const store::FindingRecord& finding : findings) {
      if (check_controls.count(finding.check_id) > 0) {
        by_check[finding.check_id].push_back(&finding);
      }
    }
    if (by_check.empty()) {
      return;
    }
    const std::string what = fmt::format("evidence item {} ({} {} of {})", record.id, record.type,
                                         record.resource_id, record.integration);
    evidence_resources.push_back(json{
      {"uuid", file_uuid},
      {"title", path},
      {"description", fmt::format("{} as collected {}; SHA-256 of the raw API responses {}.", what,
                                  record.collected_at, record.raw_sha256)},
      {"rlinks",
       json::array({{{"href", href},
                     {"media-type", "application/json"},
                     {"hashes", json::array({{{"algorithm", "SHA-256"}, {"value", sha256}}})}}})}}
                                   .dump());
    for (const auto& [check, results] : by_check) {
      const std::string uuid =
        stable_uuid(organization, {"check-observation", check, record.integration, record.type,
                                   record.account_id, record.region, record.resource_id});
      json subjects = json::array();
      int64_t failing = 0;
      for (const store::FindingRecord* finding : results) {
        const bool fails = compliance::failing_at(*finding, period_end);
        failing += fails ? 1 : 0;
        json subject = {{"subject-uuid", subject_of(*finding)},
                        {"type", "inventory-item"},
                        {"title", finding->resource_id},
                        {"props", json::array({prop("result", fails ? "fail" : "pass")})}};
        if (!finding->reason.empty()) {
          subject["remarks"] = finding->reason;
        }
        subjects.push_back(std::move(subject));
      }
      const auto passing = static_cast<int64_t>(results.size()) - failing;
      write_observation(
        {{"uuid", uuid},
         {"title", fmt::format("Automated check {} on evidence item {}", check, record.id)},
         {"description",
          fmt::format("The automated check {} (severity {}) on {}: {} passing and {} failing at "
                      "the end of the period.",
                      check, check_severity[check], what, resources(passing), resources(failing))},
         {"props", json::array({prop("check-id", check), prop("severity", check_severity[check])})},
         {"methods", json::array({"TEST"})},
         {"subjects", subjects},
         {"relevant-evidence",
          json::array(
            {{{"href", href},
              {"description", fmt::format("The evidence file of {} in the bundle.", what)},
              {"props", json::array({prop("sha256", sha256)})},
              {"links", json::array({{{"href", "#" + file_uuid}, {"rel", "reference"}}})}}})},
         {"collected", record.collected_at}});
      check_observations[check].push_back(uuid);
    }
  }

  // The risk of a check failing on this framework's controls.
  json risk_of(const json& check, const std::string& uuid) const {
    const std::string id = check["id"].get<std::string>();
    json related = json::array();
    if (const auto found = check_observations.find(id); found != check_observations.end()) {
      for (const std::string& observation : found->second) {
        related.push_back({{"observation-uuid", observation}});
      }
    }
    const auto controls = check_controls.find(id);
    json risk = {
      {"uuid", uuid},
      {"title", fmt::format("Automated check {} fails", id)},
      {"description",
       fmt::format("{} fails on {}, the first since {}: {}.", id,
                   resources(check["fail"].get<int64_t>()),
                   check["failing_since"].get<std::string>(), failing_resources_text(check))},
      {"statement",
       fmt::format("While {} fails, {} controls {} are not met: the failing resources do not "
                   "meet what the check tests.",
                   id, doc["framework"]["name"].get<std::string>(),
                   controls != check_controls.end() ? join(controls->second, ", ") : "")},
      {"props",
       json::array({prop("check-id", id), prop("severity", check["severity"].get<std::string>())})},
      {"status", "open"}};
    if (!related.empty()) {
      risk["related-observations"] = related;
    }
    add_acceptances(check, risk);
    return risk;
  }

  // An accepted risk (`velocity accept`, an accept file) is an approved deviation when it covers
  // every failure of the check: OSCAL's risk status `deviation-approved`, with a risk-log entry
  // per acceptance (who, why, until when) and the earliest expiry as the deadline.
  void add_acceptances(const json& check, json& risk) const {
    const int64_t accepted = check["accepted"].get<int64_t>();
    if (accepted == 0) {
      return;
    }
    const std::string id = check["id"].get<std::string>();
    json entries = json::array();
    std::optional<std::string> deadline;
    for (const json& acceptance : check["acceptances"]) {
      const std::string acceptance_id = acceptance["id"].get<std::string>();
      const bool expires = acceptance["expires_at"].is_string();
      json entry = {
        {"uuid", stable_uuid(organization, {"risk-acceptance", framework, id, acceptance_id})},
        {"title", fmt::format("Risk accepted ({})", acceptance_id)},
        {"description",
         fmt::format("Accepted by {}: {}{}.", acceptance["owner"].get<std::string>(),
                     acceptance["reason"].get<std::string>(),
                     expires ? ", until " + acceptance["expires_at"].get<std::string>()
                             : std::string(" (an accept file entry without expiry)"))},
        {"start", generated()},
        {"status-change", "deviation-approved"}};
      if (expires) {
        const std::string end = acceptance["expires_at"].get<std::string>() + "T00:00:00Z";
        entry["end"] = end;
        deadline = deadline ? std::min(*deadline, end) : end;
      }
      entries.push_back(std::move(entry));
    }
    risk["risk-log"] = {{"entries", entries}};
    if (accepted == check["fail"].get<int64_t>()) {
      risk["status"] = "deviation-approved";
      if (deadline) {
        risk["deadline"] = *deadline;
      }
    }
    risk["props"].push_back(prop("accepted-resources", std::to_string(accepted)));
  }

  // The questionnaire answers behind a control, as an observation; nothing when there are none.
  std::optional<std::string> write_answers_observation(const json& control) {
    if (doc["assessment"].is_null() || control["answers"].empty()) {
      return std::nullopt;
    }
    const std::string id = control["id"].get<std::string>();
    std::vector<std::string> answers;
    for (const json& answer : control["answers"]) {
      std::string text = fmt::format("{} \"{}\": {}", answer["common_control"].get<std::string>(),
                                     answer["question"].get<std::string>(),
                                     nonempty_text_or(answer["answer"], "unanswered"));
      if (answer["operating"].is_string()) {
        text += fmt::format(" (operating effectively: {})", answer["operating"].get<std::string>());
      }
      answers.push_back(text + ".");
    }
    const std::string observation =
      stable_uuid(organization, {"answers-observation", framework, id});
    write_observation({{"uuid", observation},
                       {"title", fmt::format("Questionnaire answers for {}", id)},
                       {"description", join(answers, " ")},
                       {"methods", json::array({"INTERVIEW"})},
                       {"collected", assessed_at()}});
    return observation;
  }

  void finish() {
    // The answers' observations close the observations; then the findings go out one by one.
    std::map<std::string, std::string, std::less<>> answers_observation; // by control
    for (const json& control : doc["controls"]) {
      if (control["status"] != "not_assessed") {
        if (const auto uuid = write_answers_observation(control)) {
          answers_observation[control["id"].get<std::string>()] = *uuid;
        }
      }
    }
    if (observations_open) {
      sink("\n]");
    }
    std::vector<std::string> risks;
    std::set<std::string, std::less<>> risk_uuids;
    bool findings_open = false;
    for (const json& control : doc["controls"]) {
      const std::string id = control["id"].get<std::string>();
      const std::string status = control["status"].get<std::string>();
      if (status == "not_assessed") {
        continue;
      }
      json related = json::array();
      if (const auto found = answers_observation.find(id); found != answers_observation.end()) {
        related.push_back({{"observation-uuid", found->second}});
      }
      json related_risks = json::array();
      std::vector<std::string> checks_text;
      for (const json& check : control["checks"]) {
        const std::string check_id = check["id"].get<std::string>();
        if (const auto found = check_observations.find(check_id);
            found != check_observations.end()) {
          for (const std::string& observation : found->second) {
            related.push_back({{"observation-uuid", observation}});
          }
        }
        if (check["fail"].get<int64_t>() > 0) {
          const std::string risk = stable_uuid(organization, {"risk", framework, check_id});
          if (risk_uuids.insert(risk).second) {
            risks.push_back(risk_of(check, risk).dump());
          }
          related_risks.push_back({{"risk-uuid", risk}});
          checks_text.push_back(fmt::format("{} fails on {} since {}", check_id,
                                            resources(check["fail"].get<int64_t>()),
                                            check["failing_since"].get<std::string>()));
        } else {
          checks_text.push_back(
            fmt::format("{} passes on {}", check_id, resources(check["pass"].get<int64_t>())));
        }
      }
      const std::string source = control["status_source"].get<std::string>();
      // The implementation as the organisation states it (or as passing checks show it); the
      // status beside it is the verdict.
      const std::string implementation =
        source == "passing_checks"
          ? std::string("implemented")
          : implementation_state(control["answered_status"].get<std::string>());
      json target = {{"type", "objective-id"},
                     {"target-id", control_token(id)},
                     {"props", json::array({prop("label", id), prop("status-source", source),
                                            prop("answered-status",
                                                 control["answered_status"].get<std::string>())})},
                     {"status",
                      {{"state", status == "met" || status == "not_applicable" ? "satisfied"
                                                                               : "not-satisfied"}}},
                     {"implementation-status", {{"state", implementation}}}};
      std::string description = fmt::format("{}: {} (answers: {}; decided by {}).", id, status,
                                            control["answered_status"].get<std::string>(), source);
      if (!checks_text.empty()) {
        description += " Automated checks: " + join(checks_text, "; ") + ".";
      }
      json finding = {{"uuid", stable_uuid(organization, {"finding", framework, id})},
                      {"title", fmt::format("{} {}", id, control["title"].get<std::string>())},
                      {"description", description},
                      {"target", target}};
      if (!related.empty()) {
        finding["related-observations"] = std::move(related);
      }
      if (!related_risks.empty()) {
        finding["related-risks"] = std::move(related_risks);
      }
      sink(findings_open ? ",\n" : ",\n\"findings\":[\n");
      findings_open = true;
      sink(finding.dump());
    }
    if (findings_open) {
      sink("\n]");
    }
    if (!inventory.empty()) {
      std::vector<std::string> items;
      for (auto& [uuid, item] : inventory) {
        items.push_back(std::move(item));
      }
      sink(",\n\"local-definitions\":{\"inventory-items\":[\n" + join(items, ",\n") + "\n]}");
    }
    write_array("risks", risks);
    sink("}]");

    std::vector<std::string> resources = {
      json{{"uuid", plan_uuid()},
           {"title", fmt::format("velocity assessment plan for {}",
                                 doc["framework"]["name"].get<std::string>())},
           {"description",
            "A weighted questionnaire of common controls mapped to the framework, plus automated "
            "checks of connected cloud accounts mapped to the same controls (velocity's "
            "frameworks/README.md and docs/report-json.md describe both)."}}
        .dump()};
    for (std::string& resource : evidence_resources) {
      resources.push_back(std::move(resource));
    }
    sink(",\n\"back-matter\":{\"resources\":[\n" + join(resources, ",\n") + "\n]}}}\n");
  }
};

OscalResults::OscalResults(const json& doc, Sink sink)
  : m_impl(std::make_unique<Impl>(doc, std::move(sink))) {}

OscalResults::~OscalResults() = default;

void OscalResults::add_evidence(const store::EvidenceRecord& record,
                                const std::vector<store::FindingRecord>& findings,
                                std::string_view path, std::string_view sha256) {
  m_impl->add_evidence(record, findings, path, sha256);
}

void OscalResults::finish() {
  m_impl->finish();
}

void write_oscal(const json& doc, store::Database& db, const store::Org& org,
                 compliance::Library& library, const store::TimeWindow& period, const Sink& sink,
                 const std::function<bool(store::FindingRecord&)>& lens) {
  OscalResults oscal(doc, sink);
  compliance::CheckControls controls(library);
  store::for_each_evidence_in(
    db, org, period,
    [&](const store::EvidenceRecord& record, const std::vector<store::FindingRecord>& stored) {
      const std::vector<store::FindingRecord> findings = through_lens(lens, stored);
      const EvidenceFile file = evidence_file(record, findings, controls);
      oscal.add_evidence(record, findings, file.path, crypto::to_hex(crypto::sha256(file.content)));
    });
  oscal.finish();
}

} // namespace velocity::report
