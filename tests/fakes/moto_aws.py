#!/usr/bin/env python3
"""The moto AWS emulator on a free loopback port, seeded with boto3, for velocity's tests.

    python3 tests/fakes/moto_aws.py [--seed mixed|empty] [--auth] [--free-requests N]
                                    [--config-compliance JSON] [--idle SECONDS]

Runs moto (5.2.x) in this process behind a small WSGI layer, seeds it through boto3 over HTTP
like any client would, then prints one JSON line on stdout and serves until SIGTERM, the death
of its parent, or --idle seconds without a request:

    {"endpoint": "http://127.0.0.1:PORT", "port": PORT, "account_id": "123456789012",
     "access_key_id": "...", "secret_access_key": "...", "members": [...]}

The keys belong to the IAM user velocity-auditor (Allow * on *), so they pass moto's signature
check once it is on: --auth turns it on after seeding (POST /moto-api/reset-auth, which sets
INITIAL_NO_AUTH_ACTION_COUNT; --free-requests N lets N more requests through unchecked first).

Two things boto3 cannot do are done on moto's backends directly, in this process: an access key
created 200 days ago (for the 90-day rotation check) and root MFA (moto has no API for it).

The WSGI layer adds what moto lacks, under /velocity-fixture/ (see tests/fakes/README.md):
faults injected per operation, call counts, DescribeComplianceByConfigRule answers (moto 5.2.1
does not implement it: without --config-compliance the request reaches moto and gets its 500),
and a few mutations for the PASS-after-FAIL tests.
"""

import argparse
import contextlib
import datetime
import io
import json
import logging
import os
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse

import moto_seed_cis

ACCOUNT = "123456789012"
REGION = "us-east-1"
SEED_KEY = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


class Faults:
    """Operation name -> list of pending faults; call counts per operation."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending = {}
        self.counts = {}
        self.last_activity = time.monotonic()
        self.compliance = None

    def add(self, operation, kind, times=1, arg=None, region=None):
        with self.lock:
            self.pending.setdefault(operation, []).append(
                {"kind": kind, "times": times, "arg": arg, "region": region})

    def take(self, operation, region):
        with self.lock:
            self.counts[operation] = self.counts.get(operation, 0) + 1
            self.last_activity = time.monotonic()
            faults = [fault for fault in self.pending.get(operation) or []
                      if fault["region"] in (None, region)]
            if not faults:
                return None
            fault = faults[0]
            if fault["times"] is not None:
                fault["times"] -= 1
                if fault["times"] <= 0:
                    self.pending[operation].remove(fault)
            return fault


FAULTS = Faults()


def operation_of(environ, body):
    """The AWS operation of a request: Action, X-Amz-Target, or the S3 sub-resource."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    if body:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        if "Action" in form:
            return form["Action"][0]
    query = environ.get("QUERY_STRING", "")
    path = environ.get("PATH_INFO", "/")
    method = environ.get("REQUEST_METHOD", "GET")
    if method == "GET" and path in ("", "/"):
        return "ListBuckets"
    if path == "/v20180820/configuration/publicAccessBlock":
        return method.title() + "AccountPublicAccessBlock"
    if path in moto_seed_cis.REST_JSON_OPERATIONS:
        return moto_seed_cis.REST_JSON_OPERATIONS[path]
    if method == "GET" and path == "/accounts":
        return "DescribeHub"
    names = {"encryption": "GetBucketEncryption", "publicAccessBlock": "GetPublicAccessBlock",
             "versioning": "GetBucketVersioning", "policy": "GetBucketPolicy",
             "logging": "GetBucketLogging"}
    for key, name in names.items():
        if query.split("=")[0] == key or query.startswith(key + "&"):
            return ("Get" if method == "GET" else method.title()) + name[3:]
    return method + " " + path


def region_of(environ):
    """The region a request is signed for (its Authorization header's credential scope)."""
    import re
    scope = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    return scope.group(1) if scope else None


def protocol_of(environ, body):
    if environ.get("HTTP_X_AMZ_TARGET") or environ.get("PATH_INFO") in moto_seed_cis.REST_JSON_OPERATIONS:
        return "json"
    if body and b"Action=" in body:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        return "ec2" if "/ec2/aws4_request" in auth else "query"
    return "s3"


