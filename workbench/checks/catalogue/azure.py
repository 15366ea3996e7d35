"""Azure (Activity log) and Entra ID (audit log): every technique Stratus Red Team documents for them, and
the consent, federation, MFA, conditional-access and guest changes the seed playbooks ask about."""

from __future__ import annotations

from .model import Entry


def _az(id: str, family: str, title: str, technique: str, severity: str, playbook: str, explain: str = "",
        events: tuple[str, ...] = (), **kw) -> Entry:
    return Entry(id, "azure", family, title, technique, severity, playbook, explain, events, **kw)


def _entra(id: str, family: str, title: str, technique: str, severity: str, playbook: str, explain: str = "",
           events: tuple[str, ...] = (), **kw) -> Entry:
    return Entry(id, "entra", family, title, technique, severity, playbook, explain, events, **kw)


_WHERE = " ({n} operation{s}, {first}, from {where})."
_STORAGE_LOGS = ("needs Azure Storage resource logs (StorageBlobLogs), which the workbench does not read; "
                 "the Activity log does not record blob reads, writes or deletions")

ENTRIES: tuple[Entry, ...] = (
    _az("azure.defense-evasion.diagnostic-settings-deleted", "defense evasion", "Diagnostic setting deleted",
        "T1562.008", "high", "T1078.004", "{actor} deleted diagnostic settings that send resource logs out "
        "({targets})" + _WHERE, ("Microsoft.Insights/diagnosticSettings/delete",), key="resourceId", stratus=False),
    _az("azure.execution.vm-run-command", "execution", "Command run on a virtual machine", "T1651", "high",
        "T1021.007", "{actor} ran commands on {k} virtual machine{ks} with Run Command ({targets})" + _WHERE,
        ("Microsoft.Compute/virtualMachines/runCommand/action", "Microsoft.Compute/virtualMachines/runCommands/write"),
        key="resourceId"),
    _az("azure.execution.vm-custom-script-extension", "execution", "Custom script extension installed", "T1651",
        "medium", "T1021.007", "{actor} installed or changed VM extensions on {k} machine{ks} ({targets})" + _WHERE,
        ("Microsoft.Compute/virtualMachines/extensions/write",), key="resourceId"),
    _az("azure.credential-access.app-service-publishing-credentials", "credential access",
        "App Service publishing credentials read", "T1552", "high", "T1078.004",
        "{actor} read the publishing (deployment) credentials of {targets}" + _WHERE,
        ("Microsoft.Web/sites/publishxml/action", "Microsoft.Web/sites/config/list/action"), key="resourceId"),
    _az("azure.exfiltration.disk-export", "exfiltration", "Disk exported through a SAS URL", "T1537", "high",
        "T1530", "{actor} generated download links for managed disks ({targets})" + _WHERE,
        ("Microsoft.Compute/disks/beginGetAccess/action", "Microsoft.Compute/snapshots/beginGetAccess/action"),
        key="resourceId"),
    _az("azure.exfiltration.storage-public-access", "exfiltration", "Storage made publicly readable", "T1537",
        "high", "T1530", "{actor} opened storage to the internet: {details}" + _WHERE,
        ("Microsoft.Storage/storageAccounts/write", "Microsoft.Storage/storageAccounts/blobServices/containers/write"),
        when="azure_public_storage"),
    _az("azure.exfiltration.storage-sas-export", "credential access", "Storage account keys listed", "T1552",
        "medium", "T1530", "{actor} listed the access keys of {k} storage account{ks} ({targets}); with a key it "
        "can mint SAS links to any data" + _WHERE, ("Microsoft.Storage/storageAccounts/listKeys/action",),
        key="resourceId", escalate_at=3),
    _az("azure.impact.blob-ransomware-client-encryption-scope", "impact", "Storage encryption scope created",
        "T1486", "medium", "T1530", "{actor} created encryption scopes on {targets}" + _WHERE,
        ("Microsoft.Storage/storageAccounts/encryptionScopes/write",), key="resourceId"),
    _az("azure.impact.blob-ransomware-cpek", "impact", "Blobs rewritten with customer-provided keys", "T1486",
        "high", "T1530", unsupported=_STORAGE_LOGS, events=()),
    _az("azure.impact.blob-ransomware-individual-file-deletion", "impact", "Blobs deleted one by one", "T1485",
        "high", "T1530", unsupported=_STORAGE_LOGS, events=()),
    _az("azure.impact.blob-ransomware-service-storage-cmk", "impact", "Key vault deleted", "T1485", "high",
        "T1078.004", "{actor} deleted key vaults ({targets}); data encrypted with their keys becomes unreadable"
        + _WHERE, ("Microsoft.KeyVault/vaults/delete",), key="resourceId"),
    _az("azure.impact.resource-lock", "impact", "Resource lock deleted", "T1485", "medium", "T1078.004",
        "{actor} deleted resource locks ({targets}), so the resources can now be deleted" + _WHERE,
        ("Microsoft.Authorization/locks/delete",), key="resourceId"),
    _az("azure.persistence.backdoor-managed-identity-fic", "persistence",
        "Federated credential added to a managed identity", "T1098.001", "high", "T1098.001",
        "{actor} added federated identity credentials to managed identities ({targets}): an outside identity "
        "provider can now get its tokens" + _WHERE,
        ("Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write",), key="resourceId"),
    _az("azure.persistence.create-bastion-shareable-link", "persistence", "Bastion shareable link created",
        "T1098", "high", "T1098", "{actor} created Bastion links that reach virtual machines without an Azure "
        "sign-in ({targets})" + _WHERE, ("Microsoft.Network/bastionHosts/createshareablelinks/action",
                                          "Microsoft.Network/bastionHosts/getShareablelinks/action"), key="resourceId"),
    _az("azure.persistence.exfiltrate-foundry-key", "credential access", "AI services keys listed", "T1552",
        "medium", "T1078.004", "{actor} listed the API keys of Cognitive Services / AI Foundry accounts "
        "({targets})" + _WHERE, ("Microsoft.CognitiveServices/accounts/listKeys/action",), key="resourceId"),
    _az("azure.privilege-escalation.root-user-access-administrator", "privilege escalation",
        "Access elevated to User Access Administrator at root scope", "T1098.003", "critical", "T1098",
        "{actor} elevated its access to User Access Administrator over every subscription of the tenant" + _WHERE,
        ("Microsoft.Authorization/elevateAccess/action",)),
    _az("azure.persistence.key-vault-access-policy", "credential access", "Key vault access policy changed",
        "T1098", "medium", "T1098", events=("Microsoft.KeyVault/vaults/accessPolicies/write",),
        covered_by="privilege_change", stratus=False),
    # --- Entra ID audit ---
    _entra("entra-id.persistence.backdoor-application-fic", "persistence",
           "Federated credential added to an application", "T1098.001", "high", "T1098.001",
           "{actor} changed applications: {details}; an outside identity provider can now sign in as them"
           + _WHERE, ("Update application",), when="entra_property"),
    _entra("entra-id.persistence.backdoor-application-sp", "persistence",
           "Credentials added to a service principal", "T1098.001", "high", "T1098.001",
           events=("Add service principal credentials",), covered_by="new_credentials"),
    _entra("entra-id.persistence.backdoor-application", "persistence", "Secret or certificate added to an "
           "application", "T1098.001", "high", "T1098.001",
           events=("Update application – Certificates and secrets management",), covered_by="new_credentials"),
    _entra("entra-id.persistence.guest-user", "persistence", "External user invited", "T1136.003", "medium",
           "T1078.004", "{actor} invited {k} external (guest) user{ks} ({targets})" + _WHERE,
           ("Invite external user",), key="target_user", escalate_at=5),
    _entra("entra-id.persistence.hidden-au", "persistence", "Hidden-membership administrative unit created",
           "T1098", "high", "T1098", "{actor} created administrative units whose members are hidden: {details}"
           + _WHERE, ("Add administrative unit",), when="entra_property"),
    _entra("entra-id.persistence.new-application", "persistence", "Application registered", "T1098.001", "low",
           "T1098.001", "{actor} registered {k} application{ks} ({targets})" + _WHERE, ("Add application",),
           key="target_user"),
    _entra("entra-id.persistence.restricted-au", "persistence",
           "Member added to a restricted-management administrative unit", "T1098", "high", "T1098",
           "{actor} put {targets} in a restricted-management administrative unit, where tenant administrators can "
           "no longer change them" + _WHERE, ("Add member to restricted management administrative unit",),
           key="target_user"),
    _entra("entra-id.credential-access.consent-grant", "credential access", "Application consent granted",
           "T1528", "high", "T1550.001", "{actor} granted applications access to data ({names}; {targets})"
           + _WHERE, ("Consent to application", "Add delegated permission grant"), key="target_user",
           stratus=False),
    _entra("entra-id.defense-evasion.federation-changed", "defense evasion",
           "Domain federation added or changed (Golden SAML)", "T1484.002", "critical", "T1078.004",
           "{actor} changed how domains authenticate ({names}; {targets}): a federation server it controls can "
           "then sign in as any user of the domain" + _WHERE,
           ("Set domain authentication", "Set federation settings on domain"),
           key="target_user", stratus=False),
    _entra("entra-id.persistence.mfa-method-for-other", "persistence", "MFA method set for another user",
           "T1556.006", "high", "T1098", "{actor} set MFA methods on other users: {details}" + _WHERE,
           ("Update user",), when="entra_mfa_for_other", stratus=False),
    _entra("entra-id.persistence.admin-registered-security-info", "persistence",
           "Security info registered by an administrator for a user", "T1098.001", "high", "T1098.001",
           events=("Admin registered security info",), covered_by="new_credentials", stratus=False),
    _entra("entra-id.defense-evasion.conditional-access-deleted", "defense evasion",
           "Conditional access policy deleted", "T1556.009", "high", "T1078.004",
           "{actor} deleted conditional access policies ({targets})" + _WHERE,
           ("Delete conditional access policy",), key="target_user", stratus=False),
    _entra("entra-id.defense-evasion.conditional-access-changed", "defense evasion",
           "Conditional access policy changed", "T1556.009", "medium", "T1078.004",
           "{actor} changed conditional access policies ({targets})" + _WHERE,
           ("Update conditional access policy",), key="target_user", stratus=False),
)
