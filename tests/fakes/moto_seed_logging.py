"""Seeding for the CIS AWS sections 3-5 checks (logging, monitoring, networking), imported by
moto_aws.py. Each check gets a resource that passes and one that fails; what moto 5.2.1 cannot
represent is said where it is worked around.

    seed(client, account)    client(service, region="us-east-1") -> a boto3 client
    mend_moto()              before serving: see below
"""

import json

ACCOUNT_TRAIL = "org-trail"
LOG_GROUP = "cloudtrail/org-trail"


def mend_moto():
    """moto 5.2.1 checks a signature over the request it rebuilds from the parsed request, and
    for a GET without a body it rebuilds the body from the parsed parameters (for Security Hub's
    GET /accounts a non-empty form), so a correctly signed request is refused with
    SignatureDoesNotMatch. The patch signs what was sent: an empty body for a body-less GET,
    HEAD or DELETE. Nothing else about the check changes."""
    from moto.iam import access_control

    rebuild = access_control.IAMRequestBase._create_aws_request

    def create_aws_request(self):
        request = rebuild(self)
        if not self._body and self._method in ("GET", "HEAD", "DELETE"):
            request.data = b""
        return request

    access_control.IAMRequestBase._create_aws_request = create_aws_request


def seed(client, account):
    seed_trails(client, account)
    seed_monitoring(client, account)
    seed_config_recorder(client)
    seed_kms(client)
    seed_security_hub(client)
    seed_network(client)


