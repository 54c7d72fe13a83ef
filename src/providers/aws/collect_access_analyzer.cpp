// The `access_analyzers` evidence type: the IAM Access Analyzer analyzers of each enabled region,
// one evidence item per region (the benchmark wants an active analyzer in every region).

#include "checks_support.hpp"
#include "collect.hpp"

#include <velocity/net/http.hpp>
#include <velocity/providers/aws/parse.hpp>

#include <map>

namespace velocity::providers::aws {

namespace {

struct Region {
  nlohmann::json analyzers = nlohmann::json::array();
  Sources sources;
  bool complete = false;
};

class AccessAnalyzerCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    for (const std::string& region : run.account().regions) {
      m_order.push_back(region);
      paginate(
        run,
        [region](const std::optional<std::string>& token) {
          return rest_json_call("access-analyzer", "ListAnalyzers", region, "/analyzer",
                                token ? "nextToken=" + uri_encode(*token, SlashEncoding::encode)
                                      : std::string());
        },
        [this, &run, region](CallResult& result) -> std::optional<std::string> {
          if (!result.ok()) {
            run.unexpected(result);
            return std::nullopt;
          }
          const nlohmann::json answer = parse_json_object(result.body);
          Region& target = m_regions[region];
          for (const nlohmann::json& analyzer :
               answer.value("analyzers", nlohmann::json::array())) {
            target.analyzers.push_back({{"name", str(analyzer, "name")},
                                        {"arn", str(analyzer, "arn")},
                                        {"type", str(analyzer, "type")},
                                        {"status", str(analyzer, "status")}});
          }
          target.sources.add(result);
          const std::string next = str(answer, "nextToken");
          target.complete = next.empty();
          return next.empty() ? std::nullopt : std::optional<std::string>(next);
        });
    }
  }

  void finish(TypeRun& run) override {
    for (const std::string& region : m_order) {
      Region& target = m_regions[region];
      if (!target.complete) {
        continue; // not answered: nothing is said about the region
      }
      run.add_evidence(region, region,
                       {{"kind", "access_analyzer_region"},
                        {"region", region},
                        {"analyzers", std::move(target.analyzers)}},
                       target.sources);
    }
  }

private:
  std::map<std::string, Region> m_regions;
  std::vector<std::string> m_order;
};

} // namespace

std::unique_ptr<Collector> make_access_analyzer_collector() {
  return std::make_unique<AccessAnalyzerCollector>();
}

} // namespace velocity::providers::aws
