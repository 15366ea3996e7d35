"""``workbench lookup IP...``: what the workbench knows of each IP (GeoIP, address class, provider); exit 2
if one is not an IP address."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from typing import TYPE_CHECKING

from .common import EXIT_OK, EXIT_USAGE, add_geoip_arguments, open_geo

if TYPE_CHECKING:
    from ..enrich.geoip import GeoResult


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
    import orjson

    geo = open_geo(args)
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
