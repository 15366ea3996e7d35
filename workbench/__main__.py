"""``workbench`` / ``python -m workbench``: the desktop app by default, ``analyze`` headless.

The Qt package is imported only here and only when a GUI command runs, so the core and the
headless CLI never load Qt.
"""

from __future__ import annotations

import sys

from .cli.parser import build_parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    if args.selftest:
        from .gui.app import selftest

        return selftest()
    # each command's module is imported when it runs, so --help and --version load nothing heavy
    if args.command == "analyze":
        from .cli.analyze import run_analyze

        return run_analyze(args)
    if args.command == "export-events":
        from .cli.export_events import run_export

        return run_export(args)
    if args.command == "update-pack":
        from .cli.update_pack import run_update_pack

        return run_update_pack(args)
    if args.command == "fetch-geoip":
        from .enrich.fetch import run_fetch

        return run_fetch(args)
    if args.command == "lookup":
        from .cli.lookup import run_lookup

        return run_lookup(args)
    if args.command == "query":
        from .cli.query import run_query

        return run_query(args)
    from .gui.app import main as gui_main

    gui_args = list(getattr(args, "paths", []) or [])
    if getattr(args, "demo", False):
        gui_args.append("--demo")
    return gui_main(gui_args)


if __name__ == "__main__":
    sys.exit(main())
