// The AWS wire protocols: requests signed exactly as boto3 signed the moto captures, endpoints,
// and the one error parser over every error body format.

#include "fixture_files.hpp"

#include <velocity/core/fs.hpp>
#include <velocity/providers/aws/api.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

using namespace velocity;
using namespace velocity::providers::aws;

namespace {

const std::string k_moto = std::string(VELOCITY_TESTDATA_DIR) + "/aws/moto-5.2.1/";
const Credentials k_example{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};

nlohmann::json capture(const std::string& name) {
  return nlohmann::json::parse(read_fixture(k_moto + name + ".meta.json"));
}

std::string header(const net::Request& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (net::iequals(key, name)) {
      return value;
    }
  }
  return "";
}

// Signs `call` at the capture's time against its endpoint and compares with boto3's request.
void check_like_boto3(const std::string& name, const ApiCall& call) {
  const nlohmann::json meta = capture(name);
  const nlohmann::json& expected = meta["request"];
  const std::string amz_date = expected["headers"]["X-Amz-Date"];
  const std::string iso = amz_date.substr(0, 4) + "-" + amz_date.substr(4, 2) + "-" +
                          amz_date.substr(6, 2) + "T" + amz_date.substr(9, 2) + ":" +
                          amz_date.substr(11, 2) + ":" + amz_date.substr(13, 2) + "Z";
  Endpoints endpoints;
  endpoints.override_url = "http://127.0.0.1:45123";
  const net::Request request = sign_call(call, endpoints, k_example, *time::parse_iso8601(iso));
  CHECK(request.method == expected["method"].get<std::string>());
  CHECK(request.url == expected["url"].get<std::string>());
  CHECK(request.body == expected.value("body", ""));
  CHECK(header(request, "Authorization") ==
        expected["headers"]["Authorization"].get<std::string>());
}

net::Response response(int status, std::string body, net::Headers headers = {}) {
  net::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

} // namespace

TEST_CASE("sign_call") {
  SUBCASE("query protocol: IAM ListUsers") {
    check_like_boto3("iam-ListUsers", iam_call("ListUsers", {}));
  }
  SUBCASE("query protocol: STS GetCallerIdentity") {
    check_like_boto3("sts-GetCallerIdentity", sts_call("GetCallerIdentity", "us-east-1", {}));
  }
  SUBCASE("EC2 dialect: DescribeSecurityGroups") {
    check_like_boto3("ec2-DescribeSecurityGroups",
                     ec2_call("DescribeSecurityGroups", "us-east-1", {}));
  }
  SUBCASE("rest-xml: S3 ListBuckets signs x-amz-content-sha256") {
    check_like_boto3("s3-ListBuckets", s3_call("ListBuckets", "us-east-1", "", ""));
  }
  SUBCASE("rest-xml: S3 GetBucketEncryption, path style on a single endpoint") {
    check_like_boto3("s3-GetBucketEncryption.NoSuchBucket",
                     s3_call("GetBucketEncryption", "us-east-1", "does-not-exist", "encryption"));
  }
  SUBCASE("JSON 1.1: CloudTrail DescribeTrails") {
    check_like_boto3("cloudtrail-DescribeTrails",
                     json_call("cloudtrail", "DescribeTrails", "us-east-1",
                               "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101",
                               nlohmann::json::object()));
  }
  SUBCASE("JSON 1.1: Config DescribeComplianceByConfigRule") {
    check_like_boto3("config-DescribeComplianceByConfigRule",
                     json_call("config", "DescribeComplianceByConfigRule", "us-east-1",
                               "StarlingDoveService", nlohmann::json::object()));
  }
  SUBCASE("a session token is signed") {
    Credentials temporary = k_example;
    temporary.session_token = "token-value";
    const net::Request request = sign_call(sts_call("GetCallerIdentity", "us-east-1", {}),
                                           Endpoints{}, temporary, time::now());
    CHECK(header(request, "X-Amz-Security-Token") == "token-value");
    CHECK(header(request, "Authorization").find("x-amz-security-token") != std::string::npos);
  }
}

TEST_CASE("Endpoints::url_of") {
  Endpoints aws;
  SUBCASE("global IAM, regional services, the China partition") {
    CHECK(aws.url_of(iam_call("ListUsers", {})) == "https://iam.amazonaws.com/");
    CHECK(aws.url_of(ec2_call("DescribeRegions", "eu-west-1", {})) ==
          "https://ec2.eu-west-1.amazonaws.com/");
    CHECK(aws.url_of(sts_call("GetCallerIdentity", "cn-north-1", {})) ==
          "https://sts.cn-north-1.amazonaws.com.cn/");
  }
  SUBCASE("S3: virtual-hosted on AWS, path style for dotted names and emulators") {
    CHECK(aws.url_of(s3_call("GetBucketVersioning", "eu-west-1", "logs", "versioning")) ==
          "https://logs.s3.eu-west-1.amazonaws.com/?versioning");
    CHECK(aws.url_of(s3_call("GetBucketVersioning", "eu-west-1", "a.b", "versioning")) ==
          "https://s3.eu-west-1.amazonaws.com/a.b?versioning");
    Endpoints moto;
    moto.override_url = "http://127.0.0.1:5000";
    CHECK(moto.url_of(s3_call("GetBucketVersioning", "eu-west-1", "logs", "versioning")) ==
          "http://127.0.0.1:5000/logs?versioning");
  }
  SUBCASE("partitions") {
    CHECK(partition_of("us-gov-west-1") == "aws-us-gov");
    CHECK(partition_of("cn-northwest-1") == "aws-cn");
    CHECK(partition_of("eu-central-2") == "aws");
  }
}

