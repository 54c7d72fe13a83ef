// AWS responses (query, ec2 and rest-xml protocols): every parser velocity has for them.
#include "fuzz_support.hpp"

#include <velocity/providers/aws/parse.hpp>

using namespace velocity;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = fuzz::as_text(data, size);
  namespace aws = providers::aws;
  fuzz::refuse_cleanly([&] { aws::parse_caller_identity(body); });
  fuzz::refuse_cleanly([&] { aws::parse_assume_role(body); });
  fuzz::refuse_cleanly([&] { aws::parse_regions(body); });
  fuzz::refuse_cleanly([&] { aws::parse_account_summary(body); });
  fuzz::refuse_cleanly([&] { aws::parse_password_policy(body); });
  fuzz::refuse_cleanly([&] { aws::parse_users(body); });
  fuzz::refuse_cleanly([&] { aws::parse_mfa_devices(body); });
  fuzz::refuse_cleanly([&] { aws::parse_access_keys(body); });
  fuzz::refuse_cleanly([&] { aws::parse_access_key_last_used(body); });
  fuzz::refuse_cleanly([&] { aws::parse_login_profile(body); });
  fuzz::refuse_cleanly([&] { aws::parse_attached_policies(body); });
  fuzz::refuse_cleanly([&] { aws::parse_policies(body); });
  fuzz::refuse_cleanly([&] { aws::parse_policy_document(body); });
  fuzz::refuse_cleanly([&] { aws::parse_security_groups(body); });
  fuzz::refuse_cleanly([&] { aws::parse_buckets(body); });
  fuzz::refuse_cleanly([&] { aws::parse_bucket_encryption(body); });
  fuzz::refuse_cleanly([&] { aws::parse_public_access_block(body); });
  fuzz::refuse_cleanly([&] { aws::parse_bucket_versioning(body); });
  fuzz::refuse_cleanly([&] { aws::parse_xml_tree(body, "DescribeInstancesResponse"); });
  fuzz::refuse_cleanly([&] { aws::parse_xml_tree(body, "DescribeAlarmsResponse"); });
  fuzz::refuse_cleanly([&] { aws::parse_json_object(body); });
  aws::url_decode(body);
  return 0;
}
