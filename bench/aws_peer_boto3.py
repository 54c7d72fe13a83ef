#!/usr/bin/env python3
"""The peer velocity's AWS collection is compared with: boto3 fetching the same data.

    AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
      python3 bench/aws_peer_boto3.py --endpoint-url URL [--threads N]

Makes the calls `velocity collect` makes for every evidence type (`velocity connect
evidence-types aws` lists them): identity and the enabled regions of the aws partition; IAM
through its bulk APIs (credential report, account authorization details) plus the account
summary, password policy, virtual MFA devices, attached AWS-managed policies and server
certificates; S3 buckets (encryption, public access block, versioning, policy) and the account's
block (S3 Control); in every region security groups, CloudTrail trails (status, event selectors,
their bucket's logging, metric filters, alarms, alarm topics' subscribers), Config rules with
their compliance and recorders with their status, RDS instances, EFS file systems, Access
Analyzer, KMS keys (description, rotation), Security Hub, VPCs, flow logs, network ACLs, EBS
default encryption and volumes, instances — every page followed. --threads 1 runs them one after another; more threads run
the independent calls of each step concurrently, as a hand-tuned boto3 client would. Prints
the number of calls on stderr.
"""

import argparse
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import boto3
import botocore.config
import botocore.exceptions

CALLS = 0
LOCK = threading.Lock()


def count(n=1):
    global CALLS
    with LOCK:
        CALLS += n


