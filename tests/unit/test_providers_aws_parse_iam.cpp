// Reading the IAM bulk answers and RDS DescribeDBInstances, in the documented shapes.

#include <velocity/crypto/digest.hpp>
#include <velocity/providers/aws/parse_iam.hpp>
#include <velocity/providers/aws/parse_storage.hpp>

#include <doctest/doctest.h>

using namespace velocity;
using namespace velocity::providers::aws;

namespace {

std::string report_answer(const std::string& csv) {
  return "<GetCredentialReportResponse><GetCredentialReportResult><Content>" +
         crypto::base64_encode(csv) +
         "</Content><ReportFormat>text/csv</ReportFormat></GetCredentialReportResult>"
         "</GetCredentialReportResponse>";
}

} // namespace

TEST_CASE("parse_credential_report_state") {
  CHECK(parse_credential_report_state(
          "<GenerateCredentialReportResponse><GenerateCredentialReportResult><State>STARTED"
          "</State></GenerateCredentialReportResult></GenerateCredentialReportResponse>") ==
        "STARTED");
  CHECK_THROWS_AS(parse_credential_report_state("<Other/>"), MalformedResponse);
}

TEST_CASE("parse_credential_report") {
  SUBCASE("rows keyed by the header, root included, CRLF tolerated") {
    const nlohmann::json rows = parse_credential_report(
      report_answer("user,arn,password_enabled,mfa_active\r\n"
                    "<root_account>,arn:aws:iam::1:root,not_supported,true\r\n"
                    "alice,arn:aws:iam::1:user/alice,true,false\r\n"));
    REQUIRE(rows.size() == 2);
    CHECK(rows[0]["user"] == "<root_account>");
    CHECK(rows[0]["mfa_active"] == "true");
    CHECK(rows[1]["arn"] == "arn:aws:iam::1:user/alice");
    CHECK(rows[1]["password_enabled"] == "true");
  }
  SUBCASE("malformed") {
    CHECK_THROWS_AS(parse_credential_report(report_answer("name,arn\nalice,x\n")),
                    MalformedResponse);
    CHECK_THROWS_AS(parse_credential_report(report_answer("user,arn\nalice\n")), MalformedResponse);
    CHECK_THROWS_AS(parse_credential_report(
                      "<GetCredentialReportResponse><GetCredentialReportResult><Content>!!"
                      "</Content></GetCredentialReportResult></GetCredentialReportResponse>"),
                    MalformedResponse);
  }
}

TEST_CASE("parse_authorization_details") {
  const AuthorizationDetails details = parse_authorization_details(R"(
<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsResult>
  <IsTruncated>true</IsTruncated><Marker>page2</Marker>
  <UserDetailList><member>
    <UserName>alice</UserName><Arn>arn:aws:iam::1:user/alice</Arn>
    <GroupList><member>readers</member></GroupList>
    <AttachedManagedPolicies><member><PolicyName>ReadOnlyAccess</PolicyName>
      <PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn></member></AttachedManagedPolicies>
    <UserPolicyList><member><PolicyName>scratch</PolicyName><PolicyDocument>%7B%7D</PolicyDocument>
      </member></UserPolicyList>
  </member></UserDetailList>
  <GroupDetailList><member><GroupName>readers</GroupName><Arn>g</Arn></member></GroupDetailList>
  <RoleDetailList><member><RoleName>support</RoleName><Arn>r</Arn>
    <AttachedManagedPolicies><member><PolicyName>AWSSupportAccess</PolicyName>
      <PolicyArn>arn:aws:iam::aws:policy/AWSSupportAccess</PolicyArn></member></AttachedManagedPolicies>
  </member></RoleDetailList>
  <Policies><member><PolicyName>admin</PolicyName><Arn>arn:aws:iam::1:policy/admin</Arn>
    <DefaultVersionId>v2</DefaultVersionId><AttachmentCount>1</AttachmentCount>
    <PolicyVersionList>
      <member><VersionId>v1</VersionId><IsDefaultVersion>false</IsDefaultVersion>
        <Document>%7B%22old%22%3A1%7D</Document></member>
      <member><VersionId>v2</VersionId><IsDefaultVersion>true</IsDefaultVersion>
        <Document>%7B%22Statement%22%3A%5B%5D%7D</Document></member>
    </PolicyVersionList></member></Policies>
</GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>)");
  REQUIRE(details.users.size() == 1);
  CHECK(details.users[0]["name"] == "alice");
  CHECK(details.users[0]["groups"] == nlohmann::json::array({"readers"}));
  CHECK(details.users[0]["attached"][0]["name"] == "ReadOnlyAccess");
  CHECK(details.users[0]["inline"] == nlohmann::json::array({"scratch"}));
  CHECK(details.groups[0]["name"] == "readers");
  CHECK(details.roles[0]["attached"][0]["arn"] == "arn:aws:iam::aws:policy/AWSSupportAccess");
  REQUIRE(details.policies.size() == 1);
  CHECK(details.policies[0]["attachment_count"] == 1);
  CHECK(details.policies[0]["document"] == nlohmann::json{{"Statement", nlohmann::json::array()}});
  CHECK(details.next == "page2");
}

TEST_CASE("parse_virtual_mfa_devices and parse_server_certificates") {
  const Page devices = parse_virtual_mfa_devices(
    "<ListVirtualMFADevicesResponse><ListVirtualMFADevicesResult><IsTruncated>false</IsTruncated>"
    "<VirtualMFADevices><member><SerialNumber>arn:aws:iam::1:mfa/root-account-mfa-device"
    "</SerialNumber><User><Arn>arn:aws:iam::1:root</Arn></User><EnableDate>2026-01-01T00:00:00Z"
    "</EnableDate></member></VirtualMFADevices></ListVirtualMFADevicesResult>"
    "</ListVirtualMFADevicesResponse>");
  REQUIRE(devices.items.size() == 1);
  CHECK(devices.items[0]["user_arn"] == "arn:aws:iam::1:root");
  CHECK_FALSE(devices.next);
  const Page certificates = parse_server_certificates(
    "<ListServerCertificatesResponse><ListServerCertificatesResult><IsTruncated>true"
    "</IsTruncated><Marker>m</Marker><ServerCertificateMetadataList><member>"
    "<ServerCertificateName>site</ServerCertificateName><Arn>a</Arn>"
    "<Expiration>2027-01-01T00:00:00Z</Expiration></member></ServerCertificateMetadataList>"
    "</ListServerCertificatesResult></ListServerCertificatesResponse>");
  CHECK(certificates.items[0]["expiration"] == "2027-01-01T00:00:00Z");
  CHECK(certificates.next == "m");
}

TEST_CASE("parse_db_instances") {
  const Page page = parse_db_instances(
    "<DescribeDBInstancesResponse><DescribeDBInstancesResult><Marker>next</Marker><DBInstances>"
    "<DBInstance><DBInstanceIdentifier>orders</DBInstanceIdentifier><Engine>postgres</Engine>"
    "<StorageEncrypted>true</StorageEncrypted><AutoMinorVersionUpgrade>false"
    "</AutoMinorVersionUpgrade><PubliclyAccessible>true</PubliclyAccessible><MultiAZ>false"
    "</MultiAZ></DBInstance></DBInstances></DescribeDBInstancesResult>"
    "</DescribeDBInstancesResponse>");
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0]["id"] == "orders");
  CHECK(page.items[0]["storage_encrypted"] == true);
  CHECK(page.items[0]["auto_minor_version_upgrade"] == false);
  CHECK(page.items[0]["publicly_accessible"] == true);
  CHECK(page.next == "next");
}
