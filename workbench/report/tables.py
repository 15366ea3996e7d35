"""Table builders of the PDF report. Every cell that shows untrusted text is a Paragraph made by
:func:`styles.para` with the room of its column, so it is escaped and long values wrap inside it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Sequence

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Table, TableStyle

from ..events import format_ts
from ..findings import Finding
from ..ingest import InputInfo
from ..ingest.windows_map import event_label
from ..analysis import Analysis, CheckStatus
from .layout import fit
from .styles import HEADER_FILL, RULE, STRIPE_FILL, clip, esc, esc_fit, fonts, human_size, markup, \
    needs_fallback, one_line, para, styles

PAD = 3  # left and right cell padding
EVIDENCE_PAD = 2
CELL_CHARS = 160  # of one value in a narrow evidence cell
EVIDENCE_COLUMNS = ("ts", "source", "file", "ref", "action", "outcome", "user", "target_user", "src_ip",
                    "country", "event_name")
EVIDENCE_HEAD = ("Time (UTC)", "Source", "Ref", "Action", "Outcome", "User", "Source IP", "Country", "Event")
EVIDENCE_WIDTHS = (0.098, 0.13, 0.13, 0.11, 0.075, 0.12, 0.115, 0.07, 0.152)


def _table(rows: list[list[Any]], widths: Sequence[float], total: float, *extra: tuple, header: bool = True,
           stripes: bool = True, pad: float = PAD, split_in_row: bool = False) -> Table:
    commands: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), fonts().regular, 8),  # plain-string and empty cells: never the Type 1 default
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), pad),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL))
    if stripes:
        first = 1 if header else 0
        commands.append(("ROWBACKGROUNDS", (0, first), (-1, -1), [colors.white, STRIPE_FILL]))
    table = Table(rows, colWidths=[w * total for w in widths], repeatRows=1 if header else 0,
                  splitInRow=int(split_in_row))
    table.setStyle(TableStyle(commands + list(extra)))
    return table


def _room(widths: Sequence[float], total: float, pad: float = PAD) -> list[float]:
    """The width inside each column's padding."""
    return [w * total - 2 * pad for w in widths]


def _heads(names: Iterable[str], style: str = "head") -> list[Flowable]:
    return [para(n, style) for n in names]


def time_range(first, last, sep: str = " – ") -> str:
    if first is None:
        return "no events"
    return format_ts(first) if first == last else f"{format_ts(first)}{sep}{format_ts(last)}"


def key_values(rows: list[tuple[str, str | Flowable]], total: float, key_width: float = 0.24) -> Table:
    """Two columns: a bold label (trusted text) and a value: untrusted text, or a ready flowable."""
    widths = (key_width, 1 - key_width)
    room = _room(widths, total)[1]
    data = [[para(key, "cell_bold"), para(value, "cell", room) if isinstance(value, str) else value]
            for key, value in rows]
    return _table(data, widths, total, ("BACKGROUND", (0, 0), (0, -1), HEADER_FILL), header=False, stripes=False,
                  split_in_row=True)


def inputs_table(inputs: list[InputInfo], total: float) -> Table:
    """Per input: one row of facts, one row with its SHA-256 on a line of its own, one per error/note."""
    widths = (0.04, 0.36, 0.11, 0.16, 0.09, 0.24)
    room = _room(widths, total)
    wide = sum(w * total for w in widths[1:]) - 2 * PAD
    rows: list[list[Any]] = [_heads(("#", "File", "Format", "Size", "Events", "Time range (UTC)"))]
    extra: list[tuple] = []

    def line(flowable: Flowable) -> None:
        rows.append(["", flowable, "", "", "", ""])
        extra.append(("SPAN", (1, len(rows) - 1), (-1, len(rows) - 1)))

    for n, info in enumerate(inputs, 1):
        start = len(rows)
        rows.append([
            para(n, "cell"), para(info.path, "cell", room[1]), para(info.format or "not recognised", "cell", room[2]),
            para(human_size(info.size).replace(" (", "\n("), "cell"), para(f"{info.events:,}", "cell_right"),
            para(time_range(info.first_ts, info.last_ts, "\n"), "cell"),
        ])
        digest = info.sha256 or "not computed (the file could not be read)"
        line(markup(f'SHA-256&nbsp;&nbsp;<font name="{fonts().mono}">{esc(digest)}</font>', "cell"))
        for error in info.errors:
            line(para(f"Error: {error}", "cell_error", wide))
        if info.bad_records > len(info.errors):
            line(para(f"{info.bad_records:,} bad records in all; the first ones are listed above.", "cell_error"))
        for note in info.notes:
            line(para(f"Note: {note}", "cell_note", wide))
        end = len(rows) - 1
        extra.append(("SPAN", (0, start), (0, end)))
        if n % 2 == 0:
            extra.append(("BACKGROUND", (0, start), (-1, end), STRIPE_FILL))
        if end > start:  # light rules inside one input, the full grid around it
            extra.append(("INNERGRID", (1, start), (-1, end), 0.2, HEADER_FILL))
            extra.append(("BOX", (0, start), (-1, end), 0.4, RULE))
            extra.append(("LINEAFTER", (0, start), (0, end), 0.4, RULE))
            extra.append(("LINEBELOW", (1, start), (-1, start), 0.4, RULE))
    return _table(rows, widths, total, *extra, stripes=False)