TEST_CASE("parse_error") {
  SUBCASE("query protocol (IAM NoSuchEntity, moto)") {
    const AwsError error = parse_error(
      response(404, read_fixture(k_moto + "iam-GetAccountPasswordPolicy.NoSuchEntity.xml")));
    CHECK(error.code == "NoSuchEntity");
    CHECK(error.message.find("Password Policy") != std::string::npos);
    CHECK(!error.request_id.empty());
  }
  SUBCASE("EC2 <Response><Errors>") {
    const AwsError error = parse_error(
      response(400, read_fixture(k_moto + "ec2-DescribeSecurityGroups.InvalidGroupNotFound.xml")));
    CHECK(error.code == "InvalidGroup.NotFound");
    CHECK(error.request_id == "request-id");
  }
  SUBCASE("S3 <Error>") {
    const AwsError error =
      parse_error(response(404, read_fixture(k_moto + "s3-GetBucketEncryption.NotFound.xml")));
    CHECK(error.code == "ServerSideEncryptionConfigurationNotFoundError");
  }
  SUBCASE("botocore's AWS-documentation errors") {
    const std::string dir = std::string(VELOCITY_TESTDATA_DIR) + "/aws/botocore-response-parsing/";
    for (const char* name : {"errors.ec2-describe-instances", "errors.iam-get-user",
                             "errors.s3-list-objects", "errors.sts-get-session-token"}) {
      const auto expected = nlohmann::json::parse(read_fixture(dir + name + ".json"));
      const AwsError error = parse_error(response(400, read_fixture(dir + name + ".xml")));
      CAPTURE(name);
      CHECK(error.code == expected["Error"]["Code"].get<std::string>());
    }
  }
  SUBCASE("JSON 1.1, with and without a namespace") {
    CHECK(parse_error(
            response(400, read_fixture(k_moto + "cloudtrail-GetTrailStatus.TrailNotFound.json")))
            .code == "TrailNotFoundException");
    const AwsError error = parse_error(response(
      400, R"({"__type": "com.amazonaws.coral.service#AccessDeniedException", "Message": "no"})"));
    CHECK(error.code == "AccessDeniedException");
    CHECK(error.message == "no");
  }
  SUBCASE("X-Amzn-ErrorType when the body says nothing") {
    const AwsError error = parse_error(
      response(400, "", {{"x-amzn-ErrorType", "ThrottlingException:http://internal/"}}));
    CHECK(error.code == "ThrottlingException");
  }
  SUBCASE("an HTML 500 (moto's NotImplementedError) and an empty 403") {
    const AwsError html =
      parse_error(response(500, "<!doctype html>\n<html lang=en>\n<title>500 Internal Server "
                                "Error</title>\n<h1>Internal Server Error</h1>"));
    CHECK(html.code == "HTTP 500");
    CHECK(html.message.find("Internal Server Error") != std::string::npos);
    CHECK(parse_error(response(403, "")).code == "AccessDenied");
  }
  SUBCASE("truncated XML is not an error code") {
    CHECK(parse_error(response(400, "<ErrorResponse><Error><Code>Thrott")).code == "HTTP 400");
  }
}

TEST_CASE("retry_classifier") {
  SUBCASE("throttling codes in 400 answers are retried") {
    CHECK(retry_classifier(
      response(400, "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>")));
    CHECK(retry_classifier(response(
      400,
      "<Response><Errors><Error><Code>RequestLimitExceeded</Code></Error></Errors></Response>")));
    CHECK(retry_classifier(response(400, R"({"__type": "ThrottlingException"})")));
  }
  SUBCASE("other 4xx answers are final; 5xx and 429 are retried") {
    CHECK_FALSE(retry_classifier(response(403, "<Error><Code>AccessDenied</Code></Error>")));
    CHECK_FALSE(retry_classifier(
      response(400, "<ErrorResponse><Error><Code>ValidationError</Code></Error></ErrorResponse>")));
    CHECK(retry_classifier(response(503, "")));
    CHECK(retry_classifier(response(429, "")));
  }
}

TEST_CASE("is_credential_rejection") {
  CHECK(is_credential_rejection("InvalidClientTokenId"));
  CHECK(is_credential_rejection("SignatureDoesNotMatch"));
  CHECK(is_credential_rejection("ExpiredToken"));
  CHECK_FALSE(is_credential_rejection("AccessDenied"));
  CHECK(is_access_denied("AccessDenied"));
  CHECK(is_access_denied("UnauthorizedOperation"));
}
