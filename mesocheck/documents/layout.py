"""The page: frame, running header, footer with "Page X of Y", and reproducible output.

Content is laid out once; the canvas holds every finished page back until the end, when the
page count is known, then stamps each page's header and footer. So a document costs one
layout pass, not two.

Right to left: a document in a right-to-left language has a right-to-left ``PageFrame``;
the canvas carries that direction, and every row, panel bar, fill-in line, header and
footer drawn on it is mirrored (cells from the right, the bar on the right, the page
number on the left).

Reproducible bytes: ``invariant=1`` stops reportlab from putting the wall clock and random
ids into the file; the creation date is then set from the intake, and the file identifier
(the trailer ``/ID``) is derived from the document's own id.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from functools import partial
from io import BytesIO
from typing import Callable, Sequence

from msgspec import Struct
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from mesocheck.documents import styles as st
from mesocheck.documents.fonts import BOLD, REGULAR
from mesocheck.documents.tagging import artifact, new_page, tagged
from mesocheck.documents.text import display_line, draw_line, text_width, visible

ELLIPSIS = "\u2026"


class PageFrame(Struct, frozen=True):
    """What every page carries besides its content."""

    footer_name: str  # the patient's name, bold, first on the first footer line
    footer_line1: str  # after the name: date of birth
    footer_line2: str  # form id and version, intake id
    header: str  # running header on pages after the first
    page_of: Callable[[int, int], str]
    created: datetime  # aware
    document_id: str
    footer_size: float = st.FOOTER_SIZE
    rtl: bool = False


class Metadata(Struct, frozen=True):
    title: str
    author: str
    subject: str
    keywords: str
    creator: str
    language: str


class _FixedTimeStamp:
    """Stands in for reportlab's TimeStamp: the document's time, not the build's."""

    def __init__(self, moment: datetime):
        utc = moment.astimezone(timezone.utc)
        self.t = utc.timestamp()
        self.lt = time.gmtime(self.t)
        self.YMDhms = tuple(self.lt)[:6]
        self.dhh = self.dmm = 0
        self.tzname = "UTC"


class PagedCanvas(Canvas):
    """Holds pages back until ``save`` so that each footer can say "Page X of Y"."""

    def __init__(self, *args, frame: PageFrame, **kwargs):
        super().__init__(*args, **kwargs)
        self._frame = frame
        self.rtl = frame.rtl  # what every flowable drawn on this canvas mirrors by
        self._held: list[dict] = []
        self._doc._timeStamp = _FixedTimeStamp(frame.created)
        self._doc.updateSignature(frame.document_id)

    def showPage(self):
        self._held.append(dict(self.__dict__))
        self._startPage()
        new_page(self)

    def save(self):
        total = len(self._held)
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            self._decorate(number, total)
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        with artifact(self):  # running header and footer: page furniture, not content
            self._furniture(number, total)

    def _furniture(self, number: int, total: int) -> None:
        frame = self._frame
        left = st.MARGIN_LEFT
        right = st.PAGE_SIZE[0] - st.MARGIN_RIGHT
        width = right - left
        size = frame.footer_size
        base = "R" if frame.rtl else "L"
        self.saveState()
        self.setStrokeColor(st.HAIRLINE)
        self.setLineWidth(0.5)

        if number > 1 and frame.header:
            y = st.PAGE_SIZE[1] - st.MARGIN_TOP + 7
            self.line(left, y - 3, right, y - 3)
            self.setFillColor(st.MUTED)
            header = fit_line(frame.header, REGULAR, size, width, base)
            draw_line(self, self._start(left, right, header, REGULAR, size), y, header,
                      REGULAR, size)

        top = st.MARGIN_BOTTOM - 8
        self.line(left, top, right, top)
        page_of = display_line(frame.page_of(number, total), BOLD, base)
        self.setFillColor(st.INK)
        page_width = text_width(page_of, BOLD, size)
        draw_line(self, self._end(left, right, page_of, BOLD, size), top - 10, page_of, BOLD,
                  size)
        room = width - page_width - 12
        rest = visible(frame.footer_line1, REGULAR)
        rest_width = text_width(display_line(rest, REGULAR, base), REGULAR, size)
        name = fit_line(frame.footer_name, BOLD, size, max(room - rest_width, room * 0.5),
                        base)
        rest = fit_line(rest, REGULAR, size, room - text_width(name, BOLD, size), base)
        first = [(name, BOLD), (rest, REGULAR)]
        x = left if not frame.rtl else right - sum(text_width(t, f, size) for t, f in first)
        for text, font in first if not frame.rtl else reversed(first):
            x = draw_line(self, x, top - 10, text, font, size)
        self.setFillColor(st.MUTED)
        line2 = fit_line(frame.footer_line2, REGULAR, size, width, base)
        draw_line(self, self._start(left, right, line2, REGULAR, size),
                  top - 10 - size * 1.35, line2, REGULAR, size)
        self.restoreState()

    def _start(self, left: float, right: float, text: str, font: str, size: float) -> float:
        """Where a line of furniture begins: the left margin, or right-aligned in RTL."""
        return right - text_width(text, font, size) if self._frame.rtl else left

    def _end(self, left: float, right: float, text: str, font: str, size: float) -> float:
        return left if self._frame.rtl else right - text_width(text, font, size)


