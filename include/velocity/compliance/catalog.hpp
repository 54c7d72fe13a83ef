#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace velocity::compliance {

// HIPAA marks each standard and implementation specification; other frameworks use `none`.
enum class Requirement { none, standard, required, addressable };

// A CIS Benchmark recommendation's profile: Level 1 is the prudent baseline, Level 2 adds
// defence in depth. `none` outside benchmarks.
enum class Profile { none, level1, level2 };

// Whether a benchmark recommendation is judged by reading settings (automated, so a check can
// reach it) or needs a person to answer (manual). `none` outside benchmarks.
enum class Assessment { none, automated, manual };

// The names used in the catalogues and in JSON output ("level1", "automated"); empty for none.
std::string_view to_string(Profile profile) noexcept;
std::string_view to_string(Assessment assessment) noexcept;

// One control of a framework, with its exact official id (`CC6.1`, `A.5.1`, `164.312(d)`).
struct Control {
  std::string id;
  std::string title;
  std::string description;
  std::string category; // id of the category holding it
  std::string parent;   // HIPAA: the standard of an implementation specification
  Requirement requirement = Requirement::none;
  std::vector<int> implementation_groups;   // CIS v8: IG1..IG3
  Profile profile = Profile::none;          // CIS Benchmarks
  Assessment assessment = Assessment::none; // CIS Benchmarks
};

struct Category {
  std::string id;
  std::string name;
  std::string group; // empty unless the framework has groups (NIST CSF functions)
  std::vector<Control> controls;
};

struct Group {
  std::string id;
  std::string name;
};

// An assessment variant of a framework (SOC 2 Type I / Type II).
struct Variant {
  std::string id;
  std::string name;
  std::string description;
};

// A framework catalogue, frameworks/<id>.yaml, validated.
class Framework {
public:
  std::string id;
  std::string name;
  std::string version;
  std::string publisher;
  std::string description;
  std::vector<Variant> variants;
  std::vector<Group> groups;
  std::vector<Category> categories;
  std::string source; // where it was loaded from, for messages

  // The control with exactly this id, or null.
  const Control* find_control(std::string_view control_id) const;
  const Category* find_category(std::string_view category_id) const;
  const Variant* find_variant(std::string_view variant_id) const;
  size_t control_count() const noexcept { return m_control_count; }

  // Builds the id index; called once by the loader after the categories are filled in.
  void index();

private:
  std::unordered_map<std::string, std::pair<size_t, size_t>> m_controls;
  size_t m_control_count = 0;
};

// How much is left open while a common control is missing.
enum class Risk { low, medium, high, critical };

// The factor used in gap priority: critical 4, high 3, medium 2, low 1.
int risk_factor(Risk risk) noexcept;
std::string_view to_string(Risk risk) noexcept;

// The controls of one framework a common control evidences, with the catalogue lines they were
// named on (for messages when a catalogue is checked against them).
struct FrameworkMapping {
  std::string framework;
  std::vector<std::string> controls;
  std::vector<int> lines;
};

// One question of the questionnaire, answered once and counted in every framework it maps to.
struct CommonControl {
  std::string id;
  std::string domain;
  std::string title;
  std::string question;
  std::string guidance;
  std::string type2_question; // empty when Type II asks nothing more
  int weight = 1;
  Risk risk = Risk::low;
  double effort_hours = 0;
  double tooling_cost = 0;
  std::vector<std::string> remediation;
  std::vector<std::string> depends_on;
  std::vector<FrameworkMapping> maps;
  int line = 0; // where it starts in common-controls.yaml

  // The controls of `framework_id` this common control maps to (empty when none).
  const std::vector<std::string>& controls_in(std::string_view framework_id) const;
  bool maps_to(std::string_view framework_id) const { return !controls_in(framework_id).empty(); }
};

struct Domain {
  std::string id;
  std::string name;
};

// frameworks/common-controls.yaml: the domains and common controls, in questionnaire order.
class Questionnaire {
public:
  std::vector<Domain> domains;
  std::vector<CommonControl> controls;
  std::string source;

  const CommonControl* find(std::string_view id) const;
  const Domain* find_domain(std::string_view id) const;
  // The position of a domain in `domains`, for ordering; domains.size() when unknown.
  size_t domain_position(std::string_view id) const;

  // Builds the id index; called once by the loader.
  void index();

private:
  std::unordered_map<std::string, size_t> m_by_id;
};

// A framework control an automated check tests, with the catalogue's reason.
struct CheckMapping {
  std::string framework;
  std::string control;
  std::string why;
};

} // namespace velocity::compliance
