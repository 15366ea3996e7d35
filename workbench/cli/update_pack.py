"""``workbench update-pack build|import|status|rollback``: offline updates of playbooks, config, GeoIP
databases, Sigma rules and the ATT&CK reference (:mod:`workbench.update.pack`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import WorkbenchError
from .common import EXIT_OK, EXIT_USAGE


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
    from ..update import pack as update_pack, signing as pack_signing

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
