"""Google Cloud (Cloud Audit Logs) and Google Workspace (Admin SDK Reports, a seed source): every technique
Stratus Red Team documents for GCP, and the Workspace admin changes that hand out standing access."""

from __future__ import annotations

from .model import Entry

_WHERE = " ({n} call{s}, {first}, from {where})."


def _gcp(id: str, family: str, title: str, technique: str, severity: str, playbook: str, explain: str = "",
         events: tuple[str, ...] = (), **kw) -> Entry:
    return Entry(id, "gcp", family, title, technique, severity, playbook, explain, events, **kw)


_SET_IAM = ("SetIamPolicy", "google.iam.v1.IAMPolicy.SetIamPolicy")

ENTRIES: tuple[Entry, ...] = (
    _gcp("gcp.defense-evasion.delete-logging-sink", "defense evasion", "Log sink deleted", "T1562.008", "high",
         "T1078.004", "{actor} deleted log sinks ({targets}), so logs stopped reaching their export" + _WHERE,
         ("google.logging.v2.ConfigServiceV2.DeleteSink",), key="protoPayload.resourceName"),
    _gcp("gcp.defense-evasion.disable-logging-sink", "defense evasion", "Log sink disabled", "T1562.008", "high",
         "T1078.004", "{actor} disabled log sinks: {details}" + _WHERE,
         ("google.logging.v2.ConfigServiceV2.UpdateSink",), when="gcp_sink_disabled"),
    _gcp("gcp.defense-evasion.disable-audit-logs", "defense evasion", "Data Access audit logs turned off",
         "T1562.008", "high", "T1078.004", "{actor} turned audit logging off: {details}" + _WHERE,
         _SET_IAM + ("SetIamPolicy",), when="gcp_audit_config_removed"),
    _gcp("gcp.defense-evasion.delete-dns-logs", "defense evasion", "Cloud DNS logging policy deleted",
         "T1562.008", "high", "T1078.004", "{actor} deleted DNS logging policies ({targets})" + _WHERE,
         ("dns.policies.delete",), key="protoPayload.resourceName"),
    _gcp("gcp.defense-evasion.reduce-sink-log-retention", "defense evasion", "Short expiry set on a log bucket",
         "T1562.008", "medium", "T1078.004", "{actor} set lifecycle rules that delete objects within days: "
         "{details}" + _WHERE, ("storage.buckets.update",), when="short_expiry"),
    _gcp("gcp.defense-evasion.remove-project-from-organization", "defense evasion",
         "Project moved out of its organisation", "T1666", "critical", "T1078.004",
         "{actor} tried to move projects out of the organisation ({targets})" + _WHERE,
         ("google.cloud.resourcemanager.v3.Projects.MoveProject", "MoveProject", "projects.move"),
         key="protoPayload.resourceName", outcome="any"),
    _gcp("gcp.defense-evasion.remove-vpc-flow-logs", "defense evasion", "VPC flow logs turned off",
         "T1562.008", "high", "T1078.004", "{actor} {details}" + _WHERE,
         ("v1.compute.subnetworks.patch", "beta.compute.subnetworks.patch"), when="gcp_flow_logs_off"),
    _gcp("gcp.exfiltration.share-compute-disk", "exfiltration", "Disk shared outside the organisation", "T1537",
         "high", "T1530", "{actor} shared disks outside the organisation: {details}" + _WHERE,
         ("v1.compute.disks.setIamPolicy",), when="gcp_shared_outside"),
    _gcp("gcp.exfiltration.share-compute-image", "exfiltration", "Image shared outside the organisation", "T1537",
         "high", "T1530", "{actor} shared images outside the organisation: {details}" + _WHERE,
         ("v1.compute.images.setIamPolicy",), when="gcp_shared_outside"),
    _gcp("gcp.exfiltration.share-compute-snapshot", "exfiltration", "Snapshot shared outside the organisation",
         "T1537", "high", "T1530", "{actor} shared snapshots outside the organisation: {details}" + _WHERE,
         ("v1.compute.snapshots.setIamPolicy",), when="gcp_shared_outside"),
    _gcp("gcp.exfiltration.public-bucket", "exfiltration", "Bucket shared outside the organisation", "T1530",
         "high", "T1530", "{actor} opened Cloud Storage buckets: {details}" + _WHERE,
         ("storage.setIamPermissions", "storage.setIamPolicy"), when="gcp_shared_outside", stratus=False),
    _gcp("gcp.persistence.invite-external-user", "persistence", "Outside identity granted a role", "T1098.003",
         "high", "T1098", "{actor} granted roles to identities outside the organisation: {details}" + _WHERE,
         _SET_IAM + ("InsertProjectOwnershipInvite",), when="gcp_shared_outside"),
    _gcp("gcp.persistence.backdoor-service-account-policy", "persistence",
         "Service account opened to an outside identity", "T1098", "high", "T1098",
         "{actor} let outside identities use service accounts: {details}" + _WHERE,
         ("google.iam.admin.v1.SetIAMPolicy",), when="gcp_shared_outside"),
    _gcp("gcp.persistence.create-admin-service-account", "persistence", "Owner or editor role granted", "T1098",
         "high", "T1098", events=_SET_IAM, covered_by="privilege_change"),
    _gcp("gcp.persistence.create-service-account-key", "persistence", "Service account key created", "T1098.001",
         "high", "T1098.001", events=("google.iam.admin.v1.CreateServiceAccountKey",), covered_by="new_credentials"),
    _gcp("gcp.privilege-escalation.impersonate-service-accounts", "privilege escalation",
         "Service account impersonated", "T1550.001", "medium", "T1550.001",
         "{actor} obtained access tokens for {k} service account{ks} ({targets}; {n} request{s}, {first}, from "
         "{where}).", ("GenerateAccessToken", "google.iam.credentials.v1.IAMCredentials.GenerateAccessToken",
                       "google.iam.credentials.v1.IAMCredentials.GenerateIdToken"),
         key="protoPayload.resourceName", outcome="any", escalate_at=3),
    _gcp("gcp.lateral-movement.add-sshkey-instance-metadata", "lateral movement", "SSH key added to metadata",
         "T1098.004", "high", "T1021.004", "{actor}: {details}" + _WHERE,
         ("v1.compute.instances.setMetadata", "v1.compute.projects.setCommonInstanceMetadata",
          "beta.compute.instances.setMetadata"), when="gcp_ssh_keys"),
    _gcp("gcp.credential-access.secretmanager-retrieve-secrets", "credential access", "Burst of secret reads",
         "T1555.006", "high", "T1078.004", "{actor} read {k} different Secret Manager secrets in {span} ({n} "
         "calls; {targets}; from {where}).",
         ("google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion",), outcome="any",
         min_distinct=10, key="protoPayload.resourceName"),
    _gcp("gcp.initial-access.use-compute-sa-outside-gcp", "initial access",
         "Compute default service account used from outside Google Cloud", "T1078.004", "high", "T1078.004",
         "{actor} was used {details}: its token was taken off an instance" + _WHERE, (), when="gcp_compute_sa_outside",
         actor_pattern=r"-compute@developer\.gserviceaccount\.com$", outcome="any"),
    _gcp("gcp.execution.modify-vertex-notebook-startup", "execution", "Notebook start-up script changed",
         "T1059.009", "high", "T1078.004", "{actor}: {details}" + _WHERE,
         ("google.cloud.notebooks.v2.NotebookService.UpdateInstance",), when="gcp_startup_script"),
    _gcp("gcp.impact.create-gpu-vm", "impact", "GPU virtual machine created", "T1496", "medium", "T1078.004",
         "{actor} created virtual machines with GPUs: {details}" + _WHERE,
         ("v1.compute.instances.insert", "beta.compute.instances.insert"), when="gcp_gpu", outcome="any"),
    _gcp("gcp.impact.create-instances-in-multiple-zones", "impact", "Instances created in many zones", "T1496",
         "medium", "T1078.004", "{actor} created instances in {k} zones within {span} ({targets}; {n} call{s}, "
         "from {where}).", ("v1.compute.instances.insert", "beta.compute.instances.insert"), when="gcp_zone",
         min_distinct=4, outcome="any"),
    _gcp("gcp.impact.gcs-ransomware-client-side-encryption", "impact", "Objects rewritten in place", "T1486",
         "high", "T1530", "{actor} rewrote {k} Cloud Storage objects in place in {span} (from {where}).",
         ("storage.objects.create",), when="gcp_rewrite", min_distinct=10),
    _gcp("gcp.impact.gcs-ransomware-individual-deletion", "impact", "Burst of object deletions", "T1485", "high",
         "T1530", "{actor} deleted {k} Cloud Storage objects in {span} ({n} calls, from {where}).",
         ("storage.objects.delete",), min_distinct=50, key="protoPayload.resourceName"),
    _gcp("gcp.discovery.download-instance-metadata", "discovery", "Instance metadata read for many instances",
         "T1580", "low", "T1078.004", "{actor} read the configuration and metadata of {k} instances in {span} "
         "({targets}; from {where}).", ("v1.compute.instances.get", "beta.compute.instances.get"),
         min_distinct=10, key="protoPayload.resourceName"),
    _gcp("gcp.discovery.enumerate-permissions", "discovery", "Permissions enumerated", "T1580", "low",
         "T1078.004", rule="3b0d5f8e-6c1a-4e0b-b2f7-9a41d6c3e812"),
    # --- Google Workspace admin (a seed source) ---
    Entry("workspace.persistence.domain-wide-delegation", "workspace", "persistence",
          "Domain-wide delegation granted to an API client", "T1098.001", "high", "T1098.001",
          "{actor} gave API clients access to every user's data by domain-wide delegation ({n} change{s}, {first}, "
          "from {where}).", ("AUTHORIZE_API_CLIENT_ACCESS",), stratus=False),
    Entry("workspace.credential-access.trusted-oauth-app", "workspace", "credential access",
          "OAuth application trusted domain-wide", "T1528", "medium", "T1550.001",
          "{actor} marked OAuth applications as trusted for the whole domain ({n} change{s}, {first}, from {where}).",
          ("ADD_TO_TRUSTED_OAUTH2_APPS", "ADD_TO_TRUSTED_BY_OAUTH_SCOPE_OAUTH2_APPS"), stratus=False),
    Entry("workspace.persistence.admin-grant", "workspace", "persistence", "Administrator role granted",
          "T1098", "medium", "T1098", events=("GRANT_ADMIN_PRIVILEGE", "ASSIGN_ROLE"), covered_by="privilege_change",
          stratus=False),
)
