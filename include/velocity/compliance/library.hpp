#pragma once

#include <velocity/compliance/catalog.hpp>
#include <velocity/compliance/check_catalogue.hpp>
#include <velocity/compliance/embedded.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace velocity::compliance {

// The framework catalogues, the questionnaire and the check catalogue, parsed and validated
// lazily: a command pays only for the files it uses. The built-in set is compiled into the
// binary; a directory holding <id>.yaml files, common-controls.yaml and
// checks/<platform>[-<service>].yaml replaces it (custom catalogues).
class Library {
public:
  static constexpr std::string_view k_env_dir = "VELOCITY_FRAMEWORKS_DIR";
  static constexpr std::string_view k_common_controls_file = "common-controls.yaml";
  static constexpr std::string_view k_checks_folder = "checks";

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

  // The check catalogue (checks/<platform>[-<service>].yaml), parsed on first use, with every
  // control it names checked against the framework catalogues. Empty when a directory has no
  // checks/.
  const CheckCatalogue& checks();
  // Checks the catalogue against what the providers evaluate (check_evaluators in loader.hpp):
  // an entry without an evaluator or an evaluator without an entry is a UsageError.
  void validate_checks(std::span<const Evaluator> evaluators);
  // Where the check catalogue's files are: "frameworks/checks" or DIR/checks.
  const std::string& checks_directory() const noexcept { return m_checks_directory; }

  // The framework controls check `check_id` tests, as its catalogue entry lists them, with why;
  // empty for an unknown check.
  std::vector<CheckMapping> controls_for_check(std::string_view check_id);
  // The checks testing a control that `control` maps to in `frameworks` (every framework when
  // empty), in catalogue order: the automated evidence bearing on the question. It never
  // answers the question.
  std::vector<const Check*> checks_for(const CommonControl& control,
                                       const std::vector<std::string>& frameworks);

  // SHA-256 (hex) of the questionnaire and the catalogues of `framework_ids`, to tell whether
  // stored results were computed with the same data.
  std::string digest(const std::vector<std::string>& framework_ids);

  // Throws UsageError naming `id` with the known ids (and a close match) when it is unknown.
  void require_framework(std::string_view id) const;

private:
  struct Source;
  using Sources = std::map<std::string, std::unique_ptr<Source>, std::less<>>; // by file stem
  Library();
  // The files compiled into the binary, named `folder/<name>` in messages.
  static Sources embedded_sources(std::span<const EmbeddedFile> files, std::string_view folder);
  // The *.yaml files of `dir`, read on first use.
  static Sources directory_sources(const std::filesystem::path& dir);
  std::string_view text_of(Source& source);
  // Fills m_ids from the catalogue files found: the shipped ones first, in their usual order.
  void sort_ids();

  std::string m_description;
  std::vector<std::string> m_ids;
  std::map<std::string, std::unique_ptr<Source>, std::less<>> m_sources;       // by file stem
  std::map<std::string, std::unique_ptr<Source>, std::less<>> m_check_sources; // by platform
  std::string m_checks_directory;
  std::map<std::string, std::unique_ptr<Framework>, std::less<>> m_frameworks;
  std::unique_ptr<Questionnaire> m_questionnaire;
  std::unique_ptr<CheckCatalogue> m_checks;
};

} // namespace velocity::compliance
