"""The headless command line: ``workbench analyze PATH... [--report out.pdf] [--findings-json out.json]``.

Exit codes: 0 every input loaded cleanly; 3 some inputs were rejected or partly unreadable (the rest
were analyzed and the outputs still written; one stderr line per such input); 2 usage errors.
``workbench lookup IP...``: what the workbench knows of each IP; exit 2 if one is not an IP address.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import orjson

from . import __version__
from .errors import WorkbenchError, printable
from .enrich.geoip import GeoResult, open_geoip
from .events import format_ts
from .paths import default_file_mode
from .pipeline import Analysis, analyze_with_pack

EXIT_OK, EXIT_USAGE, EXIT_PARTIAL = 0, 2, 3
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


def add_geoip_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--geoip-db", type=Path, action="append", metavar="FILE",
                   help="MaxMind-format database (City, Country or ASN; repeatable), used in the order given "
                        "(the first that answers a part wins); the bundled one only fills parts none can answer")
    p.add_argument("--no-default-geoip", action="store_true",
                   help="with --geoip-db: never add the bundled database")
    p.add_argument("--no-geoip", action="store_true", help="use no GeoIP database at all")
    p.add_argument("--no-update-pack", action="store_true",
                   help="ignore the imported update pack (its playbooks, config, GeoIP, Sigma rules, ATT&CK)")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def check_outputs(outputs: Sequence[Path], inputs: Sequence[str]) -> str | None:
    """Evidence is read-only: refuse an output that is an input or lies inside an input folder."""
    for out in outputs:
        for given in map(Path, inputs):
            if out.resolve() == given.resolve() or (given.is_dir() and _inside(out, given)):
                return f"{out}: refusing to write into the evidence ({given})"
            if given.is_file() and out.resolve().parent == given.resolve().parent:
                return f"{out}: refusing to write beside the evidence ({given})"
    return None


def write_json_atomic(data: object, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _progress_printer(enabled: bool):
    last = [""]

    def progress(done: int, total: int, message: str) -> None:
        if enabled and message != last[0]:
            last[0] = message
            pct = 100 * done // total if total else 0
            print(f"\r[{pct:3d}%] {message[:70]:<70}", end="", file=sys.stderr, flush=True)

    return progress


def print_summary(analysis: Analysis) -> None:
    first, last = analysis.time_range()
    print(f"{len(analysis.inputs)} inputs, {analysis.events_total} events, "
          f"{format_ts(first)} .. {format_ts(last)}, {len(analysis.findings)} findings")
    for f in analysis.findings:
        print(printable(f"  [{f.severity:>8}] {f.title}  ({', '.join(f.techniques)}; playbook {f.playbook or '-'})"))


def _open_case(folder: Path):
    from .case import Case

    return Case.open(folder)


def pack_overrides(ignore: bool = False):
    """What the imported update pack adds to a run (nothing when ``ignore``); its ATT&CK reference is put in
    use. The analyst's own options come after the pack's files, so they win."""
    from .update_pack import in_use

    return in_use(ignore)


def geoip_databases(args: argparse.Namespace, pack) -> list[Path] | None:
    """``analyze``'s ``geoip_dbs`` from the options and the update pack: none with ``--no-geoip``; the analyst's
    databases before the pack's; None (the bundled default) when neither gives one."""
    if args.no_geoip:
        return []
    return [*(args.geoip_db or ()), *pack.geoip_dbs] or None


def run_analyze(args: argparse.Namespace) -> int:
    if args.engine == "spark":
        from .sparkcli import run_spark_analyze

        return run_spark_analyze(args)
    if not args.paths:
        print("workbench: analyze: give at least one PATH (or --engine spark --parquet DIR)", file=sys.stderr)
        return EXIT_USAGE
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
                                     progress=_progress_printer(show_progress))
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
        from .report import write_report

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


def add_lookup_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("ips", nargs="+", metavar="IP", help="IPv4 or IPv6 addresses")
    add_geoip_arguments(p)
    p.add_argument("--json", action="store_true", help="print JSON for scripts instead of text blocks")


