"""Where a seal shows on paper, and what it says.

The consent document keeps a box free at its end (:class:`SealSpace`) and names it with a
named destination, ``mesocheck-seal``, holding the box's page and rectangle (a standard
``/FitR`` destination, nothing private). Sealing draws the clinic seal's stamp there; on
the reviewed document the stamp also names the practitioner whose countersignature (an
invisible second signature) follows. A stamp is a small page drawn by reportlab with the
embedded DejaVu font (one font, about 15 KB), so the sealed PDF stays PDF/A: no font left
for a viewer to supply.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from typing import Sequence

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFObjectReference
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from mesocheck.documents import styles as st
from mesocheck.documents.fonts import REGULAR, register_fonts
from mesocheck.documents.text import display_line

SEAL_PLACE = "mesocheck-seal"
HEIGHT = 17 * mm
WIDTH = 100 * mm


class SealSpace(Flowable):
    """A box at the end of the document kept free for the seal's stamp, below a gap."""

    def __init__(self, height: float = HEIGHT, gap: float = 4 * mm):
        super().__init__()
        self.box_height = height
        self.gap = gap

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, self.box_height + self.gap

    def draw(self) -> None:
        canv = self.canv
        left, bottom = canv.absolutePosition(0, 0)
        right, top = canv.absolutePosition(self.width, self.box_height)
        destination = canv.bookmarkPage(SEAL_PLACE, fit="FitR", left=left, bottom=bottom,
                                        right=right, top=top)
        # The page by its number: a canvas holding pages back (for "Page X of Y") has not
        # made this page's object yet.
        destination.setPage(PDFObjectReference(f"Page{canv.getPageNumber()}"))
        canv.setCatalogEntry("Dests", {SEAL_PLACE: destination})  # written though unlinked


def stamp_pdf(lines: Sequence[str], width: float, height: float) -> bytes:
    """A one-page PDF ``width`` x ``height`` points: a thin frame, the first line larger.
    The same stamp serves a whole day (its words name the day, the signature the time), so
    it is drawn once."""
    return _stamp_pdf(tuple(lines), round(width, 2), round(height, 2))


@lru_cache(maxsize=16)
def _stamp_pdf(lines: tuple[str, ...], width: float, height: float) -> bytes:
    register_fonts()
    out = BytesIO()
    canv = Canvas(out, pagesize=(width, height), invariant=1, pageCompression=1,
                  initialFontName=REGULAR)
    canv.setStrokeColor(st.ACCENT)
    canv.setLineWidth(0.8)
    canv.roundRect(0.4, 0.4, width - 0.8, height - 0.8, 2.5, stroke=1, fill=0)
    canv.setFillColor(st.ACCENT)
    canv.rect(0.4, 0.4, 2.2, height - 0.8, stroke=0, fill=1)
    y = height - 3.6 * mm
    for n, line in enumerate(lines):
        size = 7.8 if n == 0 else 6.8
        canv.setFillColor(st.INK if n == 0 else st.MUTED)
        canv.setFont(REGULAR, size)
        canv.drawString(3.4 * mm, y, _fit(display_line(line, REGULAR), REGULAR, size,
                                           width - 5 * mm))
        y -= size + 2.2
    canv.showPage()
    canv.save()
    return out.getvalue()


def _fit(text: str, font: str, size: float, width: float) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "\u2026", font, size) > width:
        text = text[:-1]
    return text + "\u2026"
