"""The result of one analysis: the inputs, the enriched event table, the findings and what the run saw.

Plain data and the public findings JSON (:meth:`Analysis.to_json`); it imports none of the engine, so the
report, the GUI and the explore views can take the type without loading every parser and check.
:mod:`workbench.pipeline` makes one (``analyze``) and completes one restored from disk (``complete``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import __version__

if TYPE_CHECKING:
    from .checks.coverage import Coverage
    from .enrich.geoip import DatabaseInfo
    from .findings import Finding
    from .incidents import Incident
    from .enrich.provider import ListInfo
    from .ingest import InputInfo
    from .people.identity import Identities
    from .people.lineage import Credential
    from .playbooks import Playbook, PlaybookLibrary
    from .sigma import RuleError, SigmaRun


@dataclass(frozen=True)
class CheckStatus:
    id: str
    title: str
    ran: bool
    findings: int
    reason: str = ""  # why it could not run
    limits: tuple[str, ...] = ()  # what the loaded data lacked for it (see workbench.checks.coverage)


@dataclass
class Analysis:
    inputs: list[InputInfo]
    table: pa.Table  # enriched, time-sorted; row number = position
    findings: list[Finding]
    playbooks: PlaybookLibrary
    config: dict[str, Any]
    geoip: list[DatabaseInfo] = field(default_factory=list)
    geoip_errors: list[str] = field(default_factory=list)
    checks: list[CheckStatus] = field(default_factory=list)
    created: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    version: str = __version__
    geoip_warnings: list[str] = field(default_factory=list)  # stale databases
    identities: Identities | None = None  # names resolved into entities (None: see pipeline.complete)
    credentials: list[Credential] | None = None  # the lineage of every credential created
    coverage: Coverage | None = None  # what the loaded data could not answer
    sigma_errors: list[RuleError] = field(default_factory=list)  # Sigma rules that could not run
    sigma: SigmaRun | None = None  # the Sigma rules run (None: none, with shipped_rules=False and no folder)
    update_pack: str | None = None  # the imported update pack whose files this run used
    incidents: list[Incident] | None = None  # findings joined into stories (None: see pipeline.complete)
    ip_lists: list[ListInfo] = field(default_factory=list)  # the provider lists behind provider_class

    @property
    def events_total(self) -> int:
        return self.table.num_rows

    def playbook_for(self, finding: Finding) -> Playbook | None:
        return self.playbooks.get(finding.playbook) if finding.playbook else None

    def evidence_rows(self, finding: Finding) -> np.ndarray:
        """Row numbers of the finding's evidence in :attr:`table`, in time order."""
        if not finding.evidence:
            return np.empty(0, dtype=np.int64)
        keys = pa.array([f"{e.file}\0{e.ref}" for e in finding.evidence])
        joined = pc.binary_join_element_wise(self.table.column("file"), self.table.column("ref"), "\0")
        return np.flatnonzero(pc.is_in(joined, value_set=keys).to_numpy(zero_copy_only=False))

    def cross_source(self) -> tuple[Identities, list[Credential], Coverage]:
        """Entities, credential lineage and coverage (:func:`workbench.pipeline.complete` fills them in on an
        analysis that came back without them)."""
        if self.identities is None or self.credentials is None or self.coverage is None:
            raise ValueError("the analysis is not complete: run workbench.pipeline.complete(analysis) first")
        return self.identities, self.credentials, self.coverage

    def stories(self) -> list[Incident]:
        """The incidents (most severe first; :func:`workbench.pipeline.complete` builds them on an analysis
        that came back without them)."""
        if self.incidents is None:
            raise ValueError("the analysis is not complete: run workbench.pipeline.complete(analysis) first")
        return self.incidents

    def incident_of(self, finding: Finding | str) -> Incident | None:
        """The one incident ``finding`` (or its id) belongs to."""
        fid = finding if isinstance(finding, str) else finding.id
        return next((i for i in self.stories() if fid in i.findings), None)

    def time_range(self) -> tuple[datetime | None, datetime | None]:
        if not self.table.num_rows:
            return None, None
        ts = self.table.column("ts")
        return pc.min(ts).as_py(), pc.max(ts).as_py()

    def to_json(self, triage: bool = True) -> dict[str, Any]:
        """The findings JSON: a public contract (see README). Extend it; never rename or drop a field.
        ``triage``: each finding carries its computed playbook answers and criteria (``triage``)."""
        first, last = self.time_range()
        identities, credentials, coverage = self.cross_source()
        if triage:
            from .explore.triage import assess_all, records  # triage reads the Analysis: imported here, not at the top
            views = assess_all(self)
            found = [{**f.to_dict(), "triage": records(views[f.id])} for f in self.findings]
        else:
            found = [f.to_dict() for f in self.findings]
        return {
            "tool": {"name": "workbench", "version": self.version},
            "created": self.created.isoformat(),
            "inputs": [i.to_dict() for i in self.inputs],
            "events_total": self.events_total,
            "time_range": {"first": first.isoformat() if first else None, "last": last.isoformat() if last else None},
            "geoip": [{"path": d.path, "type": d.database_type, "built": d.built.isoformat(), "licence": d.licence,
                       "stale": d.stale_at(self.created)} for d in self.geoip],
            "ip_lists": [{**x.to_dict(), "stale": x.stale_at(self.created)} for x in self.ip_lists],
            "checks": [{"id": c.id, "ran": c.ran, "findings": c.findings, "reason": c.reason,
                        "limits": list(c.limits)} for c in self.checks],
            "findings": found,
            "geoip_warnings": list(self.geoip_warnings),
            "entities": [e.to_dict() for e in identities.entities],
            "identity": {k: v for k, v in identities.to_dict().items() if k != "entities"},
            "credentials": [c.to_dict() for c in credentials],
            "coverage": coverage.to_dict(),
            "sigma_rules": self.sigma.rules_summary() if self.sigma else [],
            "sigma_errors": [e.to_dict() for e in self.sigma_errors],
            "update_pack": self.update_pack,
            "incidents": [i.to_dict() for i in self.stories()],
        }
