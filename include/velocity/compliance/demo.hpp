#pragma once

#include <velocity/compliance/answers.hpp>
#include <velocity/compliance/check_catalogue.hpp>
#include <velocity/compliance/roi.hpp>
#include <velocity/core/time.hpp>
#include <velocity/store/verdict.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The history `velocity demo` writes: a made-up but realistic organisation, generated from a
// seed so the same seed always gives the same history. Cloud accounts with resources whose
// checks drift (a bucket made public, a new user without MFA) and get remediated, daily
// collections of them, self-assessments that improve as gaps close, and the audit events those
// actions would leave. Nothing here touches the state: demo_writer.hpp writes it.
namespace velocity::compliance {

enum class Scenario { startup_soc2, healthcare_hipaa, fintech_pci, enterprise_iso27001 };

// What a scenario is: its name ("startup-soc2"), the organisation it describes, the frameworks
// it prepares for, and how mature it starts.
struct ScenarioInfo {
  Scenario id;
  std::string_view name;
  std::string_view title;
  std::vector<std::string> frameworks;
  std::string variant; // "type2" for SOC 2, else empty
  OrgSize size;
  double initial_failure_share; // share of checks failing on day 0
  double initial_yes_share;     // share of manual controls in place at the first assessment
};

const std::vector<ScenarioInfo>& scenarios();
// The scenario called `name`; nothing when there is none.
std::optional<Scenario> parse_scenario(std::string_view name);
const ScenarioInfo& scenario_info(Scenario scenario);
// "demo-startup-soc2": the organisation a scenario is written to.
std::string demo_org_name(Scenario scenario);

struct DemoOptions {
  Scenario scenario = Scenario::startup_soc2;
  int days = 30;
  uint64_t seed = 1;
  time::TimePoint end; // the day of the last collection (its date is used, not its time)

  static constexpr int k_max_days = 366;
};

// Throws UsageError when the days are outside 1..k_max_days.
void validate(const DemoOptions& options);

// A small deterministic generator (SplitMix64): the same seed gives the same numbers on every
// platform and standard library, which std distributions do not promise.
class DemoRandom {
public:
  explicit DemoRandom(uint64_t seed) : m_state(seed) {}
  uint64_t next();
  // A number in [0, 1).
  double unit();
  // An integer in [low, high].
  int64_t between(int64_t low, int64_t high);
  // True with probability `p`.
  bool chance(double p) { return unit() < p; }

private:
  uint64_t m_state;
};

// One automated check on one resource, with its state today.
struct DemoCheck {
  std::string id;
  std::string title;                                  // its catalogue entry's
  store::Severity severity = store::Severity::medium; // its catalogue entry's
  bool failing = false;
  std::string pass_reason;
  std::string fail_reason;
};

// One cloud resource as a collection would describe it.
struct DemoResource {
  std::string type; // the evidence type
  std::string resource_id;
  std::string account_id;
  std::string region;
  std::string name;              // what the reasons call it: "bucket acme-logs-0042"
  int appears_on_day = 0;        // created later in the history (drift: a new, unhardened resource)
  bool may_appear_later = false; // a kind people create by hand (a bucket, a user, a repository)
  std::vector<DemoCheck> checks;
};

// One connected account.
struct DemoIntegration {
  std::string name;
  std::string platform;
  std::string account_id;
  nlohmann::json settings;
  int connected_on_day = 0;
  std::vector<DemoResource> resources;
  std::vector<std::string> types; // evidence types, in collection order
};

// The evidence payload of `resource` today: the made-up resource and, for each check, the
// setting it tests and whether it is in place.
nlohmann::json demo_payload(const DemoResource& resource);

// A change of one check on one day, for the summary and the audit trail.
enum class DemoChangeKind { drift, remediation, new_resource };
struct DemoChange {
  int day = 0;
  DemoChangeKind kind = DemoChangeKind::drift;
  std::string integration;
  std::string resource_id;
  std::string check_id;
};

// The whole organisation, advanced one day at a time.
class DemoWorld {
public:
  // The checks on the resources take their severities from `checks`.
  DemoWorld(const DemoOptions& options, const CheckCatalogue& checks);

  const DemoOptions& options() const noexcept { return m_options; }
  const ScenarioInfo& info() const noexcept { return m_info; }
  std::vector<DemoIntegration>& integrations() noexcept { return m_integrations; }
  const std::vector<DemoIntegration>& integrations() const noexcept { return m_integrations; }
  int day() const noexcept { return m_day; }
  // Midnight (UTC) of day `day`, day options().days - 1 being options().end's date.
  time::TimePoint day_start(int day) const;
  // `ms_into_day` after the start of `day`. On the last day the day's timeline is compressed into
  // the hours up to DemoOptions::end, in order, so that nothing is stamped after the demo ran.
  time::TimePoint moment(int day, int64_t ms_into_day) const;
  // `ms` after `from`, but never after DemoOptions::end.
  time::TimePoint after(time::TimePoint from, int64_t ms) const;

  // Moves to the next day: failing checks get fixed (more often the more severe, and more
  // often as the programme matures), passing ones sometimes drift, new resources appear.
  // Returns what changed.
  std::vector<DemoChange> advance();
  // The random numbers of this history, for the writer's own choices (run times, failures).
  DemoRandom& random() noexcept { return m_random; }

  // True when `resource` exists on the current day.
  bool exists(const DemoResource& resource) const noexcept {
    return resource.appears_on_day <= m_day;
  }
  // Failing and passing checks of every existing resource today, by check id.
  struct CheckTally {
    int pass = 0;
    int fail = 0;
  };
  std::map<std::string, CheckTally, std::less<>> tally() const;

private:
  DemoOptions m_options;
  ScenarioInfo m_info;
  DemoRandom m_random;
  std::vector<DemoIntegration> m_integrations;
  int m_day = 0;
};

// The self-assessment answers on the current day of `world`, from the scenario's maturity,
// improving with time (`progress` 0 at the start, 1 at the end). Checks do not answer
// questions: their results count for the controls they test on their own. Deterministic for the
// world's seed and day.
Answers demo_answers(const Questionnaire& questionnaire, const DemoWorld& world, double progress);

// Builds the accounts and resources of a scenario (src/compliance/demo_resources.cpp) from the
// check catalogue: every check of each account's platform goes on resources of the kind it
// judges. UsageError when `checks` has no check of a platform the scenario connects.
std::vector<DemoIntegration> build_demo_integrations(const ScenarioInfo& info, DemoRandom& random,
                                                     const CheckCatalogue& checks);
// Picks the resources created during a history of `days` (they exist from their day on).
void schedule_demo_drift(std::vector<DemoIntegration>& integrations, int days, DemoRandom& random);

} // namespace velocity::compliance
