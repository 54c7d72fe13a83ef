#include "yaml_reader.hpp"

#include <velocity/compliance/answers.hpp>
#include <velocity/compliance/text.hpp>
#include <velocity/core/suggest.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace velocity::compliance {

using detail::Diagnostics;
using detail::Fields;
using detail::Need;

std::optional<AnswerValue> parse_answer_value(std::string_view text) {
  std::string lower;
  for (const char c : text) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (lower == "yes" || lower == "y") {
    return AnswerValue::yes;
  }
  if (lower == "partially" || lower == "partial" || lower == "p") {
    return AnswerValue::partially;
  }
  if (lower == "no" || lower == "n") {
    return AnswerValue::no;
  }
  if (lower == "n/a" || lower == "na" || lower == "a" || lower == "not applicable") {
    return AnswerValue::not_applicable;
  }
  return std::nullopt;
}

std::string_view to_string(AnswerValue value) noexcept {
  switch (value) {
  case AnswerValue::yes:
    return "yes";
  case AnswerValue::partially:
    return "partially";
  case AnswerValue::no:
    return "no";
  case AnswerValue::not_applicable:
    break;
  }
  return "n/a";
}

double value_of(AnswerValue value) noexcept {
  switch (value) {
  case AnswerValue::yes:
    return 1.0;
  case AnswerValue::partially:
    return 0.5;
  case AnswerValue::no:
  case AnswerValue::not_applicable:
    break;
  }
  return 0.0;
}

std::vector<const CommonControl*> questions_for(const Questionnaire& questionnaire,
                                                const std::vector<std::string>& frameworks) {
  std::vector<const CommonControl*> questions;
  for (const CommonControl& control : questionnaire.controls) {
    const bool in_scope = std::any_of(frameworks.begin(), frameworks.end(),
                                      [&](const std::string& id) { return control.maps_to(id); });
    if (in_scope) {
      questions.push_back(&control);
    }
  }
  std::stable_sort(
    questions.begin(), questions.end(), [&](const CommonControl* a, const CommonControl* b) {
      return questionnaire.domain_position(a->domain) < questionnaire.domain_position(b->domain);
    });
  return questions;
}

bool asks_operating(const CommonControl& control, const Scope& scope,
                    std::optional<AnswerValue> design) noexcept {
  return scope.type2() && !control.type2_question.empty() &&
         (design == AnswerValue::yes || design == AnswerValue::partially);
}

namespace {

constexpr std::string_view k_values_help = "use yes, partially, no or n/a";
constexpr std::string_view k_answers_help =
  "fix the lines above; `velocity assess template --framework ID --answers FILE` writes a complete "
  "file that keeps the answers you already gave";

void read_entry(const YAML::Node& node, Diagnostics& diagnostics,
                const Questionnaire& questionnaire, std::vector<std::string>& known_ids,
                std::unordered_set<std::string>& seen, AnswerFile& file) {
  const std::string what = node.IsMap() && node["id"] && node["id"].IsScalar()
                             ? fmt::format("'{}'", node["id"].Scalar())
                             : std::string("answer entry");
  Fields fields(node, diagnostics, what, {"id", "answer", "operating", "note", "evidence"});
  AnswerFile::Entry entry;
  entry.line = node.Mark().line + 1;
  const auto id = fields.text("id", Need::required);
  if (!id) {
    return;
  }
  entry.id = *id;
  const CommonControl* control = questionnaire.find(entry.id);
  if (control == nullptr) {
    if (known_ids.empty()) {
      for (const CommonControl& c : questionnaire.controls) {
        known_ids.push_back(c.id);
      }
    }
    const std::string guess = suggest::closest(entry.id, known_ids);
    fields.error("id",
                 fmt::format("is not a question of the questionnaire{}",
                             guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess)));
    return;
  }
  if (!seen.insert(entry.id).second) {
    fields.error("id", "is answered twice");
    return;
  }
  entry.answer_line = fields.line_of("answer");
  entry.operating_line = fields.line_of("operating");
  entry.has_operating_field = entry.operating_line != 0;
  if (const auto answer = fields.node("answer", Need::optional)) {
    const auto value = answer->IsScalar() ? parse_answer_value(answer->Scalar()) : std::nullopt;
    if (!value) {
      fields.error("answer", fmt::format("is '{}'; {}", answer->IsScalar() ? answer->Scalar() : "?",
                                         k_values_help));
      entry.invalid = true;
    }
    entry.answer.design = value;
  }
  if (const auto operating = fields.node("operating", Need::optional)) {
    const auto value =
      operating->IsScalar() ? parse_answer_value(operating->Scalar()) : std::nullopt;
    if (control->type2_question.empty()) {
      fields.error("operating", "is set, but this control has no Type II question; remove it");
      entry.invalid = true;
    } else if (!value || *value == AnswerValue::not_applicable) {
      entry.invalid = true;
      fields.error("operating", fmt::format("is '{}'; use yes, partially or no (answer the control "
                                            "itself n/a when it does not apply)",
                                            operating->IsScalar() ? operating->Scalar() : "?"));
    } else {
      entry.answer.operating = value;
    }
  }
  entry.answer.note = fields.text("note", Need::optional).value_or("");
  entry.answer.evidence = fields.text("evidence", Need::optional).value_or("");
  file.entries.push_back(std::move(entry));
}

} // namespace

