"""What one catalogue entry declares: where the attack shows (source, native event names, a condition on
the request), how many events make it (a count or a number of distinct targets in a window), and what it
means (ATT&CK technique, severity by impact, the explanation's wording, the playbook)."""

from __future__ import annotations

from dataclasses import dataclass

PROVIDERS = {"aws": "AWS", "azure": "Azure", "entra": "Entra ID", "gcp": "Google Cloud", "workspace": "Google Workspace"}
# The workbench sources each provider's entries read unless the entry names its own.
PROVIDER_SOURCES = {"aws": ("cloudtrail", "cloudtrail_history"), "azure": ("azure_activity",),
                    "entra": ("entra_audit",), "gcp": ("gcp_audit",), "workspace": ("workspace",)}
FAMILIES = ("defense evasion", "exfiltration", "persistence", "credential access", "privilege escalation",
            "execution", "lateral movement", "discovery", "impact", "initial access")
# Stratus Red Team, the public catalogue the AWS / Azure / Entra ID / GCP entries follow.
STRATUS = ("github.com/DataDog/stratus-red-team, docs/attack-techniques/, commit "
           "7c9a7a5a63dc370260a6528dd0d30476854806c1 (2026-08-19), Apache-2.0")


@dataclass(frozen=True)
class Entry:
    """One cloud attack technique and how the workbench finds it.

    ``id`` is the Stratus Red Team technique id where Stratus documents it (``stratus=True``), else
    ``<provider>.<tactic>.<name>`` in the same style. ``explain`` is a template over ``{actor}``, ``{n}``
    (events), ``{k}`` (distinct targets), ``{targets}`` (some of them), ``{details}`` (what the requests
    did), ``{first}``/``{last}`` (UTC times) and ``{where}`` (source addresses).

    Exactly one of three ways finds it: this catalogue's own check (``events`` and an optional ``when``
    condition of :mod:`.conditions`), another built-in check (``covered_by`` a check id), or a shipped Sigma
    rule (``rule``: its id). ``unsupported`` says why the workbench cannot see it (a log it does not read).
    """

    id: str
    provider: str
    family: str
    title: str
    technique: str
    severity: str
    playbook: str  # technique of the shipped playbook it maps to
    explain: str = ""
    events: tuple[str, ...] = ()  # native event names (CloudTrail eventName, Azure operation, ...), any case
    when: str | None = None  # a condition of .conditions on the request (read from the original record)
    key: str | None = None  # what the distinct targets are: a condition's own, or a dotted path in the record
    outcome: str = "success"  # "any": failed attempts count too (a burst of denied calls is the attack)
    min_events: int = 1
    min_distinct: int = 1
    escalate_at: int | None = None  # one severity step up at this many distinct targets
    window_minutes: int = 60
    actor_pattern: str | None = None  # a regular expression the acting account must match (events: any name)
    sources: tuple[str, ...] = ()  # default: the provider's
    stratus: bool = True
    covered_by: str | None = None
    rule: str | None = None
    unsupported: str | None = None

    @property
    def read_from(self) -> tuple[str, ...]:
        return self.sources or PROVIDER_SOURCES[self.provider]

    @property
    def techniques(self) -> tuple[str, ...]:
        """The finding's techniques: the entry's own, then the playbook's when it differs (so the playbook is
        the one the library picks)."""
        return (self.technique,) if self.playbook == self.technique else (self.technique, self.playbook)

    @property
    def found_by(self) -> str:
        if self.unsupported:
            return "not found (see note)"
        if self.rule:
            return f"Sigma rule {self.rule}"
        return f"check {self.covered_by or 'cloud_catalogue'}"
