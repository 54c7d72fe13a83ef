#include <velocity/compliance/demo.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace velocity::compliance {

namespace {

constexpr int64_t k_day_ms = 24LL * 60 * 60 * 1000;

// FNV-1a, to give each common control its own stable random stream.
uint64_t fnv1a(std::string_view text) {
  uint64_t hash = 1469598103934665603ULL;
  for (const char c : text) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

// How likely a failing check is fixed on a given day: severe findings get attention first.
double fix_rate(store::Severity severity) {
  switch (severity) {
  case store::Severity::critical:
    return 0.30;
  case store::Severity::high:
    return 0.16;
  case store::Severity::medium:
    return 0.08;
  case store::Severity::low:
    break;
  }
  return 0.04;
}

// How likely a check fails at the start: critical ones are rarer (people notice those).
double initial_fail_factor(store::Severity severity) {
  switch (severity) {
  case store::Severity::critical:
    return 0.5;
  case store::Severity::high:
    return 0.9;
  case store::Severity::medium:
    return 1.2;
  case store::Severity::low:
    break;
  }
  return 1.5;
}

constexpr double k_drift_rate = 0.004;      // a passing check breaks, per check per day
constexpr double k_new_resource_fail = 0.6; // a check of a new, hand-made resource fails

} // namespace

uint64_t DemoRandom::next() {
  m_state += 0x9e3779b97f4a7c15ULL;
  uint64_t z = m_state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double DemoRandom::unit() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

int64_t DemoRandom::between(int64_t low, int64_t high) {
  const auto span = static_cast<uint64_t>(high - low) + 1;
  return low + static_cast<int64_t>(next() % span);
}

const std::vector<ScenarioInfo>& scenarios() {
  static const std::vector<ScenarioInfo> list = {
    {Scenario::startup_soc2,
     "startup-soc2",
     "Acme Cloud: a 40-person SaaS startup preparing for its first SOC 2 Type II",
     {"soc2"},
     "type2",
     OrgSize::small,
     0.35,
     0.30},
    {Scenario::healthcare_hipaa,
     "healthcare-hipaa",
     "Northwind Health: a telehealth provider storing PHI, working towards HIPAA",
     {"hipaa"},
     "",
     OrgSize::medium,
     0.30,
     0.40},
    {Scenario::fintech_pci,
     "fintech-pci",
     "Ledgerly: a payments platform with a cardholder data environment in scope for PCI DSS",
     {"pci-dss"},
     "",
     OrgSize::medium,
     0.22,
     0.50},
    {Scenario::enterprise_iso27001,
     "enterprise-iso27001",
     "Globex: a 2,000-person enterprise certifying ISO 27001 with GDPR obligations",
     {"iso27001", "gdpr"},
     "",
     OrgSize::large,
     0.15,
     0.60},
  };
  return list;
}

std::optional<Scenario> parse_scenario(std::string_view name) {
  for (const ScenarioInfo& info : scenarios()) {
    if (info.name == name) {
      return info.id;
    }
  }
  return std::nullopt;
}

const ScenarioInfo& scenario_info(Scenario scenario) {
  for (const ScenarioInfo& info : scenarios()) {
    if (info.id == scenario) {
      return info;
    }
  }
  return scenarios().front();
}

std::string demo_org_name(Scenario scenario) {
  return fmt::format("demo-{}", scenario_info(scenario).name);
}

void validate(const DemoOptions& options) {
  if (options.days < 1 || options.days > DemoOptions::k_max_days) {
    throw UsageError(fmt::format("--days {} is out of range", options.days),
                     fmt::format("give 1 to {} days of history", DemoOptions::k_max_days));
  }
}

DemoWorld::DemoWorld(const DemoOptions& options, const CheckCatalogue& checks)
  : m_options(options),
    m_info(scenario_info(options.scenario)),
    m_random(options.seed) {
  validate(options);
  m_integrations = build_demo_integrations(m_info, m_random, checks);
  for (DemoIntegration& integration : m_integrations) {
    // In a short history every account is connected by the last day.
    integration.connected_on_day = std::min(integration.connected_on_day, options.days - 1);
  }
  schedule_demo_drift(m_integrations, options.days, m_random);
  for (DemoIntegration& integration : m_integrations) {
    for (DemoResource& resource : integration.resources) {
      const double share =
        resource.appears_on_day > 0 ? k_new_resource_fail : m_info.initial_failure_share;
      for (DemoCheck& check : resource.checks) {
        const double factor =
          resource.appears_on_day > 0 ? 1.0 : initial_fail_factor(check.severity);
        check.failing = m_random.chance(std::min(0.95, share * factor));
      }
    }
  }
}

time::TimePoint DemoWorld::day_start(int day) const {
  const int64_t end_ms = time::to_unix_ms(m_options.end);
  const int64_t end_midnight = end_ms - ((end_ms % k_day_ms) + k_day_ms) % k_day_ms;
  return time::from_unix_ms(end_midnight -
                            static_cast<int64_t>(m_options.days - 1 - day) * k_day_ms);
}

time::TimePoint DemoWorld::moment(int day, int64_t ms_into_day) const {
  const int64_t start_ms = time::to_unix_ms(day_start(day));
  const int64_t end_ms = time::to_unix_ms(m_options.end);
  if (start_ms + k_day_ms <= end_ms) {
    return time::from_unix_ms(start_ms + ms_into_day);
  }
  const int64_t elapsed = std::max<int64_t>(0, end_ms - start_ms);
  return time::from_unix_ms(start_ms + ms_into_day * elapsed / k_day_ms);
}

time::TimePoint DemoWorld::after(time::TimePoint from, int64_t ms) const {
  return time::from_unix_ms(std::min(time::to_unix_ms(from) + ms, time::to_unix_ms(m_options.end)));
}

std::vector<DemoChange> DemoWorld::advance() {
  ++m_day;
  std::vector<DemoChange> changes;
  // The programme gets into its stride: fixes come faster as the history goes on.
  const double progress =
    m_options.days > 1 ? static_cast<double>(m_day) / (m_options.days - 1) : 1.0;
  for (DemoIntegration& integration : m_integrations) {
    if (m_day < integration.connected_on_day) {
      continue;
    }
    for (DemoResource& resource : integration.resources) {
      if (resource.appears_on_day == m_day) {
        changes.push_back(
          {m_day, DemoChangeKind::new_resource, integration.name, resource.resource_id, ""});
        continue;
      }
      if (!exists(resource)) {
        continue;
      }
      for (DemoCheck& check : resource.checks) {
        if (check.failing && m_random.chance(fix_rate(check.severity) * (0.5 + progress))) {
          check.failing = false;
          changes.push_back(
            {m_day, DemoChangeKind::remediation, integration.name, resource.resource_id, check.id});
        } else if (!check.failing && m_random.chance(k_drift_rate)) {
          check.failing = true;
          changes.push_back(
            {m_day, DemoChangeKind::drift, integration.name, resource.resource_id, check.id});
        }
      }
    }
  }
  return changes;
}

std::map<std::string, DemoWorld::CheckTally, std::less<>> DemoWorld::tally() const {
  std::map<std::string, CheckTally, std::less<>> counts;
  for (const DemoIntegration& integration : m_integrations) {
    if (m_day < integration.connected_on_day) {
      continue;
    }
    for (const DemoResource& resource : integration.resources) {
      if (!exists(resource)) {
        continue;
      }
      for (const DemoCheck& check : resource.checks) {
        CheckTally& tally = counts[check.id];
        (check.failing ? tally.fail : tally.pass) += 1;
      }
    }
  }
  return counts;
}

nlohmann::json demo_payload(const DemoResource& resource) {
  nlohmann::json settings = nlohmann::json::object();
  for (const DemoCheck& check : resource.checks) {
    settings[check.id] = {{"tests", check.title}, {"in_place", !check.failing}};
  }
  return {{"resource", resource.name},
          {"resource_id", resource.resource_id},
          {"region", resource.region},
          {"made_up", true},
          {"settings", settings}};
}

Answers demo_answers(const Questionnaire& questionnaire, const DemoWorld& world, double progress) {
  const ScenarioInfo& info = world.info();
  const Scope scope{info.frameworks, info.variant};
  // The share of controls in place grows from the scenario's start towards 90 %.
  const double yes_share =
    info.initial_yes_share + (0.9 - info.initial_yes_share) * std::clamp(progress, 0.0, 1.0);
  Answers answers;
  for (const CommonControl* control : questions_for(questionnaire, info.frameworks)) {
    // One fixed draw per control and seed: a control in place stays in place as the share grows.
    DemoRandom draw(world.options().seed ^ fnv1a(control->id));
    const double standing = draw.unit();
    const double applicability = draw.unit();
    const double operating_draw = draw.unit();
    Answer answer;
    if (applicability < 0.03) {
      answer.design = AnswerValue::not_applicable;
      answer.note = "not applicable to this organisation";
    } else {
      answer.design = standing < yes_share          ? AnswerValue::yes
                      : standing < yes_share + 0.15 ? AnswerValue::partially
                                                    : AnswerValue::no;
      if (answer.design == AnswerValue::yes) {
        answer.evidence = "policy document and ticket history";
      }
    }
    if (asks_operating(*control, scope, answer.design)) {
      // Early in the observation period some controls in place have not run long enough.
      answer.operating =
        operating_draw < 0.25 * (1.0 - progress) ? AnswerValue::partially : *answer.design;
    }
    answers.emplace(control->id, std::move(answer));
  }
  return answers;
}

} // namespace velocity::compliance
