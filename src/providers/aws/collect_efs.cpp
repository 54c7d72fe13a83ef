// The `file_systems` evidence type: every EFS file system of every enabled region, with whether
// it is encrypted at rest.

#include "checks_support.hpp"
#include "collect.hpp"

#include <velocity/net/http.hpp>
#include <velocity/providers/aws/parse.hpp>

namespace velocity::providers::aws {

namespace {

class FileSystemCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    paginate_regions(
      run,
      [](const std::string& region, const std::optional<std::string>& marker) {
        return rest_json_call(
          "elasticfilesystem", "DescribeFileSystems", region, "/2015-02-01/file-systems",
          marker ? "Marker=" + uri_encode(*marker, SlashEncoding::encode) : std::string());
      },
      [&run](const std::string& region, CallResult& result) -> std::optional<std::string> {
        const nlohmann::json answer = parse_json_object(result.body);
        Sources sources;
        sources.add(result);
        for (const nlohmann::json& file_system :
             answer.value("FileSystems", nlohmann::json::array())) {
          const std::string id = str(file_system, "FileSystemId");
          run.add_evidence(id, region,
                           {{"kind", "file_system"},
                            {"id", id},
                            {"name", str(file_system, "Name")},
                            {"encrypted", field(file_system, "Encrypted") == true},
                            {"kms_key_id", str(file_system, "KmsKeyId")}},
                           sources);
        }
        const std::string next = str(answer, "NextMarker");
        return next.empty() ? std::nullopt : std::optional<std::string>(next);
      });
  }

  void finish(TypeRun&) override {}
};

} // namespace

std::unique_ptr<Collector> make_file_system_collector() {
  return std::make_unique<FileSystemCollector>();
}

} // namespace velocity::providers::aws
