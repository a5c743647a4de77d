"""Any text on its way into a PDF: escaped, drawable, and in reading order.

Four things reportlab does not do for us:

* escaping: a ``Paragraph`` parses markup, so ``<``, ``>`` and ``&`` typed by a patient (or
  written by a clinic in its form) must be escaped or they change the document;
* missing glyphs: a character DejaVu lacks is drawn from the first fallback font that has
  it (Noto Emoji for an emoji in a name, Droid Sans Fallback for Chinese), in a run of its
  own font; one none has would silently become an empty box or nothing: here it becomes
  a visible U+FFFD (�) so a reader knows something was there. Formatting characters (joiners, variation selectors, direction controls) are
  never drawn, even where a font has a glyph for them;
* right-to-left scripts: Arabic letters must be shaped into their joined forms
  (arabic-reshaper) and Hebrew and Arabic runs put in visual order (python-bidi). Reordering
  is per *line*, so right-to-left paragraphs are broken into lines here, in logical order,
  before each line is reordered: reordering a whole paragraph and letting reportlab wrap it
  would put its last words on its first line;
* isolation: typed text inside the document's own words arrives wrapped in Unicode
  isolates (:mod:`mesocheck.forms.isolation`), which python-bidi follows when it orders a
  line; they are dropped once the line is in visual order.
"""

from __future__ import annotations

import re
import unicodedata
from xml.sax.saxutils import escape as _xml_escape

from arabic_reshaper import ArabicReshaper
from arabic_reshaper.ligatures import LIGATURES
from bidi import get_base_level
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

from mesocheck.documents.fonts import BOLD, FALLBACKS, REGULAR, cmap
from mesocheck.documents.ordering import isolated, visual
from mesocheck.documents.tagging import artifact, role_of, tagged

MISSING = "\ufffd"

# Strong right-to-left characters: Hebrew, Arabic (with Syriac, Thaana, NKo...), and the
# presentation forms of both.
_RTL = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
# Controls are never drawn; a tab is a space on paper.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What ordering a line still needs and nothing draws: isolates and the direction marks.
_DIRECTION_MARKS = re.compile("[\u061c\u200e\u200f\u2066-\u2069]")
# Parts of a character sequence that have no glyph of their own: joiners, variation
# selectors, emoji skin tones and tags.
_CLUSTER_TAIL = re.compile(
    "[\u200d\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f\U000e0100-\U000e01ef]"
)


def has_rtl(text: str) -> bool:
    return _RTL.search(text) is not None


