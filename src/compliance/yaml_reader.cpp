#include "yaml_reader.hpp"

#include <velocity/core/error.hpp>
#include <velocity/core/suggest.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace velocity::compliance::detail {

namespace {

std::string describe_type(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Null:
    return "empty";
  case YAML::NodeType::Scalar:
    return "a single value";
  case YAML::NodeType::Sequence:
    return "a list";
  case YAML::NodeType::Map:
    return "a mapping";
  case YAML::NodeType::Undefined:
    break;
  }
  return "missing";
}

} // namespace

void Diagnostics::error(const YAML::Mark& mark, std::string_view message) {
  if (mark.line < 0) {
    error(message);
    return;
  }
  m_messages.push_back(
    fmt::format("{}:{}:{}: {}", m_file, mark.line + 1, mark.column + 1, message));
}

void Diagnostics::error_at_line(int line, std::string_view message) {
  m_messages.push_back(fmt::format("{}:{}: {}", m_file, line, message));
}

void Diagnostics::error(std::string_view message) {
  m_messages.push_back(fmt::format("{}: {}", m_file, message));
}

void Diagnostics::throw_if_any(std::string_view what, std::string help) const {
  if (m_messages.empty()) {
    return;
  }
  std::string text = m_messages.size() == 1 ? fmt::format("invalid {} {}:", what, m_file)
                                            : fmt::format("invalid {} {} ({} problems):", what,
                                                          m_file, m_messages.size());
  const size_t shown = std::min(m_messages.size(), k_max_shown);
  for (size_t i = 0; i < shown; ++i) {
    text += "\n  " + m_messages[i];
  }
  if (shown < m_messages.size()) {
    text += fmt::format("\n  ... and {} more", m_messages.size() - shown);
  }
  throw UsageError(text, help.empty()
                           ? "fix the file and run the command again; frameworks/README.md "
                             "describes the format"
                           : std::move(help));
}

YAML::Node parse_yaml(std::string_view text, Diagnostics& diagnostics) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    diagnostics.error(e.mark, fmt::format("not valid YAML: {}", e.msg));
  }
  return YAML::Node();
}

Fields::Fields(const YAML::Node& map, Diagnostics& diagnostics, std::string what,
               std::initializer_list<std::string_view> known)
  : m_diagnostics(diagnostics),
    m_what(std::move(what)),
    m_mark(map.Mark()) {
  if (!map.IsMap()) {
    m_diagnostics.error(m_mark, fmt::format("{}: expected a mapping of fields, found {}", m_what,
                                            describe_type(map)));
    return;
  }
  std::vector<std::string> known_names(known.begin(), known.end());
  for (const auto& entry : map) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) {
      m_diagnostics.error(key.Mark(), fmt::format("{}: field names must be plain words", m_what));
      continue;
    }
    const std::string name = key.Scalar();
    if (std::find(known_names.begin(), known_names.end(), name) == known_names.end()) {
      const std::string guess = suggest::closest(name, known_names);
      m_diagnostics.error(key.Mark(), guess.empty()
                                        ? fmt::format("{}: unknown field '{}'", m_what, name)
                                        : fmt::format("{}: unknown field '{}' (did you mean '{}'?)",
                                                      m_what, name, guess));
      continue;
    }
    if (find(name) != nullptr) {
      m_diagnostics.error(key.Mark(), fmt::format("{}: field '{}' appears twice", m_what, name));
      continue;
    }
    m_entries.emplace_back(name, entry.second);
    m_key_lines.push_back(key.Mark().line + 1);
  }
}

int Fields::line_of(std::string_view key) const {
  for (size_t i = 0; i < m_entries.size(); ++i) {
    if (m_entries[i].first == key) {
      return m_key_lines[i];
    }
  }
  return 0;
}

const YAML::Node* Fields::find(std::string_view key) const {
  for (const auto& [name, node] : m_entries) {
    if (name == key) {
      return &node;
    }
  }
  return nullptr;
}

void Fields::error(std::string_view key, std::string_view message) {
  const YAML::Node* node = find(key);
  m_diagnostics.error(node != nullptr ? node->Mark() : m_mark,
                      fmt::format("{}: '{}' {}", m_what, key, message));
}