AnswerFile read_answer_file(std::string_view text, const std::string& source,
                            const Questionnaire& questionnaire) {
  Diagnostics diagnostics(source);
  const YAML::Node root = detail::parse_yaml(text, diagnostics);
  diagnostics.throw_if_any("answers file", std::string(k_answers_help));
  AnswerFile file;
  file.source = source;
  Fields top(root, diagnostics, "answers file", {"framework", "variant", "answers"});
  if (const auto framework = top.node("framework", Need::optional)) {
    file.frameworks_line = framework->Mark().line + 1;
    if (framework->IsScalar()) {
      file.frameworks.push_back(framework->Scalar());
    } else if (const auto list = top.text_list("framework", Need::optional)) {
      file.frameworks = *list;
    }
  }
  file.variant = top.text("variant", Need::optional).value_or("");
  diagnostics.throw_if_any("answers file", std::string(k_answers_help));
  if (const auto answers = top.node("answers", Need::required)) {
    file.answers_line = top.line_of("answers");
    if (!answers->IsSequence()) {
      top.error("answers", "must be a list of entries with 'id' and 'answer'");
    } else {
      std::vector<std::string> known_ids;
      std::unordered_set<std::string> seen;
      for (const YAML::Node& node : *answers) {
        read_entry(node, diagnostics, questionnaire, known_ids, seen, file);
      }
    }
  }
  file.problems = diagnostics.messages();
  return file;
}

Answers answers_for_scope(const AnswerFile& file, const Questionnaire& questionnaire,
                          const Scope& scope) {
  Diagnostics diagnostics(file.source);
  diagnostics.add(file.problems);
  Answers answers;
  std::unordered_set<std::string> answered;
  const auto questions = questions_for(questionnaire, scope.frameworks);
  std::unordered_set<std::string> in_scope;
  for (const CommonControl* control : questions) {
    in_scope.insert(control->id);
  }
  for (const AnswerFile::Entry& entry : file.entries) {
    if (in_scope.find(entry.id) == in_scope.end()) {
      continue;
    }
    answered.insert(entry.id);
    if (entry.invalid) {
      continue;
    }
    const CommonControl& control = *questionnaire.find(entry.id);
    if (!entry.answer.design) {
      diagnostics.error_at_line(
        entry.answer_line != 0 ? entry.answer_line : entry.line,
        fmt::format("'{}': 'answer' is empty; {}", entry.id, k_values_help));
      continue;
    }
    Answer answer = entry.answer;
    if (asks_operating(control, scope, answer.design)) {
      if (!answer.operating) {
        diagnostics.error_at_line(
          entry.operating_line != 0 ? entry.operating_line : entry.line,
          fmt::format("'{}': 'operating' is {}: Type II asks \"{}\" (yes, partially or no)",
                      entry.id, entry.has_operating_field ? "empty" : "missing",
                      truncate(control.type2_question, 90)));
        continue;
      }
    } else {
      answer.operating.reset();
    }
    answers.emplace(entry.id, std::move(answer));
  }
  std::vector<const CommonControl*> missing;
  for (const CommonControl* control : questions) {
    if (answered.find(control->id) == answered.end()) {
      missing.push_back(control);
    }
  }
  constexpr size_t k_listed = 5;
  if (missing.size() <= k_listed) {
    for (const CommonControl* control : missing) {
      diagnostics.error_at_line(
        file.answers_line, fmt::format("no answer for '{}' ({})", control->id, control->title));
    }
  } else {
    std::string ids;
    for (size_t i = 0; i < k_listed; ++i) {
      ids += missing[i]->id + ", ";
    }
    diagnostics.error_at_line(file.answers_line,
                              fmt::format("{} of the {} questions have no entry: {}and {} more; "
                                          "`velocity assess template` writes a complete file",
                                          missing.size(), questions.size(), ids,
                                          missing.size() - k_listed));
  }
  diagnostics.throw_if_any("answers file", std::string(k_answers_help));
  return answers;
}

namespace {

void comment_block(std::string& out, std::string_view prefix, std::string_view text) {
  const auto lines = wrap(text, 96 - prefix.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    out += i == 0 ? fmt::format("  # {}{}\n", prefix, lines[i])
                  : fmt::format("  # {:{}}{}\n", "", prefix.size(), lines[i]);
  }
}

} // namespace

