// The `databases` evidence type: every RDS DB instance of every enabled region, with the
// settings the benchmark reads (storage encryption, minor version upgrades, public access,
// Multi-AZ).

#include "collect.hpp"

#include <velocity/providers/aws/parse_storage.hpp>

namespace velocity::providers::aws {

namespace {

constexpr std::string_view k_rds_version = "2014-10-31";

class DbInstanceCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    paginate_regions(
      run,
      [](const std::string& region, const std::optional<std::string>& marker) {
        std::vector<std::pair<std::string, std::string>> params = {{"MaxRecords", "100"}};
        if (marker) {
          params.emplace_back("Marker", *marker);
        }
        return query_call("rds", "DescribeDBInstances", region, std::string(k_rds_version),
                          std::move(params));
      },
      [&run](const std::string& region, CallResult& result) -> std::optional<std::string> {
        Page page = parse_db_instances(result.body);
        Sources sources;
        sources.add(result);
        for (nlohmann::json& instance : page.items) {
          instance["kind"] = "db_instance";
          const std::string id = instance.value("id", "");
          run.add_evidence(id, region, std::move(instance), sources);
        }
        return page.next;
      });
  }

  void finish(TypeRun&) override {}
};

} // namespace

std::unique_ptr<Collector> make_db_instance_collector() {
  return std::make_unique<DbInstanceCollector>();
}

} // namespace velocity::providers::aws
