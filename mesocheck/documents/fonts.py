"""The fonts every document uses: DejaVu Sans, and Noto Emoji and Droid Sans Fallback for
what DejaVu lacks, all embedded (as subsets) in each PDF.

A patient may type any script, so the PDF never relies on the viewer's fonts: DejaVu Sans
covers Latin, Greek, Cyrillic, Hebrew and Arabic (with its presentation forms, which
``text.py`` shapes into); Noto Emoji (Google's monochrome emoji, a static TrueType instance
with glyf outlines, which reportlab can embed: colour emoji fonts cannot be; SIL Open Font
License, ``resources/fonts/LICENSE-NotoEmoji.txt``) draws the emoji a name may hold; Droid
Sans Fallback (glyf outlines, every GB2312 Han character, Japanese kana and Korean Hangul;
Apache 2.0, ``resources/fonts/LICENSE-DroidSansFallback.txt``) draws Chinese. The fallbacks
are tried in the order of ``FALLBACKS``; a subset keeps a Chinese PDF small although the
font file is 4 MB.
Registration is global in reportlab, so it happens once a process.
"""

from __future__ import annotations

import threading
from typing import Mapping

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from mesocheck.paths import resource

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
EMOJI = "NotoEmoji"
CJK = "DroidSansFallback"
FAMILY = REGULAR
# Tried in turn for a character the paragraph's own font lacks.
FALLBACKS = (EMOJI, CJK)

_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf",
          EMOJI: "NotoEmoji-Regular.ttf", CJK: "DroidSansFallbackFull.ttf"}
_lock = threading.Lock()
_cmaps: dict[str, Mapping[int, int]] = {}
_bmp_to_unicode_cmap = ttfonts.makeToUnicodeCMap


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap, with characters beyond U+FFFF written as the UTF-16
    surrogate pairs PDF asks for (reportlab writes five hex digits, which readers reject:
    an emoji's text could not be copied, searched or read aloud)."""
    text = _bmp_to_unicode_cmap(fontname, [c if c <= 0xFFFF else 0 for c in subset])
    for i, code in enumerate(subset):
        if code > 0xFFFF:
            high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
            text = text.replace(f"<{i:02X}> <0000>", f"<{i:02X}> <{high:04X}{low:04X}>", 1)
    return text


# Read when a character first needs it: parsing its 4 MB makes some 80,000 Python objects,
# which the UI thread's next collection would have to walk for every document in English.
_ON_DEMAND = frozenset({CJK})


def register_fonts() -> None:
    """Register the shipped fonts with reportlab (the CJK one when first needed, by
    :func:`cmap`); cheap after the first call."""
    if REGULAR in _cmaps:
        return
    with _lock:
        if REGULAR in _cmaps:
            return
        ttfonts.makeToUnicodeCMap = _to_unicode_cmap  # looked up when a PDF is written
        for name in _FILES:
            if name not in _ON_DEMAND:
                _register(name)
        # <b> inside a paragraph of the regular font picks the bold file.
        addMapping(FAMILY, 0, 0, REGULAR)
        addMapping(FAMILY, 1, 0, BOLD)
        addMapping(FAMILY, 0, 1, REGULAR)
        addMapping(FAMILY, 1, 1, BOLD)


def _register(name: str) -> None:
    font = TTFont(name, str(resource("fonts", _FILES[name])))
    pdfmetrics.registerFont(font)
    _cmaps[name] = font.face.charToGlyph


def cmap(font_name: str) -> Mapping[int, int]:
    """Code point -> glyph of a registered font (to find what it cannot draw)."""
    register_fonts()
    found = _cmaps.get(font_name)
    if found is None:
        with _lock:
            if font_name not in _cmaps:
                _register(font_name)
            found = _cmaps[font_name]
    return found
