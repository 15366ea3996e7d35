"""Sigma benchmark: 100 rules over 1M CloudTrail events (target ≤ 10 s on 2 cores).

The events are the generator's CloudTrail (``workbench.synth``, seed 11) repeated with fresh eventIDs,
written as JSON Lines and loaded once (not timed here: ``bench/ingest.py`` measures that). The 100
rules are written the way SigmaHQ's CloudTrail rules are: ``eventSource`` with ``eventName`` (one
name or a list), filters on ``errorCode``, nested ``userIdentity`` / ``requestParameters`` /
``responseElements`` paths, ``userAgent`` and ``sourceIPAddress`` tests; ten of them select
frequent events (``ListBuckets``, ``ListUsers``, ``ConsoleLogin``, ...) so that many original
records must be read back and decoded. One more run shows the worst case: a single rule naming no
``eventName`` (every record is decoded).

Usage: python bench/sigma_rules.py [--events 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

# This script is named like pySigma's package ``sigma``: keep its folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import orjson  # noqa: E402

from workbench.ingest import load  # noqa: E402
from workbench.sigma import load_rules, run_sigma  # noqa: E402
from workbench.sigma.engine import RunStats, match_rules  # noqa: E402
from workbench.synth import generate_case  # noqa: E402

# (eventSource, eventName) pairs of the kind SigmaHQ's CloudTrail rules look for.
RARE = {
    "cloudtrail": ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"],
    "guardduty": ["DeleteDetector", "UpdateDetector", "DisassociateFromMasterAccount", "CreateIPSet"],
    "iam": ["CreateUser", "CreateAccessKey", "CreateLoginProfile", "UpdateLoginProfile", "AttachUserPolicy",
            "AttachRolePolicy", "PutUserPolicy", "AddUserToGroup", "DeleteRolePermissionsBoundary",
            "UpdateAssumeRolePolicy", "CreatePolicyVersion", "SetDefaultPolicyVersion", "DeactivateMFADevice",
            "DeleteVirtualMFADevice", "GetAccountAuthorizationDetails"],
    "s3": ["PutBucketPolicy", "PutBucketAcl", "DeleteBucketPolicy", "PutBucketPublicAccessBlock",
           "DeleteBucketEncryption", "PutBucketLogging", "PutBucketReplication", "ListObjects"],
    "ec2": ["ModifyInstanceAttribute", "CreateKeyPair", "ImportKeyPair", "AuthorizeSecurityGroupIngress",
            "ModifySnapshotAttribute", "ModifyImageAttribute", "DeleteFlowLogs", "RunInstances", "GetPasswordData",
            "CreateDefaultVpc", "DisableEbsEncryptionByDefault"],
    "kms": ["ScheduleKeyDeletion", "DisableKey", "PutKeyPolicy", "CreateGrant"],
    "sts": ["GetSessionToken", "GetFederationToken", "AssumeRoleWithWebIdentity"],
    "lambda": ["CreateFunction20150331", "UpdateFunctionCode20150331v2", "AddPermission20150331v2"],
    "config": ["StopConfigurationRecorder", "DeleteDeliveryChannel", "DeleteConfigRule"],
    "logs": ["DeleteLogGroup", "DeleteLogStream", "PutRetentionPolicy"],
    "rds": ["ModifyDBInstance", "RestoreDBInstanceFromDBSnapshot", "ModifyDBSnapshotAttribute"],
    "secretsmanager": ["GetSecretValue", "ListSecrets"],
    "ssm": ["GetParameters", "SendCommand", "StartSession"],
    "organizations": ["LeaveOrganization"],
    "signin": ["SwitchRole"],
}


def _rule(i: int, title: str, detection: str) -> str:
    return (f"title: bench {i:03d} {title}\nid: 00000000-0000-4000-8000-{i:012d}\nstatus: test\n"
            f"logsource:\n    product: aws\n    service: cloudtrail\nlevel: medium\ntags:\n    - attack.t1078.004\n"
            f"detection:\n{detection}falsepositives:\n    - Benchmark\n")


def _names(names: list[str]) -> str:
    return "".join(f"            - {n}\n" for n in names)


def write_rules(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    pairs = [(s, n) for s, names in RARE.items() for n in names]
    rules: list[tuple[str, str]] = []
    # 1. eventSource + eventName, no error (most SigmaHQ rules)
    for k, (src, name) in enumerate(pairs):
        extra = "    filter:\n        errorCode|exists: true\n    condition: selection and not filter\n" if k % 3 == 0 \
            else "    condition: selection\n"
        rules.append((f"{src} {name}", f"    selection:\n        eventSource: {src}.amazonaws.com\n"
                                       f"        eventName: {name}\n{extra}"))
    # 2. several names of one service
    for src, names in RARE.items():
        if len(names) >= 3:
            rules.append((f"{src} several", f"    selection:\n        eventSource: {src}.amazonaws.com\n"
                                            f"        eventName:\n{_names(names[:3])}    condition: selection\n"))
    # 3. nested paths on rare events
    nested = [
        ("CreateAccessKey", "requestParameters.userName|exists: true"),
        ("AttachUserPolicy", "requestParameters.policyArn|endswith: /AdministratorAccess"),
        ("PutBucketPolicy", "requestParameters.bucketPolicy.Statement.Principal: '*'"),
        ("CreateUser", "userIdentity.type: Root"),
        ("ConsoleLogin", "additionalEventData.MFAUsed: 'No'"),
        ("AuthorizeSecurityGroupIngress", "requestParameters.ipPermissions.items.ipRanges.items.cidrIp: 0.0.0.0/0"),
        ("UpdateAssumeRolePolicy", "requestParameters.policyDocument|contains: '\"AWS\": \"*\"'"),
        ("RunInstances", "requestParameters.instanceType|startswith: p4d"),
    ]
    for name, test in nested:
        rules.append((f"{name} nested", f"    selection:\n        eventName: {name}\n        {test}\n"
                                        f"    condition: selection\n"))
    # 4. column tests: prefixes and user agents
    for prefix, src in (("Delete", "guardduty"), ("Disable", "kms"), ("Put", "config"), ("Stop", "cloudtrail")):
        rules.append((f"{src} {prefix}*", f"    selection:\n        eventSource: {src}.amazonaws.com\n"
                                          f"        eventName|startswith: {prefix}\n    condition: selection\n"))
    # 5. frequent events (many records decoded)
    frequent = [
        ("ListBuckets", "s3", "    selection:\n        eventSource: s3.amazonaws.com\n        eventName: ListBuckets\n"
         "        sourceIPAddress|cidr: 45.155.205.0/24\n    condition: selection\n"),
        ("ListUsers", "iam", "    selection:\n        eventName: ListUsers\n        userIdentity.type: Root\n"
         "    condition: selection\n"),
        ("ConsoleLogin failed", "signin", "    selection:\n        eventName: ConsoleLogin\n"
         "        responseElements.ConsoleLogin: Failure\n    condition: selection\n"),
        ("ConsoleLogin no MFA", "signin", "    selection:\n        eventName: ConsoleLogin\n"
         "        additionalEventData.MFAUsed: 'No'\n        responseElements.ConsoleLogin: Success\n"
         "    condition: selection\n"),
        ("GetCallerIdentity cli", "sts", "    selection:\n        eventName: GetCallerIdentity\n"
         "        userAgent|contains: aws-cli\n    condition: selection\n"),
        ("DescribeInstances boto", "ec2", "    selection:\n        eventName: DescribeInstances\n"
         "        userAgent|startswith: Boto3\n        sourceIPAddress|cidr: 185.220.101.0/24\n"
         "    condition: selection\n"),
        ("DescribeAlarms re", "monitoring", "    selection:\n        eventName|re: '^Describe(Alarms|LogGroups)$'\n"
         "        userAgent|contains: python\n    condition: selection\n"),
        ("ListUsers error", "iam", "    selection:\n        eventName: ListUsers\n        errorCode: AccessDenied\n"
         "    condition: selection\n"),
        ("DescribeVpcs", "ec2", "    selection:\n        eventName: DescribeVpcs\n        eventSource: ec2.amazonaws.com\n"
         "    filter:\n        userAgent|contains: console\n    condition: selection and not filter\n"),
        ("GetObject", "s3", "    selection:\n        eventName: GetObject\n        userAgent|contains|all:\n"
         "            - aws-cli\n            - exec-env\n    condition: selection\n"),
    ]
    for title, _src, detection in frequent:
        rules.append((title, detection))
    rules = rules[:90] + rules[-10:] if len(rules) > 100 else rules
    while len(rules) < 100:  # top up with more name lists
        k = len(rules)
        src, name = pairs[k % len(pairs)]
        rules.append((f"{src} {name} or", f"    a:\n        eventName: {name}\n    b:\n        eventName: Get{name}\n"
                                          f"    condition: 1 of them\n"))
    for i, (title, detection) in enumerate(rules):
        (folder / f"rule_{i:03d}.yml").write_text(_rule(i, title, detection))
    return len(rules)


def write_events(path: Path, n: int, work: Path) -> None:
    generate_case(work / "seed", seed=11, days=21, scale=20)
    records = orjson.loads((work / "seed" / "cloudtrail.json").read_bytes())["Records"]
    with open(path, "wb") as fh:
        for i in range(n):
            fh.write(orjson.dumps(dict(records[i % len(records)], eventID=f"{i:08d}-0000-4000-8000-000000000000")))
            fh.write(b"\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="keep the generated files here")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="wb-sigma-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    events = work / f"cloudtrail-{args.events}.jsonl"
    if not events.exists():
        write_events(events, args.events, work)
    n_rules = write_rules(work / "rules")
    worst = work / "worst"
    worst.mkdir(exist_ok=True)
    (worst / "no_event_name.yml").write_text(_rule(999, "eventSource only", "    selection:\n"
                                                   "        eventSource: kms.amazonaws.com\n    condition: selection\n"))
    t = time.perf_counter()
    table = load([events]).table
    load_s = time.perf_counter() - t
    import pandas  # noqa: F401  (loaded by the pipeline before Sigma runs; not Sigma's cost)
    rows = []
    for label, folder in ((f"{n_rules} rules", work / "rules"), ("1 rule without eventName (worst case)", worst)):
        gc.collect()
        t = time.perf_counter()
        ruleset = load_rules([folder])
        parse_s = time.perf_counter() - t
        stats = RunStats()
        t, cpu = time.perf_counter(), time.process_time()
        hits = match_rules(table, ruleset.rules, stats=stats)
        match_s, match_cpu = time.perf_counter() - t, time.process_time() - cpu
        t, cpu = time.perf_counter(), time.process_time()
        run = run_sigma(table, ruleset) if label.endswith("rules") else None
        total_s, total_cpu = time.perf_counter() - t, time.process_time() - cpu
        assert not ruleset.errors, ruleset.errors
        rows.append((label, len(ruleset.rules), table.num_rows, sum(stats.rows_read.values()),
                     sum(stats.rows_decoded.values()),
                     sum(len(h) for h in hits), len(run.findings) if run else "–", parse_s, match_s, match_cpu,
                     f"{total_s:.2f} ({total_cpu:.2f} CPU)" if run else "–"))
    print(f"{table.num_rows:,} CloudTrail events loaded in {load_s:.1f} s (not part of the times below)\n")
    print("| rule set | rules | events | records read | records decoded | matches | findings | parse s | match s "
          "| match CPU s | run_sigma s (match + findings) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, nr, ne, read, dec, m, nf, ps, ms, mc, ts in rows:
        print(f"| {label} | {nr} | {ne:,} | {read:,} | {dec:,} | {m:,} | {nf} | {ps:.2f} | {ms:.2f} | {mc:.2f} "
              f"| {ts} |")
    status = Path("/proc/self/status")
    hwm = next((int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("VmHWM:")), 0) \
        if status.exists() else 0
    print(f"\nload average while measuring: {os.getloadavg()[0]:.1f} (wall times grow with it; CPU times less); "
          f"peak RSS {hwm / 1024:,.0f} MB (the loaded table included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
