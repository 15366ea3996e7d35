"""A small writer of Windows ``.evtx`` files, for tests and benchmarks (no sample logs can be shipped).

It writes what the ``evtx`` parser reads (layouts from MS-EVEN6 and the libevtx documentation):

* a 4096-byte file header: ``ElfFile\\0``, first / last chunk number, next record id, header size
  128, version 3.1, header block size 4096, chunk count, flags, CRC32 of its first 120 bytes;
* 64 KiB chunks: ``ElfChnk\\0``, first / last record number and id, header size 128, offsets of the
  last record and of the free space, CRC32 of the records, the 64-bucket string table, an empty
  template table, and the header CRC32 over bytes 0-120 and 128-512;
* records: ``**\\0\\0``, size, record id, FILETIME written, BinXML, size again.

Records are written as Windows writes them, as template instances: the first record of a shape
(element names, attribute names, value types) in a chunk carries the template definition inline
(elements with substitutions), later ones point at it by chunk offset and bring only their values;
the chunk's template pointer table is left empty (readers follow the offsets). With
``templates=False`` each record is a fragment written out element by element instead. Element and
attribute names are stored once per chunk, inline where first used, and listed in the chunk's
string table (hash buckets chained through their ``next`` links, as Windows does); later uses point
at them.

Values are UTF-16 strings unless typed with the classes below (``U16(4624)``, ``HexInt64(0x3e7)``,
``FileTime(dt)``, ``Sid("S-1-5-18")``, ``Guid("...")``), so the parser renders them as Windows does
(numbers as numbers, logon ids as ``0x...``, times as ISO 8601).

Output is deterministic: the same records give the same bytes.

The simple entry point, for test data and the synthetic case generator, takes plain dicts::

    from workbench.synth.evtx_writer import write_evtx
    write_evtx("Security.evtx", [
        {"EventID": 4625, "time": datetime(2024, 3, 5, 10, 0, tzinfo=timezone.utc), "Computer": "DC01.corp.local",
         "Data": {"TargetUserName": "alice", "TargetDomainName": "CORP", "LogonType": 3,
                  "Status": "0xc000006d", "SubStatus": "0xc000006a", "IpAddress": "203.0.113.7"}},
        {"EventID": 21, "time": ..., "Computer": "WS01", "UserData": {"User": "CORP\\alice",
         "SessionID": 2, "Address": "203.0.113.7"}},
    ])

Keys of a record dict: ``EventID`` and ``time`` (a datetime, naive = UTC) are required;
``Computer`` (default ``WORKSTATION``); ``EventRecordID`` (default: the previous one + 1, from 1);
``Data`` (the ``EventData`` ``Data Name=`` fields, in order) or ``UserData`` (the children of the
``UserData`` element); ``Channel`` and ``Provider`` (``"security"``, ``"eventlog"``, ``"lsm"``,
``"rcm"`` or a ``(name, guid)`` pair), by default what Windows uses for the event id (Security
auditing; TerminalServices LocalSessionManager for 21-25, RemoteConnectionManager for 1149, the
Eventlog service for 1102); ``Keywords`` (default Audit Failure for 4625 and 4771 and for a non-zero
``Status`` of 4768 / 4769 / 4776, else Audit Success). Field values are typed as Windows types
them, by name: ``*Sid`` a SID, ``*LogonId`` and ``ProcessId`` HexInt64, ``Status``, ``SubStatus``,
``TicketOptions``, ``TicketEncryptionType`` HexInt32 (given as ``"0x..."`` or an int), ``LogonType``
and ``KeyLength`` UInt32, ``LogonGuid`` a GUID; any other int is a UInt32, None is written ``-``,
anything else a string. :func:`typed` applies these rules; :func:`event` and :func:`write` take typed
values directly.
"""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Union

CHUNK_SIZE = 64 * 1024
FILE_HEADER_SIZE = 4096
CHUNK_HEADER_SIZE = 512
RECORD_HEADER_SIZE = 24
EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"
_EPOCH_AS_FILETIME = 116_444_736_000_000_000  # 1970-01-01 in 100 ns intervals since 1601-01-01


class U8(int):
    """UInt8 (BinXML value type 0x04)."""