def shortlist(values: Sequence[str], limit: int = 4) -> str:
    shown = ", ".join(values[:limit])
    return f"{shown} and {len(values) - limit} more" if len(values) > limit else shown


def _utc(ts) -> str:
    """A time for a column headed '(UTC)': the date, a line break, the time."""
    return format_ts(ts).removesuffix(" UTC").replace(" ", "\n", 1)


def _cell(value: object, style: str, room: float, limit: int = CELL_CHARS) -> str | Flowable:
    """A short one-line value as a plain string (drawn as is, never parsed as markup: fast, and safe),
    anything else as a wrapping Paragraph. The table's FONT commands must match ``style``."""
    st = styles()[style]
    text = clip(one_line(value), limit)
    if "\n" not in text and not needs_fallback(text) and stringWidth(text, st.fontName, st.fontSize) <= room:
        return text
    return para(text, style, room, limit)


def evidence_table(analysis: Analysis, rows, total: float) -> Table:
    """The evidence rows (numpy row numbers into ``analysis.table``) as a table with a repeated header."""
    data = analysis.table.select(list(EVIDENCE_COLUMNS)).take(rows).to_pydict()
    room = _room(EVIDENCE_WIDTHS, total, EVIDENCE_PAD)
    ev, ref = styles()["ev"], styles()["ev_ref"]
    small = 5.5
    body: list[list[Any]] = [_heads(EVIDENCE_HEAD, "ev_head")]
    for i in range(len(rows)):
        get = {name: data[name][i] for name in EVIDENCE_COLUMNS}
        get = {k: one_line(v) if isinstance(v, str) else v for k, v in get.items()}  # a field holds no line
        if get["target_user"] and get["target_user"] != get["user"]:
            user = esc_fit(get["user"], ev.fontName, ev.fontSize, room[5], CELL_CHARS)
            target = esc_fit(f"→ {get['target_user']}", ev.fontName, small, room[5], CELL_CHARS)
            user_cell: str | Flowable = markup(f'{user}<br/><font size="{small}">{target}</font>', "ev")
        else:
            user_cell = _cell(get["user"], "ev", room[5])
        source = f'{fit(get["source"] or "", ev.fontName, ev.fontSize, room[1])}\n' \
                 f'{fit(Path(get["file"] or "").name, ev.fontName, ev.fontSize, room[1])}'
        body.append([
            _utc(get["ts"]), source if not needs_fallback(source) else para(source, "ev", room[1]),
            _cell(get["ref"], "ev_ref", room[2]), _cell(get["action"], "ev", room[3]),
            _cell(get["outcome"], "ev", room[4]), user_cell, _cell(get["src_ip"], "ev", room[6]),
            _cell(get["country"], "ev", room[7]), _cell(event_label(get["event_name"]), "ev", room[8]),
        ])
    fonts_ = [("FONT", (0, 1), (-1, -1), ev.fontName, ev.fontSize, ev.leading),
              ("FONT", (2, 1), (2, -1), ref.fontName, ref.fontSize, ref.leading)]
    return _table(body, EVIDENCE_WIDTHS, total, *fonts_, pad=EVIDENCE_PAD)  # rows are short: no split inside


def user_agents(analysis: Analysis, rows) -> list[tuple[str, int]]:
    """Distinct user agents of the evidence rows with how often each occurs, most frequent first."""
    column = analysis.table.column("user_agent").take(rows)
    return Counter(v for v in column.to_pylist() if v).most_common()


def checks_table(checks: list[CheckStatus], descriptions: dict[str, str], total: float,
                 config: dict[str, Any] | None = None) -> Table:
    widths = (0.18, 0.38, 0.28, 0.09, 0.07)
    room = _room(widths, total)
    rows: list[list[Any]] = [_heads(("Check", "What it looks for", "Thresholds", "Ran", "Found"))]
    for c in checks:
        ran = "yes" if c.ran else f"no: {c.reason}" if c.reason else "no"
        rows.append([
            markup(f"<b>{esc(c.title)}</b><br/>{esc_fit(c.id, fonts().regular, 8, room[0])}", "cell"),
            para(first_sentence(descriptions.get(c.id, "")), "cell_small"),
            para(thresholds(config or {}, c.id), "cell_note", room[2]),
            para(ran, "cell" if c.ran else "cell_error", room[3]), para(c.findings, "cell_right"),
        ])
    return _table(rows, widths, total, split_in_row=True)


