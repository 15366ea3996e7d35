"""Windows event logs exported as XML: ``wevtutil qe Security /f:xml`` (``<Event>`` elements one
after another, no root), ``/f:RenderedXml`` (with ``RenderingInfo``), and Event Viewer "Save All
Events As… XML" (an ``<Events>`` root). UTF-8 or UTF-16 (a PowerShell ``>`` redirect writes UTF-16
with a byte-order mark).

Each ``<Event>`` is cut out of the text and parsed on its own, so a damaged or cut-off event costs
only itself (its line number is reported) and ``raw`` is the event's original XML. ``ref`` is
``EventRecordID``. Entities are never expanded (each event is parsed alone, without the document's DTD).
"""

from __future__ import annotations

import codecs
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from ..errors import words
from ..events import EventBatch
from .fields import parse_time
from .registry import MAX_LINE, ParseContext, emit, register
from .windows import SOURCE, add

EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"
_START = re.compile(r"<Event[\s>]")
_END = "</Event>"
_READ = 1 << 22  # characters per read
MAX_EVENT = 4 * MAX_LINE  # characters of one <Event> element held at most


def _encoding(start: bytes) -> str:
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if start[:4] in (b"<\x00?\x00", b"<\x00E\x00"):
        return "utf-16-le"
    return "utf-8-sig"


def _sniff(head: bytes) -> bool:
    enc = _encoding(head[:4])
    if enc.startswith("utf-16"):
        head = head[: len(head) - len(head) % 2]
    text = head.decode(enc, "replace").lstrip("\ufeff \t\r\n")
    if text.startswith("<?xml"):
        text = text[text.find("?>") + 2:].lstrip()
    return text.startswith(("<Events", "<Event ", "<Event>")) and EVENT_NS in text[:4000]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _fields(event: ET.Element) -> dict[str, str | None]:
    """EventData ``Data Name=`` values (unnamed ones as ``Data_0``, ``Data_1``, ...), or the
    children of UserData's one element."""
    out: dict[str, str | None] = {}
    for section in event:
        kind = _local(section.tag)
        if kind == "EventData":
            for i, item in enumerate(section):
                if _local(item.tag) == "Data":
                    out[item.get("Name") or f"Data_{i}"] = item.text
        elif kind == "UserData":
            for root in section:
                for item in root:
                    out[_local(item.tag)] = item.text
    return out


def _events(ctx: ParseContext) -> Iterator[tuple[int, str | None, str | None]]:
    """``(line, text of one <Event> element or None, why not)`` in file order."""
    with ctx.open_binary() as fh:
        enc = _encoding(fh.read(4))
        fh.seek(0)
        text = io.TextIOWrapper(fh, encoding=enc, errors="replace", newline="")
        buf, line = "", 1  # line: the line number at buf[pos]
        while True:
            chunk = text.read(_READ)
            buf += chunk
            pos = 0
            while True:
                found = _START.search(buf, pos)
                if not found:
                    break
                end = buf.find(_END, found.end())
                if end < 0:
                    break
                end += len(_END)
                line += buf.count("\n", pos, found.start())
                yield line, buf[found.start():end], None
                line += buf.count("\n", found.start(), end)
                pos = end
            found = _START.search(buf, pos)
            if not chunk:
                if found:
                    yield line + buf.count("\n", pos, found.start()), None, "cut off: the event has no end"
                return
            if found and len(buf) - found.start() > MAX_EVENT:  # an event without end: never held whole
                yield line + buf.count("\n", pos, found.start()), None, \
                    f"an event longer than {MAX_EVENT >> 20} MB without its end: skipped"
                line += buf.count("\n", pos)
                buf, found, pos = "", None, 0
            keep = found.start() if found else max(pos, len(buf) - 8)  # an unfinished event, or a split "<Event"
            line += buf.count("\n", pos, keep)
            buf = buf[keep:]
            ctx.on_bytes(fh.tell())


@register("evtx_xml", "Windows event log (XML export)", _sniff, priority=70, source=SOURCE)
def parse(ctx: ParseContext) -> Iterator[EventBatch]:
    batch = EventBatch(SOURCE, ctx.display_path)
    for line, xml, problem in _events(ctx):
        where = f"line {line}"
        if xml is None:
            ctx.record_error(where, problem or "unreadable")
            continue
        try:
            event = ET.fromstring(xml)
        except ET.ParseError as exc:
            ctx.record_error(where, f"broken XML ({words(exc)})")
            continue
        system = next((s for s in event if _local(s.tag) == "System"), None)
        if system is None:
            ctx.record_error(where, "no System element")
            continue
        sys = {_local(child.tag): child for child in system}
        created = sys.get("TimeCreated")
        try:
            when = parse_time(created.get("SystemTime") if created is not None else None)
        except ValueError as exc:
            ctx.record_error(where, f"no usable TimeCreated ({words(exc)})")
            continue
        record = sys.get("EventRecordID")
        add(batch, ctx, where, record_id=record.text.strip() if record is not None and record.text else None,
            when=when, event_id=(sys["EventID"].text if "EventID" in sys else None),
            channel=sys["Channel"].text if "Channel" in sys else None,
            computer=sys["Computer"].text if "Computer" in sys else None,
            keywords=sys["Keywords"].text if "Keywords" in sys else None, data=_fields(event), raw=xml)
        yield from emit(batch)
    yield from emit(batch, last=True)
