"""Password spray (T1110.003): one source (an IP, or the addresses of one network) failing against
many accounts, a few tries each."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from ..sources import CLOUD_ACCOUNTS, SSH_SOURCES
from .requirements import LOGINS, FAILURES
from .base import Check, CheckInput, bursts, distinct, minutes, refs

ID = "password_spray"


def _sprays(failures: pd.DataFrame, key: str, cfg: dict,
            successes: pd.DataFrame | None = None) -> list[tuple[object, pd.DataFrame, pd.Series]]:
    """(source, burst, tries per account) of every burst of failures from one ``key`` value (an IP,
    or an autonomous system) against enough accounts with few tries each. The accounts tried include those
    whose password worked: successes from the same source during the burst count once each."""
    gap = pd.Timedelta(minutes=cfg["gap_minutes"])
    floor = max(cfg["min_accounts"] - (0 if successes is None else 3), 1)
    wide = failures.groupby(key)["user"].nunique()
    failures = failures[failures[key].isin(wide.index[wide >= floor])]
    won_by_key = {} if successes is None or key not in successes else dict(
        tuple(successes[successes[key].isin(set(failures[key]))].groupby(key)))
    if not len(failures):
        return []
    # every key's bursts at once: rows by key (stable: in time order within a key), a new burst at each new key
    # or quiet gap; only bursts that can be a spray are looked at one by one
    ordered = failures.sort_values(key, kind="stable")
    values = ordered[key].to_numpy()
    new_key = np.concatenate([[True], values[1:] != values[:-1]])
    burst_no = np.cumsum(new_key | (ordered["ts"].diff() > gap).to_numpy())
    per_user = pd.DataFrame({"b": burst_no, "user": ordered["user"].to_numpy()}).groupby(["b", "user"]).size()
    b_of = per_user.index.get_level_values("b").to_numpy()
    accounts = np.bincount(b_of, minlength=burst_no[-1] + 1)
    tried = np.bincount(b_of, weights=per_user.to_numpy(), minlength=burst_no[-1] + 1)
    likely = (accounts >= cfg["min_accounts"]) & (tried <= (cfg["max_tries_per_account"] + 1e-9) * accounts)
    starts = np.flatnonzero(np.concatenate([[True], burst_no[1:] != burst_no[:-1]]))
    ends = np.concatenate([starts[1:], [len(ordered)]])
    out = []
    for b, (lo, hi) in enumerate(zip(starts, ends), start=1):
        value = values[lo]
        won = won_by_key.get(value)
        if won is None and not likely[b]:
            continue
        burst = ordered.iloc[lo:hi]
        tries = burst.groupby("user").size()
        if won is not None:
            during = won[(won["ts"] >= burst["ts"].min()) & (won["ts"] <= burst["ts"].max() + pd.Timedelta(seconds=1))]
            extra = pd.Series(1, index=pd.Index(sorted(set(during["user"]) - set(tries.index)), name="user"))
            tries = pd.concat([tries, extra]) if len(extra) else tries
        if len(tries) >= cfg["min_accounts"] and tries.mean() <= cfg["max_tries_per_account"]:
            out.append((value, burst, tries))
    return out


def _attempts(inp: CheckInput) -> pd.DataFrame:
    """Every failed authentication of a named account, unknown names included (sshd ``Invalid user``, Entra
    50034, Windows 0xC0000064), and every use of explicit credentials (Windows 4648: ``runas``, ``net use``,
    PsExec ``-u``) with the account tried as ``user``; ``key`` is the source IP, else the host that logged it."""
    ev = inp.events
    failed = ev["action"].isin(["auth.failure", "auth.invalid_user"]).to_numpy() & ev["user"].notna().to_numpy()
    explicit = (ev["event_name"] == "4648").to_numpy() & ev["target_user"].notna().to_numpy()
    rows = ev.loc[failed | explicit]
    rows = rows.assign(user=rows["user"].where(rows["event_name"] != "4648", rows["target_user"]),
                       actor=rows["user"].where(rows["event_name"] == "4648"))
    key = rows["src_ip"].where(rows["src_ip"].notna(), "host:" + rows["host"].fillna("?") + "|" +
                               rows["actor"].fillna(""))
    return rows.assign(key=key).sort_values("ts", kind="stable")


def _background(found: list, successes: pd.DataFrame, gap: pd.Timedelta, cfg: dict) -> tuple[list, list]:
    """Split off internet background scanning: sprays grouped by network (no single address at a spray's
    pace) where no login from those addresses succeeded and the log itself calls every name tried unknown
    (sshd "Invalid user", Entra 50034, Windows 0xC0000064: the host's own verdict), when one host or log source sees such bursts from at
    least ``background_min_networks`` networks. Returns the sprays kept and, per host and log source, the
    background bursts: (host, source, bursts)."""
    ok_ips = successes.groupby("src_ip")["ts"].agg(["min", "max"])
    quiet: dict[tuple[str, str], list[pd.DataFrame]] = {}
    kept = []
    for item in found:
        kind, _value, burst, tries = item
        won = ok_ips.index.isin(set(burst["src_ip"].dropna()))
        names = burst["event_name"].astype(str)
        unknown = ((burst["action"] == "auth.invalid_user") | names.str.contains("invalid_user", regex=False)).all()
        if kind == "asn" and unknown and not (won.any() and ((ok_ips["min"][won] <= burst["ts"].max() + gap)
                                                            & (ok_ips["max"][won] >= burst["ts"].min())).any()):
            family = (str(burst["host"].dropna().iloc[0]) if burst["host"].notna().any() else "?",
                      str(burst["source"].iloc[0]))
            quiet.setdefault(family, []).append(item)
            continue
        kept.append(item)
    background = []
    for family, items in quiet.items():
        if len({v for _, v, _, _ in items}) >= cfg["background_min_networks"]:
            background.append((*family, [b for _, _, b, _ in items]))
        else:
            kept += items  # one or two networks: a distributed spray, not the internet's background
    return kept, background


def _scanning(host: str, source: str, bursts_: list[pd.DataFrame]) -> Finding:
    """One low finding for a host's internet background: many networks trying names that do not exist."""
    rows = pd.concat(bursts_).sort_values("ts", kind="stable")
    ips, nets = distinct(rows["src_ip"]), rows["asn"].dropna().nunique()
    attempts = int((rows["action"] == "auth.invalid_user").sum()) or len(rows)  # sshd logs a try twice or more
    text = (f"Background scanning: {attempts} invalid-user attempts from {len(ips)} addresses in {nets} networks "
            f"against {rows['user'].nunique()} names that do not exist, {format_ts(rows['ts'].min())} to "
            f"{format_ts(rows['ts'].max())}, seen by {host} ({source}); no account logged on from these addresses "
            f"and the log calls every name tried unknown. The noise every internet-facing server gets; a spray from "
            f"one address, or one that tries existing accounts or succeeds, is reported on its own.")
    return Finding(
        check=ID, title=f"Background scanning of {host}", severity="low",
        techniques=("T1110.003", *(("T1021.004",) if source in SSH_SOURCES else ())), explanation=text,
        first_seen=rows["ts"].min().to_pydatetime(), last_seen=rows["ts"].max().to_pydatetime(),
        users=(), ips=ips, hosts=distinct(rows["host"]), evidence=refs(rows),
        facts={"failures": len(rows), "accounts": int(rows["user"].nunique()), "unknown_names": attempts,
               "successes": 0, "compromised": [], "grouped_by": "background", "addresses": len(ips),
               "networks": int(nets), "background": True},
    )


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    logins = inp.logins
    attempts = _attempts(inp)
    successes = logins[logins["action"] == "auth.success"]
    gap = pd.Timedelta(minutes=cfg["gap_minutes"])
    found = [("ip" if not str(value).startswith("host:") else "host", value, burst, tries)
             for value, burst, tries in _sprays(attempts, "key", cfg, successes.assign(key=successes["src_ip"]))]
    # a spray spread over many addresses of one network (a botnet, a cloud provider's range)
    single = attempts.index.isin([i for _, _, b, _ in found for i in b.index])
    # only addresses that had no successful login before (staff typing a password wrong from home
    # share their provider's network, but their addresses have signed in before)
    first_ok = successes.groupby("src_ip")["ts"].min()
    first_us = dict(zip(first_ok.index, first_ok.to_numpy(dtype="datetime64[us]").astype(np.int64)))
    prior = attempts["src_ip"].map(first_us).to_numpy(dtype=float, na_value=np.nan)
    fresh = np.isnan(prior) | (attempts["ts"].to_numpy(dtype="datetime64[us]").astype(np.int64) < prior)
    spread = attempts[~single & fresh & attempts["asn"].notna().to_numpy()]
    found += [("asn", asn, burst, tries) for asn, burst, tries in _sprays(spread, "asn", cfg)
              if burst["src_ip"].nunique() >= cfg["min_ips_per_network"]]
    found, background = _background(found, successes, gap, cfg)
    findings = [_scanning(*item) for item in background]
    for kind, value, burst, tries in found:
        ips = distinct(burst["src_ip"])
        first, last = burst["ts"].min(), burst["ts"].max()
        from_here = successes["src_ip"].isin(ips)
        won = successes[from_here & (successes["ts"] >= first) & (successes["ts"] <= last + gap)]
        evidence = pd.concat([burst, won])
        invalid = int((burst["action"] == "auth.invalid_user").sum())
        where = next((f" ({c})" for c in burst["country"].dropna()[:1]), "")
        if kind == "host":
            logged = distinct(burst["host"])[0]
            actor = next(iter(distinct(burst["actor"])), None)
            source = (f"{actor}'s explicit credentials on {logged}" if actor else
                      f"sources {logged} does not name (validated there)")
            title = f"Password spray seen at {logged}"
        elif kind == "ip":
            source, title = f"{value}{where}", f"Password spray from {value}"
        else:
            org = next((f" {o}" for o in burst["as_org"].dropna()[:1]), "")
            source = f"{len(ips)} addresses of AS{int(value)}{org}{where}"
            title = f"Password spray from AS{int(value)}"
        kinds = ", ".join(f"{n} ×{c}" for n, c in burst["event_name"].value_counts().head(4).items())
        text = (f"{len(burst)} failed logins from {source} against {len(tries)} accounts "
                f"({tries.mean():.1f} tries each on average, at most {tries.max()}) in {minutes(last - first)}, "
                f"from {format_ts(first)} ({kinds})")
        if invalid:
            text += f"; {invalid} of them for names that do not exist"
        if len(won):
            text += (f"; then {len(won)} successful login{'s' * (len(won) != 1)} from the same "
                     f"{'IP' if kind == 'ip' else 'addresses'} for {', '.join(distinct(won['user']))}")
        else:
            text += f"; no login from {'this IP' if kind == 'ip' else 'these addresses'} succeeded"
        text += "."
        findings.append(Finding(
            check=ID, title=title, severity="high" if len(won) else "medium",
            techniques=("T1110.003", *(("T1078.004",) if burst["source"].iloc[0] in CLOUD_ACCOUNTS
                                       else ("T1021.004",) if burst["source"].iloc[0] in SSH_SOURCES
                                       else ("T1078",))), explanation=text,
            first_seen=evidence["ts"].min().to_pydatetime(), last_seen=evidence["ts"].max().to_pydatetime(),
            users=distinct(evidence["user"]), ips=ips, hosts=distinct(evidence["host"]),
            evidence=refs(evidence),
            facts={"failures": len(burst), "accounts": len(tries), "max_tries": int(tries.max()), "unknown_names": invalid,
                   "successes": len(won), "compromised": list(distinct(won["user"])), "grouped_by": kind,
                   **({"asn": int(value), "addresses": len(ips)} if kind == "asn" else {})},
        ))
    return findings


REQUIRES = (LOGINS, FAILURES)
PARTITION = None  # one address (or network) against many accounts

CHECK = Check(
    requires=REQUIRES, partition=PARTITION,
    id=ID, title="Password spray", techniques=("T1110.003",), run=run,
    description=("Failed logins from one source IP (or, where the log names no IP, validated at one host — Windows "
                 "4771 / 4776 on a domain controller — or one account's explicit credentials, 4648), unknown "
                 "names included (sshd 'Invalid user', Entra 50034, 0xC0000064), split into bursts at quiet gaps; "
                 "a burst against at least the threshold of distinct accounts with few tries each is a spray. With an ASN "
                 "database, failures not in such a burst, from addresses with no earlier successful login, "
                 "are grouped by network too, so a spray spread over several addresses of one autonomous "
                 "system counts. High when a login from the "
                 "same addresses succeeds during it or shortly after."),
)
