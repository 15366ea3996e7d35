"""The catalogue's conditions on Google Cloud audit log, Azure Activity and Entra ID audit records."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import orjson

from .conditions import Context, Hit, condition, dig, texts

_PUBLIC_MEMBERS = {"allusers", "allauthenticatedusers"}


def _payload(rec: dict[str, Any]) -> dict[str, Any]:
    payload = rec.get("protoPayload")
    return payload if isinstance(payload, dict) else {}


def _members_added(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """(member, role) bindings a setIamPolicy call added: from ``serviceData.policyDelta`` (admin activity
    logs), else the request's policy (Compute's ``v1.compute.*.setIamPolicy`` puts only the request)."""
    deltas = dig(payload, "serviceData.policyDelta.bindingDeltas") or dig(payload, "metadata.datasetChange.bindingDeltas")
    if isinstance(deltas, list) and deltas:
        return [(str(d.get("member")), str(d.get("role"))) for d in deltas
                if isinstance(d, dict) and d.get("action") == "ADD" and d.get("member")]
    bindings = dig(payload, "request.policy.bindings") or dig(payload, "request.bindings") or []
    added = [(str(m), str(b.get("role"))) for b in bindings if isinstance(b, dict) for m in texts(b.get("members"))]
    if isinstance(dig(payload, "request.member"), str):  # InsertProjectOwnershipInvite: an owner invitation
        added.append((str(dig(payload, "request.member")), "roles/owner (invitation)"))
    return added


def _outsider(member: str, ctx: Context) -> str | None:
    kind, _, who = member.partition(":")
    if member.lower() in _PUBLIC_MEMBERS or kind.lower() in _PUBLIC_MEMBERS:
        return f"{member} (public)"
    if not who:
        return None
    domain = who.rsplit("@", 1)[-1].lower() if "@" in who else who.lower()
    if domain.endswith(".iam.gserviceaccount.com"):
        project = domain.split(".", 1)[0]
        return None if project in ctx.own_projects else member
    if domain.endswith("gserviceaccount.com"):
        return None  # Google-managed service agents
    if kind in ("user", "group", "domain", "serviceAccount") and domain not in ctx.own_domains:
        return member
    return None


@condition
def gcp_shared_outside(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """A setIamPolicy that grants a role to allUsers / allAuthenticatedUsers or to an identity outside the
    organisation's domains and projects."""
    payload = _payload(rec)
    outside = [(o, role) for m, role in _members_added(payload) if (o := _outsider(m, ctx))]
    if not outside:
        return None
    what = payload.get("resourceName") or "a resource"
    public = any(o.endswith("(public)") for o, _ in outside)
    granted = "; ".join(f"{role} to {o}" for o, role in outside[:3])
    return Hit(f"{what}: {granted}", (str(what),), "critical" if public else None)


