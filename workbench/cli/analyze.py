"""``workbench analyze PATH... [--report out.pdf] [--findings-json out.json]``, here or on Apache Spark
(``--engine spark --parquet DIR``: the checks over the folder ``export-events`` wrote; findings JSON and
report as from a local run).

Exit codes: 0 every input loaded cleanly; 3 some inputs were rejected or partly unreadable (the rest
were analyzed and the outputs still written; one stderr line per such input); 2 usage errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import WorkbenchError, printable
from ..evidence.outputs import check_outputs, write_json_atomic
from .common import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, add_geoip_arguments, print_summary, progress_printer

SIGMA_ERRORS_SHOWN = 20  # rule errors printed; a SigmaHQ checkout has hundreds of rules for logs we do not read


def add_analyze_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help="log files or folders (read-only; searched recursively)")
    p.add_argument("--report", type=Path, metavar="OUT.pdf", help="write the PDF incident report here")
    p.add_argument("--engine", choices=("embedded", "spark"), default="embedded",
                   help="run the checks here (default) or on Apache Spark over --parquet DIR")
    p.add_argument("--parquet", type=Path, metavar="DIR",
                   help="with --engine spark: the event folder written by workbench export-events")
    p.add_argument("--spark-master", default="local[*]", metavar="URL",
                   help="Spark master for --engine spark (default local[*]; e.g. spark://host:7077, yarn)")
    p.add_argument("--findings-json", type=Path, metavar="OUT.json", help="write the findings JSON here")
    p.add_argument("--year", type=int, help="year of the first line of syslog files that carry no year")
    p.add_argument("--config", type=Path, action="append", default=[], metavar="FILE",
                   help="YAML file overriding check thresholds (repeatable, applied in order)")
    add_geoip_arguments(p)
    p.add_argument("--playbooks", type=Path, action="append", default=[], metavar="DIR",
                   help="extra folder of playbooks; its playbooks override the shipped ones")
    p.add_argument("--indicators", type=Path, action="append", default=[], metavar="FILE",
                   help="indicator list (IPs, CIDRs, user agents, accounts; plain text or CSV; repeatable)")
    p.add_argument("--sigma", action="append", default=[], metavar="DIR",
                   help="folder of Sigma rules (SigmaHQ layout; repeatable), run beside the project's own rules")
    p.add_argument("--no-shipped-rules", action="store_true",
                   help="do not run the project's own Sigma rules (resources/sigma), which run by default")
    p.add_argument("--title", help="report title")
    p.add_argument("--analyst", help="analyst name for the report")
    p.add_argument("--case", type=Path, metavar="DIR",
                   help="case folder whose triage state (states, answers, decisions, checklists, notes, bookmarks) "
                        "goes into the report")
    p.add_argument("--case-id", help="case id for the report's cover and page headers")
    p.add_argument("--organisation", help="organisation named on the report's cover")
    p.add_argument("--classification", metavar="MARKING",
                   help="classification marking on every page of the report (e.g. TLP:AMBER)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def _open_case(folder: Path):
    from ..case.folder import Case

    return Case.open(folder)


def run_analyze(args: argparse.Namespace) -> int:
    if args.engine == "spark":
        return run_spark_analyze(args)
    if not args.paths:
        print("workbench: analyze: give at least one PATH (or --engine spark --parquet DIR)", file=sys.stderr)
        return EXIT_USAGE
    missing = [p for p in args.paths if not os.path.lexists(p)]  # a broken link is the ingest's to report
    if missing:
        print(printable(f"workbench: analyze: no such file or folder: {missing[0]}"
                        + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")), file=sys.stderr)
        return EXIT_USAGE
    from ..pipeline import analyze_with_pack  # here, not at the top: --help and --version stay instant

    outputs = [p for p in (args.report, args.findings_json) if p is not None]
    problem = check_outputs(outputs, args.paths)
    if problem:
        print(printable(f"workbench: {problem}"), file=sys.stderr)
        return EXIT_USAGE
    if args.case:
        try:  # a wrong case folder is found before the long analysis, not after it
            _open_case(args.case).close()
        except WorkbenchError as exc:
            print(printable(f"workbench: {exc}"), file=sys.stderr)
            return EXIT_USAGE
    show_progress = not args.quiet and sys.stderr.isatty()
    try:
        analysis = analyze_with_pack(args.paths, use_pack=not args.no_update_pack, year=args.year,
                                     config_files=args.config, geoip_dbs=[] if args.no_geoip else args.geoip_db,
                                     default_geoip=not args.no_default_geoip, extra_playbook_dirs=args.playbooks,
                                     indicator_files=args.indicators, sigma_dirs=args.sigma,
                                     shipped_rules=not args.no_shipped_rules,
                                     progress=progress_printer(show_progress))
    except WorkbenchError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if show_progress:
        print(file=sys.stderr)
    for line in analysis.geoip_errors + analysis.geoip_warnings + analysis.playbooks.errors:
        print(printable(f"workbench: warning: {line}"), file=sys.stderr)
    for error in analysis.sigma_errors[:SIGMA_ERRORS_SHOWN]:
        print(printable(f"workbench: warning: Sigma rule not run: {error}"), file=sys.stderr)
    if len(analysis.sigma_errors) > SIGMA_ERRORS_SHOWN:
        print(f"workbench: warning: {len(analysis.sigma_errors) - SIGMA_ERRORS_SHOWN} more Sigma rules not run "
              "(all are listed in sigma_errors of the findings JSON)", file=sys.stderr)
    partial = [i for i in analysis.inputs if not i.complete]
    for info in partial:
        print(printable(f"workbench: {info.summary()}"), file=sys.stderr)
    if args.findings_json:
        write_json_atomic(analysis.to_json(), args.findings_json)
    if args.report:
        from ..report import write_report

        try:
            case = _open_case(args.case) if args.case else None
        except WorkbenchError as exc:
            print(printable(f"workbench: {exc}"), file=sys.stderr)
            return EXIT_USAGE
        try:
            write_report(analysis, args.report, title=args.title, analyst=args.analyst, case=case,
                         case_id=args.case_id, organisation=args.organisation, classification=args.classification)
        finally:
            if case is not None:
                case.close()
    if not args.quiet:
        print_summary(analysis)
        for out in outputs:
            print(f"wrote {out}")
    return EXIT_PARTIAL if partial else EXIT_OK


def run_spark_analyze(args: argparse.Namespace) -> int:
    if args.parquet is None:
        print("workbench: --engine spark reads a Parquet event folder: give --parquet DIR "
              "(made by workbench export-events)", file=sys.stderr)
        return EXIT_USAGE
    outputs = [p for p in (args.report, args.findings_json) if p is not None]
    problem = check_outputs(outputs, [str(args.parquet)])
    if problem:
        print(printable(f"workbench: {problem}"), file=sys.stderr)
        return EXIT_USAGE
    try:
        from ..spark.pipeline import analysis_from_spark, findings_json
        from ..update.pack import in_use

        pack = in_use(ignore=args.no_update_pack)  # the pack's thresholds, playbooks and rules, as embedded
        shipped = [] if args.no_shipped_rules else ["shipped"]
        analysis, run = analysis_from_spark(args.parquet, master=args.spark_master,
                                            config_files=[*pack.config_files, *args.config],
                                            extra_playbook_dirs=[*pack.playbook_dirs, *args.playbooks],
                                            sigma_dirs=[*shipped, *pack.sigma_dirs, *args.sigma])
        analysis.update_pack = pack.name
    except WorkbenchError as exc:
        print(printable(f"workbench: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    doc = findings_json(analysis, run)
    if args.findings_json:
        write_json_atomic(doc, args.findings_json)
    if args.report:
        from ..report import write_report

        write_report(analysis, args.report, title=args.title, analyst=args.analyst)
    if not args.quiet:
        print_summary(analysis)
        for out in outputs:
            print(f"wrote {out}")
    return EXIT_OK
