"""A drawn signature as vector paths: sharp at any zoom and on any printer.

The ink is the one the pad showed: the same stored strokes go through the same smoothing
(:mod:`mesocheck.signature`, cubic Béziers thinner where the pen moved fast, scaled by
pressure where the device reported it). Here those curves are fitted into a fixed box,
keeping their aspect, and written as PDF paths. PDF strokes a path with one width, so
successive curves of about the same width share a path and a new one starts where the
width changes by a step.

The ink sits on the box's signing line as it sat on the pad's: the pad draws its guide at
three quarters of its height (``PAD_LINE``), and that height is put on the printed line.
"""

from __future__ import annotations

import math
from typing import Any

from reportlab.platypus import Flowable

from mesocheck.documents import styles as st
from mesocheck.documents.fonts import BOLD, REGULAR
from mesocheck.documents.layout import fit_line
from mesocheck.documents.tagging import tagged
from mesocheck.documents.text import draw_line, text_width
from mesocheck.forms.isolation import strip_direction_controls
from mesocheck.signature import InkPoint, InkStyle, Segment, stroke_segments

WIDTH_STEP = 0.12  # points: curves whose widths round to the same step share one path
MARGIN = 8.0  # points between the ink and the box
MAX_ENLARGE = 3.0  # a small mark is enlarged at most this much over the pad's own scale
PAD_LINE = 0.75  # where the pad's signing line is, as a share of its height from the top
LINE_SHARE = 0.27  # where the printed signing line is, as a share of the box from the bottom


def ink_points(raw: Any) -> list[list[InkPoint]]:
    """Stored strokes as points; malformed points and empty strokes are left out."""
    strokes: list[list[InkPoint]] = []
    if not isinstance(raw, (list, tuple)):
        return strokes
    for stroke in raw:
        if isinstance(stroke, dict):
            stroke = stroke.get("points", ())
        if not isinstance(stroke, (list, tuple)):
            continue
        points = []
        for p in stroke:
            if not isinstance(p, (list, tuple)) or len(p) < 2:
                continue
            try:
                x, y = float(p[0]), float(p[1])
                t = float(p[2]) if len(p) > 2 and p[2] is not None else 0.0
                pressure = float(p[3]) if len(p) > 3 and p[3] is not None else None
            except (TypeError, ValueError):
                continue
            if math.isfinite(x) and math.isfinite(y) and math.isfinite(t):
                points.append(InkPoint(x, y, t, pressure))
        if points:
            strokes.append(points)
    return strokes


class SignatureDrawing(Flowable):
    """The signature fitted into ``width`` x ``height`` points, on a light panel with a
    signing line; ``empty_text`` is written in the panel when there is no ink, and an
    ``adopted_name`` (a name typed and adopted as the signature) stands on the line in ink."""

    def __init__(self, strokes: Any, pad_width: float | None, pad_height: float | None,
                 width: float, height: float, *, empty_text: str = "", alt: str = "",
                 adopted_name: str | None = None):
        super().__init__()
        self.alt = strip_direction_controls(alt or empty_text)  # read aloud, not ordered
        self.strokes = ink_points(strokes)
        self.pad_width = float(pad_width or 0)
        self.pad_height = float(pad_height or 0)
        self.width = width
        self.height = height
        self.empty_text = empty_text
        self.adopted_name = adopted_name

    @property
    def line_y(self) -> float:
        return round(self.height * LINE_SHARE, 2)

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self):
        with tagged(self.canv, "Figure", alt=self.alt or " "):  # a reader says what it is
            self._draw()

    def _draw(self):
        canv = self.canv
        canv.saveState()
        canv.setFillColor(st.PANEL)
        canv.setStrokeColor(st.HAIRLINE)
        canv.setLineWidth(0.6)
        canv.roundRect(0, 0, self.width, self.height, 3, stroke=1, fill=1)
        canv.setStrokeColor(st.RULE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN, self.line_y, self.width - MARGIN, self.line_y)
        if not self.strokes and self.adopted_name:
            self._draw_name(canv, self.adopted_name)
            canv.restoreState()
            return
        if not self.strokes:
            if self.empty_text:
                canv.setFillColor(st.MUTED)
                canv.setFont(REGULAR, 8)
                canv.drawCentredString(self.width / 2, self.height / 2, self.empty_text)
            canv.restoreState()
            return
        canv.setStrokeColor(st.SIGNATURE_INK)
        canv.setFillColor(st.SIGNATURE_INK)
        canv.setLineCap(1)
        canv.setLineJoin(1)
        self._draw_ink(canv)
        canv.restoreState()

    def _draw_name(self, canv, name: str) -> None:
        size = 15.0
        line = fit_line(name, BOLD, size, self.width - 2 * MARGIN)
        canv.setFillColor(st.SIGNATURE_INK)
        x = (self.width - text_width(line, BOLD, size)) / 2
        draw_line(canv, x, self.line_y + 4, line, BOLD, size)  # standing on the line

    def _draw_ink(self, canv) -> None:
        style = InkStyle()
        strokes = [(s, stroke_segments(s, style)) for s in self.strokes]
        xs = [p.x for s in self.strokes for p in s]
        ys = [p.y for s in self.strokes for p in s]
        for _s, segments in strokes:
            for seg in segments:
                x0, y0, x1, y1 = seg.bounds()
                xs += (x0, x1)
                ys += (y0, y1)
        min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
        ink_w, ink_h = max(max_x - min_x, 1.0), max(max_y - min_y, 1.0)
        # The pad's line (or, without the pad's size, a fifth above the ink's foot).
        base = self.pad_height * PAD_LINE if self.pad_height > 0 else max_y - 0.2 * ink_h
        base = min(max(base, min_y), max_y)
        room_w = self.width - 2 * MARGIN
        above, below = self.height - MARGIN / 2 - self.line_y, self.line_y - MARGIN / 2
        scale = room_w / ink_w
        if base > min_y:
            scale = min(scale, above / (base - min_y))
        if max_y > base:
            scale = min(scale, below / (max_y - base))
        if self.pad_width > 0 and self.pad_height > 0:
            pad_scale = min(room_w / self.pad_width,
                            (self.height - MARGIN) / self.pad_height)
            scale = min(scale, MAX_ENLARGE * pad_scale)
        off_x = MARGIN + 4  # from the start of the line, as a pen signs
        line_y = self.line_y

        def place(x: float, y: float) -> tuple[float, float]:
            # The pad's y grows downwards, the page's upwards.
            return round(off_x + (x - min_x) * scale, 2), round(line_y + (base - y) * scale, 2)

        for points, segments in strokes:
            if not segments:
                x, y = place(points[0].x, points[0].y)
                canv.circle(x, y, style.dot_width * scale / 2, stroke=0, fill=1)
                continue
            _draw_segments(canv, segments, place, scale)


def _draw_segments(canv, segments: list[Segment], place, scale: float) -> None:
    path = None
    current = None
    for seg in segments:
        width = round((seg.w0 + seg.w3) / 2 * scale / WIDTH_STEP) * WIDTH_STEP
        width = max(width, WIDTH_STEP)
        if width != current:
            if path is not None:
                canv.drawPath(path, stroke=1, fill=0)
            canv.setLineWidth(width)
            path = canv.beginPath()
            path.moveTo(*place(*seg.p0))
            current = width
        path.curveTo(*place(*seg.c1), *place(*seg.c2), *place(*seg.p3))
    if path is not None:
        canv.drawPath(path, stroke=1, fill=0)
