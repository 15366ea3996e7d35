"""Records out of a JSON document that does not parse as a whole: cut short, damaged in the middle,
two documents written one after the other, or trailing bytes after the end.

An export cut off in the middle of its last record still holds every record before it; a single flipped
byte damages one record, not the thousands around it. This finds the byte span of each top-level record of
the list (``[...]`` or the list under a known key of a wrapping object, e.g. ``{"Records": [...]}``) with
the C scanner of the standard ``json`` module, skips a damaged record by resynchronising on the separator
the document itself uses between records, and says where and why it had to. It runs only on the slow path,
after the fast whole-document decode has failed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from ..errors import words

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\r\n]*")
_BOM = b"\xef\xbb\xbf"
_STRING = r'"(?:[^"\\]|\\.)*"'  # a JSON string, escapes included


@dataclass
class Salvaged:
    """Where the records are (byte offset and length in the data given) and what went wrong, in order."""

    spans: list[tuple[int, int]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)
    lone_object: tuple[int, int] | None = None  # a document that is one object and holds no list


def looks_like_json_lines(data: bytes, probe: int = 5) -> bool:
    """True when one of the first non-blank lines is a whole JSON object by itself (JSON Lines), as opposed
    to a (pretty-printed or one-line) document whose lines are fragments."""
    seen = 0
    for line in data.removeprefix(_BOM).split(b"\n", 64)[:64]:
        line = line.strip()
        if not line:
            continue
        seen += 1
        if line.startswith(b"{") and line.endswith(b"}"):
            try:
                if isinstance(json.loads(line), dict):
                    return True
            except (ValueError, UnicodeDecodeError, RecursionError):
                pass
        if seen >= probe:
            break
    return False


class _Text:
    """The data as text with a 1:1 map back to byte offsets (invalid UTF-8 bytes stay one character each)."""

    def __init__(self, data: bytes) -> None:
        self.text = data.decode("utf-8", "surrogateescape")
        self.ascii = len(self.text) == len(data)
        self._cache = (0, 0)  # (char index, byte offset) of the last conversion

    def byte(self, index: int) -> int:
        if self.ascii:
            return index
        last_i, last_b = self._cache
        if index < last_i:
            last_i, last_b = 0, 0
        offset = last_b + len(self.text[last_i:index].encode("utf-8", "surrogateescape"))
        self._cache = (index, offset)
        return offset


def salvage(data: bytes, keys: tuple[str, ...] = ()) -> Salvaged:
    """The records of ``data`` (a JSON document or several in a row), as far as they can be read."""
    out = Salvaged()
    doc = _Text(data)
    text = doc.text
    pos = _SPACE.match(text, len(text) - len(text.lstrip("\ufeff"))).end()
    documents = 0
    while pos < len(text):
        documents += 1
        if documents > 1 and out.problems and out.problems[-1][1].startswith("cut short"):
            break
        end = _document(doc, pos, keys, out)
        if end is None:
            break
        pos = _SPACE.match(text, end).end()
        if pos < len(text) and text[pos] not in "[{":
            out.problems.append((f"byte {doc.byte(pos)}", "unexpected data after the end of the JSON document; "
                                                           "the rest of the file was not read"))
            break
    return out


def _document(doc: _Text, pos: int, keys: tuple[str, ...], out: Salvaged) -> int | None:
    """Read one document starting at ``pos``; the index after it, or None when the rest is unreadable."""
    text = doc.text
    in_object = text[pos] == "{"
    if in_object:
        start = _list_in_object(text, pos, keys)
        if start is None:
            try:
                value, end = _DECODER.raw_decode(text, pos)
            except (ValueError, RecursionError) as exc:
                out.problems.append((f"byte {doc.byte(pos)}", f"cut short or damaged: {_reason(exc)}"))
                return None
            if isinstance(value, dict) and not out.spans and out.lone_object is None:
                out.lone_object = (doc.byte(pos), doc.byte(end) - doc.byte(pos))
            else:
                out.spans.append((doc.byte(pos), doc.byte(end) - doc.byte(pos)))
            return end
        pos = start
    if text[pos] != "[":
        out.problems.append((f"byte {doc.byte(pos)}", "not a JSON document"))
        return None
    return _array(doc, pos + 1, out, closes_object=in_object)


def _list_in_object(text: str, pos: int, keys: tuple[str, ...]) -> int | None:
    """Index of the ``[`` of ``{"KEY": [`` at the start of an object, for one of ``keys``."""
    for key in keys:
        m = re.compile(r'\{\s*(?:' + _STRING + r'\s*:\s*(?:' + _STRING + r'|[-0-9.eE+]+|true|false|null)\s*,\s*)*'
                       + re.escape(json.dumps(key)) + r"\s*:\s*\[").match(text, pos)
        if m:
            return m.end() - 1
    return None


def _array(doc: _Text, pos: int, out: Salvaged, closes_object: bool) -> int | None:
    text = doc.text
    separator: str | None = None  # what the document writes between two records, learnt from the first two
    first = _SPACE.match(text, pos).end()
    if first < len(text) and text[first] == "{":  # until then, guess it from the indentation of the first
        separator = "}," + text[pos:first] + "{"
    learnt = False
    index = 0
    while True:
        pos = _SPACE.match(text, pos).end()
        if pos >= len(text):
            out.problems.append((f"byte {doc.byte(pos)}", f"cut short after {len(out.spans)} records "
                                                          "(the end of the list is missing)"))
            return None
        if text[pos] == "]":
            end = pos + 1
            if closes_object:
                close = _SPACE.match(text, end).end()
                if close < len(text) and text[close] == "}":
                    return close + 1
                # keys after the list or a missing brace: the records are read, the rest does not matter
                return _skip_rest_of_object(text, end)
            return end
        index += 1
        try:
            _value, end = _DECODER.raw_decode(text, pos)
        except (ValueError, RecursionError) as exc:
            where = f"record {index} (byte {doc.byte(pos)})"
            if separator is None or (resync := text.find(separator, pos + 1)) < 0:
                if not text.rstrip().endswith(("]", "}")):  # the file stops inside a record
                    out.problems.append((where, f"cut short after {len(out.spans)} records"))
                else:
                    out.problems.append((where, f"damaged ({_reason(exc)}); nothing after it could be read"))
                return None
            out.problems.append((where, f"damaged, skipped to the next record ({_reason(exc)})"))
            pos = resync + len(separator) - 1  # on the opening bracket of the next record
            continue
        out.spans.append((doc.byte(pos), doc.byte(end) - doc.byte(pos)))
        after = _SPACE.match(text, end).end()
        if after < len(text) and text[after] == ",":
            if not learnt and text[pos] in "{[":
                learnt = True
                nxt = _SPACE.match(text, after + 1).end()
                if nxt < len(text) and text[nxt] == text[pos]:
                    separator = text[end - 1:nxt + 1]  # e.g. '},\n  {' : closing bracket to next opening
            pos = after + 1
        else:
            pos = after


def _skip_rest_of_object(text: str, end: int) -> int:
    brace = text.find("}", end)
    return len(text) if brace < 0 else brace + 1


def _reason(exc: BaseException) -> str:
    return words(exc)
