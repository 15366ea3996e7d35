"""Real public attack recordings, scored with their documented attack as the expectation.

Nothing here is committed: the recordings keep their own licences (EVTX-ATTACK-SAMPLES is GPL-3.0, which an
MIT project must not absorb). ``python bench/public_data.py DIR`` copies the files below out of local git
mirrors of the repositories (``git clone`` them anywhere and pass ``--mirrors``), converts the few that are
not in an export shape the workbench reads, and prints, per recording, the checks expected and found and the
coverage status of the expected check (``limited`` says the recording is too short for its baseline).
``bench/evaluate.py --public DIR`` prints the same table beside the synthetic one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Recording:
    name: str
    repo: str
    commit: str
    licence: str
    path: str  # in the repository
    expect: str  # the check that should report the documented attack ("": no behavioural check should fire)
    attack: str  # what the recording's own documentation says happened
    convert: str = ""  # how the file is turned into an export shape ("" = read as is)


RECORDINGS = (
    Recording("kerberos-spray", "sbousseaden/EVTX-ATTACK-SAMPLES", "4ceed2f4706daf601c212a8f91c113dd85349a2c",
              "GPL-3.0", "Credential Access/kerberos_pwd_spray_4771.evtx", "password_spray",
              "Kerberos password spray from 172.16.66.1 (4768 unknown names, 4771 wrong passwords, one success)"),
    Recording("rdp-tunnel-1149", "sbousseaden/EVTX-ATTACK-SAMPLES", "4ceed2f4706daf601c212a8f91c113dd85349a2c",
              "GPL-3.0", "Command and Control/DE_RDP_Tunneling_TerminalServices-RemoteConnectionManagerOperational_1149.evtx",
              "", "RDP through a tunnel (1149 from loopback): one host, no fan-out for lateral movement"),
    Recording("pth-4624", "sbousseaden/EVTX-ATTACK-SAMPLES", "4ceed2f4706daf601c212a8f91c113dd85349a2c",
              "GPL-3.0", "Lateral Movement/LM_4624_mimikatz_sekurlsa_pth_source_machine.evtx", "",
              "pass-the-hash on the source machine (4624 type 9): one host, no fan-out"),
    Recording("ec2-proxy-s3-exfil", "OTRF/Security-Datasets", "d9d40ef123d2c87d5d3df28c96bcab4f0faccc87", "MIT",
              "datasets/atomic/aws/collection/ec2_proxy_s3_exfiltration.zip", "cloud_cli",
              "an EC2 instance role's keys used with aws-cli from a laptop to list and read S3 (T1078.004, T1530)",
              convert="logstash"),
)


BEHAVIOURAL = {"brute_force_success", "password_spray", "mfa_fatigue", "new_country", "impossible_travel",
               "unusual_hours", "cloud_cli", "token_use", "privilege_change", "lateral_movement", "access_surge"}


def materialize(dst: Path, mirrors: Path) -> list[tuple[Recording, Path]]:
    """Each recording's file under ``dst`` (from ``mirrors/<owner>+<name>/repo``, a bare or normal clone)."""
    out = []
    for rec in RECORDINGS:
        repo = mirrors / rec.repo.replace("/", "+") / "repo"
        target = dst / rec.name / Path(rec.path).name
        if not target.exists():
            if not repo.exists():
                print(f"{rec.name}: no mirror of {rec.repo} under {mirrors}; skipped", file=sys.stderr)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(subprocess.run(["git", "-C", str(repo), "show", f"{rec.commit}:{rec.path}"],
                                              check=True, capture_output=True).stdout)
        out.append((rec, _convert(rec, target)))
    return out


def _convert(rec: Recording, path: Path) -> Path:
    """Mordor's AWS recordings are CloudTrail records as Logstash wrote them (JSON lines, ``@timestamp``
    instead of ``eventTime``): the records as a CloudTrail log file ({"Records": [...]})."""
    if rec.convert != "logstash":
        return path
    import zipfile
    out = path.with_suffix(".cloudtrail.json")
    if not out.exists():
        with zipfile.ZipFile(path) as zf:
            lines = zf.read(zf.namelist()[0]).decode().splitlines()
        records = []
        for line in filter(None, lines):
            r = json.loads(line)
            r.setdefault("eventTime", r.pop("@timestamp", None))
            r.pop("@version", None)
            records.append(r)
        out.write_text(json.dumps({"Records": records}))
    return out


def score(pairs: list[tuple[Recording, Path]]) -> list[tuple[Recording, list[str], str]]:
    from workbench.pipeline import analyze
    rows = []
    for rec, path in pairs:
        analysis = analyze([path], geoip_dbs=[])
        checks = sorted({f.check for f in analysis.findings})
        status = next((c.status + (f" ({'; '.join(c.reasons)})" if c.reasons else "")
                       for c in analysis.coverage.checks if c.id == rec.expect), "–")
        rows.append((rec, checks, status))
    return rows


def print_public(folder: Path, mirrors: Path = Path("/work/.mirror")) -> None:
    rows = score(materialize(folder, mirrors))
    print("\nReal public recordings (not committed; repository, commit, licence below):\n")
    print("| recording | documented attack | expected | found | checks that fired | expected check's status |")
    print("|---|---|---|:-:|---|---|")
    for rec, checks, status in rows:
        behavioural = [c for c in checks if c in BEHAVIOURAL]
        ok = rec.expect in checks if rec.expect else not behavioural
        print(f"| {rec.name} | {rec.attack} | {rec.expect or 'silence'} | {'yes' if ok else 'no'} | "
              f"{', '.join(checks) or '–'} | {status} |")
    print()
    for rec in dict.fromkeys((r.repo, r.commit, r.licence) for r, _, _ in rows):
        print(f"- {rec[0]} at {rec[1][:12]} ({rec[2]})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    args = ap.parse_args()
    print_public(args.folder, args.mirrors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