def seed_trails(client, account):
    s3 = client("s3")
    # org-trail's bucket logs its access; local-trail delivers to a bucket that does not.
    s3.put_bucket_acl(Bucket="velocity-data", GrantWrite="uri=http://acs.amazonaws.com/groups/s3/LogDelivery",
                      GrantReadACP="uri=http://acs.amazonaws.com/groups/s3/LogDelivery",
                      GrantFullControl="id=%s" % account)
    s3.put_bucket_logging(Bucket="velocity-logs", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "velocity-data", "TargetPrefix": "trail-access/"}})
    logs = client("logs")
    logs.create_log_group(logGroupName=LOG_GROUP)
    group_arn = "arn:aws:logs:us-east-1:%s:log-group:%s:*" % (account, LOG_GROUP)
    trail = client("cloudtrail")
    trail.update_trail(Name=ACCOUNT_TRAIL,
                       KmsKeyId="arn:aws:kms:us-east-1:%s:key/trail-key" % account,
                       CloudWatchLogsLogGroupArn=group_arn,
                       CloudWatchLogsRoleArn="arn:aws:iam::%s:role/trail-to-logs" % account)
    # Management events read and write, S3 object writes of every bucket (no reads).
    trail.put_event_selectors(TrailName=ACCOUNT_TRAIL, EventSelectors=[
        {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": []},
        {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": False,
         "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}])
    client("cloudtrail", "eu-west-1").update_trail(Name="local-trail",
                                                   S3BucketName="velocity-partial")


# (filter name, pattern, alarm?, topic) for the monitoring recommendations seeded.
FILTERS = [
    # 4.1 passes: the benchmark's terms in another order and spacing, exclusions left out.
    ("unauthorized-api-calls",
     '{($.errorCode="AccessDenied*")||($.errorCode = "*UnauthorizedOperation")}', True,
     "security-alerts"),
    # 4.5 passes: the benchmark's pattern as written.
    ("cloudtrail-changes",
     "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || "
     "($.eventName = DeleteTrail) || ($.eventName = StartLogging) || "
     "($.eventName = StopLogging) }", True, "security-alerts"),
    # 4.3 fails: filter and alarm, but the topic has no subscriber.
    ("root-usage",
     '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
     '$.eventType != "AwsServiceEvent" }', True, "nobody-listens"),
    # 4.4 fails: the filter misses most of the policy events.
    ("policy-changes", "{ ($.eventName = PutUserPolicy) || ($.eventName = CreatePolicy) }", True,
     "security-alerts"),
    # 4.10 fails: a matching filter without an alarm.
    ("security-group-changes",
     "{ ($.eventName = AuthorizeSecurityGroupIngress) || "
     "($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || "
     "($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || "
     "($.eventName = DeleteSecurityGroup) }", False, None),
]


def seed_monitoring(client, account):
    sns = client("sns")
    sqs = client("sqs")
    queue = sqs.create_queue(QueueName="security-alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    topics = {}
    for name in ("security-alerts", "nobody-listens"):
        topics[name] = sns.create_topic(Name=name)["TopicArn"]
    sns.subscribe(TopicArn=topics["security-alerts"], Protocol="sqs", Endpoint=queue_arn)
    logs = client("logs")
    cloudwatch = client("cloudwatch")
    for name, pattern, alarm, topic in FILTERS:
        logs.put_metric_filter(logGroupName=LOG_GROUP, filterName=name, filterPattern=pattern,
                               metricTransformations=[{"metricName": name,
                                                       "metricNamespace": "CISBenchmark",
                                                       "metricValue": "1"}])
        if alarm:
            cloudwatch.put_metric_alarm(AlarmName=name + "-alarm", MetricName=name,
                                        Namespace="CISBenchmark", Statistic="Sum", Period=300,
                                        EvaluationPeriods=1, Threshold=1,
                                        ComparisonOperator="GreaterThanOrEqualToThreshold",
                                        AlarmActions=[topics[topic]])


def seed_config_recorder(client):
    # moto_aws.py made recorder "default" in us-east-1; it records everything once started.
    # eu-west-1 has none.
    config = client("config")
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": "arn:aws:iam::123456789012:role/config",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    config.put_delivery_channel(DeliveryChannel={"name": "default",
                                                 "s3BucketName": "velocity-logs"})
    config.start_configuration_recorder(ConfigurationRecorderName="default")


def seed_kms(client):
    kms = client("kms")
    rotating = kms.create_key(Description="rotating")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotating)
    kms.create_key(Description="static")
    kms.create_key(Description="signing", KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")


def seed_security_hub(client):
    client("securityhub").enable_security_hub()


def seed_network(client):
    ec2 = client("ec2")
    eu = client("ec2", "eu-west-1")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    # Flow logs for us-east-1's default VPC only.
    ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="REJECT",
                         LogDestinationType="cloud-watch-logs", LogGroupName="vpc-flow-logs",
                         DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow-logs")
    # A network ACL that denies SSH from anywhere first, then allows every TCP port: 22 is
    # shut, 3389 is open, and no entry allows every protocol.
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6",
                                 RuleAction="deny", Egress=False, CidrBlock="0.0.0.0/0",
                                 PortRange={"From": 22, "To": 22})
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=200, Protocol="6",
                                 RuleAction="allow", Egress=False, CidrBlock="0.0.0.0/0",
                                 PortRange={"From": 0, "To": 65535})
    ec2.create_tags(Resources=[acl], Tags=[{"Key": "Name", "Value": "web-acl"}])
    # eu-west-1's default security group loses its rules; us-east-1's keeps them.
    default = eu.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]
    if default.get("IpPermissionsEgress"):
        eu.revoke_security_group_egress(GroupId=default["GroupId"],
                                        IpPermissions=default["IpPermissionsEgress"])
    if default.get("IpPermissions"):
        eu.revoke_security_group_ingress(GroupId=default["GroupId"],
                                         IpPermissions=default["IpPermissions"])
    smb = ec2.create_security_group(GroupName="smb-open", Description="smb-open",
                                    VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=smb, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 445, "ToPort": 445,
         "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    ec2.enable_ebs_encryption_by_default()
    ec2.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=True)
    ec2.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=False)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    iam = client("iam")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "ec2.amazonaws.com"}}]}))
    iam.create_instance_profile(InstanceProfileName="app")
    iam.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                      IamInstanceProfile={"Name": "app"},
                      MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"},
                      TagSpecifications=[{"ResourceType": "instance",
                                          "Tags": [{"Key": "Name", "Value": "imds-v2"}]}])
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                      MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "enabled"},
                      TagSpecifications=[{"ResourceType": "instance",
                                          "Tags": [{"Key": "Name", "Value": "imds-v1"}]}])
