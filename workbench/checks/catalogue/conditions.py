"""Conditions on a request that decide whether a catalogue event is the attack: read from the original record
(only for candidate rows), each returning what the request did (for the explanation) and its targets, or None.

The record shapes follow the providers' references: CloudTrail ``requestParameters`` as each service's API
names them (EC2 ``ipPermissions.items``, ``launchPermission.add.items``, RDS ``valuesToAdd``, IAM / S3 / KMS /
SNS / SQS policy documents as JSON text), Cloud Audit Logs ``protoPayload`` (``serviceData.policyDelta``,
``request``), Azure Activity ``properties`` and Entra ID audit ``targetResources[].modifiedProperties``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import orjson


@dataclass(frozen=True)
class Context:
    """What "ours" means: the organisation's own AWS accounts, Google Cloud projects and e-mail domains
    (configured, plus those the loaded logs show acting)."""

    own_accounts: frozenset[str] = frozenset()
    own_domains: frozenset[str] = frozenset()
    own_projects: frozenset[str] = frozenset()
    mfa_users: frozenset[str] = frozenset()  # accounts seen signing in to the AWS console with MFA
    people_ips: frozenset[str] = frozenset()  # addresses that accounts other than EC2 instance roles act from
    session_ips: dict[str, frozenset[str]] = field(default_factory=dict)  # instance-role session -> its addresses


@dataclass(frozen=True)
class Hit:
    details: str
    keys: tuple[str, ...] = ()
    severity: str | None = None  # overrides the entry's (a worse variant)


Condition = Callable[[dict[str, Any], dict[str, Any], Context], "Hit | None"]
CONDITIONS: dict[str, Condition] = {}


def condition(fn: Condition) -> Condition:
    CONDITIONS[fn.__name__] = fn
    return fn


def dig(node: Any, path: str) -> Any:
    """The value at a dotted path (keys any case; a list is walked element by element and flattened)."""
    for part in path.split("."):
        if isinstance(node, list):
            node = [dig(n, part) for n in node]
            node = [v for n in node for v in (n if isinstance(n, list) else [n]) if v is not None]
            continue
        if not isinstance(node, dict):
            return None
        if part in node:
            node = node[part]
        else:
            low = part.lower()
            node = next((v for k, v in node.items() if k.lower() == low), None)
    return node


def texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [t for v in value for t in texts(v)]
    return [str(value)]


def _params(rec: dict[str, Any]) -> dict[str, Any]:
    params = rec.get("requestParameters")
    return params if isinstance(params, dict) else {}


def _json(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return None
    return value


# --- AWS ------------------------------------------------------------------------------------------------

ADMIN_PORTS = {22: "SSH", 3389: "RDP", 23: "Telnet", 445: "SMB", 5985: "WinRM", 5986: "WinRM", 3306: "MySQL",
               5432: "PostgreSQL", 1433: "SQL Server", 6379: "Redis", 9200: "Elasticsearch", 27017: "MongoDB"}


def _everyone(cidr: str) -> bool:
    """A CIDR of prefix length 0 (0.0.0.0/0, ::/0, or any address written with /0): every address."""
    try:
        return ipaddress.ip_network(str(cidr).strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


@condition
def open_to_internet(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """AuthorizeSecurityGroupIngress opening an administrative port (or every port) to 0.0.0.0/0 or ::/0."""
    p = _params(rec)
    rules = []
    items = dig(p, "ipPermissions.items")
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict):
            cidrs = texts(dig(item, "ipRanges.items.cidrIp")) + texts(dig(item, "ipv6Ranges.items.cidrIpv6"))
            rules.append((item.get("ipProtocol"), item.get("fromPort"), item.get("toPort"), cidrs))
    if p.get("cidrIp"):  # the older flat form
        rules.append((p.get("ipProtocol"), p.get("fromPort"), p.get("toPort"), [p["cidrIp"]]))
    opened = []
    for proto, low, high, cidrs in rules:
        wide = [c for c in cidrs if _everyone(c)]
        if not wide:
            continue
        if str(proto) == "-1":
            opened.append(f"every port open to {wide[0]}")
            continue
        try:
            low, high = int(low), int(high)
        except (TypeError, ValueError):
            continue
        ports = [f"{port} ({name})" for port, name in ADMIN_PORTS.items() if low <= port <= high]
        if ports:
            opened.append(f"port{'s' * (len(ports) > 1)} {', '.join(ports)} open to {wide[0]}")
    if not opened:
        return None
    group = p.get("groupId") or p.get("groupName") or "a security group"
    return Hit(f"{group}: {'; '.join(opened)}", (str(group),))


def _outside(accounts: Iterable[str], ctx: Context) -> list[str]:
    out = []
    for a in accounts:
        a = str(a).strip()
        if a.lower() == "all":
            out.append("everyone (public)")
        elif a and a not in ctx.own_accounts:
            out.append(f"account {a}")
    return out


@condition
def shared_outside(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """An AMI, EBS snapshot or RDS snapshot shared with an account that is not one of ours, or made public."""
    p = _params(rec)
    added = (texts(dig(p, "launchPermission.add.items.userId")) + texts(dig(p, "launchPermission.add.items.group"))
             + texts(dig(p, "createVolumePermission.add.items.userId"))
             + texts(dig(p, "createVolumePermission.add.items.group")) + texts(p.get("valuesToAdd")))
    if p.get("attributeName") not in (None, "restore") and p.get("valuesToAdd"):
        return None
    outside = _outside(added, ctx)
    if not outside:
        return None
    what = (p.get("imageId") or p.get("snapshotId") or p.get("dBSnapshotIdentifier")
            or p.get("dBClusterSnapshotIdentifier") or "a resource")
    public = any(o.startswith("everyone") for o in outside)
    return Hit(f"{what} shared with {', '.join(outside)}", (str(what),), "critical" if public else None)


_POLICY_KEYS = ("bucketPolicy", "policy", "policyDocument", "assumeRolePolicyDocument", "resourcePolicy",
                "attributeValue", "attributes.Policy")
_ORG_LIMITS = ("aws:principalorgid", "aws:sourceaccount", "aws:sourceorgid", "aws:principalaccount",
               "aws:sourcevpc", "aws:sourcevpce", "aws:sourcearn", "aws:sourceip")


def _principals(stmt: dict[str, Any]) -> list[str]:
    principal = stmt.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        return texts(principal.get("AWS")) + texts(principal.get("Federated")) + texts(principal.get("CanonicalUser"))
    return []


def _account_of(principal: str) -> str | None:
    m = re.match(r"^arn:aws[\w-]*:(?:iam|sts)::(\d{12}):", principal)
    if m:
        return m.group(1)
    return principal if re.fullmatch(r"\d{12}", principal) else None


def policy_outsiders(doc: Any, ctx: Context) -> list[str]:
    """Who outside the organisation an IAM-style policy document lets in (``*`` or other accounts), ignoring
    statements limited to the organisation or its own accounts by a condition."""
    doc = _json(doc)
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    statements = [statements] if isinstance(statements, dict) else statements if isinstance(statements, list) else []
    out: list[str] = []
    for stmt in statements:
        if not isinstance(stmt, dict) or stmt.get("Effect", "Allow") != "Allow":
            continue
        limited = any(k.lower() in _ORG_LIMITS for op in (stmt.get("Condition") or {}).values()
                      if isinstance(op, dict) for k in op)
        for who in _principals(stmt):
            if who == "*" and not limited:
                out.append("anyone (Principal \"*\")")
            elif (account := _account_of(who)) and account not in ctx.own_accounts:
                out.append(f"account {account}")
    return list(dict.fromkeys(out))


@condition
def policy_opened(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """A resource or trust policy (S3, KMS, SNS, SQS, Secrets Manager, IAM role) or a Lambda / SNS / SQS
    permission that lets in anyone or an account that is not ours."""
    p = _params(rec)
    outsiders: list[str] = []
    for key in _POLICY_KEYS:
        value = dig(p, key)
        if value is not None:
            outsiders += policy_outsiders(value, ctx)
    if "principal" in p:  # Lambda AddPermission
        who = str(p.get("principal"))
        if who == "*" and not p.get("sourceAccount") and not p.get("principalOrgID"):
            outsiders.append("anyone (principal \"*\")")
        elif (account := _account_of(who)) and account not in ctx.own_accounts:
            outsiders.append(f"account {account}")
    outsiders += _outside(texts(dig(p, "aWSAccountId")) + texts(dig(p, "AWSAccountId")), ctx)
    if p.get("functionUrlAuthType") == "NONE" or p.get("authType") == "NONE":
        outsiders.append("anyone (function URL without authentication)")
    if not outsiders:
        return None
    what = (p.get("bucketName") or p.get("functionName") or p.get("keyId") or p.get("topicArn") or p.get("queueUrl")
            or p.get("roleName") or p.get("secretId") or "a resource")
    public = any(o.startswith("anyone") for o in outsiders)
    return Hit(f"{what} opened to {', '.join(dict.fromkeys(outsiders))}", (str(what),), "critical" if public else None)


_PUBLIC_GRANTEES = ("http://acs.amazonaws.com/groups/global/AllUsers",
                    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")


@condition
def acl_public(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """An S3 ACL granting AllUsers / AuthenticatedUsers, or a canned public-read(-write) ACL."""
    p = _params(rec)
    text = orjson.dumps(p).decode()
    found = [g.rsplit("/", 1)[1] for g in _PUBLIC_GRANTEES if g in text]
    canned = str(p.get("x-amz-acl") or p.get("acl") or "")
    if canned.startswith("public-read") or canned == "authenticated-read":
        found.append(canned)
    if not found:
        return None
    bucket = p.get("bucketName") or "a bucket"
    return Hit(f"{bucket}: ACL grants {', '.join(dict.fromkeys(found))}", (str(bucket),))


@condition
def public_access_block_off(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    conf = dig(_params(rec), "PublicAccessBlockConfiguration") or {}
    off = [k for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
           if isinstance(conf, dict) and conf.get(k) is False]
    if not off:
        return None
    bucket = _params(rec).get("bucketName") or "the account"
    return Hit(f"{bucket}: {', '.join(off)} turned off", (str(bucket),))


@condition
def on_another_user(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """The request acts on a user other than the caller (an administrator resetting someone's password)."""
    target, actor = row.get("target_user"), row.get("user")
    if not isinstance(target, str) or not target or target == actor:
        return None
    return Hit(f"on {target}", (target,))


@condition
def with_decryption(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    p = _params(rec)
    if p.get("withDecryption") not in (True, "true", "True"):
        return None
    names = texts(p.get("name")) + texts(p.get("names"))
    return Hit("decrypted", tuple(names))


@condition
def user_data_set(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    p = _params(rec)
    if dig(p, "userData") is None and p.get("attribute") != "userData":
        return None
    instance = p.get("instanceId") or "an instance"
    return Hit(f"user data of {instance} replaced", (str(instance),))


@condition
def user_data_read(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    p = _params(rec)
    if str(p.get("attribute", "")).lower() != "userdata":
        return None
    instance = p.get("instanceId") or "an instance"
    return Hit(f"user data of {instance}", (str(instance),))


@condition
def trail_weakened(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """UpdateTrail that records less (single region, no global events, no log-file validation) or sends the
    logs elsewhere (another bucket or topic). A trail update that adds validation or CloudWatch is not."""
    p = _params(rec)
    changes = [f"{k} set to false" for k in ("isMultiRegionTrail", "includeGlobalServiceEvents",
                                              "enableLogFileValidation", "isOrganizationTrail")
               if p.get(k) is False]
    changes += [f"logs now delivered to {k} {p[k]}" for k in ("s3BucketName", "snsTopicName") if p.get(k)]
    if "kmsKeyId" in p and not p.get("kmsKeyId"):
        changes.append("log encryption removed")
    if not changes:
        return None
    trail = p.get("name") or "a trail"
    return Hit(f"{trail}: {'; '.join(changes)}", (str(trail),))


@condition
def selectors_weakened(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """PutEventSelectors that stops recording management events (or their reads or writes), or excludes event
    sources; one that only adds data events keeps management events and is not."""
    p = _params(rec)
    found = []
    for sel in p.get("eventSelectors") or ():
        if not isinstance(sel, dict):
            continue
        if sel.get("includeManagementEvents") is False:
            found.append("management events no longer recorded")
        if sel.get("readWriteType") in ("ReadOnly", "WriteOnly"):
            found.append(f"only {sel['readWriteType']} events recorded")
        if sel.get("excludeManagementEventSources"):
            found.append(f"events of {', '.join(texts(sel['excludeManagementEventSources']))} excluded")
    advanced = p.get("advancedEventSelectors")
    if isinstance(advanced, list) and advanced:
        text = orjson.dumps(advanced).decode()
        if "Management" not in text:
            found.append("advanced selectors record no management events")
        elif re.search(r'"not(equals|startsWith|endsWith)"', text, re.IGNORECASE):
            found.append("advanced selectors exclude events")
    if not found:
        return None
    trail = p.get("trailName") or "a trail"
    return Hit(f"{trail}: {'; '.join(dict.fromkeys(found))}", (str(trail),))


@condition
def short_expiry(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """A bucket lifecycle rule that deletes objects within 7 days (a trail bucket emptied quickly)."""
    p = _params(rec)
    days = [int(d) for d in texts(dig(p, "LifecycleConfiguration.Rule.Expiration.Days")) if d.isdigit()]
    days += [int(d) for d in re.findall(r'"age"\s*:\s*(\d+)', orjson.dumps(rec.get("protoPayload") or {}).decode())]
    short = [d for d in days if d <= 7]
    if not short:
        return None
    bucket = p.get("bucketName") or dig(rec, "protoPayload.resourceName") or "a bucket"
    return Hit(f"{bucket}: objects expire after {min(short)} day{'s' * (min(short) != 1)}", (str(bucket),))


_GPU = re.compile(r"^(p\d|g\d|inf\d|trn\d|dl\d|x2|u-)", re.IGNORECASE)


@condition
def gpu_instance(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    kinds = texts(dig(_params(rec), "instanceType")) + texts(dig(_params(rec), "instancesSet.items.instanceType"))
    gpu = [k for k in kinds if _GPU.match(k)]
    if not gpu:
        return None
    error = rec.get("errorCode")
    return Hit(f"{gpu[0]}{' (' + str(error) + ')' if error else ''}", (gpu[0],))


@condition
def no_mfa(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """A console sign-in without MFA by an IAM user that signs in with MFA elsewhere in the loaded logs (an
    account that never uses MFA is a standing weakness, not this event's doing)."""
    if dig(rec, "additionalEventData.MFAUsed") != "No" or dig(rec, "userIdentity.type") != "IAMUser":
        return None
    if row.get("user") not in ctx.mfa_users:
        return None
    return Hit("console sign-in without MFA by an account that otherwise uses it", ())


@condition
def customer_key_copy(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    p = _params(rec)
    if not (p.get("x-amz-server-side-encryption-customer-algorithm") or p.get("SSECustomerAlgorithm")):
        return None
    return Hit("re-encrypted with a key the caller holds", (f"{p.get('bucketName')}/{p.get('key')}",))


INSTANCE_SESSION = r"/i-[0-9a-fA-F]{8,17}$"  # an EC2 instance role's session is named after the instance
_INSTANCE = re.compile(INSTANCE_SESSION)


@condition
def instance_session(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    """A call made with an EC2 instance role's credentials from an address that people's accounts act from,
    or by a session seen at more than one address: the credentials were taken off the instance."""
    arn = str(dig(rec, "userIdentity.arn") or "")
    ip, user = row.get("src_ip"), str(row.get("user"))
    if ":assumed-role/" not in arn or not _INSTANCE.search(arn) or not isinstance(ip, str):
        return None
    if ip in ctx.people_ips:
        return Hit(f"from {ip}, an address other accounts act from", (ip,))
    if len(ctx.session_ips.get(user, ())) > 1:
        return Hit(f"from {ip}, one of {len(ctx.session_ips[user])} addresses of this session", (ip,))
    return None


@condition
def enumeration(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    name = str(row.get("event_name") or "")
    return Hit("", (name,)) if re.match(r"^(Describe|List|Get)", name) else None


@condition
def lambda_layer_added(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    layers = texts(dig(_params(rec), "layers")) + texts(dig(rec, "responseElements.layers.arn"))
    if not layers:
        return None
    foreign = [x for x in layers if (m := re.search(r":(\d{12}):layer:", x)) and m.group(1) not in ctx.own_accounts]
    fn = _params(rec).get("functionName") or "a function"
    if foreign:
        return Hit(f"{fn}: layer from another account ({foreign[0]})", (str(fn),), "high")
    return Hit(f"{fn}: layers {', '.join(layers[:3])}", (str(fn),))


@condition
def notebook_lifecycle(rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    p = _params(rec)
    config = p.get("lifecycleConfigName") or p.get("notebookInstanceLifecycleConfigName")
    if not config and not p.get("onStart"):
        return None
    return Hit(f"{p.get('notebookInstanceName') or 'a notebook'}: start-up script {config or 'replaced'}",
               (str(p.get("notebookInstanceName")),))
