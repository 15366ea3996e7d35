"""One way through the engine: files → events → enriched events → findings, for the CLI and the GUI."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import __version__
from .checks import CHECKS, CheckInput
from .config import load_config
from .coverage import Coverage, assess as assess_coverage
from .enrich.geoip import DatabaseInfo, enrich, open_geoip
from .enrich.provider import ListInfo, open_provider_lists
from .findings import Finding, sort_findings
from .identity import Identities, LinkDecision, resolve as resolve_identities, with_findings
from .identity_checks import CROSS_CHECKS, IdentityCheckInput
from .incidents import Incident, build as build_incidents
from .indicators import load_indicators
from .ingest import InputInfo, load
from .lineage import Credential, trace as trace_credentials
from .paths import playbooks_dir
from .playbooks import Playbook, PlaybookLibrary
from .perf import gc_paused
from .progress import CancelToken, Progress, check, no_progress

if TYPE_CHECKING:
    from .sigma import RuleError, SigmaRun


@dataclass(frozen=True)
class CheckStatus:
    id: str
    title: str
    ran: bool
    findings: int
    reason: str = ""  # why it could not run
    limits: tuple[str, ...] = ()  # what the loaded data lacked for it (see workbench.coverage)


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
    identities: Identities | None = None  # names resolved into entities (None: computed on first use)
    credentials: list[Credential] | None = None  # the lineage of every credential created
    coverage: Coverage | None = None  # what the loaded data could not answer
    sigma_errors: list[RuleError] = field(default_factory=list)  # Sigma rules that could not run
    sigma: SigmaRun | None = None  # the Sigma rules run (None: none, with shipped_rules=False and no folder)
    update_pack: str | None = None  # the imported update pack whose files this run used
    incidents: list[Incident] | None = None  # findings joined into stories (None: computed on first use)
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
        """Entities, credential lineage and coverage; computed here when the analysis came back without
        them (a case restored from disk)."""
        if self.identities is None:
            self.identities = resolve_identities(self.table, (), self.findings)
        if self.credentials is None:
            self.credentials = trace_credentials(self.table, self.findings)
        if self.coverage is None:
            self.coverage = assess_coverage(self.table, self.checks, self.config, bool(self.geoip))
        return self.identities, self.credentials, self.coverage

    def relink(self, decisions: Iterable[LinkDecision | dict[str, Any]]) -> Identities:
        """The entities again under the analyst's link decisions (confirm, reject, add); no re-analysis.
        The incidents follow the new entities."""
        self.identities = resolve_identities(self.table, decisions, self.findings)
        self.incidents = None
        self.stories()
        return self.identities

    def stories(self) -> list[Incident]:
        """The incidents (most severe first); computed here when the analysis came back without them (a case
        restored from disk) or after a relink."""
        if self.incidents is None:
            identities, credentials, _ = self.cross_source()
            self.incidents = build_incidents(self.findings, self.table, identities, credentials, self.config)
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
            from .triage import assess_all, records  # triage reads the Analysis: imported here, not at the top
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


def run_checks(table: pa.Table, config: dict[str, Any], geo_available: bool,
               cancel: CancelToken | None = None,
               identities: Identities | None = None,
               checks: Iterable[Any] | None = None,
               progress: Progress = no_progress) -> tuple[list[Finding], list[CheckStatus]]:
    """The checks over ``table`` (``checks``: only these; default all); with ``identities`` the cross-source
    checks too. ``progress`` hears of each check as it starts."""
    # one chunk per column: row selections on many-chunk string columns are several times slower
    frame = table.drop_columns(["raw"]).combine_chunks().to_pandas()
    inp = IdentityCheckInput(frame, config, geo_available, table, identities=identities)
    findings: list[Finding] = []
    statuses = []
    todo = (*(CHECKS if checks is None else checks), *(CROSS_CHECKS if identities is not None else ()))
    for done, chk in enumerate(todo):
        check(cancel)
        progress(done, len(todo), f"running checks: {chk.title}")
        if chk.needs_geo and not geo_available:
            statuses.append(CheckStatus(chk.id, chk.title, False, 0, "no GeoIP database"))
            continue
        with gc_paused():
            found = chk.run(inp) if len(frame) else []
        findings.extend(found)
        statuses.append(CheckStatus(chk.id, chk.title, True, len(found)))
    return findings, statuses


def analyze(paths: Iterable[str | os.PathLike], *, year: int | None = None, config_files: Iterable[Path] = (),
            geoip_dbs: Iterable[Path] | None = None, default_geoip: bool = True,
            extra_playbook_dirs: Iterable[Path] = (),
            indicator_files: Iterable[Path] = (), ip_lists: Iterable[Path] = (),
            identity_links: Iterable[LinkDecision | dict[str, Any]] = (), sigma_dirs: Iterable[str | os.PathLike] = (),
            shipped_rules: bool = True,
            progress: Progress = no_progress, cancel: CancelToken | None = None) -> Analysis:
    """Load, enrich and check; ``geoip_dbs=None`` means the bundled default database, ``[]`` none; the
    analyst's databases come first and the default fills parts they lack unless ``default_geoip=False``
    (see :mod:`workbench.enrich.geoip`).

    Playbooks come from the shipped folder, then each extra folder (later ones override).
    ``identity_links`` are the analyst's decisions on identity links (saved in the case). The project's own
    Sigma rules run unless ``shipped_rules=False``; ``sigma_dirs`` add the analyst's."""
    config = load_config(*config_files)
    config["indicator_match"]["files"] = [*config["indicator_match"]["files"], *map(str, indicator_files)]
    if config["indicator_match"]["files"]:
        load_indicators([Path(p) for p in config["indicator_match"]["files"]])  # fail early, before the evidence
    playbooks = PlaybookLibrary.load([playbooks_dir(), *extra_playbook_dirs])
    sigma_dirs = list(dict.fromkeys([*(["shipped"] if shipped_rules else []), *map(str, sigma_dirs)]))
    if sigma_dirs:
        from .sigma import load_rules, run_sigma  # pySigma is imported only when rules are given
    ruleset = load_rules(sigma_dirs) if sigma_dirs else None  # a missing folder fails early, before the evidence
    loaded = load(paths, year=year, progress=progress, cancel=cancel)
    check(cancel)
    progress(0, 1, "enriching IP addresses")
    lists = list(ip_lists)  # an update pack's provider lists answer before the bundled ones
    geo = open_geoip(geoip_dbs, use_default=default_geoip,
                     providers=open_provider_lists([p for p in lists if p.suffix == ".bin"],
                                                   [p for p in lists if p.suffix == ".csv"]) if lists else None)
    try:
        table = enrich(loaded.table, geo)
    finally:
        geo.close()
    check(cancel)
    progress(0, 1, "resolving identities")
    identities = resolve_identities(table, identity_links)
    check(cancel)
    progress(0, 1, "running checks")
    findings, statuses = run_checks(table, config, geo.locates, cancel, identities=identities, progress=progress)
    sigma = None
    if ruleset is not None:
        progress(0, 1, f"running {len(ruleset.rules)} Sigma rules")
        sigma = run_sigma(table, ruleset, cancel)
        findings.extend(sigma.findings)
        statuses.append(CheckStatus("sigma", "Sigma rules", True, len(sigma.findings)))
    findings = [
        Finding(**{**f.__dict__, "playbook": book.technique}) if (book := playbooks.match(f.techniques)) else f
        for f in findings
    ]
    progress(1, 1, f"{len(findings)} findings")
    analysis = Analysis(loaded.inputs, table, sort_findings(findings), playbooks, config,
                        geo.databases, geo.errors, statuses, geoip_warnings=geo.warnings,
                        sigma_errors=ruleset.errors if ruleset else [], sigma=sigma,
                        ip_lists=list(geo.providers.lists) if geo.providers else [])
    progress(0, 1, "credential lineage and coverage")
    analysis.identities = with_findings(identities, analysis.findings, table)  # "usual" without the evidence
    analysis.credentials = trace_credentials(table, analysis.findings)
    analysis.coverage = assess_coverage(table, analysis.checks, config, geo.locates)
    analysis.checks = agree_with_coverage(analysis.checks, analysis.coverage)
    progress(0, 1, "incidents")
    analysis.incidents = build_incidents(analysis.findings, table, analysis.identities, analysis.credentials,
                                         config, cancel)
    return analysis


