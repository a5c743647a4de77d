"""Every size, colour and paragraph style of the printed documents, in one place.

Colour is never the only carrier of meaning: a severity is always written out as a word
(STOP, REVIEW, INFO) and has its own symbol, so a black-and-white copy says the same.
"""

from __future__ import annotations

from msgspec import Struct
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from mesocheck.documents.fonts import BOLD, REGULAR, register_fonts

PAGE_SIZE = A4
MARGIN_LEFT = MARGIN_RIGHT = 18 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 22 * mm
TEXT_WIDTH = PAGE_SIZE[0] - MARGIN_LEFT - MARGIN_RIGHT
FRAME_HEIGHT = PAGE_SIZE[1] - MARGIN_TOP - MARGIN_BOTTOM

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#9a9a9a")
HAIRLINE = colors.HexColor("#d0d0d0")
PANEL = colors.HexColor("#f3f4f6")
ACCENT = colors.HexColor("#1f4e79")
SIGNATURE_INK = colors.HexColor("#0b1f4b")


class SeverityLook(Struct, frozen=True):
    word: str
    symbol: str
    ink: colors.Color
    tint: colors.Color


SEVERITY = {
    "stop": SeverityLook("STOP", "\u25a0", colors.HexColor("#a4161a"),
                         colors.HexColor("#fbe3e4")),
    "review": SeverityLook("REVIEW", "\u25b2", colors.HexColor("#7a4b00"),
                           colors.HexColor("#fdf0d5")),
    "info": SeverityLook("INFO", "\u25cf", colors.HexColor("#1f4e79"),
                         colors.HexColor("#e3edf7")),
}

BODY_SIZE = 9.5
SMALL_SIZE = 7.5
FOOTER_SIZE = 7.5


def _style(name: str, **kw) -> ParagraphStyle:
    base = dict(fontName=REGULAR, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.3,
                textColor=INK, alignment=TA_LEFT, splitLongWords=1, allowWidows=0,
                allowOrphans=0, bulletFontName=REGULAR, bulletFontSize=BODY_SIZE)
    base.update(kw)
    return ParagraphStyle(name, **base)


class Styles:
    """The paragraph styles; built once the fonts are registered."""

    def __init__(self) -> None:
        register_fonts()
        self.body = _style("body")
        self.body_bold = _style("body-bold", fontName=BOLD)
        self.small = _style("small", fontSize=SMALL_SIZE, leading=SMALL_SIZE * 1.3,
                            textColor=MUTED)
        self.small_right = _style("small-right", parent=self.small, alignment=TA_RIGHT)
        self.clinic_name = _style("clinic-name", fontName=BOLD, fontSize=13, leading=16)
        self.clinic_address = _style("clinic-address", fontSize=8.5, leading=11,
                                     textColor=MUTED)
        self.title = _style("title", fontName=BOLD, fontSize=16, leading=20, textColor=ACCENT,
                            spaceBefore=4, spaceAfter=2)
        self.subtitle = _style("subtitle", fontSize=10, leading=13, textColor=MUTED,
                               spaceAfter=8)
        self.h1 = _style("h1", fontName=BOLD, fontSize=12.5, leading=16, textColor=ACCENT,
                         spaceBefore=12, spaceAfter=5, keepWithNext=1)
        self.h2 = _style("h2", fontName=BOLD, fontSize=10.5, leading=14, textColor=INK,
                         spaceBefore=8, spaceAfter=3, keepWithNext=1)
        self.h2_cell = _style("h2-cell", fontName=BOLD, fontSize=10.5, leading=14,
                              textColor=INK)
        self.intro = _style("intro", textColor=MUTED, spaceAfter=4)
        self.label = _style("label", fontSize=8, leading=10.5, textColor=MUTED)
        self.value = _style("value", fontName=BOLD)
        self.question = _style("question")
        self.answer = _style("answer", fontName=BOLD)
        self.answer_item = _style("answer-item", fontName=BOLD, leftIndent=9, bulletIndent=0,
                                  spaceAfter=1.5)
        self.not_answered = _style("not-answered", textColor=MUTED)
        self.flag_note = _style("flag-note", fontSize=8.5, leading=11)
        self.disclosure_title = _style("disclosure-title", fontName=BOLD, spaceBefore=6,
                                       spaceAfter=1, keepWithNext=1)
        self.disclosure_body = _style("disclosure-body", spaceAfter=1)
        self.ack = _style("ack", fontSize=8.5, leading=11, textColor=MUTED, spaceAfter=4)
        self.bullet = _style("bullet", leftIndent=12, bulletIndent=2, spaceAfter=2.5)
        self.sign_line = _style("sign-line", fontSize=9, leading=12)
        self.record = _style("record", fontSize=7.5, leading=10, textColor=MUTED)
        self.record_mono = _style("record-mono", fontSize=7.5, leading=10, textColor=INK)


_styles: Styles | None = None


def styles() -> Styles:
    global _styles
    if _styles is None:
        _styles = Styles()
    return _styles
