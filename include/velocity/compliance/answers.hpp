#pragma once

#include <velocity/compliance/catalog.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace velocity::compliance {

enum class AnswerValue { yes, partially, no, not_applicable };

// Reads "yes"/"y", "partially"/"partial"/"p", "no"/"n", "n/a"/"na"/"a"/"not applicable"
// (any case); nothing for anything else.
std::optional<AnswerValue> parse_answer_value(std::string_view text);
// "yes", "partially", "no", "n/a".
std::string_view to_string(AnswerValue value) noexcept;
// What an answer counts for in a score: yes 1, partially 0.5, no and n/a 0 (n/a is never counted).
double value_of(AnswerValue value) noexcept;

// The answer to one common control. `operating` is the Type II answer: did the control operate
// effectively over the whole audit period.
struct Answer {
  std::optional<AnswerValue> design;
  std::optional<AnswerValue> operating;
  std::string note;
  std::string evidence;
};

// Answers by common control id.
using Answers = std::map<std::string, Answer, std::less<>>;

// What an assessment covers: one or more frameworks and an optional variant ("type2").
struct Scope {
  std::vector<std::string> frameworks;
  std::string variant;

  // True when the Type II operating-effectiveness questions are asked.
  bool type2() const noexcept { return variant == "type2"; }
};

// The common controls that map to at least one of `frameworks`, in questionnaire order:
// domain by domain as `domains` lists them, and within a domain in file order.
std::vector<const CommonControl*> questions_for(const Questionnaire& questionnaire,
                                                const std::vector<std::string>& frameworks);

// True when `control` needs an operating answer under `scope` after the design answer `design`.
bool asks_operating(const CommonControl& control, const Scope& scope,
                    std::optional<AnswerValue> design) noexcept;

// An answers file as read, before it is checked against a scope.
struct AnswerFile {
  std::string source;
  std::vector<std::string> frameworks; // `framework:` (one id or a list); may be empty
  std::string variant;
  int frameworks_line = 0;
  struct Entry {
    std::string id;
    int line = 0;
    int answer_line = 0;
    int operating_line = 0;
    Answer answer;
    bool has_operating_field = false;
    bool invalid = false; // a value was wrong (and reported)
  };
  std::vector<Entry> entries;
  int answers_line = 0;
  // Problems found in the entries (file:line: ...), reported by answers_for_scope together with
  // those that depend on the scope.
  std::vector<std::string> problems;
};

// Reads an answers file (`velocity assess template` writes one). Checks its shape, ids (every id
// must be a common control) and values. Throws UsageError for a file that is not YAML or not
// shaped like an answers file; problems in entries are kept in `problems`.
AnswerFile read_answer_file(std::string_view text, const std::string& source,
                            const Questionnaire& questionnaire);

// The answers of `file` for the questions of `scope`: every question must have an answer (and,
// for Type II, an operating answer when the design answer is yes or partially). Answers to
// questions outside the scope are left out. Throws UsageError listing every problem as file:line.
Answers answers_for_scope(const AnswerFile& file, const Questionnaire& questionnaire,
                          const Scope& scope);

// A fill-in answers file for `scope`: one entry per question with the question and guidance as
// comments; values from `prefill` are filled in.
std::string answer_template(const Questionnaire& questionnaire,
                            const std::vector<const Framework*>& frameworks, const Scope& scope,
                            const Answers& prefill);

// Answers as stored: {"id": {"answer": "yes", "operating": "no", "note": "", "evidence": ""}}.
nlohmann::json answers_to_json(const Answers& answers);
// Reads what answers_to_json wrote; entries with unknown values are skipped.
Answers answers_from_json(const nlohmann::json& json);

} // namespace velocity::compliance
