"""The normalized event schema: one columnar table for every log source.

Each parser emits :class:`EventBatch` objects (column lists) that become Arrow record batches.
``ref`` is always the record's native id in its file (CloudTrail ``eventID``, syslog 1-based line
number, ...), so every piece of evidence can be traced back to the original file. ``raw`` holds the
original record (compact JSON text or the original line) so the analyst can always see it; the fast paths
keep only where it is (``raw_offset``/``raw_length`` in the decompressed file) and :func:`raw_record` reads it
again, read-only, on demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import pyarrow as pa

from .evidence.files import evidence_of

from .errors import Unreadable

# The small normalized vocabulary of `action`. Parsers map native event names onto it.
ACTIONS: dict[str, str] = {
    "auth.success": "a successful interactive or network logon / sign-in",
    "auth.failure": "a failed logon / sign-in attempt",
    "auth.invalid_user": "a logon attempt for an account that does not exist",
    "session.start": "a session opened after authentication",
    "session.end": "a session closed or logged off",
    "credential.create": "a new credential was created (access key, login profile, key pair, SSH key, ...)",
    "credential.change": "an existing credential was changed",
    "account.create": "an account or user was created",
    "privilege.change": "a role, group membership or policy granting rights was changed",
    "privilege.use": "elevated rights were used (sudo, su, ...)",
    "api.call": "any other cloud API call",
    "other": "a record the workbench keeps but does not interpret",
}

OUTCOMES = ("success", "failure", "unknown")

TS_TYPE = pa.timestamp("us", tz="UTC")

# Columns written by the parsers.
BASE_FIELDS: list[tuple[str, pa.DataType]] = [
    ("ts", TS_TYPE),
    ("source", pa.string()),  # parser id, e.g. "cloudtrail", "authlog"
    ("file", pa.string()),  # the input path as given
    ("ref", pa.string()),  # native record id in that file
    ("action", pa.string()),
    ("outcome", pa.string()),
    ("user", pa.string()),  # the acting account
    ("target_user", pa.string()),  # the account acted upon, if any
    ("src_ip", pa.string()),
    ("host", pa.string()),  # the host or cloud account the event happened on
    ("user_agent", pa.string()),
    ("event_name", pa.string()),  # the native event name (eventName, sshd message kind, ...)
    ("logon_type", pa.string()),  # interactive, network, remote_interactive, non_interactive, service, ...
    ("client_app", pa.string()),  # application / client the log names (app display name or id)
    ("session_id", pa.string()),  # session, correlation or access-key id tying events together
    ("log_country", pa.string()),  # the country the log itself carries (Entra, Workspace), ISO alpha-2
    ("bytes", pa.int64()),  # data transferred, where the log says
    ("raw", pa.string()),  # the original record, or null when it is read on demand (below)
    ("raw_offset", pa.int64()),  # byte offset of the original record in the (decompressed) file
    ("raw_length", pa.int64()),  # its length in bytes
]

# Columns added by enrichment (null where nothing is known).
GEO_FIELDS: list[tuple[str, pa.DataType]] = [
    ("ip_class", pa.string()),  # "public", or a range label: private, loopback, cgnat, documentation, ...
    ("country", pa.string()),  # ISO 3166-1 alpha-2; null for non-public addresses
    ("city", pa.string()),
    ("lat", pa.float64()),
    ("lon", pa.float64()),
    ("accuracy_km", pa.int64()),  # radius around lat/lon the database vouches for, where it says
    ("asn", pa.int64()),
    ("as_org", pa.string()),
    # who runs the address (workbench/enrich/provider.py): cloud, hosting, vpn, tor, mobile or residential;
    # null when no list knows it and for every non-public address
    ("provider_class", pa.string()),
    ("provider", pa.string()),  # the provider's name, e.g. "Amazon AWS", "Tor exit", "Comcast"
    ("geo_mismatch", pa.bool_()),  # log_country and country both known and different
]

BASE_SCHEMA = pa.schema(BASE_FIELDS)
SCHEMA = pa.schema(BASE_FIELDS + GEO_FIELDS)
COLUMNS = [name for name, _ in BASE_FIELDS]


@dataclass
class EventBatch:
    """Column lists filled by one parser; turned into an Arrow batch in one go."""

    source: str
    file: str
    columns: dict[str, list] = field(default_factory=lambda: {name: [] for name in COLUMNS})

    def add(
        self,
        ts: datetime,
        ref: str,
        action: str,
        outcome: str,
        raw: str,
        *,
        user: str | None = None,
        target_user: str | None = None,
        src_ip: str | None = None,
        host: str | None = None,
        user_agent: str | None = None,
        event_name: str | None = None,
        logon_type: str | None = None,
        client_app: str | None = None,
        session_id: str | None = None,
        log_country: str | None = None,
        bytes: int | None = None,
        raw_offset: int | None = None,
        raw_length: int | None = None,
    ) -> None:
        c = self.columns
        c["ts"].append(ts)
        c["source"].append(self.source)
        c["file"].append(self.file)
        c["ref"].append(ref)
        c["action"].append(action)
        c["outcome"].append(outcome)
        c["user"].append(user)
        c["target_user"].append(target_user)
        c["src_ip"].append(src_ip)
        c["host"].append(host)
        c["user_agent"].append(user_agent)
        c["event_name"].append(event_name)
        c["logon_type"].append(logon_type)
        c["client_app"].append(client_app)
        c["session_id"].append(session_id)
        c["log_country"].append(log_country)
        c["bytes"].append(bytes)
        c["raw"].append(raw)
        c["raw_offset"].append(raw_offset)
        c["raw_length"].append(raw_length)

    def __len__(self) -> int:
        return len(self.columns["ts"])

    def to_arrow(self) -> pa.RecordBatch:
        return pa.RecordBatch.from_pydict(self.columns, schema=BASE_SCHEMA)


def make_batch(num_rows: int, columns: dict[str, object]) -> pa.RecordBatch:
    """A batch of the base schema from whole columns (lists or Arrow arrays); absent ones are null.

    For parsers that build columns at once instead of row by row (the fast paths)."""
    arrays = []
    for name, dtype in BASE_FIELDS:
        values = columns.get(name)
        if values is None:
            arrays.append(pa.nulls(num_rows, dtype))
        elif isinstance(values, (pa.Array, pa.ChunkedArray)):
            arrays.append(values.cast(dtype) if values.type != dtype else values)
        else:
            arrays.append(pa.array(values, type=dtype))
    unknown = set(columns) - set(COLUMNS)
    if unknown:
        raise ValueError(f"not columns of the event schema: {sorted(unknown)}")
    return pa.RecordBatch.from_arrays(arrays, schema=BASE_SCHEMA)


def empty_table(with_geo: bool = True) -> pa.Table:
    return (SCHEMA if with_geo else BASE_SCHEMA).empty_table()


class TimeOutOfRange(Unreadable):
    """A time that has no place in UTC between the years 1 and 9999 (``0001-01-01T00:00:00+01:00``): the
    record is refused, the file still loads."""


def as_utc(dt: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC. A time that would leave the years
    1 to 9999 once in UTC raises :class:`TimeOutOfRange` (a ``ValueError``, so each parser refuses only
    that record)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    try:
        return dt.astimezone(timezone.utc)
    except OverflowError:
        raise TimeOutOfRange("a time outside the years 1 to 9999 once converted to UTC") from None


def format_ts(value: datetime | None) -> str:
    """The one way times are shown: ISO 8601 with an explicit zone, seconds precision."""
    if value is None:
        return ""
    v = as_utc(value)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}:{v.second:02d} UTC"


MAX_RAW = 4 * 1024 * 1024  # never show more than this of one record


def raw_record(table: pa.Table, row: int) -> str | None:
    """The original record of ``row`` as text (UTF-8, undecodable bytes replaced), or None."""
    raw = table.column("raw")[row].as_py()
    if raw is not None:
        return raw
    offset = table.column("raw_offset")[row].as_py()
    length = table.column("raw_length")[row].as_py()
    if offset is None or length is None:
        return None
    path = table.column("file")[row].as_py()
    try:
        with evidence_of(path).open() as fh:
            fh.seek(offset)
            data = fh.read(min(length, MAX_RAW))
    except (OSError, EOFError) as exc:
        return f"(the original record could not be read again from {path}: {exc})"
    return data.decode("utf-8", "replace")
