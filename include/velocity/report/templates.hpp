#pragma once

#include <velocity/compliance/embedded.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

// The Mustache templates reports are rendered from: templates/*.mustache compiled into the
// binary (cmake/EmbedFrameworks.cmake), or a directory given with --template-dir whose files
// replace the built-in ones of the same name.
namespace velocity::report {

using EmbeddedFile = compliance::EmbeddedFile;

// templates/*.mustache as they were at build time, sorted by name (generated).
std::span<const EmbeddedFile> embedded_templates();

// How values are escaped when a template writes {{name}} ({{{name}}} never escapes).
enum class Escape { html, markdown, none };

class TemplateSet {
public:
  // The built-in templates, with the *.mustache files of `dir` in their place when given.
  // Throws UsageError when `dir` is not a directory.
  static TemplateSet open(const std::optional<std::filesystem::path>& dir);

  // The text of template `name` ("report.html.mustache"). Throws UsageError when there is none.
  const std::string& text(std::string_view name) const;
  // Where template `name` came from: "built-in" or its path.
  std::string origin(std::string_view name) const;

  // Renders template `name` with `context`; every template of the set is a partial under its
  // name without ".mustache" ({{> report.css}}). Throws UsageError for a template that does not
  // parse, naming it and the error.
  std::string render(std::string_view name, const nlohmann::json& context, Escape escape) const;

private:
  std::map<std::string, std::string, std::less<>> m_texts;
  std::map<std::string, std::string, std::less<>> m_origins;
};

} // namespace velocity::report
