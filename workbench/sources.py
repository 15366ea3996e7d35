"""Every log source the workbench reads, declared once; every set of sources the code asks about is derived here.

A source's ``id`` is what its events carry in the ``source`` column (several parsers may write one source:
the three Windows event log shapes all write ``windows``; each parser names its source where it registers,
:func:`workbench.ingest.registry.register`). The rest is what the code needs to know about it:

- ``place``: ``cloud`` (a provider's service) or ``host`` (a machine's own log);
- ``kinds``: ``login`` (sign-ins or logons), ``control_plane`` (audit of changes to a cloud's resources and
  identities), ``data`` (reads and writes of stored data);
- ``fields``: the optional columns an export of it normally fills; absent in every event loaded, the export
  lacks them (the coverage report says so);
- ``raw``: the shape of an event's original record: ``json`` (one JSON object), ``line`` (one text line) or
  ``windows_event`` (a Windows event, its names and SIDs side by side);
- ``host_accounts``: an account name means one account per host (``root`` on two machines is two accounts);
- ``ssh``: its logins are sshd's (remote logins to a Linux host);
- ``mfa``: it records MFA prompts answered and denied (Entra ID's sign-ins, Microsoft 365's audit);
- ``sigma``: the Sigma log sources ``(product, service)`` it answers (``None`` as service: any).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

LOGIN, CONTROL_PLANE_KIND, DATA = "login", "control_plane", "data"


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    place: str  # cloud | host
    kinds: frozenset[str]
    fields: tuple[str, ...] = ()
    raw: str = "json"
    host_accounts: bool = False
    ssh: bool = False
    mfa: bool = False
    sigma: tuple[tuple[str, str | None], ...] = ()


SOURCES: tuple[Source, ...] = (
    Source("cloudtrail", "AWS CloudTrail", "cloud", frozenset({LOGIN, CONTROL_PLANE_KIND}),
           fields=("src_ip", "user_agent", "session_id"), sigma=(("aws", "cloudtrail"),)),
    Source("entra_signin", "Microsoft Entra ID sign-in logs", "cloud", frozenset({LOGIN}),
           fields=("src_ip", "user_agent", "log_country", "client_app", "logon_type"), mfa=True,
           sigma=(("azure", "signinlogs"),)),
    Source("entra_audit", "Microsoft Entra ID audit logs", "cloud", frozenset({CONTROL_PLANE_KIND}),
           fields=("src_ip",), sigma=(("azure", "auditlogs"),)),
    Source("azure_activity", "Azure Activity log", "cloud", frozenset({CONTROL_PLANE_KIND}),
           fields=("src_ip",), sigma=(("azure", "activitylogs"),)),
    Source("m365_audit", "Microsoft 365 unified audit log", "cloud", frozenset({LOGIN, CONTROL_PLANE_KIND}),
           fields=("src_ip", "user_agent"), mfa=True, sigma=(("m365", None),)),
    Source("gcp_audit", "Google Cloud audit logs", "cloud", frozenset({CONTROL_PLANE_KIND}),
           fields=("src_ip", "user_agent"), sigma=(("gcp", "gcp.audit"),)),
    Source("workspace", "Google Workspace audit", "cloud", frozenset({LOGIN, CONTROL_PLANE_KIND}),
           fields=("src_ip", "log_country"),
           sigma=(("google_workspace", None), ("gcp", "google_workspace.admin"), ("gcp", "google_workspace.login"))),
    Source("s3_access", "Amazon S3 server access logs", "cloud", frozenset({DATA}), raw="line"),
    Source("authlog", "Linux auth.log (syslog)", "host", frozenset({LOGIN}), fields=("src_ip", "host"), raw="line",
           host_accounts=True, ssh=True, sigma=(("linux", None),)),
    Source("journald", "systemd journal", "host", frozenset({LOGIN}), host_accounts=True, ssh=True,
           sigma=(("linux", None),)),
    Source("windows", "Windows event logs", "host", frozenset({LOGIN}), raw="windows_event",
           sigma=(("windows", "security"), ("windows", "system"), ("windows", "application"))),
)
BY_ID: dict[str, Source] = {s.id: s for s in SOURCES}


def ids(holds: Callable[[Source], bool]) -> frozenset[str]:
    """The ids of the sources for which ``holds`` is true."""
    return frozenset(s.id for s in SOURCES if holds(s))


LOGIN_SOURCES = ids(lambda s: LOGIN in s.kinds)
CONTROL_PLANE = ids(lambda s: CONTROL_PLANE_KIND in s.kinds)
HOST_SOURCES = ids(lambda s: s.place == "host")
# cloud sources whose events name a cloud account (a sign-in or a change): not S3's data access
CLOUD_ACCOUNTS = ids(lambda s: s.place == "cloud" and bool(s.kinds & {LOGIN, CONTROL_PLANE_KIND}))
HOST_ACCOUNTS = ids(lambda s: s.host_accounts)
SSH_SOURCES = ids(lambda s: s.ssh)
MFA_SOURCES = ids(lambda s: s.mfa)
WINDOWS_SOURCES = ids(lambda s: s.raw == "windows_event")
# sources whose original record names the account's other identifiers (ARN, object id, e-mail, SID)
RAW_IDENTIFIERS = CLOUD_ACCOUNTS | WINDOWS_SOURCES
SOURCE_FIELDS: dict[str, tuple[str, ...]] = {s.id: s.fields for s in SOURCES if s.fields}

def _sigma_logsources() -> dict[tuple[str, str | None], tuple[str, ...]]:
    out: dict[tuple[str, str | None], tuple[str, ...]] = {}
    for s in SOURCES:
        for key in s.sigma:
            out[key] = (*out.get(key, ()), s.id)
    return out


SIGMA_LOGSOURCES = _sigma_logsources()  # (product, service) of a Sigma rule's log source → the source ids
