"""Seeding for the CIS AWS Foundations Benchmark sections 1 (IAM) and 2 (storage), and the
mends moto 5.2.1 needs to answer those calls as AWS does. Used by moto_aws.py.

What moto cannot represent, and how it is mended here (in this process, on moto's classes):
- GetCredentialReport has no root-user row (AWS always has one): a "<root_account>" row is
  added, its password last used ROOT_LAST_USED_DAYS ago.
- ListServerCertificates answers the same Expiration (2012) for every certificate: each
  certificate's own `expiration` (set here) is answered instead.
- GetBucketVersioning never answers MfaDelete (moto cannot enable it): buckets named in
  MFA_DELETE_BUCKETS answer MfaDelete Enabled, in the documented shape.
- With request authentication on, moto checks a body-less GET's signature over its parsed
  parameters as if they were a form body (IAMRequestBase._create_aws_request uses
  `body or data`), so correctly signed GETs to EFS are refused (SignatureDoesNotMatch): a
  GET, HEAD or DELETE without a body is checked with an empty body, as AWS does.
- moto has no IAM Access Analyzer: ListAnalyzers is answered here, in the documented shape
  (GET /analyzer, {"analyzers": [...]}), from ANALYZERS, for the region the request is signed
  for (its Authorization header is required; its signature is not checked).
- AWS-managed policies are only loaded with MOTO_IAM_LOAD_MANAGED_POLICIES (a thousand of
  them, slow): the three the checks need are added to the account's backend from moto's data.
"""

import datetime
import json

ROOT_LAST_USED_DAYS = 2
ANALYZERS = {"us-east-1": [{"name": "account-analyzer", "type": "ACCOUNT", "status": "ACTIVE"}]}
REST_JSON_OPERATIONS = {"/2015-02-01/file-systems": "DescribeFileSystems",
                        "/analyzer": "ListAnalyzers",
                        "/getAlternateContact": "GetAlternateContact"}
MFA_DELETE_BUCKETS = set()
AWS_POLICIES = ("AdministratorAccess", "AWSSupportAccess", "AWSCloudShellFullAccess")

SECURE_TRANSPORT_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "DenyPlainHttp", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                   "Resource": ["arn:aws:s3:::velocity-logs", "arn:aws:s3:::velocity-logs/*"],
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
READ_ONLY_BUCKET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                   "Action": "s3:GetObject", "Resource": "arn:aws:s3:::velocity-partial/*"}]}


def list_analyzers(environ):
    """(status, content type, body) of ListAnalyzers for the region the request is signed for."""
    import re
    auth = environ.get("HTTP_AUTHORIZATION", "")
    scope = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/access-analyzer/aws4_request", auth)
    if scope is None:
        body = {"message": "Missing or malformed Authorization header"}
        return 403, "application/json", json.dumps(body).encode()
    region = scope.group(1)
    analyzers = [dict(item, arn="arn:aws:access-analyzer:%s:123456789012:analyzer/%s" % (
        region, item["name"]), createdAt="2026-01-01T00:00:00Z")
        for item in ANALYZERS.get(region, [])]
    return 200, "application/json", json.dumps({"analyzers": analyzers}).encode()


def mend_moto():
    from moto.core.responses import ActionResult
    from moto.iam import models as iam_models
    from moto.iam import responses as iam_responses
    from moto.s3 import responses as s3_responses

    real_report = iam_models.IAMBackend.get_credential_report

    def report_with_root(self):
        report = real_report(self)
        header, _, rows = report.partition("\n")
        used = (iam_models.utcnow() - datetime.timedelta(days=ROOT_LAST_USED_DAYS)).strftime(
            "%Y-%m-%dT%H:%M:%S+00:00")
        root = ["<root_account>", "arn:aws:iam::%s:root" % self.account_id,
                "2020-01-01T00:00:00+00:00", "not_supported", used, "not_supported",
                "not_supported", "true" if self.account_summary._account_mfa_enabled else "false",
                "false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "N/A", "N/A", "N/A",
                "false", "N/A", "false", "N/A"]
        return header + "\n" + ",".join(root) + "\n" + rows

    iam_models.IAMBackend.get_credential_report = report_with_root

    def list_server_certificates(self):
        certs = self.backend.list_server_certificates()
        return ActionResult({"ServerCertificateMetadataList": [
            {"ServerCertificateName": cert.cert_name, "Path": cert.path, "Arn": cert.arn,
             "UploadDate": "2020-01-01T00:00:00Z", "ServerCertificateId": "ASCA" + cert.cert_name,
             "Expiration": getattr(cert, "expiration", "2012-05-08T01:02:03.004Z")}
            for cert in certs]})

    iam_responses.IamResponse.list_server_certificates = list_server_certificates

    def get_bucket_versioning(self):
        result = {"Status": self.backend.get_bucket_versioning(self.bucket_name)}
        if self.bucket_name in MFA_DELETE_BUCKETS:
            result["MFADelete"] = "Enabled"
        self.data["Action"] = "GetBucketVersioning"
        return self.serialized(ActionResult(result))

    s3_responses.S3Response.get_bucket_versioning = get_bucket_versioning