class Direction(Flowable):
    """Takes no room; what follows it is laid out right to left (``rtl``) or left to right,
    until the next one: a page in the clinic's language inside a patient's document."""

    def __init__(self, rtl: bool):
        super().__init__()
        self.rtl = rtl

    def wrap(self, avail_width, avail_height):
        return 0, 0

    def draw(self):
        self.canv.rtl = self.rtl


class Block(Flowable):
    """A few flowables that stay on one page, optionally on a tinted panel with a coloured
    bar on the left. Lighter than a one-cell table inside a ``KeepTogether``: each part is
    measured once per width.

    A block taller than a whole page gives its parts up to flow on their own (without the
    panel) rather than failing the document.
    """

    def __init__(self, content: Sequence[Flowable], *, background=None, bar=None,
                 bar_width: float = 3.0, padding: tuple[float, float, float, float] = (0, 0, 0, 0),
                 space_after: float = 0.0):
        super().__init__()
        self.content = list(content)
        self.background = background
        self.bar = bar
        self.bar_width = bar_width
        self.padding = padding  # top, right, bottom, left
        self.space_after = space_after
        self._sizes: list[tuple[float, float, float]] = []  # height, space before, after
        self._for_width: float | None = None

    def wrap(self, avail_width, avail_height):
        if self._for_width != avail_width:
            top, right, bottom, left = self.padding
            self._sizes, total = _stack(self.canv, self.content, avail_width - left - right)
            self.width, self.height = avail_width, total + top + bottom
            self._for_width = avail_width
        return self.width, self.height

    def split(self, avail_width, avail_height):
        self.wrap(avail_width, avail_height)
        if self.height > st.FRAME_HEIGHT:
            return list(self.content)
        return []

    def getSpaceAfter(self):
        return self.space_after

    def draw(self):
        canv = self.canv
        if self.background is not None or self.bar is not None:
            with artifact(canv):
                self._draw_panel(canv)
        top, right, _bottom, left = self.padding
        y = self.height - top
        if getattr(canv, "rtl", False):
            left = right
        for part, (h, before, after) in zip(self.content, self._sizes):
            y -= before + h
            part.drawOn(canv, left, y)
            y -= after

    def _draw_panel(self, canv) -> None:
        if self.background is not None or self.bar is not None:
            canv.saveState()
            if self.background is not None:
                canv.setFillColor(self.background)
                canv.rect(0, 0, self.width, self.height, stroke=0, fill=1)
            if self.bar is not None:
                canv.setFillColor(self.bar)
                x = self.width - self.bar_width if getattr(canv, "rtl", False) else 0
                canv.rect(x, 0, self.bar_width, self.height, stroke=0, fill=1)
            canv.restoreState()