class U16(int):
    """UInt16 (0x06)."""


class U32(int):
    """UInt32 (0x08)."""


class U64(int):
    """UInt64 (0x0a)."""


class HexInt32(int):
    """HexInt32 (0x14): rendered ``0x...``."""


class HexInt64(int):
    """HexInt64 (0x15): rendered ``0x...``."""


class Sid(str):
    """A SID (0x13), given as ``S-1-5-21-...``."""


class Guid(str):
    """A GUID (0x0f), given as ``xxxxxxxx-xxxx-...`` with or without braces."""


@dataclass(frozen=True)
class FileTime:
    """A FILETIME (0x11); naive datetimes are taken as UTC."""

    when: datetime


Value = Union[str, U8, U16, U32, U64, HexInt32, HexInt64, Sid, Guid, FileTime]


@dataclass(frozen=True)
class Element:
    """One XML element: name, attributes (name, value) in order, children (elements or values)."""

    name: str
    attrs: tuple[tuple[str, Value], ...] = ()
    children: tuple[Element | Value, ...] = ()


@dataclass(frozen=True)
class Record:
    record_id: int
    written: datetime  # the record header's time (Windows: when the record was written)
    event: Element


def filetime(when: datetime) -> int:
    """100 ns intervals since 1601-01-01 UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = when - datetime(1970, 1, 1, tzinfo=UTC)
    return _EPOCH_AS_FILETIME + (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def name_hash(name: str) -> int:
    """The 16-bit name hash Windows stores with each name (multiplier 65599 over UTF-16 code units)."""
    h = 0
    data = name.encode("utf-16-le")
    for (unit,) in struct.iter_unpack("<H", data):
        h = (h * 65599 + unit) & 0xFFFFFFFF
    return h & 0xFFFF


def _sid_bytes(sid: str) -> bytes:
    parts = sid.split("-")
    if len(parts) < 3 or parts[0].upper() != "S":
        raise ValueError(f"not a SID: {sid!r}")
    revision, authority, subs = int(parts[1]), int(parts[2]), [int(p) for p in parts[3:]]
    return bytes([revision, len(subs)]) + authority.to_bytes(6, "big") + b"".join(struct.pack("<I", s) for s in subs)


_INTS = {U8: (0x04, struct.Struct("<B")), U16: (0x06, struct.Struct("<H")), U32: (0x08, struct.Struct("<I")),
         U64: (0x0A, struct.Struct("<Q")), HexInt32: (0x14, struct.Struct("<I")),
         HexInt64: (0x15, struct.Struct("<Q"))}
_STRING = 0x01
_DESCRIPTOR = struct.Struct("<HBB")  # a substitution's size, type, and a zero byte


def _typed(value: Value) -> tuple[int, bytes]:
    """(BinXML value type, data) of a value; strings without their length prefix."""
    kind = type(value)
    if kind is str:
        return _STRING, value.encode("utf-16-le")  # type: ignore[union-attr]
    if kind in _INTS:
        code, fmt = _INTS[kind]
        return code, fmt.pack(value)
    if kind is FileTime:
        return 0x11, struct.pack("<Q", filetime(value.when))  # type: ignore[union-attr]
    if kind is Sid:
        return 0x13, _sid_bytes(value)  # type: ignore[arg-type]
    if kind is Guid:
        return 0x0F, uuid.UUID(value.strip("{}")).bytes_le  # type: ignore[union-attr]
    if isinstance(value, int):
        raise TypeError(f"untyped integer {value!r}: wrap it in U8, U16, U32, U64, HexInt32 or HexInt64")
    raise TypeError(f"cannot write a value of type {kind.__name__}")


def _value_token(value: Value) -> bytes:
    """A Value token: 0x05, the type, the data (strings with their length in characters)."""
    code, data = _typed(value)
    if code == _STRING:
        if len(data) // 2 > 0xFFFF:
            raise ValueError("string value longer than 65535 characters")
        return bytes([0x05, code]) + struct.pack("<H", len(data) // 2) + data
    return bytes([0x05, code]) + data


_CODES = {str: _STRING, **{kind: code for kind, (code, _) in _INTS.items()}, FileTime: 0x11, Sid: 0x13, Guid: 0x0F}


def _shape(el: Element, key: list, values: list, codes: list) -> None:
    """The element's template key (names, attribute names, value types, in document order), and its
    values and their types in substitution order."""
    key.append(el.name)
    for name, value in el.attrs:
        code = _CODES.get(type(value)) or _typed(value)[0]
        key.append(name)
        key.append(code)
        values.append(value)
        codes.append(code)
    key.append(None)
    for child in el.children:
        if type(child) is Element:
            _shape(child, key, values, codes)
        else:
            code = _CODES.get(type(child)) or _typed(child)[0]
            key.append(code)
            values.append(child)
            codes.append(code)
    key.append(False)


class _Chunk:
    """One 64 KiB chunk being filled."""

    def __init__(self, templates: bool) -> None:
        self.data = bytearray(CHUNK_SIZE)
        self.free = CHUNK_HEADER_SIZE
        self.names: dict[str, int] = {}  # name -> offset of its entry in the chunk
        self.templates: dict[tuple, tuple[int, int]] | None = {} if templates else None  # key -> offset, id
        self.buckets = [0] * 64
        self.bucket_tail: dict[int, int] = {}
        self.first_id: int | None = None
        self.last_id = 0
        self.last_offset = 0

    def add(self, record: Record) -> bool:
        """Append the record; False (nothing changed) when it does not fit."""
        start = self.free
        enc = _Encoder(self.names, start + RECORD_HEADER_SIZE)
        if self.templates is None:
            body = enc.direct(record.event)
            new_template = None
        else:
            body, new_template = enc.instance(record.event, self.templates)
        size = RECORD_HEADER_SIZE + len(body) + 4
        if start + size > CHUNK_SIZE:
            if start == CHUNK_HEADER_SIZE:
                raise ValueError(f"record {record.record_id} does not fit in one chunk ({size} bytes)")
            return False
        self.data[start:start + size] = (
            b"\x2a\x2a\x00\x00" + struct.pack("<IQQ", size, record.record_id, filetime(record.written))
            + body + struct.pack("<I", size))
        for name, offset in enc.new_names.items():
            self._index(name, offset)
        self.names.update(enc.new_names)
        if new_template is not None and self.templates is not None:
            self.templates[new_template[0]] = new_template[1]
        self.free = start + size
        self.last_offset = start
        self.first_id = record.record_id if self.first_id is None else self.first_id
        self.last_id = record.record_id
        return True

    def _index(self, name: str, offset: int) -> None:
        """List a new name in the string table: first of its bucket, or linked from the bucket's last."""
        bucket = name_hash(name) % 64
        if self.buckets[bucket] == 0:
            self.buckets[bucket] = offset
        else:
            struct.pack_into("<I", self.data, self.bucket_tail[bucket], offset)
        self.bucket_tail[bucket] = offset

    def finish(self) -> bytes:
        d = self.data
        first = self.first_id or 0
        struct.pack_into("<8sQQQQIII", d, 0, b"ElfChnk\x00", first, self.last_id, first, self.last_id,
                         128, self.last_offset, self.free)
        struct.pack_into("<I", d, 52, zlib.crc32(d[CHUNK_HEADER_SIZE:self.free]))
        struct.pack_into("<64I", d, 128, *self.buckets)
        struct.pack_into("<I", d, 120, 0)  # flags
        struct.pack_into("<I", d, 124, zlib.crc32(bytes(d[:120]) + bytes(d[128:CHUNK_HEADER_SIZE])))
        return bytes(d)


