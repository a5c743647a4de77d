"""A line of text in visual order, as the Unicode bidirectional algorithm puts it.

python-bidi (0.6) orders a line but leaves out the rule that mirrors a bracket in
right-to-left text, so "(37 سنة)" came out as ")37 سنة("; :func:`visual` applies it from
the embedding levels python-bidi resolved. Typed text arrives wrapped in isolates
(:mod:`mesocheck.forms.isolation`); :func:`isolated` keeps them whole across line breaks.
"""

from __future__ import annotations

import re
import unicodedata

from bidi import get_display
from bidi.algorithm import MIRRORED

from mesocheck.forms.isolation import FSI, PDI


def visual(text: str, base: str | None = None) -> str:
    """A line in visual order (Unicode bidi, python-bidi), each bracket or other mirrored
    character that sits in right-to-left text drawn as its mirror image."""
    shown = get_display(text, base_dir=base) if base else get_display(text)
    if not any(unicodedata.mirrored(ch) for ch in text):
        return shown
    levels = _levels(text, base)
    if levels is None:
        return shown
    order = list(range(len(text)))
    for level in range(max(levels), 0, -1):  # rule L2: reverse each run at >= level
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    if "".join(text[i] for i in order) != shown:
        return shown  # not the order python-bidi gave: leave it unmirrored, never scrambled
    return "".join(_MIRROR.get(text[i], text[i]) if levels[i] % 2 else text[i]
                   for i in order)


_MIRROR = dict(MIRRORED)
_LEVEL = re.compile(r"Level\(\s*(\d+),?\s*\)")


def _levels(text: str, base: str | None) -> list[int] | None:
    """Each character's resolved embedding level, read from python-bidi's debug output
    (its only way to give them); None when that output is not as expected."""
    info = get_display(text, base_dir=base, debug=True)
    start, end = info.find("levels:"), info.find("paragraphs:")
    if start < 0 or end < start:
        return None
    per_byte = [int(n) for n in _LEVEL.findall(info[start:end])]
    out, offset = [], 0
    for ch in text:
        if offset >= len(per_byte):
            return None
        out.append(per_byte[offset])
        offset += len(ch.encode("utf-8"))
    return out if offset == len(per_byte) else None


def isolated(lines: list[str]) -> list[str]:
    """Lines broken inside an isolate, each closed and reopened at the break, so that every
    line is ordered with the typed text still kept apart from the words around it."""
    out, open_ = [], 0
    for line in lines:
        depth = open_
        for ch in line:
            if ch in "\u2066\u2067\u2068":
                depth += 1
            elif ch == PDI and depth:
                depth -= 1
        out.append(FSI * open_ + line + PDI * depth)
        open_ = depth
    return out