def _lookup_block(result: GeoResult) -> list[str]:
    def source(part: str) -> str:
        where = result.sources.get(part)
        return f"  [{Path(where).name}]" if where else ""

    lines = [result.ip]
    if result.ip_class != "public":
        return [*lines, f"  class:     {result.ip_class} (never geolocated)"]
    lines.append("  class:     public")
    lines.append(f"  country:   {result.country or 'unknown'}{source('country')}")
    lines.append(f"  city:      {result.city or 'unknown'}{source('city')}")
    if result.lat is not None and result.lon is not None:
        radius = f" ± {result.accuracy_km} km" if result.accuracy_km is not None else ""
        lines.append(f"  location:  {result.lat:.4f}, {result.lon:.4f}{radius}{source('location')}")
    else:
        lines.append("  location:  unknown")
    if result.asn is not None:
        lines.append(f"  AS:        AS{result.asn} {result.as_org or ''}".rstrip() + source("asn"))
    else:
        lines.append("  AS:        unknown")
    kind = f"{result.provider_class} ({result.provider})" if result.provider else result.provider_class
    lines.append(f"  provider:  {kind or 'unknown'}")
    return lines


def run_lookup(args: argparse.Namespace) -> int:
    from .enrich.provider import open_provider_lists
    from .update_pack import active_overrides

    # the active update pack's databases and provider lists, as analyze uses them (newer data carried in)
    pack = active_overrides() if not args.no_update_pack else None
    dbs = [] if args.no_geoip else ([*(args.geoip_db or ()), *(pack.geoip_dbs if pack else ())] or None)
    lists = pack.ip_lists if pack else []
    geo = open_geoip(dbs, use_default=not args.no_default_geoip,
                     providers=open_provider_lists([p for p in lists if p.suffix == ".bin"],
                                                   [p for p in lists if p.suffix == ".csv"]) if lists else None)
    try:
        results = geo.lookup_many(args.ips)
    finally:
        geo.close()
    for line in geo.errors + geo.warnings:
        print(f"workbench: warning: {line}", file=sys.stderr)
    bad = [r.ip for r in results if r.ip_class is None]
    for ip in bad:
        print(f"workbench: {ip!r} is not an IP address", file=sys.stderr)
    if args.json:
        lists = geo.providers.lists if geo.providers else []
        doc = {"databases": [d.to_dict() for d in geo.databases], "lists": [x.to_dict() for x in lists],
               "credits": geo.credits, "errors": geo.errors, "warnings": geo.warnings,
               "results": [{**r.to_dict(), **({"error": "not an IP address"} if r.ip_class is None else {})}
                           for r in results]}
        sys.stdout.buffer.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        if not geo.databases:
            print("(no GeoIP database: address classes only)\n")
        print("\n\n".join("\n".join(_lookup_block(r)) for r in results if r.ip_class is not None))
        if any("DB-IP" in credit for credit in geo.credits):  # CC BY 4.0: the credit goes where the data shows
            print("\n" + "\n".join(f"data: {credit}" for credit in geo.credits))
    return EXIT_USAGE if bad else EXIT_OK