def shown_in_method(config: dict[str, Any], section: str, key: str, checks: Iterable[str]) -> bool:
    """Whether the Method table's thresholds show this setting in full (see :func:`thresholds`)."""
    value = config.get(section, {}).get(key) if isinstance(config.get(section), dict) else None
    return section in checks and (not isinstance(value, (list, tuple, set, dict)) or len(_value(value)) <= 40)


def first_sentence(text: str, limit: int = 170) -> str:
    """A check's description up to its first sentence's end, at most about ``limit`` characters cut at a word
    (the whole of it is in the README's Checks table)."""
    cut = text.find(". ")
    text = text if cut < 0 else text[:cut + 1]
    if len(text) <= limit:
        return text
    return text[:text.rfind(" ", 0, limit)].rstrip(",;:(—- ") + " …"


def config_table(config: dict[str, Any], total: float, checks: Iterable[str] = ()) -> Table:
    """One row per setting (``section``, ``key``, value), lists joined by commas; the settings of ``checks`` the
    Method table shows in full are left out."""
    widths = (0.24, 0.22, 0.54)
    room = _room(widths, total)
    rows: list[list[Any]] = [_heads(("Section", "Setting", "Value"))]
    extra: list[tuple] = []
    checks = set(checks)
    kept = {}
    for section, values in config.items():
        items = [(k, v) for k, v in values.items() if not shown_in_method(config, section, k, checks)] \
            if isinstance(values, dict) else [("", values)]
        if items:
            kept[section] = dict(items) if isinstance(values, dict) else values
    for n, (section, values) in enumerate(kept.items()):
        items = list(values.items()) if isinstance(values, dict) else [("", values)]
        start = len(rows)
        for i, (key, value) in enumerate(items or [("", "")]):
            rows.append([para(section, "cell_bold", room[0]) if i == 0 else "", para(key, "cell", room[1]),
                         para(_value(value), "cell", room[2])])
        extra.append(("SPAN", (0, start), (0, len(rows) - 1)))
        if n % 2:
            extra.append(("BACKGROUND", (0, start), (-1, len(rows) - 1), STRIPE_FILL))
    return _table(rows, widths, total, *extra, stripes=False)


def _value(value: Any) -> str:
    if isinstance(value, (list, tuple, set)):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    return str(value)


ANSWER_STYLE = {"yes": "cell_bold", "no": "cell_bold", "met": "cell_bold"}


def answers_table(rows: list[tuple[str, str, str]], total: float) -> Table:
    """Playbook question, the analyst's answer (yes / no / unknown / not answered) and their note."""
    widths = (0.05, 0.5, 0.12, 0.33)
    room = _room(widths, total)
    data: list[list[Any]] = [_heads(("#", "Question", "Answer", "Analyst's note"))]
    for n, (question, answer, note) in enumerate(rows, 1):
        data.append([para(n, "cell"), para(question, "cell", room[1]),
                     para(answer, ANSWER_STYLE.get(answer, "cell_note"), room[2]), para(note, "cell", room[3])])
    return _table(data, widths, total, split_in_row=True)


def criteria_table(rows: list[tuple[str, str, str]], total: float) -> Table:
    """Escalation criterion, met / not met / unknown, and what the status rests on."""
    widths = (0.05, 0.5, 0.12, 0.33)
    room = _room(widths, total)
    data: list[list[Any]] = [_heads(("#", "Criterion", "Status", "Basis"))]
    extra: list[tuple] = []
    for n, (text, status, basis) in enumerate(rows, 1):
        data.append([para(n, "cell"), para(text, "cell", room[1]),
                     para(status, "cell_error" if status.startswith("met") else ANSWER_STYLE.get(status, "cell_note"),
                          room[2]),
                     para(basis, "cell", room[3])])
    return _table(data, widths, total, *extra, split_in_row=True)


def notes_table(rows: list[tuple[str, str, str, str]], total: float) -> Table:
    """(time, author, finding, text) per note."""
    widths = (0.14, 0.14, 0.14, 0.58)
    room = _room(widths, total)
    data: list[list[Any]] = [_heads(("Time (UTC)", "Author", "Finding", "Note"))]
    for when, author, finding, text in rows:
        data.append([para(when, "cell"), para(author, "cell", room[1]), para(finding, "cell", room[2]),
                     para(text, "cell", room[3])])
    return _table(data, widths, total, split_in_row=True)


def thresholds(config: dict[str, Any], check_id: str) -> str:
    """The settings of one check as 'key: value' lines ('' when it has none)."""
    values = config.get(check_id)
    if not isinstance(values, dict):
        return ""
    return "\n".join(f"{k}: {_value(v)}" if not isinstance(v, (list, tuple, set, dict)) or len(_value(v)) <= 40
                     else f"{k}: {len(v)} entries (see Check configuration in force)" for k, v in values.items())
