"""Native event names → the normalized ``action`` vocabulary, kept apart from parsing logic."""

from __future__ import annotations

CLOUDTRAIL_ACTIONS: dict[str, str] = {
    # new credentials (T1098.001)
    "CreateAccessKey": "credential.create",
    "CreateLoginProfile": "credential.create",
    "CreateKeyPair": "credential.create",
    "ImportKeyPair": "credential.create",
    "UploadSSHPublicKey": "credential.create",
    "CreateServiceSpecificCredential": "credential.create",
    "UploadSigningCertificate": "credential.create",
    # changed credentials
    "UpdateLoginProfile": "credential.change",
    "UpdateAccessKey": "credential.change",
    "ChangePassword": "credential.change",
    # accounts
    "CreateUser": "account.create",
    "CreateRole": "account.create",
    # privilege changes (T1098)
    "AttachUserPolicy": "privilege.change",
    "PutUserPolicy": "privilege.change",
    "AddUserToGroup": "privilege.change",
    "CreatePolicyVersion": "privilege.change",
    "AttachRolePolicy": "privilege.change",
    "PutRolePolicy": "privilege.change",
    "AttachGroupPolicy": "privilege.change",
    "PutGroupPolicy": "privilege.change",
    "UpdateAssumeRolePolicy": "privilege.change",
}