def agree_with_coverage(statuses: list[CheckStatus], coverage: Coverage) -> list[CheckStatus]:
    """Each check's coverage reasons as its ``limits``; a check that found nothing where the data holds
    nothing it looks at (coverage ``not_run``: no failed logins, no sign-in logs) did not run, so that
    "N of M checks ran" and the coverage section say the same thing."""
    by_id = {c.id: c for c in coverage.checks}
    out = []
    for st in statuses:
        cov = by_id.get(st.id)
        if cov is None or cov.status == "ran":
            out.append(replace(st, limits=()))
        elif cov.status == "not_run" and st.ran and not st.findings:
            out.append(replace(st, ran=False, reason="; ".join(cov.reasons), limits=cov.reasons))
        else:
            out.append(replace(st, limits=cov.reasons))
    return out


def analyze_with_pack(paths: Iterable[str | os.PathLike], *, use_pack: bool = True,
                      geoip_dbs: Iterable[Path] | None = None, config_files: Iterable[Path] = (),
                      extra_playbook_dirs: Iterable[Path] = (), sigma_dirs: Iterable[str | os.PathLike] = (),
                      **options: Any) -> Analysis:
    """:func:`analyze` as ``workbench analyze`` and the app run it: the active update pack's configuration,
    GeoIP databases, playbooks, Sigma rules and ATT&CK reference (unless ``use_pack`` is false), then the
    analyst's own options, which win. ``geoip_dbs=[]`` is no GeoIP at all (``--no-geoip``); None the pack's
    databases, or the bundled one. The other ``options`` go to :func:`analyze` as they are."""
    from .update_pack import in_use

    pack = in_use(ignore=not use_pack)
    if geoip_dbs is None or list(geoip_dbs):
        geoip_dbs = [*(geoip_dbs or ()), *pack.geoip_dbs] or None
    analysis = analyze(paths, geoip_dbs=geoip_dbs, config_files=[*pack.config_files, *config_files],
                       extra_playbook_dirs=[*pack.playbook_dirs, *extra_playbook_dirs],
                       sigma_dirs=[*pack.sigma_dirs, *sigma_dirs], ip_lists=pack.ip_lists, **options)
    analysis.update_pack = pack.name
    return analysis
