"""The fonts every document uses: DejaVu Sans, embedded (as a subset) in each PDF.

A patient may type any script, so the PDF never relies on the viewer's fonts: DejaVu Sans
covers Latin, Greek, Cyrillic, Hebrew and Arabic (with its presentation forms, which
``text.py`` shapes into). Registration is global in reportlab, so it happens once a process.
"""

from __future__ import annotations

import threading
from typing import Mapping

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from mesocheck.paths import resource

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
FAMILY = REGULAR

_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_lock = threading.Lock()
_cmaps: dict[str, Mapping[int, int]] = {}


def register_fonts() -> None:
    """Register the shipped fonts with reportlab; cheap after the first call."""
    if len(_cmaps) == len(_FILES):
        return
    with _lock:
        if len(_cmaps) == len(_FILES):
            return
        for name, file_name in _FILES.items():
            font = TTFont(name, str(resource("fonts", file_name)))
            pdfmetrics.registerFont(font)
            _cmaps[name] = font.face.charToGlyph
        # <b> inside a paragraph of the regular font picks the bold file.
        addMapping(FAMILY, 0, 0, REGULAR)
        addMapping(FAMILY, 1, 0, BOLD)
        addMapping(FAMILY, 0, 1, REGULAR)
        addMapping(FAMILY, 1, 1, BOLD)


def cmap(font_name: str) -> Mapping[int, int]:
    """Code point -> glyph of a registered font (to find what it cannot draw)."""
    register_fonts()
    return _cmaps[font_name]
