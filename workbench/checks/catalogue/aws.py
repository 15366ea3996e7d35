"""AWS: every technique Stratus Red Team documents for AWS, the APIs the seed playbooks name, and the other
defence-evasion and sharing calls of CloudTrail and S3 server access logs."""

from __future__ import annotations

from .model import Entry

def _evade(id: str, title: str, events: tuple[str, ...], verb: str, severity: str = "high", *,
           stratus: bool = True, when: str | None = None, technique: str = "T1562.008", outcome: str = "success") -> Entry:
    return Entry(id, "aws", "defense evasion", title, technique, severity, "T1078.004",
                 f"{{actor}} {verb}{': {details}' if when else ''} ({{n}} call{{s}} between {{first}} and {{last}}, "
                 "from {where}).",
                 events, when=when, stratus=stratus, window_minutes=60, outcome=outcome)


ENTRIES: tuple[Entry, ...] = (
    # --- defence evasion: the logs and the detectors ---
    _evade("aws.defense-evasion.cloudtrail-stop", "CloudTrail logging stopped", ("StopLogging",),
           "stopped CloudTrail logging, so the account's later API calls were not recorded", "critical"),
    _evade("aws.defense-evasion.cloudtrail-delete", "CloudTrail trail deleted", ("DeleteTrail",),
           "deleted a CloudTrail trail, so the account's later API calls were not recorded", "critical"),
    _evade("aws.defense-evasion.cloudtrail-event-selectors", "CloudTrail event selectors narrowed",
           ("PutEventSelectors",), "changed what a CloudTrail trail records", when="selectors_weakened"),
    _evade("aws.defense-evasion.cloudtrail-update", "CloudTrail trail weakened or redirected", ("UpdateTrail",),
           "weakened or redirected a CloudTrail trail", stratus=False, when="trail_weakened"),
    _evade("aws.defense-evasion.cloudtrail-lifecycle-rule", "Short expiry set on a bucket", ("PutBucketLifecycle",),
           "set a lifecycle rule that deletes a bucket's objects within days (a trail bucket emptied)",
           "medium", when="short_expiry"),
    _evade("aws.defense-evasion.dns-delete-logs", "Route 53 DNS query logging removed",
           ("DeleteResolverQueryLogConfig", "DisassociateResolverQueryLogConfig"), "removed DNS query logging"),
    _evade("aws.defense-evasion.vpc-remove-flow-logs", "VPC flow logs deleted", ("DeleteFlowLogs",),
           "deleted VPC flow logs"),
    _evade("aws.defense-evasion.organizations-leave", "Account left its AWS Organization", ("LeaveOrganization",),
           "tried to take the account out of its AWS Organization (the organisation's trails and guardrails no longer "
           "apply)", "critical", technique="T1666", outcome="any"),
    _evade("aws.defense-evasion.guardduty-disable", "GuardDuty detector deleted or detached",
           ("DeleteDetector", "DisassociateFromMasterAccount", "DisassociateFromAdministratorAccount",
            "StopMonitoringMembers", "DeleteMembers"), "turned GuardDuty threat detection off", stratus=False,
           technique="T1562.001"),
    _evade("aws.defense-evasion.config-disable", "AWS Config recording stopped",
           ("StopConfigurationRecorder", "DeleteConfigurationRecorder", "DeleteDeliveryChannel"),
           "stopped AWS Config recording resource changes", stratus=False, technique="T1562.001"),
    _evade("aws.defense-evasion.securityhub-disable", "Security Hub disabled",
           ("DisableSecurityHub", "BatchDisableStandards", "DisassociateFromMasterAccount"),
           "turned Security Hub off", stratus=False, technique="T1562.001"),
    # --- exfiltration by sharing ---
    Entry("aws.exfiltration.ec2-share-ami", "aws", "exfiltration", "AMI shared outside the organisation", "T1537",
          "high", "T1530", "{actor} shared machine images outside the organisation: {details} ({n} call{s}, "
          "{first}, from {where}).", ("ModifyImageAttribute",), when="shared_outside"),
    Entry("aws.exfiltration.ec2-share-ebs-snapshot", "aws", "exfiltration", "EBS snapshot shared outside the "
          "organisation", "T1537", "high", "T1530", "{actor} shared disk snapshots outside the organisation: "
          "{details} ({n} call{s}, {first}, from {where}).", ("ModifySnapshotAttribute",), when="shared_outside"),
    Entry("aws.exfiltration.rds-share-snapshot", "aws", "exfiltration", "RDS snapshot shared outside the "
          "organisation", "T1537", "high", "T1530", "{actor} shared database snapshots outside the organisation: "
          "{details} ({n} call{s}, {first}, from {where}).",
          ("ModifyDBSnapshotAttribute", "ModifyDBClusterSnapshotAttribute"), when="shared_outside"),
    Entry("aws.exfiltration.s3-backdoor-bucket-policy", "aws", "exfiltration", "S3 bucket policy opened", "T1537",
          "high", "T1530", "{actor} opened S3 bucket policies: {details} ({n} call{s}, {first}, from {where}).",
          ("PutBucketPolicy",), when="policy_opened"),
    Entry("aws.exfiltration.s3-public-acl", "aws", "exfiltration", "S3 ACL made public", "T1530", "high", "T1530",
          "{actor} made S3 data public by ACL: {details} ({n} call{s}, {first}, from {where}).",
          ("PutBucketAcl", "PutObjectAcl"), when="acl_public", stratus=False),
    Entry("aws.exfiltration.s3-public-access-block-off", "aws", "exfiltration", "S3 public access block turned off",
          "T1530", "medium", "T1530", "{actor} turned S3 public access protection off: {details} ({first}, from "
          "{where}).", ("PutBucketPublicAccessBlock", "PutAccountPublicAccessBlock"),
          when="public_access_block_off", stratus=False),
    Entry("aws.exfiltration.s3-public-access-block-deleted", "aws", "exfiltration",
          "S3 public access block deleted", "T1530", "medium", "T1530", "{actor} deleted S3 public access "
          "protection ({n} call{s}, {first}, from {where}).", ("DeletePublicAccessBlock",
                                                              "DeleteAccountPublicAccessBlock"), stratus=False),
    Entry("aws.exfiltration.resource-policy-opened", "aws", "exfiltration",
          "SNS / SQS / KMS / secret policy opened", "T1537", "high", "T1530", "{actor} opened resource policies "
          "to outsiders: {details} ({n} call{s}, {first}, from {where}).",
          ("SetTopicAttributes", "SetQueueAttributes", "AddPermission", "PutKeyPolicy", "CreateGrant",
           "PutResourcePolicy"), when="policy_opened", stratus=False),
    Entry("aws.exfiltration.ec2-security-group-open-port-22-ingress", "aws", "exfiltration",
          "Security group opened to the internet on an administrative port", "T1562.007", "high", "T1078.004",
          "{actor} opened security groups to the internet: {details} ({n} call{s}, {first}, from {where}).",
          ("AuthorizeSecurityGroupIngress",), when="open_to_internet"),
    # --- persistence and credential access ---
    Entry("aws.persistence.lambda-backdoor-function", "aws", "persistence", "Lambda function opened to "
          "outsiders", "T1098", "high", "T1098", "{actor} let outsiders invoke Lambda functions: {details} "
          "({n} call{s}, {first}, from {where}).", ("AddPermission20150331", "AddPermission20150331v2",
                                                    "CreateFunctionUrlConfig20211031"), when="policy_opened"),
    Entry("aws.persistence.lambda-layer-extension", "aws", "persistence", "Lambda layer added", "T1546", "medium",
          "T1078.004", "{actor} changed the layers of Lambda functions: {details} ({n} call{s}, {first}, from "
          "{where}).", ("UpdateFunctionConfiguration20150331v2", "UpdateFunctionConfiguration"),
          when="lambda_layer_added"),
    Entry("aws.persistence.lambda-overwrite-code", "aws", "persistence", "Lambda code replaced", "T1525", "low",
          "T1078.004", "{actor} replaced the code of {k} Lambda function{ks} ({targets}; {n} call{s}, {first}, "
          "from {where}). Routine for deployment pipelines; suspicious from a person or a new address.",
          ("UpdateFunctionCode20150331v2", "UpdateFunctionCode"), key="requestParameters.functionName"),
    Entry("aws.persistence.iam-backdoor-role", "aws", "persistence", "Role trust policy opened to outsiders",
          "T1098.003", "high", "T1098", "{actor} let outsiders assume IAM roles: {details} ({n} call{s}, {first}, "
          "from {where}).", ("UpdateAssumeRolePolicy",), when="policy_opened"),
    Entry("aws.persistence.iam-create-backdoor-role", "aws", "persistence", "Role created for outsiders",
          "T1098.003", "high", "T1098", "{actor} created IAM roles that outsiders can assume: {details} ({n} "
          "call{s}, {first}, from {where}).", ("CreateRole",), when="policy_opened"),
    Entry("aws.persistence.iam-backdoor-user", "aws", "persistence", "Access key created for another user",
          "T1098.001", "high", "T1098.001", events=("CreateAccessKey",), covered_by="new_credentials"),
    Entry("aws.persistence.iam-create-admin-user", "aws", "persistence", "Administrator user created",
          "T1098", "high", "T1098", events=("CreateUser", "AttachUserPolicy"), covered_by="privilege_change"),
    Entry("aws.persistence.iam-create-user-login-profile", "aws", "persistence",
          "Console password created for another user", "T1098.001", "high", "T1098.001",
          events=("CreateLoginProfile",), covered_by="new_credentials"),
    Entry("aws.persistence.ec2-key-pair", "aws", "persistence", "EC2 key pair created or imported", "T1098.001",
          "medium", "T1098.001", events=("CreateKeyPair", "ImportKeyPair"), covered_by="new_credentials",
          stratus=False),
    Entry("aws.privilege-escalation.iam-update-user-login-profile", "aws", "privilege escalation",
          "Another user's console password changed", "T1098.001", "high", "T1098.001",
          "{actor} changed the console password of {k} other user{ks} ({targets}; {first}, from {where}): it can "
          "now sign in as them.", ("UpdateLoginProfile",), when="on_another_user"),
    Entry("aws.persistence.rolesanywhere-create-trust-anchor", "aws", "persistence",
          "IAM Roles Anywhere trust anchor or profile created", "T1098.001", "high", "T1098.001",
          "{actor} set up IAM Roles Anywhere ({n} call{s}: {names}; {first}, from {where}): certificates from "
          "that anchor get role credentials from outside AWS.", ("CreateTrustAnchor", "CreateProfile",
                                                                "UpdateTrustAnchor")),
    Entry("aws.persistence.sts-federation-token", "aws", "persistence", "Federation token obtained", "T1098.001",
          "medium", "T1098.001", "{actor} obtained {n} federation token{s} with GetFederationToken ({first}, "
          "from {where}): temporary credentials that outlive the revocation of its access key.",
          ("GetFederationToken",)),
    Entry("aws.lateral-movement.ec2-instance-connect", "aws", "lateral movement",
          "SSH key pushed with EC2 Instance Connect", "T1098.004", "medium", "T1021.004",
          "{actor} pushed SSH keys to {k} instance{ks} with EC2 Instance Connect ({targets}; {n} call{s}, "
          "{first}, from {where}).", ("SendSSHPublicKey",), key="requestParameters.instanceId", escalate_at=3),
    Entry("aws.lateral-movement.ec2-serial-console-send-ssh-public-key", "aws", "lateral movement",
          "SSH key pushed to the EC2 serial console", "T1098.004", "high", "T1021.004",
          "{actor} opened serial-console access ({n} call{s}: {names}; {targets}; {first}, from {where}).",
          ("SendSerialConsoleSSHPublicKey", "EnableSerialConsoleAccess"), key="requestParameters.instanceId"),
    Entry("aws.credential-access.ec2-get-password-data", "aws", "credential access",
          "Burst of Windows password retrievals", "T1552", "high", "T1078.004",
          "{actor} asked for the Windows administrator password of instances {n} times in {span} ({k} "
          "instance{ks}; {first} to {last}, from {where}).", ("GetPasswordData",), outcome="any", min_events=10,
          key="requestParameters.instanceId"),
    Entry("aws.credential-access.secretsmanager-retrieve-secrets", "aws", "credential access",
          "Burst of secret retrievals", "T1555.006", "high", "T1078.004",
          "{actor} read {k} different secrets from Secrets Manager in {span} ({n} calls; {targets}; from "
          "{where}).", ("GetSecretValue",), outcome="any", min_distinct=10, key="requestParameters.secretId"),
    Entry("aws.credential-access.secretsmanager-batch-retrieve-secrets", "aws", "credential access",
          "Secrets retrieved in batch", "T1555.006", "high", "T1078.004",
          "{actor} read secrets in batch with BatchGetSecretValue ({n} call{s}, {first}, from {where}).",
          ("BatchGetSecretValue",), outcome="any"),
    Entry("aws.credential-access.ssm-retrieve-securestring-parameters", "aws", "credential access",
          "Burst of decrypted SSM parameters", "T1555.006", "high", "T1078.004",
          "{actor} decrypted {k} SSM SecureString parameters in {span} ({n} calls; {targets}; from {where}).",
          ("GetParameter", "GetParameters"), when="with_decryption", outcome="any", min_distinct=10),
    Entry("aws.credential-access.ec2-steal-instance-credentials", "aws", "credential access",
          "Instance credentials used from several addresses", "T1552.005", "high", "T1078.004",
          "{actor} (an EC2 instance's role credentials) was used {details} ({n} call{s}, {first} to {last}): the "
          "instance's credentials were taken off it.", (), when="instance_session",
          actor_pattern=r"/i-[0-9a-fA-F]{8,17}$", outcome="any"),
    # --- execution and discovery ---
    Entry("aws.execution.ec2-user-data", "aws", "execution", "Instance user data replaced", "T1059.009", "high",
          "T1078.004", "{actor} replaced instance start-up scripts: {details} ({n} call{s}, {first}, from {where}).",
          ("ModifyInstanceAttribute",), when="user_data_set"),
    Entry("aws.discovery.ec2-download-user-data", "aws", "discovery", "Instance user data downloaded", "T1552",
          "low", "T1078.004", "{actor} downloaded the user data (start-up scripts, often with secrets) of {k} "
          "instance{ks} ({targets}; {first}, from {where}).", ("DescribeInstanceAttribute",),
          when="user_data_read", outcome="any", escalate_at=3),
    Entry("aws.discovery.ec2-enumerate-from-instance", "aws", "discovery", "Enumeration with instance "
          "credentials", "T1580", "medium", "T1078.004", "{actor} (an EC2 instance's role) called {k} different "
          "Describe/List/Get APIs in {span} ({targets}).", (), when="enumeration", min_distinct=10,
          actor_pattern=r"/i-[0-9a-fA-F]{8,17}$", outcome="any"),
    Entry("aws.discovery.ses-enumerate", "aws", "discovery", "SES sending limits enumerated", "T1526", "medium",
          "T1078.004", rule="8a1f3c55-2f0e-4a57-9c52-4f2c8c1d7e10"),
    Entry("aws.discovery.access-denied-across-services", "aws", "discovery", "Calls denied across many services",
          "T1580", "medium", "T1078.004", rule="1e4f6ba5-7fce-4b92-9e95-40b16c8f3b45", stratus=False),
    Entry("aws.execution.ec2-launch-unusual-instances", "aws", "execution", "GPU instances launched or attempted",
          "T1496", "medium", "T1078.004", "{actor} launched or tried to launch GPU instances: {details} ({n} "
          "call{s}, {first}, from {where}).", ("RunInstances",), when="gpu_instance", outcome="any"),
    Entry("aws.execution.sagemaker-update-lifecycle-config", "aws", "execution",
          "SageMaker notebook start-up script changed", "T1059.009", "medium", "T1078.004",
          "{actor} changed notebook start-up scripts: {details} ({first}, from {where}).",
          ("UpdateNotebookInstance",), when="notebook_lifecycle"),
    Entry("aws.execution.ssm-send-command", "aws", "execution", "SSM command sent to many instances", "T1651",
          "high", "T1021.007", "{actor} ran commands with SSM on {k} instances in {span} ({targets}; {n} call{s}, "
          "from {where}).", ("SendCommand",), min_distinct=3, key="requestParameters.instanceIds"),
    Entry("aws.execution.ssm-start-session", "aws", "execution", "SSM sessions opened on many instances", "T1651",
          "medium", "T1021.007", "{actor} opened SSM sessions on {k} instances in {span} ({targets}; from "
          "{where}).", ("StartSession",), min_distinct=3, key="requestParameters.target"),
    # --- initial access and impact ---
    Entry("aws.initial-access.console-login-without-mfa", "aws", "initial access", "Console sign-in without MFA",
          "T1078.004", "medium", "T1078.004", "{actor}, which signs in with MFA elsewhere in these logs, signed in to the "
          "console without it {n} time{s} ({first} to {last}, from {where}).", ("ConsoleLogin",), when="no_mfa", window_minutes=1440),
    Entry("aws.impact.bedrock-invoke-model", "aws", "impact", "Bedrock model access enabled", "T1496",
          "medium", "T1078.004", "{actor} enabled access to Bedrock foundation models ({names}; {n} call{s}, "
          "{first}, from {where}): the first step of running models on the account's bill.",
          ("PutUseCaseForModelAccess", "CreateFoundationModelAgreement", "PutFoundationModelEntitlement")),
    Entry("aws.impact.bedrock-invocation-burst", "aws", "impact", "Burst of Bedrock model invocations", "T1496",
          "low", "T1078.004", "{actor} invoked Bedrock models {n} times in {span} (from {where}).",
          ("InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream"), outcome="any",
          min_events=20, stratus=False),
    Entry("aws.impact.ec2-deregister-ami", "aws", "impact", "Machine images deregistered", "T1485", "medium",
          "T1078.004", "{actor} deregistered {k} machine image{ks} ({targets}; {first}, from {where}).",
          ("DeregisterImage",), key="requestParameters.imageId"),
    Entry("aws.impact.s3-ransomware-batch-deletion", "aws", "impact", "S3 objects deleted in batches", "T1485",
          "high", "T1530", "{actor} deleted S3 objects in {n} batch requests in {span} (from {where}).",
          ("DeleteObjects",), min_events=3),
    Entry("aws.impact.s3-ransomware-individual-deletion", "aws", "impact", "Burst of S3 object deletions",
          "T1485", "high", "T1530", "{actor} deleted {k} S3 objects in {span} ({n} requests, from {where}).",
          ("DeleteObject",), min_distinct=50, key="requestParameters.key"),
    Entry("aws.impact.s3-ransomware-client-side-encryption", "aws", "impact",
          "S3 objects re-encrypted with a customer key", "T1486", "high", "T1530",
          "{actor} rewrote {k} S3 objects encrypted with a key only it holds in {span} ({targets}; from {where}).",
          ("CopyObject", "PutObject"), when="customer_key_copy", min_distinct=5),
    # --- S3 server access logs (a seed source): what they can show without request bodies ---
    Entry("aws.exfiltration.s3-access-log-policy-change", "aws", "exfiltration",
          "Bucket policy or ACL changed (S3 access log)", "T1530", "medium", "T1530",
          "{actor} changed the policy or ACL of bucket {targets} {n} time{s} ({names}; {first}, from {where}); "
          "the access log does not hold the new policy, so check it in CloudTrail or the bucket itself.",
          ("REST.PUT.BUCKETPOLICY", "REST.PUT.ACL", "REST.DELETE.PUBLICACCESSBLOCK"), key="host",
          sources=("s3_access",), stratus=False),
    Entry("aws.impact.s3-access-log-deletions", "aws", "impact", "Burst of object deletions (S3 access log)",
          "T1485", "high", "T1530", "{actor} deleted objects {n} times in {span} in bucket {targets} (from "
          "{where}).", ("REST.DELETE.OBJECT", "REST.POST.MULTI_OBJECT_DELETE"), min_events=50, key="host",
          sources=("s3_access",), outcome="any", stratus=False),
)