@condition
def gcp_audit_config_removed(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    deltas = dig(_payload(rec), "serviceData.policyDelta.auditConfigDeltas") or []
    removed = [f"{d.get('logType')} of {d.get('service')}" for d in deltas
               if isinstance(d, dict) and d.get("action") == "REMOVE"]
    if not removed:
        return None
    return Hit(f"audit logging removed: {', '.join(removed)}", (str(_payload(rec).get("resourceName")),))


@condition
def gcp_sink_disabled(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    payload = _payload(rec)
    if dig(payload, "request.sink.disabled") is not True:
        return None
    sink = dig(payload, "request.sinkName") or payload.get("resourceName") or "a sink"
    return Hit(f"{sink} disabled", (str(sink),))


@condition
def gcp_flow_logs_off(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    payload = _payload(rec)
    if dig(payload, "request.logConfig.enable") is not False and dig(payload, "request.enableFlowLogs") is not False:
        return None
    subnet = payload.get("resourceName") or "a subnet"
    return Hit(f"flow logs turned off on {subnet}", (str(subnet),))


@condition
def gcp_ssh_keys(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    payload = _payload(rec)
    text = orjson.dumps(payload).decode()
    if not re.search(r'"(ssh-keys|sshKeys)"', text):
        return None
    where = payload.get("resourceName") or "an instance"
    return Hit(f"SSH key added to the metadata of {where}", (str(where),))


@condition
def gcp_gpu(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    accelerators = dig(_payload(rec), "request.guestAccelerators")
    if not accelerators:
        return None
    kinds = [str(t).rsplit("/", 1)[-1] for t in texts(dig(accelerators, "acceleratorType"))]
    where = _payload(rec).get("resourceName") or "an instance"
    return Hit(f"{where} with {', '.join(kinds) or 'GPU'}", (str(where),))


@condition
def gcp_zone(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    zone = dig(rec, "resource.labels.zone") or (m.group(1) if (m := re.search(
        r"/zones/([^/]+)/", str(_payload(rec).get("resourceName") or ""))) else None)
    return Hit(f"in {zone}", (str(zone),)) if zone else None


@condition
def gcp_rewrite(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """storage.objects.create that replaces an object in place (it needed delete permission on the same one)."""
    perms = texts(dig(_payload(rec), "authorizationInfo.permission"))
    if "storage.objects.delete" not in perms:
        return None
    return Hit("object rewritten in place", (str(_payload(rec).get("resourceName")),))


@condition
def gcp_startup_script(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    payload = _payload(rec)
    if not re.search(r"(post-)?startup-script", orjson.dumps(payload).decode()):
        return None
    return Hit(f"start-up script of {payload.get('resourceName') or 'an instance'} changed",
               (str(payload.get("resourceName")),))


@condition
def gcp_compute_sa_outside(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """The Compute Engine default service account used from a public address by a client that is not GCE's."""
    user, ip = str(row.get("user") or ""), row.get("src_ip")
    agent = str(row.get("user_agent") or "")
    if not user.endswith("-compute@developer.gserviceaccount.com") or not isinstance(ip, str):
        return None
    try:
        if not ipaddress.ip_address(ip).is_global:
            return None
    except ValueError:
        return None
    if re.search(r"GCE|gcloud", agent):
        return None
    return Hit(f"from {ip} with {agent or 'no user agent'}", (ip,))


# --- Azure and Entra ID ---------------------------------------------------------------------------------

def _text(rec: dict[str, Any]) -> str:
    return orjson.dumps(rec).decode()


@condition
def azure_public_storage(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """A storage account allowing public blob access, or a container made public (Container / Blob)."""
    text = _text(rec)
    public = re.search(r'\\?"allowBlobPublicAccess\\?"\s*:\s*(\\?"?)true', text, re.IGNORECASE)
    container = re.search(r'\\?"publicAccess\\?"\s*:\s*\\?"(Container|Blob)', text, re.IGNORECASE)
    if not public and not container:
        return None
    resource = str(rec.get("resourceId") or rec.get("ResourceId") or rec.get("_ResourceId") or "a storage account")
    what = "public blob access allowed" if public else f"container public access set to {container.group(1)}"
    return Hit(f"{resource.rsplit('/', 1)[-1]}: {what}", (resource.lower(),))


@condition
def entra_property(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """An Entra ID change whose modified properties touch federated identity credentials, hidden membership
    or strong-authentication (MFA) methods."""
    text = _text(rec)
    for needle, what in (("FederatedIdentityCredential", "federated identity credential added"),
                         ("HiddenMembership", "membership hidden"),
                         ("StrongAuthentication", "MFA method changed")):
        if needle.lower() in text.lower():
            target = row.get("target_user")
            return Hit(f"{what}{' on ' + str(target) if isinstance(target, str) else ''}",
                       (str(target),) if isinstance(target, str) else ())
    return None


@condition
def entra_mfa_for_other(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """A strong-authentication (MFA) method set on a user by someone else."""
    target, actor = row.get("target_user"), row.get("user")
    if not isinstance(target, str) or target == actor or "strongauthentication" not in _text(rec).lower():
        return None
    return Hit(f"MFA method set on {target}", (target,))
