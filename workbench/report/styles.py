"""Fonts, colours, paragraph styles and the one escaping helper of the PDF report.

Everything that reaches a Paragraph from the evidence, the findings, the playbooks or the analyst
is attacker-controlled or at least untrusted text: it goes through :func:`esc` (or :func:`para`,
which calls it) and is never pasted into markup raw.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

from ..errors import printable
from ..paths import resources_dir

log = logging.getLogger(__name__)

# Bidirectional overrides and isolates can make text display in another order than it is stored.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_STRIP = re.compile("[%s%s]" % (
    "".join(chr(c) for c in range(0x20) if chr(c) not in "\n\t") + "\x7f" +
    "".join(chr(c) for c in range(0x80, 0xa0)),
    _BIDI + "\ud800-\udfff",  # and lone surrogates, which cannot be encoded at all
))

MAX_CHARS = 2000  # of one untrusted value in one paragraph; a table cell cannot grow past a page

SEVERITY_COLOURS = {
    "critical": colors.HexColor("#7b0d1e"),
    "high": colors.HexColor("#c0392b"),
    "medium": colors.HexColor("#d68910"),
    "low": colors.HexColor("#5d6d7e"),
}
ERROR_COLOUR = colors.HexColor("#b03a2e")
MUTED = colors.HexColor("#5f6a6a")
RULE = colors.HexColor("#aab7b8")
HEADER_FILL = colors.HexColor("#e5e8e8")
STRIPE_FILL = colors.HexColor("#f6f7f7")


def clean(value: object) -> str:
    """``value`` as text without control characters (newlines and tabs kept), bidi controls or lone
    surrogates; ``None`` is the empty string."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _STRIP.sub("", text)


def one_line(value: object) -> str:
    """A log-derived value that can hold no line of its own in the report: newlines, tabs and other control or
    bidirectional characters shown as ``\\xNN`` (a user name cannot fake a report line)."""
    return printable("" if value is None else str(value))


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out (a log field can be megabytes)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]} … [{len(text) - limit:,} more characters not shown]"


def esc(value: object, limit: int = MAX_CHARS) -> str:
    """Untrusted text → Paragraph markup that shows it literally; newlines become line breaks."""
    return _escape(clip(clean(value), limit)).replace("\n", "<br/>")


_BREAK_AFTER = re.compile(r"(?<=[/\\:_.@,;=&?|)\]-])")


def esc_fit(value: object, font: str, size: float, width: float, limit: int = MAX_CHARS) -> str:
    """Like :func:`esc`, with line breaks after separators (/ : _ . @ - ...) in words wider than ``width``,
    so paths, ARNs and user agents wrap where a reader expects; a part still too wide is split by
    reportlab's ``splitLongWords``."""
    lines = []
    for line in clip(clean(value), limit).split("\n"):
        words = []
        for word in line.split(" "):
            if stringWidth(word, font, size) <= width:
                words.append(_escape(word))
                continue
            chunks, current = [], ""
            for part in _BREAK_AFTER.split(word):
                if current and stringWidth(current + part, font, size) > width:
                    chunks.append(current)
                    current = part
                else:
                    current += part
            chunks.append(current)
            words.append("<br/>".join(_escape(c) for c in chunks))
        lines.append(" ".join(words))
    return "<br/>".join(lines)


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    mono: str
    unicode: bool  # False: the Type 1 fallback, which shows Latin-1 only
    covered: frozenset[int] = frozenset()  # code points the regular font has (empty: the Type 1 fallback)


