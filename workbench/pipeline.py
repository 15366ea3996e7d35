"""One way through the engine: files → events → enriched events → findings, for the CLI and the GUI; and the
completion of an analysis restored from disk (:func:`complete`)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa

from .analysis import Analysis, CheckStatus
from .checks import CHECKS
from .checks.coverage import Coverage, assess as assess_coverage
from .checks.cross_source import CROSS_CHECKS, IdentityCheckInput
from .checks.indicators import load_indicators
from .config import load_config
from .enrich.geoip import enrich, open_geoip
from .enrich.provider import open_provider_lists
from .findings import Finding, sort_findings
from .incidents import build as build_incidents
from .ingest import load
from .paths import playbooks_dir
from .people.identity import Identities, LinkDecision, resolve as resolve_identities, with_findings
from .people.lineage import Credential, trace as trace_credentials
from .playbooks import PlaybookLibrary, assign as assign_playbooks
from .progress import CancelToken, Progress, check, gc_paused, no_progress


def complete(analysis: Analysis) -> tuple[Identities, list[Credential], Coverage]:
    """Entities, credential lineage, coverage and incidents of ``analysis``; computed here when it came back
    without them (a case restored from disk)."""
    if analysis.identities is None:
        analysis.identities = resolve_identities(analysis.table, (), analysis.findings)
    if analysis.credentials is None:
        analysis.credentials = trace_credentials(analysis.table, analysis.findings)
    if analysis.coverage is None:
        analysis.coverage = assess_coverage(analysis.table, analysis.checks, analysis.config, bool(analysis.geoip))
    if analysis.incidents is None:
        analysis.incidents = build_incidents(analysis.findings, analysis.table, analysis.identities,
                                             analysis.credentials, analysis.config)
    return analysis.identities, analysis.credentials, analysis.coverage


def relink(analysis: Analysis, decisions: Iterable[LinkDecision | dict[str, Any]]) -> Identities:
    """The entities of ``analysis`` again under the analyst's link decisions (confirm, reject, add); no
    re-analysis. The incidents follow the new entities."""
    analysis.identities = resolve_identities(analysis.table, decisions, analysis.findings)
    analysis.incidents = None
    complete(analysis)
    return analysis.identities


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
    findings = assign_playbooks(findings, playbooks)
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
    from .update.pack import in_use

    pack = in_use(ignore=not use_pack)
    if geoip_dbs is None or list(geoip_dbs):
        geoip_dbs = [*(geoip_dbs or ()), *pack.geoip_dbs] or None
    analysis = analyze(paths, geoip_dbs=geoip_dbs, config_files=[*pack.config_files, *config_files],
                       extra_playbook_dirs=[*pack.playbook_dirs, *extra_playbook_dirs],
                       sigma_dirs=[*pack.sigma_dirs, *sigma_dirs], ip_lists=pack.ip_lists, **options)
    analysis.update_pack = pack.name
    return analysis