class _Encoder:
    """BinXML of one record, knowing where in the chunk it starts (names and templates are chunk offsets)."""

    def __init__(self, names: dict[str, int], base: int) -> None:
        self.names = names
        self.new_names: dict[str, int] = {}
        self.out = bytearray()
        self.base = base
        self.subs = 0

    def direct(self, event: Element) -> bytes:
        """The record written out element by element (no template)."""
        self.out += b"\x0f\x01\x01\x00"  # fragment header, version 1.1
        self._element(event, template=False)
        self.out += b"\x00"  # end of stream
        return bytes(self.out)

    def instance(self, event: Element, templates: dict[tuple, tuple[int, int]]
                 ) -> tuple[bytes, tuple[tuple, tuple[int, int]] | None]:
        """The record as a TemplateInstance; the definition is written inline the first time in a chunk."""
        key: list = []
        values: list = []
        codes: list = []
        _shape(event, key, values, codes)
        shape = tuple(key)
        out = self.out
        out += b"\x0f\x01\x01\x00\x0c\x01"
        known = templates.get(shape)
        new = None
        if known is None:
            template_id = zlib.crc32(repr(shape).encode())
            offset = self.base + len(out) + 8
            out += struct.pack("<II", template_id, offset)
            guid = uuid.UUID(int=(template_id << 96) | (template_id << 64) | (len(shape) << 32) | template_id)
            out += struct.pack("<I", 0) + guid.bytes_le
            size_at = len(out)
            out += b"\x00\x00\x00\x00"
            out += b"\x0f\x01\x01\x00"
            self._element(event, template=True)
            out += b"\x00"
            struct.pack_into("<I", out, size_at, len(out) - size_at - 4)
            new = (shape, (offset, template_id))
        else:
            out += struct.pack("<II", known[1], known[0])
        datas = [v.encode("utf-16-le") if type(v) is str else _typed(v)[1] for v in values]
        out += struct.pack("<I", len(datas))
        descriptor = _DESCRIPTOR.pack
        for code, data in zip(codes, datas):
            if len(data) > 0xFFFF:
                raise ValueError("value longer than 65535 bytes")
            out += descriptor(len(data), code, 0)
        out += b"".join(datas)
        out += b"\x00"
        return bytes(out), new

    def _name_ref(self, name: str) -> None:
        offset = self.names.get(name)
        if offset is None:
            offset = self.new_names.get(name)
        if offset is not None:
            self.out += struct.pack("<I", offset)
            return
        here = self.base + len(self.out) + 4
        text = name.encode("utf-16-le")
        self.out += struct.pack("<IIHH", here, 0, name_hash(name), len(text) // 2) + text + b"\x00\x00"
        self.new_names[name] = here

    def _content(self, value: Value, template: bool) -> None:
        if template:  # an optional substitution: index, type
            code = _STRING if type(value) is str else _typed(value)[0]
            self.out += struct.pack("<BHB", 0x0E, self.subs, code)
            self.subs += 1
        else:
            self.out += _value_token(value)

    def _element(self, el: Element, template: bool) -> None:
        out = self.out
        out += b"\x41" if el.attrs else b"\x01"
        if template:
            out += b"\xff\xff"  # dependency identifier: none
        size_at = len(out)
        out += b"\x00\x00\x00\x00"  # element data size, filled in below
        self._name_ref(el.name)
        if el.attrs:
            attrs_at = len(out)
            out += b"\x00\x00\x00\x00"
            for i, (name, value) in enumerate(el.attrs):
                out += b"\x46" if i < len(el.attrs) - 1 else b"\x06"
                self._name_ref(name)
                self._content(value, template)
            struct.pack_into("<I", out, attrs_at, len(out) - attrs_at - 4)
        # written out, an empty string is an empty element; in a template it is an empty value
        children = el.children if template else [c for c in el.children if not (type(c) is str and c == "")]
        if not children:
            out += b"\x03"  # close empty element
        else:
            out += b"\x02"  # close start element
            for child in children:
                if isinstance(child, Element):
                    self._element(child, template)
                else:
                    self._content(child, template)
            out += b"\x04"  # end element
        struct.pack_into("<I", out, size_at, len(out) - size_at - 4)


def _file_header(chunks: int, next_record_id: int) -> bytes:
    head = struct.pack("<8sQQQIHHHH", b"ElfFile\x00", 0, max(chunks - 1, 0), next_record_id, 128, 1, 3,
                       FILE_HEADER_SIZE, chunks)
    head += bytes(120 - len(head)) + struct.pack("<I", 0)  # flags: clean
    head += struct.pack("<I", zlib.crc32(head[:120]))
    return head + bytes(FILE_HEADER_SIZE - len(head))


def write(fh: BinaryIO, records: Iterable[Record], templates: bool = True) -> int:
    """Write an EVTX file to a seekable binary stream; returns the number of records written.

    ``templates``: write records as template instances, as Windows does (the default), or written
    out element by element."""
    start = fh.tell()
    fh.write(bytes(FILE_HEADER_SIZE))
    chunks, count, last_id = 0, 0, 0
    chunk = _Chunk(templates)
    for record in records:
        if not chunk.add(record):
            fh.write(chunk.finish())
            chunks += 1
            chunk = _Chunk(templates)
            chunk.add(record)
        count += 1
        last_id = record.record_id
    if chunk.first_id is not None:
        fh.write(chunk.finish())
        chunks += 1
    if chunks > 0xFFFF:
        raise ValueError(f"{chunks} chunks: an EVTX file holds at most 65535")
    end = fh.tell()
    fh.seek(start)
    fh.write(_file_header(chunks, last_id + 1))
    fh.seek(end)
    return count


def write_file(path: str | Path, records: Iterable[Record], templates: bool = True) -> int:
    with open(path, "wb") as fh:
        return write(fh, records, templates)


def to_bytes(records: Iterable[Record], templates: bool = True) -> bytes:
    buf = io.BytesIO()
    write(buf, records, templates)
    return buf.getvalue()


# --- Windows events -----------------------------------------------------------------------------

SECURITY_PROVIDER = ("Microsoft-Windows-Security-Auditing", "{54849625-5478-4994-a5ba-3e3b0328c30d}")
LSM_PROVIDER = ("Microsoft-Windows-TerminalServices-LocalSessionManager", "{5d896912-022d-40aa-a3a8-4fa5515c76d7}")
RCM_PROVIDER = ("Microsoft-Windows-TerminalServices-RemoteConnectionManager",
                "{c76baa63-ae81-421c-b425-340b4b24157f}")
LSM_CHANNEL = "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"
RCM_CHANNEL = "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational"
AUDIT_SUCCESS, AUDIT_FAILURE = 0x8020000000000000, 0x8010000000000000


def event(*, provider: tuple[str, str], event_id: int, record_id: int, when: datetime, computer: str,
          channel: str = "Security", data: Iterable[tuple[str, Value]] | None = None,
          user_data: tuple[str, str, Iterable[tuple[str, Value]]] | None = None, version: int = 0,
          level: int = 0, task: int = 0, opcode: int = 0, keywords: int = AUDIT_SUCCESS,
          process_id: int = 4, thread_id: int = 8, user_sid: str | None = None) -> Element:
    """The ``<Event>`` element Windows writes: System, then EventData (``data``: Data Name=… values)
    or UserData (``user_data``: root element name, its xmlns, child elements)."""
    name, guid = provider
    system = Element("System", children=(
        Element("Provider", (("Name", name), ("Guid", Guid(guid)))),
        Element("EventID", children=(U16(event_id),)),
        Element("Version", children=(U8(version),)),
        Element("Level", children=(U8(level),)),
        Element("Task", children=(U16(task),)),
        Element("Opcode", children=(U8(opcode),)),
        Element("Keywords", children=(HexInt64(keywords),)),
        Element("TimeCreated", (("SystemTime", FileTime(when)),)),
        Element("EventRecordID", children=(U64(record_id),)),
        Element("Correlation"),
        Element("Execution", (("ProcessID", U32(process_id)), ("ThreadID", U32(thread_id)))),
        Element("Channel", children=(channel,)),
        Element("Computer", children=(computer,)),
        Element("Security", (("UserID", Sid(user_sid)),) if user_sid else ()),
    ))
    body: list[Element] = [system]
    if user_data is not None:
        root, ns, items = user_data
        body.append(Element("UserData", children=(
            Element(root, (("xmlns", ns),), tuple(Element(k, children=(v,)) for k, v in items)),)))
    else:
        body.append(Element("EventData", children=tuple(
            Element("Data", (("Name", k),), (v,)) for k, v in (data or ()))))
    return Element("Event", (("xmlns", EVENT_NS),), tuple(body))


# --- plain dicts ---------------------------------------------------------------------------------

EVENTLOG_PROVIDER = ("Microsoft-Windows-Eventlog", "{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}")
_PROVIDERS = {"security": (SECURITY_PROVIDER, "Security"), "eventlog": (EVENTLOG_PROVIDER, "Security"),
              "lsm": (LSM_PROVIDER, LSM_CHANNEL), "rcm": (RCM_PROVIDER, RCM_CHANNEL)}
_HEX64 = {"SubjectLogonId", "TargetLogonId", "TargetLinkedLogonId", "LogonId", "ProcessId"}
_HEX32 = {"Status", "SubStatus", "TicketOptions", "TicketEncryptionType"}
_UINT32 = {"LogonType", "KeyLength"}
_USER_DATA_ROOT = {1102: ("LogFileCleared", "http://manifests.microsoft.com/win/2004/08/windows/eventlog")}


def _number(value: object) -> int:
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text, 16) if text.lower().startswith("0x") else int(text)