class Clients:
    """One client per service and region, shared by every thread: boto3 clients are thread-safe
    once created, sessions are not, so clients are created under a lock from one session."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.session = boto3.session.Session()
        self.config = botocore.config.Config(retries={"max_attempts": 4, "mode": "standard"},
                                             max_pool_connections=32)
        self.cache = {}
        self.lock = threading.Lock()

    def get(self, service, region="us-east-1"):
        key = (service, region)
        with self.lock:
            if key not in self.cache:
                client = self.session.client(service, endpoint_url=self.endpoint,
                                             region_name=region, config=self.config)
                if service == "s3control":
                    client.meta.events.register("before-sign.s3-control.*", self.unprefixed)
                self.cache[key] = client
            return self.cache[key]

    @staticmethod
    def unprefixed(request, **_):
        """S3 Control puts the account id in the host name; an emulator on a loopback address has
        no such host, so (as velocity does there) the id travels in its header only."""
        parts = urllib.parse.urlsplit(request.url)
        account = request.headers.get("x-amz-account-id", "")
        if isinstance(account, bytes):
            account = account.decode()
        if account and parts.hostname and parts.hostname.startswith(account + "."):
            netloc = parts.netloc[len(account) + 1:]
            request.url = urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def call(client, operation, **kwargs):
    count()
    try:
        return getattr(client, operation)(**kwargs)
    except botocore.exceptions.ClientError as error:
        return {"Error": error.response.get("Error", {})}


def pages(client, operation, token_in, token_out, **kwargs):
    items = []
    while True:
        answer = call(client, operation, **kwargs)
        items.append(answer)
        token = answer.get(token_out)
        if not token or (token_out == "Marker" and not answer.get("IsTruncated")):
            return items
        kwargs[token_in] = token


def run_all(pool, tasks):
    if pool is None:
        return [task() for task in tasks]
    return list(pool.map(lambda task: task(), tasks))


def flat(answers, key):
    return [item for answer in answers for item in answer.get(key, [])]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    clients = Clients(args.endpoint_url)
    pool = ThreadPoolExecutor(args.threads) if args.threads > 1 else None

    account = call(clients.get("sts"), "get_caller_identity").get("Account", "")
    # The enabled regions of the aws partition, as velocity takes them.
    regions = [r["RegionName"] for r in call(clients.get("ec2"), "describe_regions")["Regions"]
               if r.get("OptInStatus") != "not-opted-in"
               and not r["RegionName"].startswith(("us-gov-", "cn-"))]
    iam = lambda: clients.get("iam")
    s3 = lambda: clients.get("s3")

    def credential_report():
        for _ in range(7):
            if call(iam(), "generate_credential_report").get("State") == "COMPLETE":
                break
            time.sleep(0.1)
        return call(iam(), "get_credential_report")

    regional = [
        ("ec2", "describe_security_groups", "NextToken", {"MaxResults": 1000}),
        ("rds", "describe_db_instances", "Marker", {}),
        ("efs", "describe_file_systems", "Marker", {}),
        ("accessanalyzer", "list_analyzers", "nextToken", {}),
        ("config", "describe_config_rules", "NextToken", {}),
        ("config", "describe_compliance_by_config_rule", "NextToken", {}),
        ("config", "describe_configuration_recorders", None, {}),
        ("config", "describe_configuration_recorder_status", None, {}),
        ("kms", "list_keys", "Marker", {}),
        ("securityhub", "describe_hub", None, {}),
        ("ec2", "describe_vpcs", "NextToken", {}),
        ("ec2", "describe_flow_logs", "NextToken", {}),
        ("ec2", "describe_network_acls", "NextToken", {}),
        ("ec2", "get_ebs_encryption_by_default", None, {}),
        ("ec2", "describe_volumes", "NextToken", {}),
        ("ec2", "describe_instances", "NextToken", {}),
    ]

    def listing(region, service, operation, token, params):
        client = clients.get(service, region)
        if token is None:
            return [call(client, operation, **params)]
        token_out = "NextMarker" if token == "Marker" and service == "kms" else token
        return pages(client, operation, token, token_out, **params)

    # First round: the account-wide answers, then every regional listing.
    first = run_all(pool, [
        lambda: call(iam(), "get_account_summary"),
        lambda: call(iam(), "get_account_password_policy"),
        lambda: pages(iam(), "list_virtual_mfa_devices", "Marker", "Marker",
                      AssignmentStatus="Assigned"),
        credential_report,
        lambda: pages(iam(), "get_account_authorization_details", "Marker", "Marker"),
        lambda: pages(iam(), "list_policies", "Marker", "Marker", Scope="AWS", OnlyAttached=True),
        lambda: pages(iam(), "list_server_certificates", "Marker", "Marker"),
        lambda: pages(s3(), "list_buckets", "ContinuationToken", "ContinuationToken"),
        lambda: call(clients.get("s3control"), "get_public_access_block", AccountId=account),
        lambda: call(clients.get("account"), "get_alternate_contact",
                     AlternateContactType="SECURITY"),
    ] + [lambda r=r: call(clients.get("cloudtrail", r), "describe_trails",
                          includeShadowTrails=True) for r in regions]
      + [lambda r=r, x=x: (r, x[0], x[1], listing(r, *x)) for r in regions for x in regional])
    account_wide = 10  # the answers before the trails in `first`
    aws_policies = [(p["Arn"], p["DefaultVersionId"]) for p in flat(first[5], "Policies")]
    buckets = [b["Name"] for b in flat(first[7], "Buckets")]
    trails = {}
    for answer in first[account_wide:account_wide + len(regions)]:
        for trail in answer.get("trailList", []):
            trails[trail["TrailARN"]] = trail
    keys = [(region, key["KeyId"]) for region, service, operation, answers in
            first[account_wide + len(regions):] if operation == "list_keys"
            for key in flat(answers, "Keys")]

    # Second round: per policy, bucket, trail and key.
    second = run_all(pool, [
        lambda a=arn, v=version: call(iam(), "get_policy_version", PolicyArn=a, VersionId=v)
        for arn, version in aws_policies]
      + [lambda b=bucket, o=operation: call(s3(), o, Bucket=b) for bucket in buckets
         for operation in ("get_bucket_encryption", "get_public_access_block",
                           "get_bucket_versioning", "get_bucket_policy")]
      + [lambda a=arn, t=trail, o=operation: call(clients.get("cloudtrail", t.get(
          "HomeRegion", "us-east-1")), o, **({"TrailName": a} if o == "get_event_selectors"
                                            else {"Name": a}))
         for arn, trail in trails.items() for operation in ("get_trail_status",
                                                            "get_event_selectors")]
      + [lambda b=bucket: call(s3(), "get_bucket_logging", Bucket=b)
         for bucket in sorted({t["S3BucketName"] for t in trails.values()
                               if t.get("S3BucketName")})]
      + [lambda r=region, k=key: call(clients.get("kms", r), "describe_key", KeyId=k)
         for region, key in keys])
    described = [answer.get("KeyMetadata", {}) for answer in second[-len(keys):]] if keys else []

    # Third round: key rotation, and the monitoring chain of each trail's log group.
    groups = sorted({(t["CloudWatchLogsLogGroupArn"].split(":")[3],
                      t["CloudWatchLogsLogGroupArn"].split(":")[6])
                     for t in trails.values() if t.get("CloudWatchLogsLogGroupArn")})
    third = run_all(pool, [
        lambda k=key: call(clients.get("kms", k["Arn"].split(":")[3]), "get_key_rotation_status",
                           KeyId=k["KeyId"])
        for key in described if key.get("KeyManager") == "CUSTOMER"
        and key.get("KeyState") == "Enabled" and key.get("KeySpec") == "SYMMETRIC_DEFAULT"]
      + [lambda r=r, g=g: pages(clients.get("logs", r), "describe_metric_filters", "nextToken",
                                "nextToken", logGroupName=g) for r, g in groups]
      + [lambda r=r: pages(clients.get("cloudwatch", r), "describe_alarms", "NextToken",
                           "NextToken") for r in sorted({r for r, _ in groups})])
    alarms = [alarm for answers in third if isinstance(answers, list)
              for alarm in flat(answers, "MetricAlarms")]
    topics = sorted({action for alarm in alarms for action in alarm.get("AlarmActions", [])
                     if action.startswith("arn:aws:sns:")})
    run_all(pool, [lambda t=topic: pages(clients.get("sns", t.split(":")[3]),
                                         "list_subscriptions_by_topic", "NextToken", "NextToken",
                                         TopicArn=t) for topic in topics])
    print("%d calls" % CALLS, file=sys.stderr)


if __name__ == "__main__":
    main()