class Row(Block):
    """Cells side by side, each a list of flowables, as a table row would hold them, but
    measured once and drawn directly: a document has hundreds of rows and reportlab's
    tables spend most of their time on generality these rows never need.

    ``widths`` are the cells' widths in points (the last may be None: the rest of the
    line); ``padding`` (top, right, bottom, left) applies inside every cell. A row is never
    split; one taller than a page gives its parts up to flow on their own.
    """

    def __init__(self, cells: Sequence[Sequence[Flowable]], widths: Sequence[float | None], *,
                 padding: tuple[float, float, float, float] = (0, 0, 0, 0), background=None,
                 bar=None, bar_width: float = 3.0, line_below=None, line_width: float = 0.4,
                 space_after: float = 0.0):
        super().__init__([part for cell in cells for part in cell], background=background,
                         bar=bar, bar_width=bar_width, padding=padding,
                         space_after=space_after)
        self.cells = [list(cell) for cell in cells]
        self.widths = list(widths)
        self.line_below = line_below
        self.line_width = line_width
        self._cell_sizes: list[list[tuple[float, float, float]]] = []
        self._cell_widths: list[float] = []

    def wrap(self, avail_width, avail_height):
        if self._for_width != avail_width:
            top, right, bottom, left = self.padding
            fixed = sum(w for w in self.widths if w is not None)
            widths = [w if w is not None else max(avail_width - fixed, 0) for w in self.widths]
            self._cell_widths = widths
            self._cell_sizes = []
            tallest = 0.0
            for cell, width in zip(self.cells, widths):
                sizes, total = _stack(self.canv, cell, width - left - right)
                self._cell_sizes.append(sizes)
                tallest = max(tallest, total)
            self.width, self.height = avail_width, tallest + top + bottom
            self._for_width = avail_width
        return self.width, self.height

    def draw(self):
        canv = self.canv
        if self.background is not None or self.bar is not None or self.line_below is not None:
            with artifact(canv):
                self._draw_panel(canv)
        top, right, _bottom, left = self.padding
        rtl = getattr(canv, "rtl", False)
        x = self.width if rtl else 0.0
        for cell, sizes, width in zip(self.cells, self._cell_sizes, self._cell_widths):
            if rtl:  # the first cell on the right, its padding mirrored with it
                x -= width
            y = self.height - top
            for part, (h, before, after) in zip(cell, sizes):
                y -= before + h
                part.drawOn(canv, x + (right if rtl else left), y)
                y -= after
            if not rtl:
                x += width

    def _draw_panel(self, canv) -> None:
        if self.background is not None or self.bar is not None or self.line_below is not None:
            canv.saveState()
            if self.background is not None:
                canv.setFillColor(self.background)
                canv.rect(0, 0, self.width, self.height, stroke=0, fill=1)
            if self.bar is not None:
                canv.setFillColor(self.bar)
                x = self.width - self.bar_width if getattr(canv, "rtl", False) else 0
                canv.rect(x, 0, self.bar_width, self.height, stroke=0, fill=1)
            if self.line_below is not None:
                # inside the row: the next row's background must not paint over it
                y = self.line_width / 2
                canv.setStrokeColor(self.line_below)
                canv.setLineWidth(self.line_width)
                canv.line(0, y, self.width, y)
            canv.restoreState()


class Stack(Block):
    """Rows (or any flowables) one under another that may be split between two of them.

    The ``head`` (a step's title and introduction) opens the stack, never stands alone at
    the foot of a page, and is repeated at the top of the part that goes on to the next.
    """

    def __init__(self, head: Sequence[Flowable], parts: Sequence[Flowable], *,
                 repeat_head: bool = True, space_after: float = 0.0,
                 lead: Sequence[Flowable] = ()):
        # ``lead`` (a section's heading and introduction) opens the stack with its head and
        # is not repeated: a heading never ends a page without what it heads.
        super().__init__(list(lead) + list(head) + list(parts), space_after=space_after)
        self.lead = list(lead)
        self.head = list(self.lead) + list(head)
        self.parts = list(parts)
        self.repeat_head = repeat_head
        self.own_head = list(head)

    def split(self, avail_width, avail_height):
        self.wrap(avail_width, avail_height)
        used = 0.0
        fitting = 0
        for i, (h, before, after) in enumerate(self._sizes):
            if used + before + h > avail_height + 1e-6:
                break
            used += before + h + after
            fitting = i + 1
        parts_fitting = fitting - len(self.head)
        if parts_fitting < 1:
            if self.height > st.FRAME_HEIGHT and avail_height >= st.FRAME_HEIGHT - 1:
                return list(self.content)  # not even one part fits a whole page
            return []
        if parts_fitting >= len(self.parts):
            return [self]
        head_again = self.own_head if self.repeat_head else []
        return [Stack(self.own_head, self.parts[:parts_fitting], repeat_head=self.repeat_head,
                      lead=self.lead),
                Stack(head_again, self.parts[parts_fitting:], repeat_head=self.repeat_head,
                      space_after=self.space_after)]


