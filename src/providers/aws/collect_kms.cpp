// The `kms_keys` evidence type: every KMS key of every enabled region with what DescribeKey says
// of it, and the rotation status of the keys rotation applies to.

#include "checks_support.hpp"
#include "collect.hpp"

#include <velocity/providers/aws/parse.hpp>

namespace velocity::providers::aws {

namespace {

constexpr std::string_view k_kms_target = "TrentService";

// Automatic rotation exists for enabled, customer-managed symmetric keys whose material KMS made.
bool rotation_applies(const nlohmann::json& key) {
  const std::string spec =
    key.contains("KeySpec") ? str(key, "KeySpec") : str(key, "CustomerMasterKeySpec");
  return str(key, "KeyManager") == "CUSTOMER" && spec == "SYMMETRIC_DEFAULT" &&
         str(key, "KeyState") == "Enabled" && str(key, "Origin") == "AWS_KMS";
}

class KmsKeyCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    paginate_regions(
      run,
      [](const std::string& region, const std::optional<std::string>& token) {
        nlohmann::json body = {{"Limit", 1000}};
        if (token) {
          body["Marker"] = *token;
        }
        return json_call("kms", "ListKeys", region, k_kms_target, body);
      },
      [&run](const std::string& region, CallResult& result) -> std::optional<std::string> {
        const nlohmann::json answer = parse_json_object(result.body);
        for (const nlohmann::json& key : list_at(answer, "Keys")) {
          describe(run, region, str(key, "KeyId"), result);
        }
        return flag(answer, "Truncated") && answer.contains("NextMarker")
                 ? std::optional<std::string>(str(answer, "NextMarker"))
                 : std::nullopt;
      });
  }

  void finish(TypeRun&) override {}

private:
  static void describe(TypeRun& run, const std::string& region, const std::string& id,
                       const CallResult& listed) {
    auto sources = std::make_shared<Sources>();
    sources->add(listed);
    run.call(json_call("kms", "DescribeKey", region, k_kms_target, {{"KeyId", id}}),
             [&run, region, id, sources](CallResult& result) {
               if (!result.ok()) {
                 return run.unexpected(result);
               }
               const nlohmann::json metadata =
                 parse_json_object(result.body).value("KeyMetadata", nlohmann::json::object());
               sources->add(result);
               nlohmann::json data = {{"kind", "kms_key"},
                                      {"key_id", id},
                                      {"arn", str(metadata, "Arn")},
                                      {"manager", str(metadata, "KeyManager")},
                                      {"state", str(metadata, "KeyState")},
                                      {"spec", metadata.contains("KeySpec")
                                                 ? str(metadata, "KeySpec")
                                                 : str(metadata, "CustomerMasterKeySpec")},
                                      {"origin", str(metadata, "Origin")},
                                      {"rotation_applies", rotation_applies(metadata)},
                                      {"rotation_enabled", nullptr}};
               if (!data["rotation_applies"].get<bool>()) {
                 return run.add_evidence(id, region, std::move(data), *sources);
               }
               run.call(
                 json_call("kms", "GetKeyRotationStatus", region, k_kms_target, {{"KeyId", id}}),
                 [&run, region, id, sources, data](CallResult& rotation) mutable {
                   if (!rotation.ok()) {
                     return run.unexpected(rotation);
                   }
                   sources->add(rotation);
                   data["rotation_enabled"] =
                     flag(parse_json_object(rotation.body), "KeyRotationEnabled");
                   run.add_evidence(id, region, std::move(data), *sources);
                 });
             });
  }
};

} // namespace

std::unique_ptr<Collector> make_kms_key_collector() {
  return std::make_unique<KmsKeyCollector>();
}

} // namespace velocity::providers::aws
