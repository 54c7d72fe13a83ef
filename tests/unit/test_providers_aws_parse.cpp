// Reading successful AWS answers: moto captures, botocore's documentation samples (compared
// with what botocore parsed), and the constructed Config answer moto cannot give.

#include "fixture_files.hpp"

#include <velocity/core/fs.hpp>
#include <velocity/providers/aws/parse.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace velocity;
using namespace velocity::providers::aws;

namespace {

std::string moto(const std::string& name) {
  return read_fixture(std::string(VELOCITY_TESTDATA_DIR) + "/aws/moto-5.2.1/" + name);
}

std::string botocore(const std::string& name) {
  return read_fixture(std::string(VELOCITY_TESTDATA_DIR) + "/aws/botocore-response-parsing/" +
                      name);
}

} // namespace

TEST_CASE("parse_users") {
  SUBCASE("moto ListUsers") {
    const Page page = parse_users(moto("iam-ListUsers.xml"));
    REQUIRE(page.items.size() == 2);
    CHECK(page.items[0]["arn"].get<std::string>().starts_with("arn:aws:iam::123456789012:user/"));
    CHECK_FALSE(page.next);
  }
  SUBCASE("botocore's sample, with the parsed names") {
    const Page page = parse_users(botocore("responses.iam-list-users.xml"));
    const auto expected = nlohmann::json::parse(botocore("responses.iam-list-users.json"));
    REQUIRE(page.items.size() == expected["Users"].size());
    for (size_t i = 0; i < page.items.size(); ++i) {
      CHECK(page.items[i]["name"] == expected["Users"][i]["UserName"]);
      CHECK(page.items[i]["user_id"] == expected["Users"][i]["UserId"]);
    }
  }
  SUBCASE("a truncated page gives its Marker") {
    const Page page = parse_users(
      "<ListUsersResponse><ListUsersResult><Users><member><UserName>a</UserName></member></Users>"
      "<IsTruncated>true</IsTruncated><Marker>m2</Marker></ListUsersResult></ListUsersResponse>");
    CHECK(page.next == "m2");
  }
  SUBCASE("cut-off or foreign XML is a MalformedResponse") {
    CHECK_THROWS_AS(parse_users("<ListUsersResponse><ListUsersResult><Users>"), MalformedResponse);
    CHECK_THROWS_AS(parse_users("<Other/>"), MalformedResponse);
    CHECK_THROWS_AS(parse_users(""), MalformedResponse);
  }
}

TEST_CASE("parse_password_policy") {
  const nlohmann::json policy = parse_password_policy(moto("iam-GetAccountPasswordPolicy.xml"));
  CHECK(policy["MinimumPasswordLength"] == 14);
  CHECK(policy["PasswordReusePrevention"] == 24);
  CHECK(policy["RequireSymbols"] == true);
}

TEST_CASE("parse_policies") {
  const Page page = parse_policies(moto("iam-ListPolicies.Local.xml"));
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0]["name"] == "velocity-readonly");
  CHECK(page.items[0]["default_version"] == "v1");
}

TEST_CASE("parse_policy_document") {
  SUBCASE("URL-encoded, as IAM sends it") {
    const nlohmann::json document = parse_policy_document(
      "<GetPolicyVersionResponse><GetPolicyVersionResult><PolicyVersion><Document>"
      "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%7D%5D%7D"
      "</Document></PolicyVersion></GetPolicyVersionResult></GetPolicyVersionResponse>");
    CHECK(document["Statement"][0]["Action"] == "*");
  }
  SUBCASE("plain JSON") {
    const nlohmann::json document = parse_policy_document(
      "<GetPolicyVersionResponse><GetPolicyVersionResult><PolicyVersion><Document>"
      "{\"Statement\": {\"Effect\": \"Deny\"}}</Document></PolicyVersion></GetPolicyVersionResult>"
      "</GetPolicyVersionResponse>");
    CHECK(document["Statement"]["Effect"] == "Deny");
  }
}

TEST_CASE("parse_security_groups") {
  SUBCASE("moto: default and one open on 22") {
    const Page page = parse_security_groups(moto("ec2-DescribeSecurityGroups.xml"));
    REQUIRE(page.items.size() == 2);
    const nlohmann::json& open = page.items[1];
    CHECK(open["group_name"] == "ssh-open");
    REQUIRE(open["ingress"].size() == 1);
    CHECK(open["ingress"][0]["from_port"] == 22);
    CHECK(open["ingress"][0]["ipv4"][0] == "0.0.0.0/0");
    CHECK(page.items[0]["ingress"].empty());
  }
  SUBCASE("botocore's sample (older namespace)") {
    const Page page = parse_security_groups(botocore("responses.ec2-describe-security-groups.xml"));
    const auto expected =
      nlohmann::json::parse(botocore("responses.ec2-describe-security-groups.json"));
    REQUIRE(page.items.size() == expected["SecurityGroups"].size());
    CHECK(page.items[0]["group_id"] == expected["SecurityGroups"][0]["GroupId"]);
  }
  SUBCASE("nextToken") {
    const Page page = parse_security_groups(
      "<DescribeSecurityGroupsResponse><securityGroupInfo/><nextToken>t2</nextToken>"
      "</DescribeSecurityGroupsResponse>");
    CHECK(page.next == "t2");
  }
}