def typed(name: str, value: object) -> Value:
    """A field value typed as Windows types the field of that name (see the module docstring)."""
    if isinstance(value, (U8, U16, U32, U64, HexInt32, HexInt64, Sid, Guid, FileTime)):
        return value
    if isinstance(value, datetime):
        return FileTime(value)
    if value is None:
        return "-"
    if name.endswith("Sid") and str(value).upper().startswith("S-"):
        return Sid(str(value))
    if name in _HEX64:
        return HexInt64(_number(value))
    if name in _HEX32:
        return HexInt32(_number(value))
    if name in _UINT32:
        return U32(_number(value))
    if name == "LogonGuid":
        return Guid(str(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return U32(value) if 0 <= value < 2 ** 32 else U64(value)
    return str(value)


def _default_provider(event_id: int) -> str:
    if event_id in (21, 22, 23, 24, 25):
        return "lsm"
    if event_id == 1149:
        return "rcm"
    if event_id == 1102:
        return "eventlog"
    return "security"


def _default_keywords(event_id: int, data: dict) -> int:
    if event_id in (4625, 4771):
        return AUDIT_FAILURE
    if event_id in (4768, 4769, 4776) and _number(data.get("Status", 0) or 0) != 0:
        return AUDIT_FAILURE
    return AUDIT_SUCCESS


def from_dict(item: dict, record_id: int) -> Record:
    """One record dict (module docstring) as a :class:`Record`."""
    event_id = int(item["EventID"])
    when = item.get("time", item.get("TimeCreated"))
    if not isinstance(when, datetime):
        raise ValueError(f"record {record_id}: 'time' must be a datetime, not {when!r}")
    provider = item.get("Provider") or _default_provider(event_id)
    if isinstance(provider, str):
        provider, channel = _PROVIDERS[provider]
    else:
        channel = "Security"
    channel = item.get("Channel", channel)
    fields = dict(item.get("Data") or {})
    user_data = None
    if item.get("UserData") is not None:
        root, ns = _USER_DATA_ROOT.get(event_id, ("EventXML", "Event_NS"))
        user_data = (root, ns, [(k, typed(k, v)) for k, v in dict(item["UserData"]).items()])
    keywords = item.get("Keywords")
    keywords = _default_keywords(event_id, fields) if keywords is None else _number(keywords)
    element = event(provider=provider, event_id=event_id, record_id=record_id, when=when,
                    computer=str(item.get("Computer", "WORKSTATION")), channel=channel,
                    data=[(k, typed(k, v)) for k, v in fields.items()], user_data=user_data,
                    keywords=keywords, version=int(item.get("Version", 0)), task=int(item.get("Task", 0)),
                    user_sid=item.get("UserID"))
    return Record(record_id, when, element)


def write_evtx(path: str | Path, records: Iterable[dict]) -> int:
    """Write record dicts (see the module docstring) as a binary EVTX file; returns how many."""

    def build() -> Iterable[Record]:
        last = 0
        for item in records:
            last = int(item.get("EventRecordID", last + 1))
            yield from_dict(item, last)

    return write_file(path, build())


__all__ = [
    "U8",
    "U16",
    "U32",
    "U64",
    "Element",
    "FileTime",
    "Guid",
    "HexInt32",
    "HexInt64",
    "Record",
    "Sid",
    "event",
    "filetime",
    "from_dict",
    "to_bytes",
    "typed",
    "write",
    "write_evtx",
    "write_file",
]
