"""Extract the offline ATT&CK reference, ``techniques.json``, from MITRE's Enterprise ATT&CK STIX data.

Kept for maintainers to re-run when ATT&CK releases a new version or the checks and playbooks gain a technique;
the workbench itself only reads ``techniques.json`` and never runs this. Standard library only.

    python resources/attack/extract.py SOURCE --attack-version 18.1 [--source-name TEXT] [--out FILE]

SOURCE is an Enterprise ATT&CK STIX bundle (``enterprise-attack.json`` of github.com/mitre/cti, or
``enterprise-attack-18.1.json`` of github.com/mitre-attack/attack-stix-data; STIX 2.0 or 2.1) or a folder of STIX
object files such as the ``enterprise-attack/`` folder of a mitre/cti checkout. Revoked and deprecated objects are
left out. Only facts are kept (ids, names, tactics, platforms, parent and sub-techniques, url), no descriptions.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator

HERE = Path(__file__).resolve().parent

# The techniques the checks emit, the shipped playbooks cover, and the ingest mappings name.
SCOPE = (
    "T1021", "T1021.001", "T1021.004", "T1021.007",
    "T1059.009",
    "T1078", "T1078.004",
    "T1098", "T1098.001", "T1098.002", "T1098.003", "T1098.005",
    "T1110.001", "T1110.003",
    "T1530",
    "T1550.001",
    "T1586.003",
    "T1621",
    # the cloud attack catalogue (workbench/checks/catalogue)
    "T1136.003", "T1484.002", "T1485", "T1486", "T1496", "T1525", "T1526", "T1528", "T1537", "T1546",
    "T1552", "T1552.005", "T1555.006", "T1556.006", "T1556.009", "T1562.001", "T1562.007", "T1562.008",
    "T1580", "T1651", "T1666",
)
# Parents whose every sub-technique is in scope too (a finding or an analyst's playbook may name any of them).
# Parents of the techniques in SCOPE are always added, with their sub-technique lists.
FAMILIES = ("T1021", "T1078", "T1098", "T1110", "T1550", "T1586")

TACTICS = {  # x_mitre_shortname -> name, in the Enterprise matrix's order (a technique's tactics are listed so)
    "reconnaissance": "Reconnaissance", "resource-development": "Resource Development",
    "initial-access": "Initial Access", "execution": "Execution", "persistence": "Persistence",
    "privilege-escalation": "Privilege Escalation", "defense-evasion": "Defense Evasion",
    "credential-access": "Credential Access", "discovery": "Discovery", "lateral-movement": "Lateral Movement",
    "collection": "Collection", "command-and-control": "Command and Control", "exfiltration": "Exfiltration",
    "impact": "Impact",
}
LICENCE = ("MITRE ATT&CK Terms of Use: non-exclusive, royalty-free licence for research, development and commercial "
           "use, reproducing MITRE's copyright designation. (c) The MITRE Corporation. This work is reproduced and "
           "distributed with the permission of The MITRE Corporation. ATT&CK is a registered trademark of The MITRE "
           "Corporation.")


ORDER = {name: i for i, name in enumerate(TACTICS)}


def phases(obj: dict[str, Any]) -> list[str]:
    """The tactic shortnames of an attack-pattern (its ATT&CK kill-chain phases)."""
    names = [p["phase_name"] for p in obj.get("kill_chain_phases", []) if p.get("kill_chain_name") == "mitre-attack"]
    unknown = sorted(set(names) - set(ORDER))
    if unknown:
        raise SystemExit(f"{attack_id(obj)[0]}: tactic not known to this script: {', '.join(unknown)} (add it to TACTICS)")
    return names


def stix_objects(source: Path) -> Iterator[dict[str, Any]]:
    """Every STIX object in a bundle file, or in every ``*.json`` bundle or object under a folder."""
    files: Iterable[Path] = sorted(source.rglob("*.json")) if source.is_dir() else [source]
    for path in files:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
        yield from data.get("objects", []) if data.get("type") == "bundle" else [data]


def attack_id(obj: dict[str, Any]) -> tuple[str, str]:
    """The ATT&CK id and page url of a STIX object (from its ``mitre-attack`` external reference)."""
    for ref in obj.get("external_references", []):
        if ref.get("source_name") == "mitre-attack" and ref.get("external_id"):
            return ref["external_id"], ref.get("url", "")
    return "", ""


def extract(objects: Iterable[dict[str, Any]], attack_version: str, source_name: str) -> dict[str, Any]:
    tactics = dict(TACTICS)
    patterns: dict[str, tuple[dict[str, Any], str]] = {}
    for obj in objects:
        if obj.get("revoked") or obj.get("x_mitre_deprecated"):
            continue
        if obj.get("type") == "x-mitre-tactic" and obj.get("x_mitre_shortname"):
            tactics[obj["x_mitre_shortname"]] = obj["name"]
        elif obj.get("type") == "attack-pattern":
            tid, url = attack_id(obj)
            if tid:
                patterns[tid] = (obj, url)
    wanted = set(SCOPE)
    wanted |= {t for t in patterns if t.split(".")[0] in FAMILIES}
    wanted |= {t.split(".")[0] for t in wanted}
    missing = sorted(wanted - set(patterns))
    if missing:
        raise SystemExit(f"not in the source (revoked, deprecated or renumbered?): {', '.join(missing)}")

    def short(tid: str) -> str:
        return patterns[tid][0]["name"]

    techniques = []
    for tid in sorted(wanted):
        obj, url = patterns[tid]
        parent = tid.split(".")[0] if "." in tid else None
        subs = [] if parent else sorted(t for t in patterns if t.startswith(tid + "."))
        techniques.append({
            "id": tid,
            "name": f"{short(parent)}: {short(tid)}" if parent else short(tid),
            "tactics": [tactics[p] for p in sorted(phases(obj), key=ORDER.get)],
            "platforms": sorted(obj.get("x_mitre_platforms", [])),
            "parent": parent,
            "subtechniques": [{"id": s, "name": short(s)} for s in subs],
            "url": url or f"https://attack.mitre.org/techniques/{tid.replace('.', '/')}",
        })
    return {"attack_version": attack_version, "domain": "enterprise-attack", "source": source_name,
            "licence": LICENCE, "techniques": techniques}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="Enterprise ATT&CK STIX bundle, or a folder of STIX objects")
    parser.add_argument("--attack-version", required=True, help="the ATT&CK release the source is, e.g. 18.1")
    parser.add_argument("--source-name", help="where the source came from, recorded in the output")
    parser.add_argument("--out", type=Path, default=HERE / "techniques.json")
    args = parser.parse_args(argv)
    name = args.source_name or f"MITRE Enterprise ATT&CK STIX data, {args.source.name}"
    doc = extract(stix_objects(args.source), args.attack_version, name)
    args.out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(doc['techniques'])} techniques, ATT&CK v{args.attack_version}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
