"""The headless command line: workbench analyze PATH... [--report out.pdf] [--findings-json out.json].

Exit codes: 0 every input loaded cleanly; 3 some inputs were rejected or partly unreadable (the rest
were analyzed and the outputs still written; one stderr line per such input); 2 usage errors.
``workbench lookup IP...``: what the workbench knows of each IP; exit 2 if one is not an IP address.
"""

from __future__ import annotations

import argparse

from .. import __version__
from .analyze import add_analyze_arguments
from .export_events import add_export_arguments
from .lookup import add_lookup_arguments
from .query import add_query_arguments
from .update_pack import add_update_pack_arguments


DESCRIPTION = """Offline incident-response workbench: exported cloud, identity and host logs in, findings,
incidents and a PDF handoff report out. With no command it opens the desktop app."""

EXAMPLES = """examples (after ./run or ./test, with .venv/bin on PATH: export PATH="$PWD/.venv/bin:$PATH"):
  workbench gui --demo                          open the app on the bundled demo case
  workbench analyze resources/demo --report out/demo.pdf --findings-json out/demo.json
  workbench analyze /evidence/acme --year 2024 --title "ACME breach" --report out/acme.pdf
  workbench query resources/demo --query 'user:r.patel country:RU'
  workbench lookup 8.8.8.8 --json
  workbench --selftest                          check the install without a display

exit codes: 0 all inputs read cleanly; 3 some inputs rejected or partly unreadable (the rest analyzed, outputs
written, one line per input on stderr); 2 usage error (nothing written). Each command has --help."""

ANALYZE_DESCRIPTION = """Analyze log files or folders headless: every source is recognised by its content (CloudTrail,
Entra ID, Azure Activity, Google Cloud, Workspace, Windows EVTX/XML/CSV, Linux auth.log, journald, S3 access, M365),
normalized, checked and grouped into findings and incidents. Inputs are only read; outputs are refused inside or
beside them. Or, with --engine spark --parquet DIR, the checks run on Apache Spark over a folder export-events
wrote."""

ANALYZE_EXAMPLES = """examples:
  workbench analyze resources/demo --report out/demo.pdf --findings-json out/demo.json
  workbench analyze Security.evtx auth.log.gz cloudtrail/ --year 2024 --sigma ~/sigma/rules/cloud
  workbench analyze /evidence --classification TLP:AMBER --analyst "J. Doe" --report out/acme.pdf"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench", description=DESCRIPTION, epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    parser.add_argument("--selftest", action="store_true",
                        help="analyze the demo case, render the main window offscreen, write a PDF; exit 0 if all worked")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_analyze_arguments(sub.add_parser("analyze", help="analyze log files headless", description=ANALYZE_DESCRIPTION,
                                         epilog=ANALYZE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter))
    gui = sub.add_parser("gui", help="open the desktop app (the default with no command)")
    gui.add_argument("paths", nargs="*", metavar="PATH", help="log files or folders to open")
    gui.add_argument("--demo", action="store_true", help="open the bundled demo case")
    add_lookup_arguments(sub.add_parser("lookup", help="what the workbench knows of IP addresses (GeoIP, class)"))
    add_query_arguments(sub.add_parser("query", help="the events matching a query (the grid's query bar)"))
    add_update_pack_arguments(sub.add_parser("update-pack", help="build or import an offline update pack"))
    from ..enrich.fetch import add_fetch_arguments

    add_fetch_arguments(sub.add_parser("fetch-geoip",
                                       help="set-up: install the pinned GeoIP and ASN data (network)"))
    add_export_arguments(sub.add_parser("export-events", help="the normalized, enriched events as Parquet"))
    return parser