def add_aws_managed_policies(account):
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, iam_backends
    backend = iam_backends[account]["global"]
    data = json.loads(aws_managed_policies_data)
    for name in AWS_POLICIES:
        policy = AWSManagedPolicy.from_data(name, account, backend.region_name, data[name])
        backend.aws_managed_policies.append(policy)
        backend.managed_policies[policy.arn] = policy


def aws_policy(name):
    return "arn:aws:iam::aws:policy/" + name


def seed_iam(client, account, backdated):
    """Users and roles for section 1 (alice, bob and carol come from moto_aws.seed_iam)."""
    from moto.iam.models import iam_backends
    add_aws_managed_policies(account)
    iam = client("iam")
    backend = iam_backends[account]["global"]
    # alice's key was used today: her console user has no unused initial key.
    backend.users["alice"].access_keys[0].last_used = backend.users["alice"].create_date
    # dave: console password set 100 days ago and never used.
    with backdated(100):
        iam.create_user(UserName="dave")
        iam.create_login_profile(UserName="dave", Password="Correct-Horse-9!")
    # erin: two active keys, and CloudShell full access of her own.
    iam.create_user(UserName="erin")
    iam.create_access_key(UserName="erin")
    iam.create_access_key(UserName="erin")
    iam.attach_user_policy(UserName="erin", PolicyArn=aws_policy("AWSCloudShellFullAccess"))
    # carol gets her permissions through a group.
    iam.create_group(GroupName="readers")
    iam.attach_group_policy(GroupName="readers", PolicyArn=aws_policy("AWSSupportAccess"))
    iam.add_user_to_group(GroupName="readers", UserName="carol")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % account},
        "Action": "sts:AssumeRole"}]})
    iam.create_role(RoleName="break-glass", AssumeRolePolicyDocument=trust)
    iam.attach_role_policy(RoleName="break-glass", PolicyArn=aws_policy("AdministratorAccess"))
    iam.create_role(RoleName="support", AssumeRolePolicyDocument=trust)
    for name, days in (("old-site", -30), ("shop-site", 200)):
        iam.upload_server_certificate(ServerCertificateName=name, CertificateBody="-----BEGIN "
                                      "CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
                                      PrivateKey="key")
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
        backend.certificates[[c for c in backend.certificates
                              if backend.certificates[c].cert_name == name][0]].expiration = (
            expires.strftime("%Y-%m-%dT%H:%M:%SZ"))


def seed_storage(client):
    s3 = client("s3")
    s3.put_bucket_policy(Bucket="velocity-logs", Policy=json.dumps(SECURE_TRANSPORT_POLICY))
    s3.put_bucket_policy(Bucket="velocity-partial", Policy=json.dumps(READ_ONLY_BUCKET_POLICY))
    MFA_DELETE_BUCKETS.add("velocity-logs")
    efs = client("efs")
    efs.create_file_system(CreationToken="shared-encrypted", Encrypted=True,
                           Tags=[{"Key": "Name", "Value": "shared-encrypted"}])
    efs.create_file_system(CreationToken="scratch-plain", Encrypted=False,
                           Tags=[{"Key": "Name", "Value": "scratch-plain"}])
    rds = client("rds")
    rds.create_db_instance(DBInstanceIdentifier="orders-db", Engine="postgres",
                           DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                           MasterUsername="app", MasterUserPassword="Correct-Horse-9!",
                           StorageEncrypted=True, MultiAZ=True, AutoMinorVersionUpgrade=True,
                           PubliclyAccessible=False)
    rds.create_db_instance(DBInstanceIdentifier="legacy-db", Engine="mysql",
                           DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                           MasterUsername="app", MasterUserPassword="Correct-Horse-9!",
                           StorageEncrypted=False, MultiAZ=False, AutoMinorVersionUpgrade=False,
                           PubliclyAccessible=True)


def mutate_cis_fixed(client, account):
    """The account-wide section 1 and 2 settings turned the other way: root access key present,
    root last used 100 days ago, the support role created, CloudShell detached, an analyzer in
    eu-west-1, the account's S3 public access block on, a security contact registered."""
    from moto.iam.models import iam_backends
    global ROOT_LAST_USED_DAYS
    ROOT_LAST_USED_DAYS = 100
    ANALYZERS["eu-west-1"] = [{"name": "org-analyzer", "type": "ORGANIZATION", "status": "ACTIVE"}]
    iam_backends[account]["global"].account_summary._account_access_keys_present = 1
    iam = client("iam")
    iam.attach_role_policy(RoleName="support", PolicyArn=aws_policy("AWSSupportAccess"))
    iam.detach_user_policy(UserName="erin", PolicyArn=aws_policy("AWSCloudShellFullAccess"))
    # boto3 puts the account id before the endpoint URL's host (an IP address here), so the
    # block is set on moto's backend; velocity reads it through the API.
    from moto.s3control.models import s3control_backends
    s3control_backends[account]["global"].put_public_access_block(account, {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    client("account").put_alternate_contact(
        AlternateContactType="SECURITY", Name="Security team", Title="SOC",
        EmailAddress="security@example.com", PhoneNumber="+1-555-0100")
    return {"ok": True}
