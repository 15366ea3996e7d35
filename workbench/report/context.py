"""What every section of one report shares: the analysis, the analyst's case, numbering and side files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable

from ..findings import Finding
from ..incidents import build as build_incidents
from ..analysis import Analysis
from .layout import Anchor
from .model import CaseView
from .styles import para
from .verdict import IncidentView, views

KEEP_BELOW_HEADING = 30 * mm
# Measuring criteria (triage.assess) and locating logins (worldmap) scan the event table once per finding:
# a report does it for the most severe findings first, up to these many; the rest say so.
MAX_ASSESSED = 30
MAX_MAPS = 3  # the workbench's map shows any finding's


@dataclass
class Context:
    analysis: Analysis
    case: CaseView
    out: Path  # the PDF's final path; side files go beside it
    max_rows: int
    main: list[Finding] = field(default_factory=list)  # incident order, then time; false positives excluded
    dismissed: list[Finding] = field(default_factory=list)  # false positives, for the appendix
    incidents: list[IncidentView] = field(default_factory=list)  # report order, numbered
    side_files: list[Path] = field(default_factory=list)
    maps: int = 0  # login maps drawn so far (at most MAX_MAPS)
    mapped: set[int] = field(default_factory=set)  # incidents (by number) with a login map drawn
    shown_rows: dict[tuple[int, ...], int] = field(default_factory=dict)  # evidence rows → the finding showing them
    assessed: int = 0  # findings whose criteria were measured so far (at most MAX_ASSESSED)

    def __post_init__(self) -> None:
        self.incidents = views(stories_of(self.analysis), self.analysis.findings, self.case)
        placed = {fid for v in self.incidents for fid in v.incident.findings}
        order = [f for v in self.incidents for f in v.findings]
        order += [f for f in self.analysis.findings if f.id not in placed]  # none: every finding has one
        self.main = [f for f in order if self.case.of(f).state != "false_positive"]
        self.dismissed = [f for f in order if self.case.of(f).state == "false_positive"]
        self._numbers = {f.id: n for n, f in enumerate([*self.main, *self.dismissed], 1)}
        self._incident_of = {fid: v for v in self.incidents for fid in v.incident.findings}
        self._index: dict[str, int] | None = None

    def rows(self, finding: Finding) -> np.ndarray:
        """Row numbers of the finding's evidence in the table, in time order (one pass over the table for all
        findings, instead of one per finding and section)."""
        if self._index is None:
            wanted = {f"{e.file}\0{e.ref}" for f in self.analysis.findings for e in f.evidence}
            table = self.analysis.table
            if wanted and table.num_rows:
                joined = pc.binary_join_element_wise(table.column("file"), table.column("ref"), "\0")
                hits = np.flatnonzero(pc.fill_null(pc.is_in(joined, value_set=pa.array(list(wanted))), False)
                                      .to_numpy(zero_copy_only=False))
                keys = joined.take(pa.array(hits, pa.int64())).to_pylist()
                self._index = dict(zip(keys, hits.tolist()))
            else:
                self._index = {}
        found = {self._index.get(f"{e.file}\0{e.ref}") for e in finding.evidence}
        found.discard(None)
        return np.array(sorted(found), dtype=np.int64)

    def number(self, finding: Finding) -> int:
        return self._numbers[finding.id]

    def incident_of(self, finding: Finding) -> IncidentView | None:
        return self._incident_of.get(finding.id)

    @property
    def live(self) -> list[IncidentView]:
        """The incidents not dismissed entirely."""
        return [v for v in self.incidents if v.status != "false_positive"]

    def by_id(self, finding_id: str | None) -> Finding | None:
        return next((f for f in self.analysis.findings if f.id == finding_id), None) if finding_id else None


def stories_of(analysis: Analysis) -> list:
    """The analysis's incidents, or incidents built here when they do not cover exactly its findings (an
    analysis whose findings were replaced after the pipeline ran): the report tells every finding once."""
    found = analysis.incidents
    ids = {f.id for f in analysis.findings}
    if found is not None and sorted(fid for i in found for fid in i.findings) == sorted(ids):
        return found
    return build_incidents(analysis.findings, analysis.table, analysis.identities, analysis.credentials or (),
                           analysis.config)


def heading(key: str, text: str, style: str = "h1", level: int = 0) -> list[Flowable]:
    """A section heading with its outline entry."""
    return [Anchor(key, text, level), para(text, style)]


def sub(text: str, style: str = "h3") -> list[Flowable]:
    """A sub-heading that never ends a page: it starts a new one unless some lines fit below it."""
    return [CondPageBreak(KEEP_BELOW_HEADING), para(text, style)]
