"""Page layout: the document template (A4, one frame, outline entries from headings) and a two-pass
canvas that draws the running header and the "page N of M" footer once the page count is known."""

from __future__ import annotations

from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from .styles import ERROR_COLOUR, MUTED, RULE, clean, clip, fonts, runs

PAGE = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 18 * mm
FRAME_WIDTH = PAGE[0] - 2 * MARGIN_X


def fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` on one line of ``width`` points, cut with an ellipsis if it is longer."""
    text = " ".join(clean(text).split())
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


class NumberedCanvas(Canvas):
    """Keeps every page until :meth:`save`, then draws header and footer on all pages but the first.

    Pages are only added to the PDF document in :meth:`save`, so :meth:`bookmarkPage` names the page
    that will be added at that position instead of the document's (still unadvanced) page counter.
    """

    def __init__(self, *args: Any, header: str = "", footer: str = "", marking: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._header = header
        self._footer = footer
        self._marking = marking  # the classification, at the top and bottom of every page

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def bookmarkPage(self, key: str, **kwargs: Any):  # noqa: N802
        doc = self._doc
        counter = doc.pageCounter
        doc.pageCounter = len(self._pages) + 1
        try:
            return super().bookmarkPage(key, **kwargs)
        finally:
            doc.pageCounter = counter

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, 1):
            self.__dict__.update(state)
            if number > 1:
                self._decorate(number, total)
            else:
                self._mark_cover()
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: float) -> None:
        f = fonts()
        width, height = PAGE
        right = width - MARGIN_X
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        top = height - MARGIN_TOP + 5 * mm
        self.line(MARGIN_X, top - 2, right, top - 2)
        self.line(MARGIN_X, MARGIN_BOTTOM - 5 * mm, right, MARGIN_BOTTOM - 5 * mm)
        self.setFillColor(MUTED)
        self.setFont(f.bold, 8)
        marking = fit(self._marking, f.bold, 8, FRAME_WIDTH * 0.3)
        self.draw_runs(MARGIN_X, top + 2, fit(self._header, f.bold, 8, FRAME_WIDTH - stringWidth(marking, f.bold, 8)
                                              - 24), f.bold, 8)
        self.setFont(f.bold, 8)
        self.setFillColor(ERROR_COLOUR)
        self.drawRightString(right, top + 2, marking)
        self.setFillColor(MUTED)
        self.setFont(f.regular, 8)
        base = MARGIN_BOTTOM - 5 * mm - 10
        self.drawString(MARGIN_X, base, fit(self._footer, f.regular, 8, FRAME_WIDTH * 0.45))
        self.setFont(f.bold, 8)
        self.setFillColor(ERROR_COLOUR)
        self.drawCentredString(MARGIN_X + FRAME_WIDTH * 0.62, base, fit(self._marking, f.bold, 8, FRAME_WIDTH * 0.22))
        self.setFillColor(MUTED)
        self.setFont(f.regular, 8)
        self.drawRightString(right, base, f"page {number} of {total}")
        self.restoreState()

    def draw_runs(self, x: float, y: float, text: str, font: str, size: float) -> None:
        """``text`` at (x, y), characters ``font`` lacks in the fallback font."""
        for part, name in runs(text, font):
            self.setFont(name, size)
            self.drawString(x, y, part)
            x += stringWidth(part, name, size)

    def _mark_cover(self) -> None:
        """The classification at the bottom of the cover (the cover shows it at the top itself)."""
        f = fonts()
        self.saveState()
        self.setFont(f.bold, 9)
        self.setFillColor(ERROR_COLOUR)
        self.drawCentredString(PAGE[0] / 2, MARGIN_BOTTOM - 5 * mm - 10, fit(self._marking, f.bold, 9, FRAME_WIDTH))
        self.restoreState()


class Anchor(Flowable):
    """An invisible mark: bookmark ``key`` and an outline entry ``title`` at ``level`` where it lands."""

    def __init__(self, key: str, title: str, level: int = 0) -> None:
        super().__init__()
        self.key, self.title, self.level = key, title, level
        self.width = self.height = 0
        self.keepWithNext = 1  # stay with the heading that follows

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        top = self.canv.absolutePosition(0, 0)[1] + 6  # where the heading below starts, in page space
        self.canv.bookmarkPage(self.key, fit="XYZ", top=top)
        self.canv.addOutlineEntry(clip(" ".join(clean(self.title).split()), 200), self.key, self.level)


class ReportDoc(BaseDocTemplate):
    def __init__(self, filename: str, **kwargs: Any) -> None:
        super().__init__(filename, pagesize=PAGE, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
                         topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, **kwargs)
        frame = Frame(MARGIN_X, MARGIN_BOTTOM, FRAME_WIDTH, PAGE[1] - MARGIN_TOP - MARGIN_BOTTOM, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])
