"""The cloud attack catalogue: every technique Stratus Red Team documents for AWS, Azure, Entra ID and Google
Cloud, the APIs the seed playbooks name, and the seed log sources' own risky changes, each declared once
(:class:`.model.Entry`, in :mod:`.aws`, :mod:`.azure`, :mod:`.gcp`) with how the workbench finds it.

The entries this package finds itself are impact actions: they fire on their own, with no account history,
so a one-hour export of an incident raises them (issue 19, item 8)."""

from __future__ import annotations

from . import conditions_gcp_azure  # noqa: F401  (registers its conditions)
from .aws import ENTRIES as _AWS
from .azure import ENTRIES as _AZURE
from .check import ID, run_entries
from .conditions import CONDITIONS
from .gcp import ENTRIES as _GCP
from .model import FAMILIES, PROVIDERS, STRATUS, Entry
from ..base import Check, CheckInput
from ..requirements import CONTROL

ENTRIES: tuple[Entry, ...] = (*_AWS, *_AZURE, *_GCP)
OWN = tuple(e for e in ENTRIES if not (e.covered_by or e.rule or e.unsupported))


def _run(inp: CheckInput):
    return run_entries(inp, OWN)


def unconditional_names() -> frozenset[str]:
    """Native event names (case-folded) that an entry of this check reports every time they succeed."""
    return frozenset(n.casefold() for e in OWN if not e.when and not e.actor_pattern
                     and e.min_events == 1 and e.min_distinct == 1 for n in e.events)


def _validate() -> None:
    from ...findings import SEVERITIES
    seen = set()
    for e in ENTRIES:
        assert e.id not in seen, f"catalogue entry {e.id} twice"
        seen.add(e.id)
        assert e.provider in PROVIDERS and e.family in FAMILIES and e.severity in SEVERITIES, e.id
        assert e.when is None or e.when in CONDITIONS, f"{e.id}: no condition {e.when}"
        assert sum(map(bool, (e.covered_by, e.rule, e.unsupported))) <= 1, e.id
        assert e in OWN or not e.explain, f"{e.id}: found elsewhere, yet an explanation is declared"
        assert e not in OWN or e.explain and (e.events or e.actor_pattern), f"{e.id}: nothing to match"




CHECK = Check(
    # on Spark one group: "ours" (accounts, projects, domains, people's addresses) is read from all events
    requires=(CONTROL,), partition=None,
    id=ID, title="Cloud attack catalogue", techniques=tuple(dict.fromkeys(t for e in OWN for t in e.techniques)),
    run=_run,
    description=(f"{len(OWN)} cloud attack techniques (of {len(ENTRIES)} catalogued: Stratus Red Team's AWS, Azure, "
                 "Entra ID and Google Cloud techniques, the seed playbooks' APIs and log sources) found by their "
                 "native event names and, where it matters, the request (a port opened to 0.0.0.0/0, a snapshot "
                 "shared with an account that is not the organisation's, a policy opened to \"*\"), or by a "
                 "burst of them (secrets, passwords, instances). Impact actions: no account history is needed."),
)

__all__ = ["CHECK", "ENTRIES", "Entry", "OWN", "PROVIDERS", "STRATUS", "unconditional_names"]
