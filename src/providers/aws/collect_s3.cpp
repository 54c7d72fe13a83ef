// The `encryption_status` evidence type: every S3 bucket with its default encryption, public
// access block, versioning (and MFA delete) and bucket policy, each asked in the bucket's own
// region, and the account's own public access block (S3 Control), which each bucket's evidence
// carries too, since it protects every bucket the bucket's block leaves open.

#include "collect.hpp"

#include <velocity/net/http.hpp>
#include <velocity/providers/aws/parse.hpp>

#include <map>

namespace velocity::providers::aws {

namespace {

struct Bucket {
  nlohmann::json data;
  Sources sources;
};

// Answers that mean "this bucket has no such configuration": evidence, not an error.
bool is_missing_configuration(const CallResult& result) {
  const std::string& code = result.error->code;
  return code == "ServerSideEncryptionConfigurationNotFoundError" ||
         code == "NoSuchPublicAccessBlockConfiguration" || code == "NoSuchBucketPolicy";
}

class BucketCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    const std::string region = run.account().home_region;
    run.call(s3control_call("GetAccountPublicAccessBlock", region, run.account().id,
                            "/v20180820/configuration/publicAccessBlock"),
             [this, &run](CallResult& result) {
               if (!result.ok() && result.error->code == "NoSuchPublicAccessBlockConfiguration") {
                 result.expected = true; // none set: nothing blocked at the account level
                 m_account_block = nullptr;
                 m_account_sources.add(result);
                 return;
               }
               if (!result.ok()) {
                 m_account_block_known = false;
                 return run.unexpected(result);
               }
               m_account_block = parse_public_access_block(result.body);
               m_account_sources.add(result);
             });
    paginate(
      run,
      [region](const std::optional<std::string>& token) {
        return s3_call("ListBuckets", region, "",
                       token ? "continuation-token=" + uri_encode(*token, SlashEncoding::encode)
                             : std::string());
      },
      [this, &run](CallResult& result) -> std::optional<std::string> {
        if (!result.ok()) {
          run.unexpected(result);
          return std::nullopt;
        }
        Page page = parse_buckets(result.body);
        for (nlohmann::json& bucket : page.items) {
          add_bucket(run, std::move(bucket), result);
        }
        return page.next;
      });
  }

  void finish(TypeRun& run) override {
    if (m_account_block_known) {
      run.add_evidence(
        run.account().id, "",
        {{"kind", "account_public_access_block"}, {"public_access_block", m_account_block}},
        m_account_sources);
    }
    for (const std::string& name : m_order) {
      Bucket& bucket = m_buckets[name];
      if (bucket.data.value("gone", false)) {
        continue;
      }
      bucket.data["account_public_access_block"] =
        m_account_block_known ? m_account_block : nlohmann::json("unknown");
      const std::string region = bucket.data.value("region", "");
      run.add_evidence(name, region, std::move(bucket.data), bucket.sources);
    }
  }

private:
  void add_bucket(TypeRun& run, nlohmann::json item, const CallResult& listed) {
    const std::string name = item.value("name", "");
    std::string region = item.value("region", "");
    if (region.empty()) {
      region = run.account().home_region;
      item["region"] = region;
    }
    item["kind"] = "bucket";
    item["encryption"] = nullptr;
    item["public_access_block"] = nullptr;
    item["versioning"] = nullptr;
    item["policy"] = nullptr;
    item["unknown"] = nlohmann::json::array();
    Bucket& bucket = m_buckets[name];
    bucket.data = std::move(item);
    bucket.sources.add(listed);
    m_order.push_back(name);
    ask(run, name, region, "GetBucketEncryption", "encryption", "encryption",
        parse_bucket_encryption);
    ask(run, name, region, "GetPublicAccessBlock", "publicAccessBlock", "public_access_block",
        parse_public_access_block);
    ask(run, name, region, "GetBucketVersioning", "versioning", "versioning",
        parse_bucket_versioning);
    ask(run, name, region, "GetBucketPolicy", "policy", "policy", parse_json_object);
  }

  void ask(TypeRun& run, const std::string& name, const std::string& region, const char* operation,
           const char* sub_resource, const char* field, nlohmann::json (*parse)(std::string_view),
           bool redirected = false) {
    run.call(
      s3_call(operation, region, name, sub_resource),
      [this, &run, name, operation, sub_resource, field, parse, redirected](CallResult& result) {
        Bucket& bucket = m_buckets[name];
        if (!result.ok()) {
          // A bucket in another region: S3 says where with a 301 and a header.
          if (result.status == 301 && !redirected) {
            for (const auto& [header, value] : result.headers) {
              if (net::iequals(header, "x-amz-bucket-region") && !value.empty()) {
                result.expected = true;
                bucket.data["region"] = value;
                ask(run, name, value, operation, sub_resource, field, parse, true);
                return;
              }
            }
          }
          if (result.error->code == "NoSuchBucket") {
            result.expected = true; // deleted since it was listed
            bucket.data["gone"] = true;
            return;
          }
          if (is_missing_configuration(result)) {
            result.expected = true;
            bucket.sources.add(result);
            return;
          }
          // Not known, rather than absent: the checks reading it are not evaluated.
          bucket.data["unknown"].push_back(field);
          return run.unexpected(result);
        }
        bucket.data[field] = parse(result.body);
        bucket.sources.add(result);
      });
  }

  std::map<std::string, Bucket> m_buckets;
  std::vector<std::string> m_order;
  nlohmann::json m_account_block;
  Sources m_account_sources;
  bool m_account_block_known = true;
};

} // namespace

std::unique_ptr<Collector> make_bucket_collector() {
  return std::make_unique<BucketCollector>();
}

} // namespace velocity::providers::aws
