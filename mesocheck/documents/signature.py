"""A drawn signature as vector paths: sharp at any zoom and on any printer.

The ink is the one the pad showed: the same stored strokes go through the same smoothing
(:mod:`mesocheck.signature`, cubic Béziers thinner where the pen moved fast, scaled by
pressure where the device reported it). Here those curves are fitted into a fixed box,
keeping their aspect, and written as PDF paths. PDF strokes a path with one width, so
successive curves of about the same width share a path and a new one starts where the
width changes by a step.
"""

from __future__ import annotations

import math
from typing import Any

from reportlab.platypus import Flowable

from mesocheck.documents import styles as st
from mesocheck.documents.fonts import BOLD, REGULAR
from mesocheck.documents.layout import fit_line
from mesocheck.documents.text import draw_line, text_width
from mesocheck.signature import InkPoint, InkStyle, Segment, stroke_segments

WIDTH_STEP = 0.12  # points: curves whose widths round to the same step share one path
MARGIN = 8.0  # points between the ink and the box
MAX_ENLARGE = 3.0  # a small mark is enlarged at most this much over the pad's own scale


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
                 width: float, height: float, *, empty_text: str = "",
                 adopted_name: str | None = None):
        super().__init__()
        self.strokes = ink_points(strokes)
        self.pad_width = float(pad_width or 0)
        self.pad_height = float(pad_height or 0)
        self.width = width
        self.height = height
        self.empty_text = empty_text
        self.adopted_name = adopted_name

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self):
        canv = self.canv
        canv.saveState()
        canv.setFillColor(st.PANEL)
        canv.setStrokeColor(st.HAIRLINE)
        canv.setLineWidth(0.6)
        canv.roundRect(0, 0, self.width, self.height, 3, stroke=1, fill=1)
        canv.setStrokeColor(st.RULE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN, MARGIN + 6, self.width - MARGIN, MARGIN + 6)
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
        draw_line(canv, x, MARGIN + 10, line, BOLD, size)

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
        room_w, room_h = self.width - 2 * MARGIN, self.height - 2 * MARGIN
        scale = min(room_w / ink_w, room_h / ink_h)
        if self.pad_width > 0 and self.pad_height > 0:
            pad_scale = min(room_w / self.pad_width, room_h / self.pad_height)
            scale = min(scale, MAX_ENLARGE * pad_scale)
        off_x = MARGIN + (room_w - ink_w * scale) / 2
        off_y = MARGIN + (room_h - ink_h * scale) / 2

        def place(x: float, y: float) -> tuple[float, float]:
            # The pad's y grows downwards, the page's upwards.
            return round(off_x + (x - min_x) * scale, 2), round(off_y + (max_y - y) * scale, 2)

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