def error_response(protocol, status, code, message):
    if protocol == "json":
        return status, "application/x-amz-json-1.1", json.dumps(
            {"__type": code, "message": message}).encode()
    if protocol == "ec2":
        body = ("<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors>"
                "<RequestID>fixture</RequestID></Response>" % (code, message))
    elif protocol == "query":
        body = ("<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message>"
                "</Error><RequestId>fixture</RequestId></ErrorResponse>" % (code, message))
    else:
        body = ("<Error><Code>%s</Code><Message>%s</Message><RequestId>fixture</RequestId>"
                "</Error>" % (code, message))
    return status, "text/xml", body.encode()


def raw_socket(environ):
    sock = environ.get("werkzeug.socket")
    if sock is None:
        raise RuntimeError("werkzeug.socket is not available")
    return sock


class Fixture:
    """WSGI middleware in front of moto."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        path = environ.get("PATH_INFO", "")
        if path.startswith("/velocity-fixture/"):
            return self.control(path, body, start_response)
        if path.startswith("/moto-api/"):
            return self.app(environ, start_response)
        operation = operation_of(environ, body)
        protocol = protocol_of(environ, body)
        fault = FAULTS.take(operation, region_of(environ))
        if fault is not None:
            answer = self.inject(fault, protocol, environ, start_response)
            if answer is not None:
                return answer
        if operation == "DescribeComplianceByConfigRule" and FAULTS.compliance is not None:
            return self.compliance(body, start_response)
        if operation == "ListAnalyzers":
            return self.reply(start_response, *moto_seed_cis.list_analyzers(environ))
        return self.app(environ, start_response)

    def reply(self, start_response, status, content_type, payload, headers=()):
        reasons = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 429: "Too Many Requests",
                   500: "Internal Server Error", 503: "Service Unavailable"}
        start_response("%d %s" % (status, reasons.get(status, "Status")),
                       [("Content-Type", content_type), ("Content-Length", str(len(payload)))]
                       + list(headers))
        return [payload]

    def inject(self, fault, protocol, environ, start_response):
        kind = fault["kind"]
        if kind == "access-denied":
            code = "AccessDeniedException" if protocol == "json" else (
                "UnauthorizedOperation" if protocol == "ec2" else "AccessDenied")
            return self.reply(start_response, *error_response(
                protocol, 403 if protocol != "ec2" else 403, code,
                "User: arn:aws:iam::%s:user/velocity-auditor is not authorized" % ACCOUNT))
        if kind == "invalid-token":
            # What AWS answers in a region the account has not enabled (or to a session token
            # that region does not accept): each protocol's code for an unrecognised token.
            code, status = {"json": ("UnrecognizedClientException", 400),
                            "ec2": ("AuthFailure", 401)}.get(
                                protocol, ("InvalidClientTokenId", 403))
            return self.reply(start_response, *error_response(
                protocol, status, code, "The security token included in the request is invalid."))
        if kind == "throttle":
            status, ctype, payload = error_response(
                protocol, 429 if protocol == "json" else 400,
                "ThrottlingException" if protocol == "json" else (
                    "RequestLimitExceeded" if protocol == "ec2" else "Throttling"), "Rate exceeded")
            headers = [("Retry-After", str(fault["arg"]))] if fault["arg"] is not None else []
            return self.reply(start_response, status, ctype, payload, headers)
        if kind == "status":
            code = int(fault["arg"] or 500)
            return self.reply(start_response, code, "text/html",
                              b"<html><body><h1>%d fixture error</h1></body></html>" % code)
        if kind == "invalid-body":
            cut = b'{"trailList": [{"Name": "x"' if protocol == "json" else (
                b"<?xml version=\"1.0\"?><Response><unterminated>")
            return self.reply(start_response, 200,
                              "application/x-amz-json-1.1" if protocol == "json" else "text/xml",
                              cut)
        if kind == "slow":
            time.sleep(float(fault["arg"] or 5))
            return None
        if kind in ("reset", "truncated"):
            sock = raw_socket(environ)
            if kind == "truncated":
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                             b"Content-Length: 5000\r\n\r\n<?xml version=\"1.0\"?><Resp")
            # close() alone leaves the descriptor open while the server's own file objects hold
            # it, and the client would wait for its timeout; shutdown() ends the connection now.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
            sock.close()
            raise ConnectionAbortedError("fixture: connection dropped on purpose")
        raise ValueError("unknown fault kind " + kind)

    def compliance(self, body, start_response):
        request = json.loads(body or b"{}")
        names = request.get("ConfigRuleNames")
        answer = []
        for name, kind in sorted(FAULTS.compliance.items()):
            if names and name not in names:
                continue
            item = {"ConfigRuleName": name, "Compliance": {"ComplianceType": kind}}
            if kind == "NON_COMPLIANT":
                item["Compliance"]["ComplianceContributorCount"] = {
                    "CappedCount": 2, "CapExceeded": False}
            answer.append(item)
        return self.reply(start_response, 200, "application/x-amz-json-1.1",
                          json.dumps({"ComplianceByConfigRules": answer}).encode())

    def control(self, path, body, start_response):
        request = json.loads(body or b"{}") if body else {}
        if path == "/velocity-fixture/fault":
            FAULTS.add(request["operation"], request["kind"], request.get("times", 1),
                       request.get("arg"), request.get("region"))
            result = {"ok": True}
        elif path == "/velocity-fixture/clear-faults":
            with FAULTS.lock:
                FAULTS.pending.clear()
            result = {"ok": True}
        elif path == "/velocity-fixture/calls":
            with FAULTS.lock:
                result = dict(FAULTS.counts)
        elif path == "/velocity-fixture/reset-calls":
            with FAULTS.lock:
                FAULTS.counts.clear()
            result = {"ok": True}
        elif path == "/velocity-fixture/compliance":
            FAULTS.compliance = request
            result = {"ok": True}
        elif path == "/velocity-fixture/mutate":
            mutation = MUTATIONS[request["action"]]
            result = mutation(request) if request["action"] in SIZED_MUTATIONS else mutation()
        else:
            return self.reply(start_response, 404, "application/json", b'{"error": "no route"}')
        return self.reply(start_response, 200, "application/json", json.dumps(result).encode())


# --- seeding ---------------------------------------------------------------------------------

STATE = {}


def client(service, region=REGION, keys=SEED_KEY):
    import boto3
    return boto3.client(service, endpoint_url=STATE["endpoint"], region_name=region,
                        aws_access_key_id=keys[0], aws_secret_access_key=keys[1])


ADMIN_POLICY = json.dumps({"Version": "2012-10-17",
                           "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
READ_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]})


@contextlib.contextmanager
def backdated(days):
    """IAM resources created inside are dated `days` ago (moto has no API to date them)."""
    from moto.iam import models as iam_models
    real = iam_models.utcnow
    iam_models.utcnow = lambda: real() - datetime.timedelta(days=days)
    try:
        yield
    finally:
        iam_models.utcnow = real


def backdated_access_key(user, days):
    """An access key of `user` created `days` ago."""
    with backdated(days):
        return client("iam").create_access_key(UserName=user)["AccessKey"]


def set_root_mfa(account, enabled):
    from moto.iam.models import iam_backends
    iam_backends[account]["global"].account_summary._account_mfa_enabled = 1 if enabled else 0


def seed_auditor():
    iam = client("iam")
    iam.create_user(UserName="velocity-auditor")
    arn = iam.create_policy(PolicyName="admin-everything", PolicyDocument=ADMIN_POLICY)[
        "Policy"]["Arn"]
    iam.attach_user_policy(UserName="velocity-auditor", PolicyArn=arn)
    key = iam.create_access_key(UserName="velocity-auditor")["AccessKey"]
    STATE["keys"] = (key["AccessKeyId"], key["SecretAccessKey"])


def seed_iam():
    iam = client("iam")
    iam.create_policy(PolicyName="velocity-readonly", PolicyDocument=READ_POLICY)
    iam.update_account_password_policy(MinimumPasswordLength=8, RequireSymbols=False,
                                       RequireNumbers=True, RequireUppercaseCharacters=True,
                                       RequireLowercaseCharacters=True,
                                       PasswordReusePrevention=5)
    # alice: console password with MFA, a fresh key.
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-9!")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-mfa")[
        "VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="alice", SerialNumber=serial, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")
    iam.create_access_key(UserName="alice")
    # bob: console password without MFA, a key 200 days old.
    iam.create_user(UserName="bob")
    iam.create_login_profile(UserName="bob", Password="Correct-Horse-9!")
    backdated_access_key("bob", 200)
    # carol: API only, no keys.
    iam.create_user(UserName="carol")


def seed_ec2():
    ec2 = client("ec2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]

    def group(name, permissions, region_client=ec2, vpc_id=vpc):
        group_id = region_client.create_security_group(
            GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]
        if permissions:
            region_client.authorize_security_group_ingress(GroupId=group_id,
                                                           IpPermissions=permissions)
        return group_id

    group("ssh-open", [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    group("rdp-open-v6", [{"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389,
                           "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    group("all-open", [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    group("internal-ssh", [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                            "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    eu = client("ec2", "eu-west-1")
    eu_vpc = eu.describe_vpcs()["Vpcs"][0]["VpcId"]
    group("eu-web", [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                      "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}], eu, eu_vpc)


def seed_s3():
    s3 = client("s3")
    s3.create_bucket(Bucket="velocity-logs")
    s3.put_bucket_encryption(Bucket="velocity-logs", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {
            "SSEAlgorithm": "aws:kms",
            "KMSMasterKeyID": "arn:aws:kms:us-east-1:%s:key/1234abcd" % ACCOUNT},
            "BucketKeyEnabled": True}]})
    s3.put_public_access_block(Bucket="velocity-logs", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    s3.put_bucket_versioning(Bucket="velocity-logs", VersioningConfiguration={"Status": "Enabled"})
    s3.create_bucket(Bucket="velocity-data")
    s3.create_bucket(Bucket="velocity-partial")
    s3.put_bucket_encryption(Bucket="velocity-partial", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_public_access_block(Bucket="velocity-partial", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    s3.put_bucket_versioning(Bucket="velocity-partial",
                             VersioningConfiguration={"Status": "Suspended"})


def seed_cloudtrail():
    trail = client("cloudtrail")
    trail.create_trail(Name="org-trail", S3BucketName="velocity-logs", IsMultiRegionTrail=True,
                       EnableLogFileValidation=True)
    trail.start_logging(Name="org-trail")
    eu = client("cloudtrail", "eu-west-1")
    eu.create_trail(Name="local-trail", S3BucketName="velocity-logs", IsMultiRegionTrail=False,
                    EnableLogFileValidation=False)


def seed_config():
    config = client("config")
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": "arn:aws:iam::%s:role/config" % ACCOUNT})
    for name, identifier in (("s3-bucket-server-side-encryption-enabled",
                              "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"),
                             ("restricted-ssh", "INCOMING_SSH_DISABLED")):
        config.put_config_rule(ConfigRule={"ConfigRuleName": name, "Source": {
            "Owner": "AWS", "SourceIdentifier": identifier}})


def seed_organization():
    org = client("organizations")
    org.create_organization(FeatureSet="ALL")
    members = []
    for name in ("member-one", "member-two"):
        status = org.create_account(AccountName=name, Email=name + "@example.com")[
            "CreateAccountStatus"]
        members.append(status["AccountId"])
    # member-one gets a bucket and a password policy of its own, through an assumed role.
    sts = client("sts")
    role = "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % members[0]
    creds = sts.assume_role(RoleArn=role, RoleSessionName="seed")["Credentials"]
    keys = (creds["AccessKeyId"], creds["SecretAccessKey"])
    import boto3
    s3 = boto3.client("s3", endpoint_url=STATE["endpoint"], region_name=REGION,
                      aws_access_key_id=keys[0], aws_secret_access_key=keys[1],
                      aws_session_token=creds["SessionToken"])
    s3.create_bucket(Bucket="member-one-bucket")
    STATE["members"] = members


def mutate_strong_password_policy():
    client("iam", keys=STATE["keys"]).update_account_password_policy(
        MinimumPasswordLength=14, RequireSymbols=True, RequireNumbers=True,
        RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
        PasswordReusePrevention=24)
    return {"ok": True}


def mutate_delete_password_policy():
    client("iam", keys=STATE["keys"]).delete_account_password_policy()
    return {"ok": True}


def mutate_root_mfa_on():
    set_root_mfa(ACCOUNT, True)
    return {"ok": True}


def mutate_close_ssh():
    ec2 = client("ec2", keys=STATE["keys"])
    group = ec2.describe_security_groups(GroupNames=["ssh-open"])["SecurityGroups"][0]
    ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return {"ok": True}


def mutate_stop_logging():
    client("cloudtrail", keys=STATE["keys"]).stop_logging(Name="org-trail")
    return {"ok": True}


def mutate_add_users():
    """Adds 30 more users (each with a key), for the benchmark's larger account."""
    iam = client("iam", keys=STATE["keys"])
    for i in range(30):
        name = "user-%02d" % i
        iam.create_user(UserName=name)
        iam.create_access_key(UserName=name)
    return {"ok": True}


