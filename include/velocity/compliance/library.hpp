#pragma once

#include <velocity/compliance/catalog.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace velocity::compliance {

// The framework catalogues and the questionnaire, parsed and validated lazily: a command pays
// only for the files it uses. The built-in set is compiled into the binary; a directory holding
// <id>.yaml files and common-controls.yaml replaces it (custom catalogues).
class Library {
public:
  static constexpr std::string_view k_env_dir = "VELOCITY_FRAMEWORKS_DIR";
  static constexpr std::string_view k_common_controls_file = "common-controls.yaml";

  // The catalogues in `dir`, else in $VELOCITY_FRAMEWORKS_DIR, else the built-in ones.
  static Library open(const std::optional<std::filesystem::path>& dir);
  static Library built_in();
  // Throws UsageError when `dir` is not a directory or has no common-controls.yaml.
  static Library from_directory(const std::filesystem::path& dir);

  Library(Library&&) noexcept;
  Library& operator=(Library&&) noexcept;
  ~Library();

  // "built-in catalogues" or the directory they come from.
  const std::string& description() const noexcept { return m_description; }
  // The framework ids, the shipped ones first in their usual order, then others by name.
  const std::vector<std::string>& framework_ids() const noexcept { return m_ids; }
  bool has_framework(std::string_view id) const;

  // The framework `id`, parsed and checked on first use (and checked against the questionnaire
  // when that is loaded). Throws UsageError for an unknown id or an invalid catalogue.
  const Framework& framework(std::string_view id);
  // Every framework, in framework_ids() order; parses the missing ones in parallel.
  std::vector<const Framework*> all_frameworks();
  // The common controls, parsed and checked on first use.
  const Questionnaire& questionnaire();
  // Loads everything and checks every cross reference; throws on the first invalid file.
  void validate_all();

  // Every framework control that check `check_id` gives evidence for, through the common
  // controls listing the check; empty for an unknown check.
  std::vector<CheckMapping> controls_for_check(std::string_view check_id);

  // SHA-256 (hex) of the questionnaire and the catalogues of `framework_ids`, to tell whether
  // stored results were computed with the same data.
  std::string digest(const std::vector<std::string>& framework_ids);

  // Throws UsageError naming `id` with the known ids (and a close match) when it is unknown.
  void require_framework(std::string_view id) const;

private:
  struct Source;
  Library();
  std::string_view text_of(Source& source);

  std::string m_description;
  std::vector<std::string> m_ids;
  std::map<std::string, std::unique_ptr<Source>, std::less<>> m_sources; // by file stem
  std::map<std::string, std::unique_ptr<Framework>, std::less<>> m_frameworks;
  std::unique_ptr<Questionnaire> m_questionnaire;
};

} // namespace velocity::compliance
