#include "yaml_reader.hpp"

#include <velocity/compliance/embedded.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/compliance/loader.hpp>
#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/input_limits.hpp>
#include <velocity/core/suggest.hpp>
#include <velocity/crypto/digest.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <thread>

namespace velocity::compliance {

namespace {

// The shipped frameworks, in the order people usually meet them; the CIS Benchmarks last.
constexpr std::string_view k_shipped[] = {
  "soc2",       "iso27001",    "hipaa",       "gdpr",          "pci-dss",       "cis-v8",
  "nist-csf-2", "cis-aws-5.0", "cis-gcp-5.0", "cis-azure-6.0", "cis-github-1.2"};

size_t shipped_position(std::string_view id) {
  const auto it = std::find(std::begin(k_shipped), std::end(k_shipped), id);
  return static_cast<size_t>(it - std::begin(k_shipped));
}

} // namespace

// One catalogue file: its text is embedded, or read from disk on first use.
struct Library::Source {
  std::string name; // shown in messages
  std::filesystem::path path;
  std::string_view text;
  std::string owned_text;
  bool loaded = false;
};

Library::Library() = default;
Library::Library(Library&&) noexcept = default;
Library& Library::operator=(Library&&) noexcept = default;
Library::~Library() = default;

Library Library::open(const std::optional<std::filesystem::path>& dir) {
  if (dir) {
    return from_directory(*dir);
  }
  if (const auto env_dir = env::get("VELOCITY_FRAMEWORKS_DIR")) {
    return from_directory(*env_dir);
  }
  return built_in();
}

Library::Sources Library::embedded_sources(std::span<const EmbeddedFile> files,
                                           std::string_view folder) {
  Sources sources;
  for (const EmbeddedFile& file : files) {
    auto source = std::make_unique<Source>();
    source->name = fmt::format("{}/{}", folder, file.name);
    source->text = file.text;
    source->loaded = true;
    std::string stem(file.name.substr(0, file.name.size() - std::string_view(".yaml").size()));
    sources.emplace(std::move(stem), std::move(source));
  }
  return sources;
}

Library::Sources Library::directory_sources(const std::filesystem::path& dir) {
  Sources sources;
  for (const std::filesystem::path& path : fs::regular_files_in(dir)) {
    if (path.extension() != ".yaml") {
      continue;
    }
    auto source = std::make_unique<Source>();
    source->name = path.string();
    source->path = path;
    sources.emplace(path.stem().string(), std::move(source));
  }
  return sources;
}

Library Library::built_in() {
  Library library;
  library.m_description = "built-in catalogues";
  library.m_sources = embedded_sources(embedded_frameworks(), "frameworks");
  library.m_checks_directory = "frameworks/checks";
  library.m_check_sources = embedded_sources(embedded_checks(), library.m_checks_directory);
  library.sort_ids();
  return library;
}

Library Library::from_directory(const std::filesystem::path& dir) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    throw UsageError(
      fmt::format("frameworks directory {} does not exist or is not a directory", dir.string()),
      "pass a directory holding <id>.yaml catalogues and common-controls.yaml "
      "(--frameworks-dir or VELOCITY_FRAMEWORKS_DIR)");
  }
  Library library;
  library.m_description = dir.string();
  library.m_sources = directory_sources(dir);
  if (library.m_sources.find("common-controls") == library.m_sources.end()) {
    throw UsageError(
      fmt::format("frameworks directory {} has no common-controls.yaml", dir.string()),
      "a catalogue directory needs the questionnaire too; start from a copy of the "
      "shipped frameworks/ folder");
  }
  const std::filesystem::path checks = dir / k_checks_folder;
  library.m_checks_directory = checks.string();
  if (std::filesystem::is_directory(checks, error)) {
    library.m_check_sources = directory_sources(checks);
  }
  library.sort_ids();
  return library;
}

void Library::sort_ids() {
  for (const auto& [stem, source] : m_sources) {
    if (stem != "common-controls") {
      m_ids.push_back(stem);
    }
  }
  std::stable_sort(m_ids.begin(), m_ids.end(), [](const std::string& a, const std::string& b) {
    return shipped_position(a) < shipped_position(b);
  });
}

std::string_view Library::text_of(Source& source) {
  if (!source.loaded) {
    source.owned_text = fs::read_file(source.path, limits::framework_file);
    source.text = source.owned_text;
    source.loaded = true;
  }
  return source.text;
}

bool Library::has_framework(std::string_view id) const {
  return std::find(m_ids.begin(), m_ids.end(), id) != m_ids.end();
}

void Library::require_framework(std::string_view id) const {
  if (has_framework(id)) {
    return;
  }
  std::string known;
  for (const std::string& name : m_ids) {
    known += known.empty() ? name : ", " + name;
  }
  const std::string guess = suggest::closest(id, m_ids);
  throw UsageError(fmt::format("unknown framework '{}'{}", id,
                               guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess)),
                   fmt::format("frameworks: {}; `velocity frameworks list` describes them", known));
}

const Framework& Library::framework(std::string_view id) {
  if (const auto it = m_frameworks.find(id); it != m_frameworks.end()) {
    return *it->second;
  }
  require_framework(id);
  Source& source = *m_sources.find(id)->second;
  auto framework = std::make_unique<Framework>(parse_framework(text_of(source), source.name, id));
  if (m_questionnaire) {
    check_mappings(*m_questionnaire, *framework);
  }
  return *m_frameworks.emplace(std::string(id), std::move(framework)).first->second;
}