def mutate_grow(request):
    """Adds request["users"] users (each with a key) and request["groups"] security groups (each
    with one rule), directly on moto's backends: the benchmark's larger accounts, made in seconds
    rather than thousands of calls."""
    from moto.ec2.models import ec2_backends
    from moto.iam.models import iam_backends
    iam = iam_backends[ACCOUNT]["global"]
    start = len(iam.users)
    for i in range(start, start + int(request.get("users", 0))):
        name = "grown-user-%05d" % i
        iam.create_user(region_name=REGION, user_name=name, path="/", tags=[])
        iam.create_access_key(name)
    ec2 = ec2_backends[ACCOUNT][REGION]
    for i in range(int(request.get("groups", 0))):
        group = ec2.create_security_group("grown-%05d-%d" % (i, time.monotonic_ns()), "bench")
        ec2.authorize_security_group_ingress(group.id, "tcp", "443", "443",
                                             [{"CidrIp": "10.0.0.0/8"}])
    return {"users": len(iam.users)}


def grant_organization_access_role(account_id):
    """Gives a member account's OrganizationAccountAccessRole the AdministratorAccess AWS gives it
    with CreateAccount. moto creates the role without a policy, so with request authentication on
    every call of a session assumed into it is refused."""
    from moto.iam.models import iam_backends
    everything = {"Version": "2012-10-17",
                  "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam_backends[account_id]["global"].put_role_policy(
        "OrganizationAccountAccessRole", "AdministratorAccess", json.dumps(everything))


