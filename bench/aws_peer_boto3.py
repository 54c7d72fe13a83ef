#!/usr/bin/env python3
"""The peer velocity's AWS collection is compared with: boto3 fetching the same data.

    AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
      python3 bench/aws_peer_boto3.py --endpoint-url URL [--threads N]

Makes the calls `velocity collect` makes (identity, enabled regions of the aws partition, IAM
users with their login profile, MFA devices, keys and last use, attached policies,
customer-managed policies with their documents, security groups, CloudTrail trails with their
status, Config rules with their compliance, S3 buckets with encryption, public access block and
versioning), every page followed. --threads 1 runs them one after another; more threads run
the independent calls of each step concurrently, as a hand-tuned boto3 client would. Prints
the number of calls on stderr.
"""

import argparse
import sys
import threading
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
                self.cache[key] = self.session.client(service, endpoint_url=self.endpoint,
                                                      region_name=region, config=self.config)
            return self.cache[key]


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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    clients = Clients(args.endpoint_url)
    pool = ThreadPoolExecutor(args.threads) if args.threads > 1 else None

    call(clients.get("sts"), "get_caller_identity")
    # The enabled regions of the aws partition, as velocity takes them.
    regions = [r["RegionName"] for r in call(clients.get("ec2"), "describe_regions")["Regions"]
               if r.get("OptInStatus") != "not-opted-in"
               and not r["RegionName"].startswith(("us-gov-", "cn-"))]
    iam = lambda: clients.get("iam")

    # First round: the listings.
    first = run_all(pool, [
        lambda: call(iam(), "get_account_summary"),
        lambda: call(iam(), "get_account_password_policy"),
        lambda: pages(iam(), "list_users", "Marker", "Marker"),
        lambda: pages(iam(), "list_policies", "Marker", "Marker", Scope="Local"),
        lambda: pages(clients.get("s3"), "list_buckets", "ContinuationToken", "ContinuationToken"),
    ] + [lambda r=r: pages(clients.get("ec2", r), "describe_security_groups", "NextToken",
                           "NextToken", MaxResults=1000) for r in regions]
      + [lambda r=r: call(clients.get("cloudtrail", r), "describe_trails",
                          includeShadowTrails=True) for r in regions]
      + [lambda r=r: pages(clients.get("config", r), "describe_config_rules", "NextToken",
                           "NextToken") for r in regions]
      + [lambda r=r: pages(clients.get("config", r), "describe_compliance_by_config_rule",
                           "NextToken", "NextToken") for r in regions])
    users = [u["UserName"] for page in first[2] for u in page.get("Users", [])]
    policies = [(p["Arn"], p["DefaultVersionId"]) for page in first[3]
                for p in page.get("Policies", [])]
    buckets = [b["Name"] for page in first[4] for b in page.get("Buckets", [])]
    trails = {}
    for answer in first[5 + len(regions):5 + 2 * len(regions)]:
        for trail in answer.get("trailList", []):
            trails[trail["TrailARN"]] = trail.get("HomeRegion", "us-east-1")

    # Second round: per user, policy, bucket and trail.
    second = run_all(pool, [
        task for user in users for task in (
            lambda u=user: call(iam(), "get_login_profile", UserName=u),
            lambda u=user: pages(iam(), "list_mfa_devices", "Marker", "Marker", UserName=u),
            lambda u=user: pages(iam(), "list_access_keys", "Marker", "Marker", UserName=u),
            lambda u=user: pages(iam(), "list_attached_user_policies", "Marker", "Marker",
                                 UserName=u))
    ] + [lambda a=arn, v=version: call(iam(), "get_policy_version", PolicyArn=a, VersionId=v)
         for arn, version in policies]
      + [task for bucket in buckets for task in (
          lambda b=bucket: call(clients.get("s3"), "get_bucket_encryption", Bucket=b),
          lambda b=bucket: call(clients.get("s3"), "get_public_access_block", Bucket=b),
          lambda b=bucket: call(clients.get("s3"), "get_bucket_versioning", Bucket=b))]
      + [lambda a=arn, r=region: call(clients.get("cloudtrail", r), "get_trail_status", Name=a)
         for arn, region in trails.items()])
    keys = [key["AccessKeyId"] for i in range(len(users))
            for page in second[4 * i + 2] for key in page.get("AccessKeyMetadata", [])]

    # Third round: the last use of each key.
    run_all(pool, [lambda k=key: call(iam(), "get_access_key_last_used", AccessKeyId=k)
                   for key in keys])
    print("%d calls" % CALLS, file=sys.stderr)


if __name__ == "__main__":
    main()