std::vector<const Framework*> Library::all_frameworks() {
  // yaml-cpp parses about 1 MB/s, so the catalogues are parsed side by side: `frameworks list`
  // then costs about as much as the largest file.
  std::vector<std::string> missing;
  for (const std::string& id : m_ids) {
    if (m_frameworks.find(id) == m_frameworks.end()) {
      missing.push_back(id);
      text_of(*m_sources.find(id)->second);
    }
  }
  if (missing.size() > 1) {
    std::vector<std::unique_ptr<Framework>> parsed(missing.size());
    std::vector<std::exception_ptr> errors(missing.size());
    std::vector<std::thread> workers;
    for (size_t i = 0; i < missing.size(); ++i) {
      const Source& source = *m_sources.find(missing[i])->second;
      workers.emplace_back([&, i, text = source.text, name = source.name] {
        try {
          parsed[i] = std::make_unique<Framework>(parse_framework(text, name, missing[i]));
        } catch (...) {
          errors[i] = std::current_exception();
        }
      });
    }
    for (std::thread& worker : workers) {
      worker.join();
    }
    for (size_t i = 0; i < missing.size(); ++i) {
      if (errors[i]) {
        std::rethrow_exception(errors[i]);
      }
      if (m_questionnaire) {
        check_mappings(*m_questionnaire, *parsed[i]);
      }
      m_frameworks.emplace(missing[i], std::move(parsed[i]));
    }
  }
  std::vector<const Framework*> frameworks;
  for (const std::string& id : m_ids) {
    frameworks.push_back(&framework(id));
  }
  return frameworks;
}

const Questionnaire& Library::questionnaire() {
  if (!m_questionnaire) {
    Source& source = *m_sources.find("common-controls")->second;
    auto questionnaire =
      std::make_unique<Questionnaire>(parse_questionnaire(text_of(source), source.name, m_ids));
    for (const auto& [id, framework] : m_frameworks) {
      check_mappings(*questionnaire, *framework);
    }
    m_questionnaire = std::move(questionnaire);
  }
  return *m_questionnaire;
}

void Library::validate_all() {
  questionnaire();
  all_frameworks();
}

const CheckCatalogue& Library::checks() {
  if (!m_checks) {
    std::vector<std::vector<Check>> files;
    std::vector<std::string> names;
    for (const auto& [stem, source] : m_check_sources) {
      files.push_back(parse_checks(text_of(*source), source->name, stem));
      names.push_back(source->name);
    }
    auto catalogue =
      std::make_unique<CheckCatalogue>(build_check_catalogue(std::move(files), std::move(names)));
    check_check_mappings(*catalogue, m_ids,
                         [this](std::string_view id) -> const Framework& { return framework(id); });
    m_checks = std::move(catalogue);
  }
  return *m_checks;
}

void Library::validate_checks(std::span<const Evaluator> evaluators) {
  const CheckCatalogue& catalogue = checks();
  if (catalogue.sources.empty() && !evaluators.empty()) {
    throw UsageError(
      fmt::format("{} has no check catalogue: no .yaml file describes the checks velocity runs",
                  m_checks_directory),
      fmt::format("copy frameworks/checks/ of velocity's source into {} (<platform>.yaml or "
                  "<platform>-<service>.yaml files; frameworks/README.md describes the format)",
                  m_checks_directory));
  }
  check_evaluators(catalogue, evaluators, m_checks_directory);
}

std::vector<CheckMapping> Library::controls_for_check(std::string_view check_id) {
  std::vector<CheckMapping> mappings;
  const Check* check = checks().find(check_id);
  if (check == nullptr) {
    return mappings;
  }
  for (const CheckFrameworkControls& mapping : check->controls) {
    for (const CheckControl& control : mapping.controls) {
      mappings.push_back({mapping.framework, control.id, control.why});
    }
  }
  return mappings;
}

std::vector<const Check*> Library::checks_for(const CommonControl& control,
                                              const std::vector<std::string>& frameworks) {
  std::vector<const Check*> found;
  for (const Check& check : checks().checks) {
    const bool shares_a_control =
      std::any_of(control.maps.begin(), control.maps.end(), [&](const FrameworkMapping& mapping) {
        if (!frameworks.empty() && std::find(frameworks.begin(), frameworks.end(),
                                             mapping.framework) == frameworks.end()) {
          return false;
        }
        const std::vector<CheckControl>& tested = check.controls_in(mapping.framework);
        return std::any_of(tested.begin(), tested.end(), [&](const CheckControl& c) {
          return std::find(mapping.controls.begin(), mapping.controls.end(), c.id) !=
                 mapping.controls.end();
        });
      });
    if (shares_a_control) {
      found.push_back(&check);
    }
  }
  return found;
}

std::string Library::digest(const std::vector<std::string>& framework_ids) {
  crypto::Sha256 hash;
  std::vector<std::string> stems = framework_ids;
  std::sort(stems.begin(), stems.end());
  stems.insert(stems.begin(), "common-controls");
  for (const std::string& stem : stems) {
    const auto it = m_sources.find(stem);
    if (it == m_sources.end()) {
      continue;
    }
    const std::string_view text = text_of(*it->second);
    hash.update(stem);
    hash.update(std::string_view("\0", 1));
    hash.update(fmt::format("{}:", text.size()));
    hash.update(text);
  }
  return crypto::to_hex(hash.finish());
}

} // namespace velocity::compliance
