"""Every size, colour and paragraph style of the printed documents, in one place.

The styles follow the document's language: right-to-left languages align to the right
(and a ``Row`` mirrors its columns, ``layout.py``), Chinese breaks lines between any two
characters (it has no spaces) and keeps its punctuation off a line's start.

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
from mesocheck.i18n import right_to_left

# Languages written without spaces between words: reportlab's CJK line breaking.
NO_SPACES = frozenset({"ja", "ko", "zh"})

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


rtl = right_to_left


class Styles:
    """The paragraph styles of one copy in one language; built once the fonts are
    registered."""

    def __init__(self, sizes: Sizes = CLINIC_SIZES, language: str = "en") -> None:
        register_fonts()
        self.rtl = rtl(language)
        self.start = TA_RIGHT if self.rtl else TA_LEFT  # where a line begins
        self.end = TA_LEFT if self.rtl else TA_RIGHT
        self.base = "R" if self.rtl else "L"  # the paragraph direction of the copy's text
        self.forward = "\u2190" if self.rtl else "\u2192"  # an arrow pointing on
        self._wrap = "CJK" if language.split("-")[0] in NO_SPACES else None
        z = self.sizes = sizes
        b = z.body
        self.body = self._style("body", b)
        self.body_bold = self._style("body-bold", b, fontName=BOLD)
        self.small = self._style("small", SMALL_SIZE, textColor=MUTED)
        self.small_right = self._style("small-right", parent=self.small, alignment=self.end)
        self.clinic_name = self._style("clinic-name", fontName=BOLD, fontSize=z.h1 + 0.5,
                                  leading=(z.h1 + 0.5) * 1.25)
        self.clinic_address = self._style("clinic-address", z.note, leading=z.note * 1.3,
                                     textColor=MUTED)
        self.title = self._style("title", z.title, fontName=BOLD, leading=z.title * 1.25,
                            textColor=ACCENT, spaceBefore=4, spaceAfter=2)
        self.subtitle = self._style("subtitle", b + 0.5, textColor=MUTED, spaceAfter=8)
        self.h1 = self._style("h1", z.h1, fontName=BOLD, leading=z.h1 * 1.28, textColor=ACCENT,
                         spaceBefore=12, spaceAfter=5, keepWithNext=1)
        self.h2 = self._style("h2", z.h2, fontName=BOLD, leading=z.h2 * 1.33, spaceBefore=8,
                         spaceAfter=3, keepWithNext=1)
        self.h2_cell = self._style("h2-cell", z.h2, fontName=BOLD, leading=z.h2 * 1.33)
        self.intro = self._style("intro", b, textColor=MUTED, spaceAfter=4)
        self.help = self._style("help", z.note, leading=z.note * 1.3, textColor=MUTED,
                           spaceBefore=1.5)
        self.label = self._style("label", z.label, leading=z.label * 1.31, textColor=MUTED)
        self.value = self._style("value", b, fontName=BOLD)
        # An intake's id (36 characters) in regular weight, so it fits half the page's width.
        self.value_id = self._style("value-id", min(b, 10))
        self.question = self._style("question", b)
        self.answer = self._style("answer", b, fontName=BOLD)
        self.answer_item = self._style("answer-item", b, fontName=BOLD, **self._indent(b, 0),
                                  spaceAfter=1.5)
        self.option = self._style("option", b, textColor=MUTED, **self._indent(b * 1.3, 0),
                             spaceAfter=1)
        self.option_chosen = self._style("option-chosen", b, parent=self.option, fontName=BOLD,
                                    textColor=INK)
        self.not_answered = self._style("not-answered", b, textColor=MUTED)
        self.flag_note = self._style("flag-note", z.note, leading=z.note * 1.3)
        self.disclosure_title = self._style("disclosure-title", b, fontName=BOLD, spaceBefore=6,
                                       spaceAfter=1, keepWithNext=1)
        self.disclosure_body = self._style("disclosure-body", b, spaceAfter=1)
        self.ack = self._style("ack", z.note, leading=z.note * 1.3, textColor=MUTED, spaceAfter=4)
        self.bullet = self._style("bullet", b, **self._indent(b * 1.25, 2), spaceAfter=2.5)
        self.sign_line = self._style("sign-line", b - 0.5, leading=(b - 0.5) * 1.33)
        self.record = self._style("record", z.record, leading=z.record * 1.33, textColor=MUTED)
        self.record_mono = self._style("record-mono", z.record, leading=z.record * 1.33)

    def _style(self, name: str, size: float = BODY_SIZE, **kw) -> ParagraphStyle:
        base = dict(fontName=REGULAR, fontSize=size, leading=size * 1.3,
                    textColor=INK, alignment=self.start, splitLongWords=1, allowWidows=0,
                    allowOrphans=0, bulletFontName=REGULAR, bulletFontSize=size)
        if self._wrap:
            base["wordWrap"] = self._wrap
        base.update(kw)
        return ParagraphStyle(name, **base)

    def _indent(self, text: float, bullet: float) -> dict[str, float]:
        """A hanging indent on the side lines begin, the bullet ``bullet`` from that edge
        (on the right, :class:`~mesocheck.documents.text.RightBullet` draws it)."""
        if self.rtl:
            return {"rightIndent": text, "bulletIndent": bullet}
        return {"leftIndent": text, "bulletIndent": bullet}


_styles: dict[tuple[Sizes, str], Styles] = {}


def styles(sizes: Sizes = CLINIC_SIZES, language: str = "en") -> Styles:
    found = _styles.get((sizes, language))
    if found is None:
        found = _styles[sizes, language] = Styles(sizes, language)
    return found