TEST_CASE("parse_buckets") {
  const Page page = parse_buckets(moto("s3-ListBuckets.xml"));
  REQUIRE(page.items.size() == 2);
  CHECK(page.items[0]["name"] == "velocity-logs");
  const Page sample = parse_buckets(botocore("responses.s3-list-buckets.xml"));
  CHECK(sample.items.size() ==
        nlohmann::json::parse(botocore("responses.s3-list-buckets.json"))["Buckets"].size());
}

TEST_CASE("parse_bucket_encryption") {
  SUBCASE("KMS (moto)") {
    const nlohmann::json encryption = parse_bucket_encryption(moto("s3-GetBucketEncryption.xml"));
    CHECK(encryption["rules"][0]["algorithm"] == "aws:kms");
    CHECK(encryption["rules"][0]["bucket_key"] == true);
  }
  SUBCASE("SSE-S3 default, as real S3 answers since 2023") {
    const nlohmann::json encryption = parse_bucket_encryption(
      read_fixture(std::string(VELOCITY_TESTDATA_DIR) +
                   "/aws/constructed/s3-GetBucketEncryption.default-SSE-S3.xml"));
    CHECK(encryption["rules"][0]["algorithm"] == "AES256");
  }
}

TEST_CASE("parse_public_access_block") {
  const nlohmann::json block = parse_public_access_block(
    "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>"
    "<IgnorePublicAcls>false</IgnorePublicAcls></PublicAccessBlockConfiguration>");
  CHECK(block["BlockPublicAcls"] == true);
  CHECK(block["IgnorePublicAcls"] == false);
  CHECK(block["RestrictPublicBuckets"] == false);
}

TEST_CASE("parse_caller_identity") {
  const nlohmann::json identity = parse_caller_identity(moto("sts-GetCallerIdentity.xml"));
  CHECK(identity["account"] == "123456789012");
  CHECK(identity["arn"] == "arn:aws:sts::123456789012:user/moto");
}

TEST_CASE("parse_json_object") {
  SUBCASE("CloudTrail and Config answers") {
    CHECK(parse_json_object(moto("cloudtrail-DescribeTrails.json"))["trailList"].size() == 1);
    const auto compliance = parse_json_object(
      read_fixture(std::string(VELOCITY_TESTDATA_DIR) +
                   "/aws/constructed/config-DescribeComplianceByConfigRule.response.json"));
    CHECK(compliance["NextToken"] == "EXAMPLE-next-token");
  }
  SUBCASE("cut-off JSON") {
    CHECK_THROWS_AS(parse_json_object("{\"trailList\": [{"), MalformedResponse);
    CHECK_THROWS_AS(parse_json_object("[]"), MalformedResponse);
  }
}

TEST_CASE("parse_regions") {
  const auto regions = parse_regions(
    "<DescribeRegionsResponse><regionInfo><item><regionName>us-east-1</regionName>"
    "<optInStatus>opt-in-not-required</optInStatus></item><item><regionName>af-south-1"
    "</regionName><optInStatus>not-opted-in</optInStatus></item><item><regionName>eu-south-2"
    "</regionName><optInStatus>opted-in</optInStatus></item></regionInfo></"
    "DescribeRegionsResponse>");
  CHECK(regions == std::vector<std::string>{"us-east-1", "eu-south-2"});
}

TEST_CASE("url_decode") {
  CHECK(url_decode("a%20b%2Fc") == "a b/c");
  CHECK(url_decode("100%") == "100%");
  CHECK(url_decode("%zz") == "%zz");
}

TEST_CASE("parse_xml_tree") {
  SUBCASE("EC2 item lists, query member lists, leaves as text, an empty list as \"\"") {
    const auto tree = parse_xml_tree(
      "<DescribeInstancesResponse><reservationSet><item><instancesSet><item><instanceId>i-1"
      "</instanceId><metadataOptions><httpTokens>required</httpTokens></metadataOptions>"
      "<tagSet/></item></instancesSet></item></reservationSet></DescribeInstancesResponse>",
      "DescribeInstancesResponse");
    const auto& instance = tree["reservationSet"][0]["instancesSet"][0];
    CHECK(instance["instanceId"] == "i-1");
    CHECK(instance["metadataOptions"]["httpTokens"] == "required");
    CHECK(instance["tagSet"] == "");
    const auto alarms = parse_xml_tree(
      "<DescribeAlarmsResponse><DescribeAlarmsResult><MetricAlarms><member><AlarmActions>"
      "<member>arn:a</member><member>arn:b</member></AlarmActions></member></MetricAlarms>"
      "</DescribeAlarmsResult></DescribeAlarmsResponse>",
      "DescribeAlarmsResponse");
    CHECK(alarms["DescribeAlarmsResult"]["MetricAlarms"][0]["AlarmActions"] ==
          nlohmann::json({"arn:a", "arn:b"}));
  }
  SUBCASE("another document, or no XML, is refused") {
    CHECK_THROWS_AS(parse_xml_tree("<Other/>", "DescribeVpcsResponse"), MalformedResponse);
    CHECK_THROWS_AS(parse_xml_tree("{}", "DescribeVpcsResponse"), MalformedResponse);
  }
}
