"""What every check is: an id, a title, the ATT&CK techniques it evidences, and a ``run``.

A check gets a :class:`CheckInput` (the enriched events as a pandas frame without the raw
records, the shared derived features, and its own section of ``config.yaml``) and returns findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from ..findings import SEVERITIES, EvidenceRef, Finding
from ..events import raw_record


@dataclass
class CheckInput:
    events: pd.DataFrame  # index = row number in the event table
    config: dict[str, Any]
    geo_available: bool = True
    table: pa.Table | None = None  # the event table, for the few checks that read original records

    def raw_text(self, rows: Iterable[int]) -> dict[int, str | None]:
        """The original records of a few rows (read back from the evidence where needed)."""
        if self.table is None:
            return {}
        return {int(r): raw_record(self.table, int(r)) for r in rows}

    @cached_property
    def logins(self) -> pd.DataFrame:
        """Authentication attempts with a known account, in time order, with first-seen flags.

        ``new_country`` is true on a successful login whose country the account never had on an
        earlier successful login; ``prior_countries`` is how many earlier successes had a known
        country (the baseline the flag stands on). ``new_asn`` / ``prior_asns`` and ``new_ip`` /
        ``prior_ips`` are the same for the autonomous system and the source IP.
        """
        ev = self.events
        rows = np.flatnonzero((ev["action"].isin(["auth.success", "auth.failure"]) & ev["user"].notna()).to_numpy())
        ts = ev["ts"].to_numpy(dtype="datetime64[us]")[rows]
        auth = ev.take(rows[np.argsort(ts, kind="stable")])  # one selection of the wide frame, in time order
        ok = auth.loc[(auth["action"] == "auth.success").to_numpy(), ["user", "country", "asn", "src_ip"]]
        flags = {}
        for column, new_name, prior_name in (("country", "new_country", "prior_countries"),
                                             ("asn", "new_asn", "prior_asns"), ("src_ip", "new_ip", "prior_ips")):
            new, prior = first_seen(ok, column)
            flags[new_name] = new.reindex(auth.index, fill_value=False).astype(bool)
            flags[prior_name] = prior.reindex(auth.index, fill_value=0).astype(int)
        return auth.assign(**flags)

    @cached_property
    def privileged(self) -> frozenset[str]:
        """Accounts the escalation rows call privileged or service accounts: names matching the
        configured patterns, and accounts with privilege-use events (Windows 4672, sudo)."""
        patterns = self.config.get("accounts", {}).get("privileged_patterns", [])
        ev = self.events
        named: set[str] = set()
        if patterns:
            pattern = re.compile("|".join(patterns), re.IGNORECASE)
            named = {str(u) for u in pd.unique(ev["user"].dropna()) if pattern.search(str(u))}
        used = ev.loc[((ev["action"] == "privilege.use") & (ev["outcome"] == "success")).to_numpy(), "user"].dropna()
        return frozenset(named | {str(u) for u in pd.unique(used)})

    def escalate(self, severity: str, users: Iterable[str]) -> tuple[str, list[str]]:
        """``severity`` one step up when one of ``users`` is privileged (the playbooks' escalation
        rows), with the privileged ones."""
        hit = [u for u in users if u in self.privileged]
        if hit and severity != SEVERITIES[-1]:
            severity = SEVERITIES[SEVERITIES.index(severity) + 1]
        return severity, hit


def first_seen(ok: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
    """For successful logins in time order: whether each is the account's first with its value of
    ``column`` after at least one earlier one (``new``), and how many earlier successes of the
    account had a known value (``prior``). Rows without a value are neither."""
    known = ok.loc[ok[column].notna().to_numpy(), ["user", column]]
    prior = known.groupby("user", sort=False).cumcount()
    new = ~known.duplicated(["user", column]) & (prior > 0)
    return new, prior


def escalating(run: Callable[[CheckInput], list[Finding]]) -> Callable[[CheckInput], list[Finding]]:
    """``run`` whose findings about a privileged or service account (the finding's first account)
    are one severity higher and say so."""
    def wrapped(inp: CheckInput) -> list[Finding]:
        out = []
        for f in run(inp):
            severity, hit = inp.escalate(f.severity, f.users[:1])
            out.append(replace(f, severity=severity, explanation=f.explanation + privileged_note(hit),
                               facts={**f.facts, "privileged_account": True}) if hit else f)
        return out
    return wrapped


def privileged_note(accounts: list[str]) -> str:
    """' The account is privileged or a service account.' when it is."""
    if not accounts:
        return ""
    return (" The account is privileged or a service account." if len(accounts) == 1 else
            f" {', '.join(accounts)} are privileged or service accounts.")


# A Spark partition: the person (the identity component of the event's account name: a resolved entity with
# the names only suggested to be it), for the cross-source checks; the driver resolves the identities first.
PERSON = "person"


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    techniques: tuple[str, ...]
    description: str  # what it looks for and why, shown in the report's method section
    run: Callable[[CheckInput], list[Finding]]
    # what it needs of the loaded data (workbench.checks.requirements), read by the coverage report; () when
    # any data will do, said so, never left out
    requires: tuple[Any, ...]
    # on Spark: the column whose events it needs together; None: all events in one group; PERSON: the events
    # of one person's names together (it needs the resolved identities)
    partition: str | None
    needs_geo: bool = False


def bursts(events: pd.DataFrame, gap: pd.Timedelta) -> list[pd.DataFrame]:
    """``events`` (in time order) split wherever more than ``gap`` passes between two of them."""
    return [group for _, group in events.groupby((events["ts"].diff() > gap).cumsum())]


def refs(events: pd.DataFrame) -> tuple[EvidenceRef, ...]:
    """Evidence refs for the rows of ``events``, in time order."""
    ordered = events.sort_values("ts", kind="stable")
    return tuple(EvidenceRef(s, f, r) for s, f, r in zip(ordered["source"], ordered["file"], ordered["ref"]))


def distinct(values: pd.Series) -> tuple[str, ...]:
    """Distinct non-null values in order of first appearance."""
    return tuple(str(v) for v in pd.unique(values.dropna()))


def place(row: pd.Series) -> str:
    """'45.155.205.99 (RU, Moscow)' – the IP with what is known of where it is."""
    if not isinstance(row.get("src_ip"), str) or not row["src_ip"]:
        return "an address the log does not give"
    bits = [b for b in (row.get("country"), row.get("city")) if isinstance(b, str) and b]
    if not bits and isinstance(row.get("ip_class"), str) and row["ip_class"] != "public":
        bits = [row["ip_class"]]
    return f"{row['src_ip']} ({', '.join(bits)})" if bits else str(row["src_ip"])


def minutes(delta: pd.Timedelta) -> str:
    total = delta.total_seconds()
    if total < 60:
        return f"{int(total)} s"
    if total < 3600:
        return f"{total / 60:.0f} min"
    return f"{total / 3600:.1f} h"
