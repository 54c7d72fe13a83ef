#include <velocity/compliance/config.hpp>
#include <velocity/compliance/roi.hpp>
#include <velocity/core/error.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace velocity;
using namespace velocity::compliance;

namespace {

const std::vector<std::string> k_known = {"soc2", "iso27001", "hipaa", "pci-dss", "gdpr"};

RoiInputs medium_soc2_iso() {
  RoiInputs inputs;
  inputs.size = OrgSize::medium;
  inputs.frameworks = {"soc2", "iso27001"};
  return inputs;
}

std::string validation_message(const RoiInputs& inputs) {
  try {
    validate(inputs, k_known);
  } catch (const UsageError& e) {
    return e.what();
  }
  return {};
}

} // namespace

TEST_CASE("compute_roi") {
  SUBCASE("the issue's defaults for a medium organisation with two frameworks") {
    RoiInputs inputs = medium_soc2_iso();
    inputs.annual_cost = Assumption{60'000, Origin::flag, {}};
    validate(inputs, k_known);
    const RoiResult result = compute_roi(inputs);
    // 160 h x 90 % = 144 h; x $150 = $21,600 a month; x 12 = $259,200.
    CHECK(result.manual_hours_per_month == doctest::Approx(160));
    CHECK(result.hours_saved_per_month == doctest::Approx(144));
    CHECK(result.monthly_time_savings == doctest::Approx(21'600));
    CHECK(result.annual_time_savings == doctest::Approx(259'200));
    // $50,000 x 2 frameworks x 60 % = $60,000.
    CHECK(result.annual_audit_savings == doctest::Approx(60'000));
    // $4,450,000 x 70 % x 1 % = $31,150.
    CHECK(result.risk_reduction_value == doctest::Approx(31'150));
    // 259,200 + 60,000 + 31,150 = 350,350.
    CHECK(result.total_annual_value == doctest::Approx(350'350));
    REQUIRE(result.roi_percent);
    // (350,350 - 60,000) / 60,000 = 4.839166... = 483.92 %.
    CHECK(*result.net_annual_value == doctest::Approx(290'350));
    CHECK(*result.roi_percent == doctest::Approx(483.916667).epsilon(1e-6));
    // 60,000 / (350,350 / 12) = 60,000 / 29,195.8333 = 2.0551 months.
    REQUIRE(result.payback_months);
    CHECK(*result.payback_months == doctest::Approx(2.055087).epsilon(1e-6));
  }

  SUBCASE("small and large use 80 and 320 hours") {
    RoiInputs inputs = medium_soc2_iso();
    inputs.frameworks = {"soc2"};
    inputs.size = OrgSize::small;
    RoiResult result = compute_roi(inputs);
    // 80 x 0.9 x 150 x 12 = 129,600; + 50,000 x 0.6 = 30,000; + 31,150 = 190,750.
    CHECK(result.annual_time_savings == doctest::Approx(129'600));
    CHECK(result.total_annual_value == doctest::Approx(190'750));
    inputs.size = OrgSize::large;
    result = compute_roi(inputs);
    // 320 x 0.9 x 150 x 12 = 518,400; + 30,000 + 31,150 = 579,550.
    CHECK(result.annual_time_savings == doctest::Approx(518'400));
    CHECK(result.total_annual_value == doctest::Approx(579'550));
  }

  SUBCASE("every assumption changes the result") {
    RoiInputs inputs = medium_soc2_iso();
    inputs.frameworks = {"soc2", "iso27001", "hipaa"};
    inputs.manual_hours = Assumption{100, Origin::flag, {}};
    inputs.automation_share.set(50, Origin::flag);
    inputs.hourly_rate.set(200, Origin::flag);
    inputs.audit_cost.set(40'000, Origin::flag);
    inputs.audit_reduction.set(25, Origin::flag);
    inputs.breach_cost.set(1'000'000, Origin::flag);
    inputs.risk_reduction.set(50, Origin::flag);
    inputs.breach_probability.set(10, Origin::flag);
    inputs.annual_cost = Assumption{120'000, Origin::flag, {}};
    validate(inputs, k_known);
    const RoiResult result = compute_roi(inputs);
    // 100 h x 50 % = 50 h; x 200 = 10,000 a month; 120,000 a year.
    CHECK(result.hours_saved_per_month == doctest::Approx(50));
    CHECK(result.monthly_time_savings == doctest::Approx(10'000));
    CHECK(result.annual_time_savings == doctest::Approx(120'000));
    // 40,000 x 3 x 25 % = 30,000.
    CHECK(result.annual_audit_savings == doctest::Approx(30'000));
    // 1,000,000 x 50 % x 10 % = 50,000.
    CHECK(result.risk_reduction_value == doctest::Approx(50'000));
    // 120,000 + 30,000 + 50,000 = 200,000; ROI (200,000 - 120,000) / 120,000 = 66.67 %.
    CHECK(result.total_annual_value == doctest::Approx(200'000));
    CHECK(*result.roi_percent == doctest::Approx(66.666667).epsilon(1e-6));
    // 120,000 / (200,000 / 12) = 7.2 months.
    CHECK(*result.payback_months == doctest::Approx(7.2));
  }

  SUBCASE("a programme costing more than it saves has a negative ROI") {
    RoiInputs inputs = medium_soc2_iso();
    inputs.annual_cost = Assumption{700'700, Origin::flag, {}};
    const RoiResult result = compute_roi(inputs);
    // (350,350 - 700,700) / 700,700 = -50 %; payback 700,700 / 29,195.83 = 24 months.
    CHECK(*result.roi_percent == doctest::Approx(-50));
    CHECK(*result.payback_months == doctest::Approx(24));
  }

  SUBCASE("no annual cost: no ROI, no payback") {
    const RoiResult result = compute_roi(medium_soc2_iso());
    CHECK(result.total_annual_value == doctest::Approx(350'350));
    CHECK_FALSE(result.annual_cost);
    CHECK_FALSE(result.roi_percent);
    CHECK_FALSE(result.payback_months);
  }

  SUBCASE("nothing saved: ROI -100 %, never pays back") {
    RoiInputs inputs = medium_soc2_iso();
    inputs.automation_share.set(0, Origin::flag);
    inputs.audit_reduction.set(0, Origin::flag);
    inputs.risk_reduction.set(0, Origin::flag);
    inputs.annual_cost = Assumption{10'000, Origin::flag, {}};
    const RoiResult result = compute_roi(inputs);
    CHECK(result.total_annual_value == doctest::Approx(0));
    CHECK(*result.roi_percent == doctest::Approx(-100));
    CHECK_FALSE(result.payback_months);
  }
}

TEST_CASE("validate") {
  SUBCASE("negative amounts name the flag and the config key") {
    RoiInputs inputs = medium_soc2_iso();
    inputs.hourly_rate.set(-5, Origin::flag);
    const std::string message = validation_message(inputs);
    CHECK(message.find("hourly rate is -5") != std::string::npos);
    CHECK(message.find("--hourly-rate") != std::string::npos);
    CHECK(message.find("'hourly_rate'") != std::string::npos);
  }

  SUBCASE("percentages above 100") {
    RoiInputs inputs = medium_soc2_iso();
    inputs.automation_share.set(120, Origin::config);
    CHECK(validation_message(inputs).find("a percentage must be 0 to 100") != std::string::npos);
  }

  SUBCASE("annual cost of 0") {
    RoiInputs inputs = medium_soc2_iso();
    inputs.annual_cost = Assumption{0, Origin::flag, {}};
    CHECK(validation_message(inputs).find("must be more than 0") != std::string::npos);
  }

  SUBCASE("unknown, repeated and missing frameworks") {
    RoiInputs inputs = medium_soc2_iso();
    inputs.frameworks = {"soc3"};
    CHECK(validation_message(inputs).find("unknown framework 'soc3' (did you mean 'soc2'?)") !=
          std::string::npos);
    inputs.frameworks = {"soc2", "soc2"};
    CHECK(validation_message(inputs).find("listed twice") != std::string::npos);
    inputs.frameworks.clear();
    CHECK(validation_message(inputs).find("no frameworks") != std::string::npos);
  }

  SUBCASE("every problem at once") {
    RoiInputs inputs = medium_soc2_iso();
    inputs.breach_cost.set(-1, Origin::flag);
    inputs.risk_reduction.set(101, Origin::flag);
    inputs.frameworks = {"nope"};
    CHECK(validation_message(inputs).find("3 problems") != std::string::npos);
  }

  SUBCASE("the defaults are valid") {
    CHECK(validation_message(medium_soc2_iso()).empty());
  }
}

// A config file read and applied as `velocity roi` does: every entry marked as from the config.
RoiInputs from_config(std::string_view text) {
  RoiInputs inputs;
  for (const ConfigEntry& entry : read_config(text, "config.yaml", k_known)) {
    apply_roi_setting(inputs, entry.key, entry.value, Origin::config,
                      "config.yaml:" + std::to_string(entry.line));
  }
  return inputs;
}

TEST_CASE("apply_roi_setting") {
  SUBCASE("a config file sets every assumption, marked as from the config") {
    const RoiInputs inputs =
      from_config("org: acme\n"
                  "size: large\n"
                  "frameworks: [soc2, hipaa]\n"
                  "manual_hours_by_size: {small: 40, medium: 100, large: 200}\n"
                  "automation_share: 75\n"
                  "hourly_rate: 120\n"
                  "audit_cost: 30000\n"
                  "audit_reduction: 50\n"
                  "breach_cost: 2000000\n"
                  "risk_reduction: 40\n"
                  "breach_probability: 5\n"
                  "annual_cost: 48000\n");
    CHECK(inputs.size == OrgSize::large);
    CHECK(inputs.size_origin == Origin::config);
    CHECK(inputs.frameworks == std::vector<std::string>{"soc2", "hipaa"});
    CHECK(inputs.effective_manual_hours().value == 200);
    CHECK(inputs.effective_manual_hours().origin == Origin::config);
    CHECK(inputs.hourly_rate.origin == Origin::config);
    CHECK(inputs.hourly_rate.note == "config.yaml:6");
    const RoiResult result = compute_roi(inputs);
    // 200 x 75 % = 150 h x 120 = 18,000 a month, 216,000 a year.
    CHECK(result.annual_time_savings == doctest::Approx(216'000));
    // 30,000 x 2 x 50 % = 30,000; 2,000,000 x 40 % x 5 % = 40,000; total 286,000.
    CHECK(result.annual_audit_savings == doctest::Approx(30'000));
    CHECK(result.risk_reduction_value == doctest::Approx(40'000));
    CHECK(result.total_annual_value == doctest::Approx(286'000));
    // (286,000 - 48,000) / 48,000 = 495.83 %; 48,000 / (286,000 / 12) = 2.014 months.
    CHECK(*result.roi_percent == doctest::Approx(495.833333).epsilon(1e-6));
    CHECK(*result.payback_months == doctest::Approx(2.013986).epsilon(1e-6));
  }

  SUBCASE("JSON works too, and manual_hours replaces the size table") {
    const RoiInputs inputs = from_config(R"({"frameworks": "soc2, gdpr", "manual_hours": 10})");
    CHECK(inputs.frameworks == std::vector<std::string>{"soc2", "gdpr"});
    CHECK(inputs.effective_manual_hours().value == 10);
  }

  SUBCASE("an empty file changes nothing") {
    const RoiInputs inputs = from_config("");
    CHECK(inputs.hourly_rate.value == 150);
    CHECK(inputs.hourly_rate.origin == Origin::built_in);
  }
}

TEST_CASE("read_config") {
  const auto message = [](std::string_view text) -> std::string {
    try {
      read_config(text, "config.yaml", k_known);
    } catch (const UsageError& e) {
      return e.what();
    }
    return {};
  };

  SUBCASE("an unknown key gets the line and the nearest key") {
    const std::string text = message("size: small\nhourly_rat: 100\n");
    CHECK(text.find("config.yaml:2:1") != std::string::npos);
    CHECK(text.find("unknown key 'hourly_rat' (did you mean 'hourly_rate'?)") != std::string::npos);
  }

  SUBCASE("bad values name the key and the line") {
    CHECK(message("size: huge\n").find("config.yaml:1:7: key 'size'") != std::string::npos);
    CHECK(message("\nhourly_rate: -5\n")
            .find("config.yaml:2:14: key 'hourly_rate': must be more "
                  "than 0, not -5") != std::string::npos);
    CHECK(message("frameworks: [soc3]\n").find("unknown framework 'soc3'") != std::string::npos);
    CHECK(message("format: xml\n").find("key 'format'") != std::string::npos);
    CHECK(message("org: [a, b]\n").find("one value, not a list") != std::string::npos);
    CHECK_FALSE(message("- a list\n").empty());
    CHECK_FALSE(message("size: [\n").empty());
  }

  SUBCASE("lists are joined as on the command line, with their line") {
    const auto entries =
      read_config("org: acme\nframeworks:\n  - soc2\n  - gdpr\n", "c.yaml", k_known);
    REQUIRE(entries.size() == 2);
    CHECK(entries[1].key == "frameworks");
    CHECK(entries[1].value == "soc2,gdpr");
    CHECK(entries[1].line == 2);
  }
}

TEST_CASE("parse_roi_number") {
  CHECK(parse_roi_number("150", false) == 150);
  CHECK(parse_roi_number("1500.5", false) == 1500.5);
  CHECK(parse_roi_number("-5", false) == -5);
  CHECK(parse_roi_number("90%", true) == 90);
  CHECK_FALSE(parse_roi_number("90%", false));
  CHECK_FALSE(parse_roi_number("abc", false));
  CHECK_FALSE(parse_roi_number("12abc", false));
  CHECK_FALSE(parse_roi_number("", false));
  CHECK_FALSE(parse_roi_number("inf", false));
  CHECK_FALSE(parse_roi_number("nan", false));
}

TEST_CASE("roi_to_json") {
  RoiInputs inputs = medium_soc2_iso();
  inputs.annual_cost = Assumption{60'000, Origin::flag, {}};
  const nlohmann::json json = roi_to_json(inputs, compute_roi(inputs));
  CHECK(json["size"]["value"] == "medium");
  CHECK(json["frameworks"]["ids"] == nlohmann::json::array({"soc2", "iso27001"}));
  CHECK(json["assumptions"]["hourly_rate"]["value"] == 150);
  CHECK(json["assumptions"]["hourly_rate"]["origin"] == "built-in");
  CHECK(json["assumptions"]["annual_cost"]["origin"] == "flag");
  CHECK(json["result"]["total_annual_value"] == 350350);
  CHECK(json["result"]["roi_percent"] == 483.92);
  CHECK(json["result"]["payback_months"] == 2.06);
  RoiInputs without_cost = medium_soc2_iso();
  const nlohmann::json no_cost = roi_to_json(without_cost, compute_roi(without_cost));
  CHECK(no_cost["result"]["roi_percent"].is_null());
  CHECK_FALSE(no_cost["assumptions"].contains("annual_cost"));
}
