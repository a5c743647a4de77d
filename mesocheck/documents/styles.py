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
from mesocheck.forms.rules import SEVERITY_WORDS

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
    "stop": SeverityLook(SEVERITY_WORDS["stop"].upper(), "\u25a0", colors.HexColor("#a4161a"),
                         colors.HexColor("#fbe3e4")),
    "review": SeverityLook(SEVERITY_WORDS["review"].upper(), "\u25b2", colors.HexColor("#7a4b00"),
                           colors.HexColor("#fdf0d5")),
    "info": SeverityLook(SEVERITY_WORDS["info"].upper(), "\u25cf", colors.HexColor("#1f4e79"),
                         colors.HexColor("#e3edf7")),
}

BODY_SIZE = 9.5  # the clinic's copy: a dense record read at a desk
PATIENT_BODY_SIZE = 11.0  # the patient's copy: read at home (11-12 pt, as patient leaflets)
SMALL_SIZE = 7.5
FOOTER_SIZE = 7.5


class Sizes(Struct, frozen=True):
    """The type sizes of one copy; every style is built from these."""

    body: float
    label: float
    note: float
    footer: float
    record: float
    h1: float
    h2: float
    title: float


CLINIC_SIZES = Sizes(body=BODY_SIZE, label=8.0, note=8.5, footer=FOOTER_SIZE, record=7.5,
                     h1=12.5, h2=10.5, title=16)
PATIENT_SIZES = Sizes(body=PATIENT_BODY_SIZE, label=9.5, note=10.0, footer=8.5, record=8.5,
                      h1=14, h2=12, title=18)


def _style(name: str, size: float = BODY_SIZE, **kw) -> ParagraphStyle:
    base = dict(fontName=REGULAR, fontSize=size, leading=size * 1.3,
                textColor=INK, alignment=TA_LEFT, splitLongWords=1, allowWidows=0,
                allowOrphans=0, bulletFontName=REGULAR, bulletFontSize=size)
    base.update(kw)
    return ParagraphStyle(name, **base)


class Styles:
    """The paragraph styles of one copy; built once the fonts are registered."""

    def __init__(self, sizes: Sizes = CLINIC_SIZES) -> None:
        register_fonts()
        z = self.sizes = sizes
        b = z.body
        self.body = _style("body", b)
        self.body_bold = _style("body-bold", b, fontName=BOLD)
        self.small = _style("small", SMALL_SIZE, textColor=MUTED)
        self.small_right = _style("small-right", parent=self.small, alignment=TA_RIGHT)
        self.clinic_name = _style("clinic-name", fontName=BOLD, fontSize=z.h1 + 0.5,
                                  leading=(z.h1 + 0.5) * 1.25)
        self.clinic_address = _style("clinic-address", z.note, leading=z.note * 1.3,
                                     textColor=MUTED)
        self.title = _style("title", z.title, fontName=BOLD, leading=z.title * 1.25,
                            textColor=ACCENT, spaceBefore=4, spaceAfter=2)
        self.subtitle = _style("subtitle", b + 0.5, textColor=MUTED, spaceAfter=8)
        self.h1 = _style("h1", z.h1, fontName=BOLD, leading=z.h1 * 1.28, textColor=ACCENT,
                         spaceBefore=12, spaceAfter=5, keepWithNext=1)
        self.h2 = _style("h2", z.h2, fontName=BOLD, leading=z.h2 * 1.33, spaceBefore=8,
                         spaceAfter=3, keepWithNext=1)
        self.h2_cell = _style("h2-cell", z.h2, fontName=BOLD, leading=z.h2 * 1.33)
        self.intro = _style("intro", b, textColor=MUTED, spaceAfter=4)
        self.help = _style("help", z.note, leading=z.note * 1.3, textColor=MUTED,
                           spaceBefore=1.5)
        self.label = _style("label", z.label, leading=z.label * 1.31, textColor=MUTED)
        self.value = _style("value", b, fontName=BOLD)
        self.question = _style("question", b)
        self.answer = _style("answer", b, fontName=BOLD)
        self.answer_item = _style("answer-item", b, fontName=BOLD, leftIndent=b,
                                  bulletIndent=0, spaceAfter=1.5)
        self.option = _style("option", b, textColor=MUTED, leftIndent=b * 1.3,
                             bulletIndent=0, spaceAfter=1)
        self.option_chosen = _style("option-chosen", parent=self.option, fontName=BOLD,
                                    textColor=INK)
        self.not_answered = _style("not-answered", b, textColor=MUTED)
        self.flag_note = _style("flag-note", z.note, leading=z.note * 1.3)
        self.disclosure_title = _style("disclosure-title", b, fontName=BOLD, spaceBefore=6,
                                       spaceAfter=1, keepWithNext=1)
        self.disclosure_body = _style("disclosure-body", b, spaceAfter=1)
        self.ack = _style("ack", z.note, leading=z.note * 1.3, textColor=MUTED, spaceAfter=4)
        self.bullet = _style("bullet", b, leftIndent=b * 1.25, bulletIndent=2, spaceAfter=2.5)
        self.sign_line = _style("sign-line", b - 0.5, leading=(b - 0.5) * 1.33)
        self.record = _style("record", z.record, leading=z.record * 1.33, textColor=MUTED)
        self.record_mono = _style("record-mono", z.record, leading=z.record * 1.33)


_styles: dict[Sizes, Styles] = {}


def styles(sizes: Sizes = CLINIC_SIZES) -> Styles:
    found = _styles.get(sizes)
    if found is None:
        found = _styles[sizes] = Styles(sizes)
    return found