class FillIn(Flowable):
    """A label and a line to write on, for what the practitioner fills in by hand."""

    def __init__(self, label: str, *, label_width: float = 26 * 2.834645669,
                 height: float = 25.5, size: float = 8):
        super().__init__()
        self.label = label
        self.label_width = label_width
        self.height_ = height
        self.size = size

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return avail_width, self.height_

    def draw(self):
        canv = self.canv
        rtl = getattr(canv, "rtl", False)
        canv.saveState()
        with tagged(canv, "P"):
            canv.setFillColor(st.MUTED)
            label = fit_line(self.label, REGULAR, self.size, self.label_width - 4,
                             "R" if rtl else "L")
            x = self.width - text_width(label, REGULAR, self.size) if rtl else 0
            draw_line(canv, x, 3, label, REGULAR, self.size)
        with artifact(canv):
            canv.setStrokeColor(st.RULE)
            canv.setLineWidth(0.6)
            if rtl:
                canv.line(0, 1, self.width - self.label_width, 1)
            else:
                canv.line(self.label_width, 1, self.width, 1)
        canv.restoreState()


def _stack(canv, parts: Sequence[Flowable], width: float
           ) -> tuple[list[tuple[float, float, float]], float]:
    """Each part's (height, space before, space after) at ``width``, and the total."""
    sizes = []
    total = 0.0
    last = len(parts) - 1
    for i, part in enumerate(parts):
        _w, h = part.wrapOn(canv, width, 1e6)
        before = part.getSpaceBefore() if i else 0.0
        after = part.getSpaceAfter() if i < last else 0.0
        sizes.append((h, before, after))
        total += h + before + after
    return sizes, total


def fit_line(text: str, font: str, size: float, width: float, base: str = "L") -> str:
    """One drawable line in visual order, cut with an ellipsis where it would not fit."""
    shown = display_line(text, font, base=base)
    if text_width(shown, font, size) <= width:
        return shown
    logical = visible(text, font).replace("\n", " ")
    low, high = 0, len(logical)
    while low < high:  # the longest prefix that fits with its ellipsis
        mid = (low + high + 1) // 2
        candidate = display_line(logical[:mid].rstrip() + ELLIPSIS, font, base=base)
        if text_width(candidate, font, size) <= width:
            low = mid
        else:
            high = mid - 1
    return display_line(logical[:low].rstrip() + ELLIPSIS, font, base=base)


def render(story: Sequence[Flowable], frame: PageFrame, meta: Metadata) -> bytes:
    """Lay out ``story`` on A4 pages and return the PDF's bytes."""
    out = BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=st.PAGE_SIZE,
        leftMargin=st.MARGIN_LEFT,
        rightMargin=st.MARGIN_RIGHT,
        topMargin=st.MARGIN_TOP,
        bottomMargin=st.MARGIN_BOTTOM,
        title=meta.title,
        author=meta.author,
        subject=meta.subject,
        keywords=meta.keywords,
        creator=meta.creator,
        producer=meta.creator,
        invariant=1,
        pageCompression=1,
        lang=meta.language,
        initialFontName=REGULAR,
    )
    body = Frame(
        st.MARGIN_LEFT, st.MARGIN_BOTTOM, st.TEXT_WIDTH,
        st.PAGE_SIZE[1] - st.MARGIN_TOP - st.MARGIN_BOTTOM,
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body",
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[body])])
    doc.build(list(story), canvasmaker=partial(PagedCanvas, frame=frame))
    return out.getvalue()