def mutate_add_members(request):
    """Adds request["members"] accounts to the organisation, each reachable through
    OrganizationAccountAccessRole like the seeded two, and lets that role do what it does on AWS
    in every member account (the benchmark collects them with authentication on)."""
    org = client("organizations", keys=STATE["keys"])
    for i in range(int(request.get("members", 0))):
        name = "bench-member-%03d-%d" % (i, time.monotonic_ns())
        status = org.create_account(AccountName=name, Email=name + "@example.com")[
            "CreateAccountStatus"]
        STATE["members"].append(status["AccountId"])
    for member in STATE["members"]:
        grant_organization_access_role(member)
    return {"members": STATE["members"]}


SIZED_MUTATIONS = {"grow", "add-members"}

MUTATIONS = {
    "grow": mutate_grow,
    "add-members": mutate_add_members,
    "strong-password-policy": mutate_strong_password_policy,
    "delete-password-policy": mutate_delete_password_policy,
    "root-mfa-on": mutate_root_mfa_on,
    "close-ssh": mutate_close_ssh,
    "stop-logging": mutate_stop_logging,
    "add-users": mutate_add_users,
    "cis-fixed": lambda: moto_seed_cis.mutate_cis_fixed(
        lambda service: client(service, keys=STATE["keys"]), ACCOUNT),
}


