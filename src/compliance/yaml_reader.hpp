#pragma once

// Reading validated YAML: every problem is collected with its file:line:column and the field it
// is about, so a catalogue or answer file author sees all mistakes at once.

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace velocity::compliance::detail {

// The problems found in one file.
class Diagnostics {
public:
  explicit Diagnostics(std::string file) : m_file(std::move(file)) {}

  // Records "file:line:column: message"; `mark` is yaml-cpp's 0-based position.
  void error(const YAML::Mark& mark, std::string_view message);
  // Records "file:line: message" for a 1-based `line`.
  void error_at_line(int line, std::string_view message);
  // Records "file: message" for problems without a position.
  void error(std::string_view message);
  bool empty() const noexcept { return m_messages.empty(); }
  // The problems so far, formatted; and adding ones formatted elsewhere.
  const std::vector<std::string>& messages() const noexcept { return m_messages; }
  void add(std::vector<std::string> messages) {
    m_messages.insert(m_messages.end(), messages.begin(), messages.end());
  }
  const std::string& file() const noexcept { return m_file; }
  // Throws UsageError listing the problems (at most k_max_shown) when there are any, with
  // `help` (or a pointer to frameworks/README.md) as what to do.
  void throw_if_any(std::string_view what, std::string help = {}) const;

  static constexpr size_t k_max_shown = 25;

private:
  std::string m_file;
  std::vector<std::string> m_messages;
};

// Parses `text`; a syntax error is reported with its position and the document is empty.
YAML::Node parse_yaml(std::string_view text, Diagnostics& diagnostics);

enum class Need { required, optional };

// The fields of one YAML mapping, checked against the names it may have: unknown names (with a
// "did you mean"), duplicates and missing required fields are reported against `what`
// ("control 'CC6.1'").
class Fields {
public:
  Fields(const YAML::Node& map, Diagnostics& diagnostics, std::string what,
         std::initializer_list<std::string_view> known);

  // The node of `key`, or nothing (reported when required).
  std::optional<YAML::Node> node(std::string_view key, Need need);
  // A non-empty scalar as text.
  std::optional<std::string> text(std::string_view key, Need need);
  std::optional<int> integer(std::string_view key, Need need);
  std::optional<double> number(std::string_view key, Need need);
  // A sequence of non-empty scalars; `lines` receives each item's 1-based line.
  std::optional<std::vector<std::string>> text_list(std::string_view key, Need need,
                                                    std::vector<int>* lines = nullptr);
  // A non-empty sequence of mappings.
  std::optional<YAML::Node> list(std::string_view key, Need need);

  const YAML::Mark& mark() const noexcept { return m_mark; }
  // The 1-based line where field `key` is written (even when its value is empty), or 0.
  int line_of(std::string_view key) const;
  const std::string& what() const noexcept { return m_what; }
  // Records a problem with field `key` (at its position when present).
  void error(std::string_view key, std::string_view message);

private:
  const YAML::Node* find(std::string_view key) const;

  Diagnostics& m_diagnostics;
  std::string m_what;
  YAML::Mark m_mark;
  std::vector<std::pair<std::string, YAML::Node>> m_entries;
  std::vector<int> m_key_lines;
};

// True when `id` is kebab-case: [a-z0-9]+(-[a-z0-9]+)*.
bool is_kebab_case(std::string_view id);
// True when `id` is snake_case: [a-z0-9]+(_[a-z0-9]+)*.
bool is_snake_case(std::string_view id);
// True when `id` is kebab-case in which '.' may join two digits, as in a version: cis-aws-5.0.
bool is_framework_id(std::string_view id);

} // namespace velocity::compliance::detail