std::string answer_template(const Questionnaire& questionnaire,
                            const std::vector<const Framework*>& frameworks, const Scope& scope,
                            const Answers& prefill) {
  std::string names;
  for (const Framework* framework : frameworks) {
    names += names.empty() ? "" : ", ";
    names += framework->name;
    if (const Variant* variant = framework->find_variant(scope.variant)) {
      names += " " + variant->name;
    }
  }
  const auto questions = questions_for(questionnaire, scope.frameworks);
  std::string out;
  out += fmt::format("# velocity assessment answers: {} ({} questions)\n", names, questions.size());
  out += "#\n# Set `answer:` to yes, partially, no or n/a for every entry. `note:` and `evidence:` "
         "(a link\n# to a document or ticket) are optional.";
  if (scope.type2()) {
    out += " For Type II, `operating:` (yes, partially or no)\n# says whether the control worked "
           "throughout the audit period; it is needed when\n# `answer:` is yes or partially.";
  }
  out += "\n#\n# Then run: velocity assess --answers THIS_FILE\n";
  if (scope.frameworks.size() == 1) {
    out += fmt::format("framework: {}\n", scope.frameworks.front());
  } else {
    out += "framework: [";
    for (size_t i = 0; i < scope.frameworks.size(); ++i) {
      out += (i == 0 ? "" : ", ") + scope.frameworks[i];
    }
    out += "]\n";
  }
  if (!scope.variant.empty()) {
    out += fmt::format("variant: {}\n", scope.variant);
  }
  out += "answers:\n";
  std::string domain;
  for (const CommonControl* control : questions) {
    if (control->domain != domain) {
      domain = control->domain;
      const Domain* info = questionnaire.find_domain(domain);
      const std::string heading = info != nullptr ? info->name : domain;
      out += fmt::format("\n  # == {} {}\n", heading,
                         std::string(90 - std::min<size_t>(heading.size(), 80), '='));
    }
    const auto found = prefill.find(control->id);
    const Answer* answer = found == prefill.end() ? nullptr : &found->second;
    out += fmt::format("\n  # {} (weight {}, {} risk)\n", control->title, control->weight,
                       to_string(control->risk));
    comment_block(out, "Q: ", control->question);
    comment_block(out, "Guidance: ", control->guidance);
    out += fmt::format("  - id: {}\n", control->id);
    out += fmt::format("    answer:{}\n", answer != nullptr && answer->design
                                            ? " " + std::string(to_string(*answer->design))
                                            : "");
    if (scope.type2() && !control->type2_question.empty()) {
      const auto lines = wrap(control->type2_question, 84);
      for (size_t i = 0; i < lines.size(); ++i) {
        out += fmt::format("    # {}{}\n", i == 0 ? "Type II: " : "         ", lines[i]);
      }
      out += fmt::format("    operating:{}\n", answer != nullptr && answer->operating
                                                 ? " " + std::string(to_string(*answer->operating))
                                                 : "");
    }
    out +=
      fmt::format("    note:{}\n",
                  answer != nullptr && !answer->note.empty() ? " " + yaml_quote(answer->note) : "");
    out += fmt::format("    evidence:{}\n", answer != nullptr && !answer->evidence.empty()
                                              ? " " + yaml_quote(answer->evidence)
                                              : "");
  }
  return out;
}

nlohmann::json answers_to_json(const Answers& answers) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [id, answer] : answers) {
    nlohmann::json entry = nlohmann::json::object();
    if (answer.design) {
      entry["answer"] = to_string(*answer.design);
    }
    if (answer.operating) {
      entry["operating"] = to_string(*answer.operating);
    }
    if (!answer.note.empty()) {
      entry["note"] = answer.note;
    }
    if (!answer.evidence.empty()) {
      entry["evidence"] = answer.evidence;
    }
    json[id] = std::move(entry);
  }
  return json;
}

Answers answers_from_json(const nlohmann::json& json) {
  Answers answers;
  if (!json.is_object()) {
    return answers;
  }
  for (const auto& [id, entry] : json.items()) {
    if (!entry.is_object()) {
      continue;
    }
    Answer answer;
    if (entry.contains("answer") && entry["answer"].is_string()) {
      answer.design = parse_answer_value(entry["answer"].get<std::string>());
    }
    if (entry.contains("operating") && entry["operating"].is_string()) {
      answer.operating = parse_answer_value(entry["operating"].get<std::string>());
    }
    answer.note = entry.value("note", "");
    answer.evidence = entry.value("evidence", "");
    answers.emplace(id, std::move(answer));
  }
  return answers;
}

} // namespace velocity::compliance