def visible(text: str, font: str = REGULAR) -> str:
    """The text with every character that neither ``font`` nor a fallback font can draw
    replaced by U+FFFD, and formatting characters dropped (the direction marks stay until
    the line is ordered: :func:`drawn`).

    A run of missing characters that forms one symbol (an emoji with a skin tone or a
    family joined with zero-width joiners) becomes one marker; an emoji's skin tone, which
    a monochrome font cannot apply, is dropped with the other parts of its sequence.
    """
    text = _CONTROL.sub("", text.replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n"))
    if text.isascii():
        return text  # DejaVu has every printable ASCII character
    glyphs = cmap(font)
    out: list[str] = []
    after_marker = joined = False
    for ch in text:
        if ch == "\n" or _DIRECTION_MARKS.match(ch):
            out.append(ch)
            continue
        code = ord(ch)
        tail = _CLUSTER_TAIL.match(ch) is not None
        # A fallback font is read only for a character the font lacks (the CJK one is big).
        drawable = not tail and (code in glyphs or any(code in cmap(f) for f in FALLBACKS))
        if after_marker and (tail or unicodedata.category(ch) == "Mn"):
            joined = ch == "\u200d"  # what follows a joiner is part of the same symbol
            continue
        if joined and not drawable:
            joined = False
            continue
        joined = False
        if tail or unicodedata.category(ch) == "Cf":
            continue  # never drawn, whatever glyph a font has for it
        if drawable:
            out.append(ch)
            after_marker = False
        else:
            out.append(MISSING)
            after_marker = True
    return "".join(out)


def drawn(text: str) -> str:
    """A line in visual order as it is drawn: without the isolates and marks that ordered it."""
    return _DIRECTION_MARKS.sub("", text)


def runs(text: str, font: str = REGULAR) -> list[tuple[str, str]]:
    """Drawable text as (text, font name) runs: ``font``, or the first fallback font that
    has the glyph ``font`` lacks."""
    if text.isascii():
        return [(text, font)] if text else []
    glyphs = cmap(font)
    out: list[tuple[str, str]] = []
    for ch in text:
        use = font if ord(ch) in glyphs or ch == "\n" else _fallback(ord(ch))
        if out and out[-1][1] == use:
            out[-1] = (out[-1][0] + ch, use)
        else:
            out.append((ch, use))
    return out


def _fallback(code: int) -> str:
    for name in FALLBACKS:
        if code in cmap(name):
            return name
    return FALLBACKS[0]  # only for a character visible() has already let through


def text_width(text: str, font: str, size: float) -> float:
    """The width of drawable text, each run in its own font."""
    return sum(stringWidth(part, name, size) for part, name in runs(drawn(text), font))


def draw_line(canv, x: float, y: float, text: str, font: str, size: float) -> float:
    """Draw one line (visual order, drawable) at ``x``; returns where it ends."""
    for part, name in runs(drawn(text), font):
        canv.setFont(name, size)
        canv.drawString(x, y, part)
        x += stringWidth(part, name, size)
    canv.setFont(font, size)
    return x


def escape(text: str, font: str = REGULAR) -> str:
    """A short text (a label) as safe ``Paragraph`` markup; line breaks kept; a character
    only a fallback font has in a ``<font>`` of its own; right-to-left text shaped and in
    visual order, one line (labels are never wrapped)."""
    text = visible(text, font)
    text = display_line(text, font) if has_rtl(text) else drawn(text)
    return "".join(
        _xml_escape(part) if name == font else f'<font name="{name}">{_xml_escape(part)}</font>'
        for part, name in runs(text, font)).replace("\n", "<br/>")


_reshaper: ArabicReshaper | None = None


def _arabic_reshaper() -> ArabicReshaper:
    """A reshaper that only makes ligatures both fonts can draw, and keeps vowel marks."""
    global _reshaper
    if _reshaper is None:
        regular, bold = cmap(REGULAR), cmap(BOLD)
        config: dict[str, object] = {
            "delete_harakat": False,
            "shift_harakat_position": False,  # DejaVu draws a mark over the glyph it precedes
            "support_ligatures": True,
        }
        for name, (_match, forms) in LIGATURES:
            config[name] = all(ord(f) in regular and ord(f) in bold for f in forms if f)
        _reshaper = ArabicReshaper(configuration=config)
    return _reshaper


def shape(text: str, font: str = REGULAR) -> str:
    """Arabic letters in their joined forms, still in logical order; any form the font
    lacks is marked like any other missing character."""
    if not has_rtl(text):
        return text
    return visible(_arabic_reshaper().reshape(text), font)


def display_line(text: str, font: str = REGULAR, base: str | None = None) -> str:
    """One line of text as it is drawn: drawable, shaped and in visual order.

    For strings drawn straight onto the canvas (footers, headers): no markup, no wrapping.
    """
    text = visible(text, font).replace("\n", " ")
    if not has_rtl(text):
        return drawn(text)
    shaped = shape(text, font)
    return drawn(visual(shaped, base))


def base_direction(text: str) -> str:
    """'R' when the text's first strong character is right-to-left, else 'L'."""
    return "R" if has_rtl(text) and get_base_level(text) == 1 else "L"


class Para(Paragraph):
    """A ``Paragraph`` that breaks its lines once per width.

    Tables, ``KeepTogether`` and frames all ask a paragraph for its size, often several
    times at the same width; reportlab redoes the line breaking every time, which is most
    of a document's build time.
    """

    _wrapped_for: tuple[float, float, float] | None = None

    def wrap(self, availWidth, availHeight):
        cached = self._wrapped_for
        # reportlab drops blPara when a split fails; then the lines must be broken again.
        if cached is not None and cached[0] == availWidth and "blPara" in self.__dict__:
            self.width = availWidth
            return cached[1], cached[2]
        width, height = super().wrap(availWidth, availHeight)
        self._wrapped_for = (availWidth, width, height)
        return width, height

    def draw(self):
        with tagged(self.canv, role_of(self.style)):  # one element for a screen reader
            super().draw()


def para(text: str, style: ParagraphStyle, *, prefix: str = "", base: str | None = None,
         align_rtl: bool = True, bullet: str | None = None) -> Flowable:
    """A paragraph of plain (user or form) text, with an optional markup ``prefix``.

    ``prefix`` is trusted markup made here (a bold label); ``text`` is never parsed as
    markup at all: it goes into the paragraph as text fragments, so nothing a patient types
    can change the document, and no time is spent parsing it.
    Right-to-left text gets a :class:`BidiParagraph`, right-aligned when its own base
    direction is right-to-left and ``align_rtl`` is set; so does a right-aligned bullet
    item, whose bullet ends its first line (reportlab draws bullets only on the left).
    """
    text = visible(text, style.fontName)
    if has_rtl(text) or (bullet and style.alignment == TA_RIGHT):
        return BidiParagraph(text, style, prefix=prefix, base=base, align_rtl=align_rtl,
                             bullet=bullet)
    return _text_para(text, style, prefix, bullet)


def _text_para(text: str, style: ParagraphStyle, prefix: str = "",
               bullet: str | None = None) -> Para:
    if prefix.endswith(" "):
        text = " " + text  # parsing the prefix alone drops its trailing space
    frags = (_markup_frags(prefix, style) if prefix else []) + _text_frags(text, style)
    return Para(None, style, bulletText=bullet, frags=frags or _text_frags(" ", style))


_parsed: dict[tuple[str, int], tuple[ParagraphStyle, list]] = {}


def _markup_frags(markup: str, style: ParagraphStyle) -> list:
    """Fresh copies of the fragments of (trusted) ``markup``, parsed once per style."""
    key = (markup, id(style))
    hit = _parsed.get(key)
    if hit is None:
        if len(_parsed) > 2048:
            _parsed.clear()
        hit = _parsed[key] = (style, Paragraph(markup, style).frags)  # style kept: id stays
    return [frag.clone() for frag in hit[1]]


def _text_frags(text: str, style: ParagraphStyle) -> list:
    """Plain text as paragraph fragments: a line break where the text has one."""
    key = ("x<br/>x", id(style))
    hit = _parsed.get(key)
    if hit is None:
        hit = _parsed[key] = (style, Paragraph("x<br/>x", style).frags)
    plain, line_break = hit[1][0], hit[1][1]
    out = []
    for i, line in enumerate(drawn(text).split("\n")):
        if i:
            out.append(line_break.clone())
        for part, name in runs(line, style.fontName):
            out.append(plain.clone(text=part) if name == style.fontName
                       else plain.clone(text=part, fontName=name))
    return out


class BidiParagraph(Flowable):
    """A paragraph holding right-to-left text: lines broken in logical order, each shown in
    visual order; drawn and split by an inner ``Paragraph`` built for the width offered."""

    def __init__(self, text: str, style: ParagraphStyle, *, prefix: str = "",
                 base: str | None = None, align_rtl: bool = True, bullet: str | None = None):
        super().__init__()
        self.bullet = bullet
        self.logical = text
        self.text = shape(text, style.fontName)
        self.style = style
        self.prefix = prefix
        self.base = base or base_direction(text)
        self.align_rtl = align_rtl
        self._para: Paragraph | None = None
        self._right_bullet: str | None = None
        self._for_width: float | None = None

    def _inner(self, avail_width: float) -> Paragraph:
        if self._para is None or self._for_width != avail_width:
            style = self.style
            width = avail_width - style.leftIndent - style.rightIndent
            if self.base == "R" and self.align_rtl and style.alignment != TA_RIGHT:
                style = _aligned(style, TA_RIGHT)
            elif self.base == "L" and style.alignment not in (TA_LEFT, TA_RIGHT):
                style = _aligned(style, TA_LEFT)
            bullet = self.bullet
            # reportlab draws bullets on the left only: a right-aligned item's bullet is
            # drawn here, in the hanging indent on the right (:class:`RightBullet`).
            self._right_bullet = bullet if bullet and style.alignment == TA_RIGHT else None
            if self._right_bullet:
                bullet = None
            prefix_width = _markup_width(self.prefix, style) if self.prefix else 0.0
            lines = break_lines(self.text, style.fontName, style.fontSize, width, prefix_width)
            shown = [drawn(visual(line, self.base)) for line in isolated(lines)]
            prefix = self.prefix
            if prefix and self.base == "R" and style.alignment == TA_RIGHT:
                # A label begins the line: on its right, after the line's text in visual order.
                frags = _text_frags(shown[0] + " ", style) + _markup_frags(prefix.rstrip(), style)
                if len(shown) > 1:
                    frags += _text_frags("\n" + "\n".join(shown[1:]), style)
                self._para = Para(None, style, bulletText=bullet, frags=frags)
            else:
                self._para = _text_para("\n".join(shown), style, prefix, bullet)
            self._for_width = avail_width
        return self._para

    def wrap(self, avail_width, avail_height):
        inner = self._inner(avail_width)
        self.width, self.height = inner.wrap(avail_width, avail_height)
        return self.width, self.height

    def split(self, avail_width, avail_height):
        parts = self._inner(avail_width).split(avail_width, avail_height)
        if parts and self._right_bullet:
            parts[0] = RightBullet(parts[0], self._right_bullet, self.style)
        return parts

    def getSpaceBefore(self):
        return self.style.spaceBefore

    def getSpaceAfter(self):
        return self.style.spaceAfter

    def draw(self):
        assert self._para is not None
        # Drawn shaped and in visual order; read and searched as typed.
        with tagged(self.canv, role_of(self.style), actual=drawn(self.logical)):
            self._para.drawOn(self.canv, 0, 0)
        if self._right_bullet:
            RightBullet.mark(self.canv, self._para, self._right_bullet, self.style)

    def plain_text(self) -> str:
        return self.text


class RightBullet(Flowable):
    """A right-aligned paragraph's first part with its bullet on the right: in the style's
    hanging indent (``rightIndent``), ``bulletIndent`` from the right edge, on the first
    line's baseline, so every line of the item ends at the same place."""

    def __init__(self, para: Flowable, bullet: str, style: ParagraphStyle):
        super().__init__()
        self.para, self.bullet, self.style = para, bullet, style

    def wrap(self, avail_width, avail_height):
        self.width, self.height = self.para.wrap(avail_width, avail_height)
        return self.width, self.height

    def split(self, avail_width, avail_height):
        return []  # already the part that fits

    def draw(self):
        self.para.drawOn(self.canv, 0, 0)
        self.mark(self.canv, self.para, self.bullet, self.style)

    @staticmethod
    def mark(canv, para: Flowable, bullet: str, style: ParagraphStyle) -> None:
        lines = getattr(getattr(para, "blPara", None), "lines", None) or [None]
        baseline = para.height - getattr(lines[0], "ascent", style.fontSize)
        right = para.width - style.bulletIndent
        with artifact(canv):  # the item's state is in its words' weight and its element
            canv.saveState()
            canv.setFillColor(style.textColor)
            canv.setFont(style.bulletFontName, style.bulletFontSize)
            canv.drawRightString(right, baseline, bullet)
            canv.restoreState()


_aligned_styles: dict[tuple[int, int], tuple[ParagraphStyle, ParagraphStyle]] = {}


def _aligned(style: ParagraphStyle, alignment: int) -> ParagraphStyle:
    """``style`` aligned otherwise; made once per style (paragraph caches key on styles)."""
    key = (id(style), alignment)
    hit = _aligned_styles.get(key)
    if hit is None or hit[0] is not style:
        made = ParagraphStyle(f"{style.name}-{alignment}", parent=style, alignment=alignment)
        hit = _aligned_styles[key] = (style, made)
    return hit[1]


def break_lines(text: str, font: str, size: float, width: float,
                first_indent: float = 0.0) -> list[str]:
    """Greedy line breaking in logical order; words longer than a line are cut."""
    space = stringWidth(" ", font, size)
    lines: list[str] = []
    for hard_line in text.split("\n"):
        current: list[str] = []
        used = first_indent if not lines else 0.0
        limit = width
        for word in hard_line.split(" "):
            if not word:
                continue
            w = text_width(word, font, size)
            needed = w + (space if current else 0.0)
            if used + needed <= limit:
                current.append(word)
                used += needed
                continue
            if current:
                lines.append(" ".join(current))
                current, used = [], 0.0
            while w > limit:
                cut = _fit(word, font, size, limit - used)
                lines.append(word[:cut])
                word = word[cut:]
                w = text_width(word, font, size)
                used = 0.0
            if word:
                current, used = [word], w
        lines.append(" ".join(current))
    return lines


def _fit(word: str, font: str, size: float, width: float) -> int:
    """How many leading characters of ``word`` fit in ``width`` (at least one)."""
    total = 0.0
    for i, ch in enumerate(word):
        total += text_width(ch, font, size)
        if total > width:
            return max(i, 1)
    return len(word)


def _markup_width(markup: str, style: ParagraphStyle) -> float:
    plain = re.sub(r"<[^>]+>", "", markup)
    plain = plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    font = BOLD if "<b>" in markup else style.fontName
    return stringWidth(plain, font, style.fontSize)
