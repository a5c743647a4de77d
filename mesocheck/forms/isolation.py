"""Typed text inside the app's own words, kept in its place.

A name or an answer may be written right to left (Arabic, Hebrew), and the Unicode
bidirectional algorithm lets the direction of one run reach the words around it: an Arabic
name at the end of "For NAME, treated on DATE" would pull the date and "treated on" into its
own order. Wrapped in a first-strong isolate (U+2068 ... U+2069) the typed text takes its
direction from itself and leaves the words around it alone; Qt and python-bidi both follow
the isolates. Direction controls inside typed text have no place there (nobody types them
on a tablet; pasted, they can make one name look like another or break an isolate open), so
validation removes them (:func:`strip_direction_controls`) and :func:`isolate` never lets
one through.
"""

from __future__ import annotations

import re

FSI, PDI = "\u2068", "\u2069"  # first strong isolate, pop directional isolate
# Embeddings, overrides (U+202A..U+202E) and isolates (U+2066..U+2069).
DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def strip_direction_controls(text: str) -> str:
    return DIRECTION_CONTROLS.sub("", text)


def isolate(text: object) -> str:
    """``text`` as a run of its own inside other words (empty text stays empty)."""
    plain = strip_direction_controls(str(text))
    return f"{FSI}{plain}{PDI}" if plain else ""