std::optional<YAML::Node> Fields::node(std::string_view key, Need need) {
  const YAML::Node* found = find(key);
  if (found == nullptr || found->IsNull()) {
    if (need == Need::required) {
      m_diagnostics.error(found != nullptr ? found->Mark() : m_mark,
                          fmt::format("{}: '{}' is missing", m_what, key));
    }
    return std::nullopt;
  }
  return *found;
}

std::optional<std::string> Fields::text(std::string_view key, Need need) {
  const auto found = node(key, need);
  if (!found) {
    return std::nullopt;
  }
  if (!found->IsScalar()) {
    error(key, fmt::format("must be a single value, found {}", describe_type(*found)));
    return std::nullopt;
  }
  std::string value = found->Scalar();
  if (value.empty()) {
    if (need == Need::required) {
      error(key, "is empty");
    }
    return std::nullopt;
  }
  return value;
}

std::optional<int> Fields::integer(std::string_view key, Need need) {
  const auto found = node(key, need);
  if (!found) {
    return std::nullopt;
  }
  int value = 0;
  if (!found->IsScalar() || !YAML::convert<int>::decode(*found, value)) {
    error(key, fmt::format("must be a whole number, found '{}'",
                           found->IsScalar() ? found->Scalar() : describe_type(*found)));
    return std::nullopt;
  }
  return value;
}

std::optional<double> Fields::number(std::string_view key, Need need) {
  const auto found = node(key, need);
  if (!found) {
    return std::nullopt;
  }
  double value = 0;
  if (!found->IsScalar() || !YAML::convert<double>::decode(*found, value)) {
    error(key, fmt::format("must be a number, found '{}'",
                           found->IsScalar() ? found->Scalar() : describe_type(*found)));
    return std::nullopt;
  }
  return value;
}

std::optional<std::vector<std::string>> Fields::text_list(std::string_view key, Need need,
                                                          std::vector<int>* lines) {
  const auto found = node(key, need);
  if (!found) {
    return std::nullopt;
  }
  if (!found->IsSequence()) {
    error(key, fmt::format("must be a list, found {}", describe_type(*found)));
    return std::nullopt;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (const YAML::Node& item : *found) {
    if (!item.IsScalar() || item.Scalar().empty()) {
      m_diagnostics.error(item.Mark(), fmt::format("{}: every item of '{}' must be a non-empty "
                                                   "single value",
                                                   m_what, key));
      ok = false;
      continue;
    }
    values.push_back(item.Scalar());
    if (lines != nullptr) {
      lines->push_back(item.Mark().line + 1);
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  return values;
}

std::optional<YAML::Node> Fields::list(std::string_view key, Need need) {
  const auto found = node(key, need);
  if (!found) {
    return std::nullopt;
  }
  if (!found->IsSequence() || found->size() == 0) {
    error(key, found->IsSequence()
                 ? std::string("must not be empty")
                 : fmt::format("must be a list, found {}", describe_type(*found)));
    return std::nullopt;
  }
  return found;
}

namespace {

bool is_word_list(std::string_view id, char separator) {
  if (id.empty() || id.front() == separator || id.back() == separator) {
    return false;
  }
  char previous = '\0';
  for (const char c : id) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!word && !(c == separator && previous != separator)) {
      return false;
    }
    previous = c;
  }
  return true;
}

} // namespace

bool is_kebab_case(std::string_view id) {
  return is_word_list(id, '-');
}

bool is_snake_case(std::string_view id) {
  return is_word_list(id, '_');
}

bool is_framework_id(std::string_view id) {
  std::string words(id);
  for (size_t i = 0; i < words.size(); ++i) {
    const bool version_dot = words[i] == '.' && i > 0 && i + 1 < words.size() &&
                             std::isdigit(static_cast<unsigned char>(words[i - 1])) != 0 &&
                             std::isdigit(static_cast<unsigned char>(words[i + 1])) != 0;
    if (version_dot) {
      words[i] = '0';
    }
  }
  return is_word_list(words, '-');
}

} // namespace velocity::compliance::detail