def add_update_pack_arguments(p: argparse.ArgumentParser) -> None:
    """``update-pack build|import|status|rollback``: offline updates of playbooks, config and GeoIP databases."""
    actions = p.add_subparsers(dest="pack_command", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="write an update pack (zip with a SHA-256 manifest)")
    build.add_argument("out", type=Path, metavar="OUT.zip")
    build.add_argument("--name", help="the pack's name (default: OUT's file name without .zip)")
    build.add_argument("--playbooks", type=Path, metavar="DIR", help="folder of playbooks to ship")
    build.add_argument("--config", type=Path, metavar="FILE", help="check configuration overriding the shipped one")
    build.add_argument("--geoip-db", type=Path, action="append", default=[], metavar="FILE",
                       help="GeoIP database to ship (repeatable)")
    build.add_argument("--ip-list", type=Path, action="append", default=[], metavar="FILE",
                       help="provider list to ship: iporigin ranges.bin or an asn-classes.csv (repeatable)")
    build.add_argument("--sigma", type=Path, metavar="DIR", help="folder of Sigma rules to ship (sub-folders kept)")
    build.add_argument("--attack", type=Path, metavar="techniques.json",
                       help="ATT&CK reference to ship (made by resources/attack/extract.py)")
    build.add_argument("--sign-key", type=Path, metavar="KEY",
                       help="the organisation's private key (from update-pack keygen) to sign the pack with")
    keygen = actions.add_parser("keygen", help="make the organisation's signing key pair (KEY and KEY.pub)")
    keygen.add_argument("key", type=Path, metavar="KEY")
    keygen.add_argument("--comment", default="", help="a name for the key, shown on import (e.g. 'ACME IR 2026')")
    sign = actions.add_parser("sign", help="sign an existing pack with the organisation's private key")
    sign.add_argument("pack", type=Path, metavar="PACK.zip")
    sign.add_argument("--key", type=Path, required=True, metavar="KEY")
    for name, help_text in (("import", "verify a pack and make it the active one (the previous one is kept)"),
                            ("status", "show the active and the previous pack"),
                            ("trust", "accept packs signed by this public key from now on (done once per laptop)"),
                            ("rollback", "make the previous pack the active one again")):
        action = actions.add_parser(name, help=help_text)
        if name == "import":
            action.add_argument("pack", type=Path, metavar="PACK.zip")
            action.add_argument("--allow-unsigned", action="store_true",
                                help="import a pack that carries no signature (said so on import and in status)")
        if name == "trust":
            action.add_argument("public_key", type=Path, metavar="KEY.pub")
        action.add_argument("--data-dir", type=Path, metavar="DIR",
                            help="per-user data folder (default: the platform's, or WORKBENCH_DATA_DIR)")


def run_update_pack(args: argparse.Namespace) -> int:
    from . import pack_signing, update_pack

    try:
        if args.pack_command == "build":
            manifest = update_pack.build_pack(args.out, name=args.name or args.out.stem, playbooks=args.playbooks,
                                              config=args.config, geoip_dbs=args.geoip_db, sigma=args.sigma,
                                              attack=args.attack, ip_lists=args.ip_list, sign_key=args.sign_key)
            signed = ", signed" if args.sign_key else ", unsigned"
            print(f"wrote {args.out}: pack {manifest['name']}, {len(manifest['files'])} files{signed}")
        elif args.pack_command == "keygen":
            key = pack_signing.keygen(args.key, args.comment)
            print(f"wrote {args.key} (private: keep it off the laptops) and {args.key}.pub (key {key.id}: give it "
                  "to each laptop with 'workbench update-pack trust')")
        elif args.pack_command == "sign":
            print(f"signed {args.pack} with key {pack_signing.sign_pack(args.pack, args.key)}")
        elif args.pack_command == "trust":
            key = pack_signing.trust(args.public_key, args.data_dir or update_pack.data_dir())
            print(f"packs signed by key {key.id}{' (' + key.comment + ')' if key.comment else ''} are accepted")
        elif args.pack_command == "import":
            print("\n".join(update_pack.import_pack(args.pack, args.data_dir, args.allow_unsigned).lines()))
        elif args.pack_command == "rollback":
            print("\n".join(update_pack.rollback(args.data_dir).lines()))
        else:
            print("\n".join(update_pack.status_lines(args.data_dir)))
    except WorkbenchError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    parser.add_argument("--selftest", action="store_true",
                        help="analyze the demo case, render the main window offscreen, write a PDF; exit 0 if all worked")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_analyze_arguments(sub.add_parser("analyze", help="analyze log files headless"))
    gui = sub.add_parser("gui", help="open the desktop app (the default with no command)")
    gui.add_argument("paths", nargs="*", metavar="PATH", help="log files or folders to open")
    gui.add_argument("--demo", action="store_true", help="open the bundled demo case")
    add_lookup_arguments(sub.add_parser("lookup", help="what the workbench knows of IP addresses (GeoIP, class)"))
    from .querycli import add_query_arguments  # here: querycli builds on this module

    add_query_arguments(sub.add_parser("query", help="the events matching a query (the grid's query bar)"))
    add_update_pack_arguments(sub.add_parser("update-pack", help="build or import an offline update pack"))
    from .enrich.fetch import add_fetch_arguments

    add_fetch_arguments(sub.add_parser("fetch-geoip",
                                       help="set-up: install the pinned GeoIP and ASN data (network)"))
    from .sparkcli import add_export_arguments

    add_export_arguments(sub.add_parser("export-events", help="the normalized, enriched events as Parquet"))
    return parser
