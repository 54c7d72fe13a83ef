// The built-in check catalogue against the checks the providers evaluate: the build-time check
// that every evaluator has an entry and every entry an evaluator, and that the shipped mappings
// keep the properties their review established.

#include <velocity/compliance/library.hpp>
#include <velocity/providers/aws/provider.hpp>
#include <velocity/providers/azure/provider.hpp>
#include <velocity/providers/gcp/provider.hpp>
#include <velocity/providers/github/provider.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

using namespace velocity;

namespace {

std::vector<const providers::Platform*> every_platform() {
  return {&providers::aws::platform(), &providers::gcp::platform(), &providers::azure::platform(),
          &providers::github::platform()};
}

std::vector<compliance::Evaluator> every_evaluator() {
  std::vector<compliance::Evaluator> evaluators;
  for (const providers::Platform* platform : every_platform()) {
    for (const providers::CheckInfo& check : platform->checks) {
      evaluators.push_back({platform->name, check.id, check.evidence_type});
    }
  }
  return evaluators;
}

bool maps_to(const compliance::Check& check, std::string_view framework, std::string_view control) {
  for (const compliance::CheckControl& mapped : check.controls_in(framework)) {
    if (mapped.id == control) {
      return true;
    }
  }
  return false;
}

} // namespace

TEST_CASE("the built-in check catalogue") {
  compliance::Library library = compliance::Library::built_in();
  const compliance::CheckCatalogue& catalogue = library.checks();

  SUBCASE("describes exactly the checks the providers evaluate") {
    CHECK_NOTHROW(library.validate_checks(every_evaluator()));
    CHECK(catalogue.checks.size() == every_evaluator().size());
  }
  SUBCASE("each platform declares evidence types it collects") {
    for (const providers::Platform* platform : every_platform()) {
      std::set<std::string> ids;
      for (const providers::CheckInfo& check : platform->checks) {
        CAPTURE(check.id);
        CHECK(ids.insert(check.id).second);
        CHECK(platform->find_type(check.evidence_type) != nullptr);
      }
    }
  }
  SUBCASE("every check tests at least one control, each with its reason") {
    for (const compliance::Check& check : catalogue.checks) {
      CAPTURE(check.id);
      CHECK(!library.controls_for_check(check.id).empty());
      for (const compliance::CheckMapping& mapping : library.controls_for_check(check.id)) {
        CHECK(!mapping.why.empty());
      }
    }
  }
  SUBCASE("a CIS recommendation named under references is mapped in the shipped benchmark") {
    for (const compliance::Check& check : catalogue.checks) {
      if (!check.references.cis) {
        continue;
      }
      CAPTURE(check.id);
      const auto benchmark = std::find_if(
        library.framework_ids().begin(), library.framework_ids().end(),
        [&](const std::string& id) { return id.starts_with("cis-" + check.platform + "-"); });
      REQUIRE(benchmark != library.framework_ids().end());
      CHECK(
        check.references.cis->benchmark.ends_with(" v" + library.framework(*benchmark).version));
      for (const std::string& recommendation : check.references.cis->recommendations) {
        CAPTURE(recommendation);
        CHECK(maps_to(check, *benchmark, recommendation));
      }
    }
  }
  SUBCASE("no check counts for a control it does not test") {
    // The mappings the common-control route used to spread, which reviewers rejected.
    for (const compliance::Check& check : catalogue.checks) {
      CAPTURE(check.id);
      CHECK_FALSE(maps_to(check, "iso27001", "A.8.17")); // clock synchronisation
      CHECK_FALSE(maps_to(check, "cis-v8", "8.4"));      // time synchronisation
      CHECK_FALSE(maps_to(check, "soc2", "CC3.4"));      // changes in the business environment
      for (const compliance::CheckControl& control : check.controls_in("pci-dss")) {
        CHECK_FALSE(control.id.starts_with("10.6")); // time synchronisation
      }
    }
    const compliance::Check* trail = catalogue.find("aws_cloudtrail_logging_on");
    REQUIRE(trail != nullptr);
    CHECK(maps_to(*trail, "iso27001", "A.8.15"));
    const compliance::Check* reviews =
      catalogue.find("github_repository_default_branch_dismisses_stale_reviews");
    REQUIRE(reviews != nullptr);
    CHECK(maps_to(*reviews, "soc2", "CC8.1"));
  }
}