def seed(scenario):
    seed_auditor()
    if scenario == "empty":
        return
    seed_iam()
    moto_seed_cis.seed_iam(client, ACCOUNT, backdated)
    seed_ec2()
    seed_s3()
    moto_seed_cis.seed_storage(client)
    seed_cloudtrail()
    seed_config()
    import moto_seed_logging
    moto_seed_logging.seed(client, ACCOUNT)
    seed_organization()


def watch(server, idle, stop):
    parent = os.getppid()
    while not stop.wait(0.5):
        if os.getppid() != parent:
            break
        if time.monotonic() - FAULTS.last_activity > idle:
            break
    server.shutdown()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", default="mixed", choices=["mixed", "empty"])
    parser.add_argument("--auth", action="store_true", help="check signatures after seeding")
    parser.add_argument("--free-requests", type=int, default=0,
                        help="with --auth: requests let through unchecked first")
    parser.add_argument("--config-compliance", help="JSON object rule name -> ComplianceType")
    parser.add_argument("--idle", type=float, default=300)
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    moto_seed_cis.mend_moto()
    import moto_seed_logging
    moto_seed_logging.mend_moto()
    app = Fixture(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_address[1]
    STATE["endpoint"] = "http://127.0.0.1:%d" % port
    threading.Thread(target=server.serve_forever, daemon=True).start()

    seed(args.seed)
    if args.config_compliance:
        FAULTS.compliance = json.loads(args.config_compliance)
    if args.auth:
        import urllib.request
        request = urllib.request.Request(STATE["endpoint"] + "/moto-api/reset-auth",
                                         data=str(args.free_requests).encode(), method="POST",
                                         headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(request).read()
    with FAULTS.lock:
        FAULTS.counts.clear()
        FAULTS.last_activity = time.monotonic()
    print(json.dumps({"endpoint": STATE["endpoint"], "port": port, "account_id": ACCOUNT,
                      "access_key_id": STATE["keys"][0], "secret_access_key": STATE["keys"][1],
                      "members": STATE.get("members", [])}), flush=True)
    # The handler only flags the stop: the main thread is the one in watch(), and it must return
    # for the process to exit.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    watch(server, args.idle, stop)


if __name__ == "__main__":
    main()