# Fonts for the scripts DejaVu Sans lacks (Chinese, Japanese, Korean): the first one found, in the
# workbench's resources (an offline bundle can ship one) or where Debian's packages install them.
FALLBACK_FONTS = (
    "DroidSansFallbackFull.ttf", "DroidSansFallback.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallback.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


@lru_cache(maxsize=1)
def fallback_font() -> str | None:
    """The registered name of a font for the scripts DejaVu lacks, or None; loaded on first need (it is big)."""
    if not fonts().unicode:
        return None
    folder = resources_dir() / "fonts"
    for candidate in FALLBACK_FONTS:
        path = folder / candidate  # an absolute candidate stays as it is
        if not path.is_file():
            continue
        if "WB-Fallback" not in pdfmetrics.getRegisteredFontNames():
            try:
                pdfmetrics.registerFont(TTFont("WB-Fallback", str(path), subfontIndex=0))
            except Exception as exc:  # noqa: BLE001 (reportlab raises bare TTFError/Exception on a bad font)
                log.warning("fallback font %s not usable: %s", path, exc)
                continue
        return "WB-Fallback"
    return None


@lru_cache(maxsize=1)
def fonts() -> Fonts:
    """Register the bundled DejaVu fonts once; Helvetica/Courier if they are missing."""
    folder = resources_dir() / "fonts"
    files = {"WB-Sans": "DejaVuSans.ttf", "WB-Sans-Bold": "DejaVuSans-Bold.ttf", "WB-Mono": "DejaVuSansMono.ttf"}
    paths = {name: folder / file for name, file in files.items()}
    if not all(p.is_file() for p in paths.values()):
        return Fonts("Helvetica", "Helvetica-Bold", "Courier", False)
    for name, path in paths.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily("WB-Sans", normal="WB-Sans", bold="WB-Sans-Bold",
                                  italic="WB-Sans", boldItalic="WB-Sans-Bold")
    covered = frozenset(pdfmetrics.getFont("WB-Sans").face.charToGlyph)
    return Fonts("WB-Sans", "WB-Sans-Bold", "WB-Mono", True, covered)


def needs_fallback(text: str) -> bool:
    """Whether ``text`` has characters the regular font lacks and the fallback font can show."""
    if text.isascii():
        return False
    f = fonts()
    return any(ord(c) not in f.covered and not c.isspace() for c in text) and fallback_font() is not None


def runs(text: str, font: str) -> list[tuple[str, str]]:
    """``text`` as (part, font) runs: ``font``, and the fallback font for the characters ``font`` lacks (for
    strings drawn directly on the canvas, which has no markup)."""
    if not needs_fallback(text):
        return [(text, font)]
    covered, name = fonts().covered, fallback_font()
    out: list[tuple[str, str]] = []
    for ch in text:
        f = name if ord(ch) not in covered and not ch.isspace() else font
        if out and out[-1][1] == f:
            out[-1] = (out[-1][0] + ch, f)
        else:
            out.append((ch, f))
    return out


def _escape(text: str) -> str:
    """XML-escape ``text``; runs of characters the regular font lacks go in the fallback font."""
    if not needs_fallback(text):
        return escape(text)
    f, name = fonts(), fallback_font()
    out, run, missing = [], "", False
    for ch in text:
        lacks = ord(ch) not in f.covered and not ch.isspace()
        if lacks != missing and run:
            out.append(f'<font name="{name}">{escape(run)}</font>' if missing else escape(run))
            run = ""
        missing = lacks
        run += ch
    if run:
        out.append(f'<font name="{name}">{escape(run)}</font>' if missing else escape(run))
    return "".join(out)


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    f = fonts()
    base = ParagraphStyle("body", fontName=f.regular, fontSize=9, leading=11.5, spaceAfter=3)
    s = {
        "body": base,
        "title": ParagraphStyle("title", base, fontName=f.bold, fontSize=28, leading=34, spaceAfter=10),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=16, leading=21, spaceAfter=18),
        "marking": ParagraphStyle("marking", base, fontName=f.bold, fontSize=13, leading=16, alignment=TA_CENTER,
                                  textColor=ERROR_COLOUR, borderColor=ERROR_COLOUR, borderWidth=1, borderPadding=5),
        "h1": ParagraphStyle("h1", base, fontName=f.bold, fontSize=16, leading=20, spaceBefore=4, spaceAfter=8,
                             keepWithNext=1),
        "h2": ParagraphStyle("h2", base, fontName=f.bold, fontSize=12.5, leading=16, spaceBefore=6, spaceAfter=6,
                             keepWithNext=1),
        "h3f": ParagraphStyle("h3f", base, fontName=f.bold, fontSize=10.5, leading=13, spaceBefore=6, spaceAfter=2,
                              keepWithNext=1),
        "verdict": ParagraphStyle("verdict", base, fontName=f.bold, fontSize=11, leading=14.5, spaceBefore=2,
                                  spaceAfter=6, borderColor=RULE, borderWidth=0.6, borderPadding=5,
                                  backColor=STRIPE_FILL),
        "h3": ParagraphStyle("h3", base, fontName=f.bold, fontSize=10, leading=13, spaceBefore=8, spaceAfter=3),
        "h4": ParagraphStyle("h4", base, fontName=f.bold, fontSize=9, leading=12, spaceBefore=4, spaceAfter=1.5),
        "body_small": ParagraphStyle("body_small", base, fontSize=8.5, leading=10.5, spaceAfter=2),
        "note": ParagraphStyle("note", base, fontSize=8, leading=10, textColor=MUTED),
        "error": ParagraphStyle("error", base, fontSize=8.5, leading=11, textColor=ERROR_COLOUR),
        "item": ParagraphStyle("item", base, fontSize=8.5, leading=10.5, spaceAfter=1, leftIndent=18, bulletIndent=2,
                               bulletFontName=f.regular, bulletFontSize=8.5),
        "item_small": ParagraphStyle("item_small", base, fontSize=7.5, leading=9, spaceAfter=0.5, leftIndent=16,
                                     bulletIndent=2, bulletFontName=f.regular, bulletFontSize=7.5),
        "cell": ParagraphStyle("cell", base, fontSize=8, leading=10, spaceAfter=0),
        "cell_small": ParagraphStyle("cell_small", base, fontSize=7.5, leading=9, spaceAfter=0),
        "cell_bold": ParagraphStyle("cell_bold", base, fontName=f.bold, fontSize=8, leading=10, spaceAfter=0),
        "cell_right": ParagraphStyle("cell_right", base, fontSize=8, leading=10, spaceAfter=0, alignment=TA_RIGHT),
        "cell_note": ParagraphStyle("cell_note", base, fontSize=7.5, leading=9.5, spaceAfter=0, textColor=MUTED),
        "cell_error": ParagraphStyle("cell_error", base, fontSize=7.5, leading=9.5, spaceAfter=0,
                                     textColor=ERROR_COLOUR),
        "mono": ParagraphStyle("mono", base, fontName=f.mono, fontSize=7.5, leading=9.5, spaceAfter=0),
        "head": ParagraphStyle("head", base, fontName=f.bold, fontSize=7.5, leading=9.5, spaceAfter=0),
        "ev": ParagraphStyle("ev", base, fontSize=6.5, leading=8, spaceAfter=0),
        "ev_ref": ParagraphStyle("ev_ref", base, fontSize=6, leading=8, spaceAfter=0),
        "ev_head": ParagraphStyle("ev_head", base, fontName=f.bold, fontSize=6.5, leading=8, spaceAfter=0),
    }
    return s


def para(text: object, style: str = "body", width: float | None = None, limit: int = MAX_CHARS) -> Paragraph:
    """A Paragraph showing untrusted ``text`` literally, at most ``limit`` characters of it; with ``width``
    (the room inside its table cell), long words break after separators (see :func:`esc_fit`)."""
    st = styles()[style]
    return Paragraph(esc(text, limit) if width is None else esc_fit(text, st.fontName, st.fontSize, width, limit),
                     st)


def markup(trusted_markup: str, style: str = "body") -> Paragraph:
    """A Paragraph from markup built here, whose untrusted parts already went through :func:`esc`."""
    return Paragraph(trusted_markup, styles()[style])


def severity_label(severity: str) -> str:
    """Markup for a severity in its colour (``severity`` is one of findings.SEVERITIES)."""
    colour = SEVERITY_COLOURS.get(severity, MUTED).hexval()[2:]
    return f'<font color="#{colour}"><b>{esc(severity.upper())}</b></font>'


def human_size(size: int) -> str:
    """'5,255 bytes (5.1 KiB)'."""
    text = f"{size:,} bytes"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            return text if size < 1024 else f"{text} ({value:.1f} {unit})"
    return text

