"""A drawn signature as data: strokes of timed points, the ink they make, and the test for a
mark too slight to count as a signature.

Kept free of Qt so that the screen and the PDF draw the same ink from the same stored
vectors. The smoothing follows the approach of signature_pad.js: each new point extends a
cubic Bezier through the previous points (control points from the neighbouring midpoints),
and the line is thinner where the pen moved fast, as ink from a real pen is.

A stored stroke is a list of ``[x, y, t_ms, pressure]``: logical pixels in a pad of
``pad_width`` x ``pad_height``, milliseconds since the signature's first point, and pressure
in 0..1, or ``None`` where the device has none (a mouse, most touch screens).
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

from msgspec import Struct

from mesocheck.errors import MesocheckError
from mesocheck.forms.model import Guardian
from mesocheck.forms.validation import check_name
from mesocheck.i18n import N_, translations

StoredPoint = list  # [x, y, t_ms, pressure | None]
StoredStroke = list  # [StoredPoint, ...]


class InkPoint(Struct, frozen=True):
    x: float
    y: float
    t: float  # milliseconds
    pressure: float | None = None

    def distance_to(self, other: "InkPoint") -> float:
        return math.hypot(self.x - other.x, self.y - other.y)

    def velocity_from(self, start: "InkPoint") -> float:
        """Pixels per millisecond; 0 when both points carry the same time."""
        elapsed = self.t - start.t
        return self.distance_to(start) / elapsed if elapsed > 0 else 0.0

    def stored(self) -> StoredPoint:
        pressure = None if self.pressure is None else round(self.pressure, 3)
        return [round(self.x, 1), round(self.y, 1), int(round(self.t)), pressure]

    @classmethod
    def from_stored(cls, raw: Sequence) -> "InkPoint":
        pressure = raw[3] if len(raw) > 3 else None
        return cls(float(raw[0]), float(raw[1]), float(raw[2]),
                   None if pressure is None else float(pressure))


class InkStyle(Struct, frozen=True):
    """Pen widths in pad pixels and how strongly speed thins the line."""

    min_width: float = 1.2
    max_width: float = 4.2
    velocity_filter_weight: float = 0.7  # how much of the newest speed counts (0..1)
    min_distance: float = 3.0  # points closer than this to the previous one add nothing

    @property
    def dot_width(self) -> float:
        return (self.min_width + self.max_width) / 2


class Segment(Struct, frozen=True):
    """A cubic Bezier from ``p0`` to ``p3`` whose width goes from ``w0`` to ``w3``."""

    p0: tuple[float, float]
    c1: tuple[float, float]
    c2: tuple[float, float]
    p3: tuple[float, float]
    w0: float
    w3: float

    def point(self, t: float) -> tuple[float, float]:
        u = 1.0 - t
        a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
        return (
            a * self.p0[0] + b * self.c1[0] + c * self.c2[0] + d * self.p3[0],
            a * self.p0[1] + b * self.c1[1] + c * self.c2[1] + d * self.p3[1],
        )

    def length(self, steps: int = 8) -> float:
        total, last = 0.0, self.p0
        for i in range(1, steps + 1):
            here = self.point(i / steps)
            total += math.hypot(here[0] - last[0], here[1] - last[1])
            last = here
        return total

    def samples(self, scale: float = 1.0) -> list[tuple[float, float, float]]:
        """Points along the curve with the width at each, close enough to draw as short
        round-capped lines. ``scale`` is how many screen pixels one pad pixel covers."""
        chord = math.hypot(self.p3[0] - self.p0[0], self.p3[1] - self.p0[1])
        reach = chord + math.hypot(self.c1[0] - self.p0[0], self.c1[1] - self.p0[1])
        steps = max(2, min(24, int(reach * scale / 3) + 1))
        dw = self.w3 - self.w0
        out = []
        for i in range(steps + 1):
            t = i / steps
            x, y = self.point(t)
            # Width eases towards the end value, as in signature_pad.js (t cubed).
            out.append((x, y, self.w0 + dw * t * t * t))
        return out

    def bounds(self) -> tuple[float, float, float, float]:
        xs = (self.p0[0], self.c1[0], self.c2[0], self.p3[0])
        ys = (self.p0[1], self.c1[1], self.c2[1], self.p3[1])
        pad = max(self.w0, self.w3)
        return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad


def _control_points(
    s1: InkPoint, s2: InkPoint, s3: InkPoint
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The two control points around ``s2`` that make the curve through s1, s2, s3 smooth."""
    dx1, dy1 = s1.x - s2.x, s1.y - s2.y
    dx2, dy2 = s2.x - s3.x, s2.y - s3.y
    m1 = ((s1.x + s2.x) / 2, (s1.y + s2.y) / 2)
    m2 = ((s2.x + s3.x) / 2, (s2.y + s3.y) / 2)
    l1, l2 = math.hypot(dx1, dy1), math.hypot(dx2, dy2)
    k = l2 / (l1 + l2) if l1 + l2 else 0.0
    cm = (m2[0] + (m1[0] - m2[0]) * k, m2[1] + (m1[1] - m2[1]) * k)
    tx, ty = s2.x - cm[0], s2.y - cm[1]
    return (m1[0] + tx, m1[1] + ty), (m2[0] + tx, m2[1] + ty)


class StrokeBuilder:
    """Turns the points of one stroke, fed as they arrive, into ink segments.

    ``add`` returns the segment that the new point completed (curves lag one point behind
    the pen, which is what lets each be smooth at both ends), ``finish`` the last one.
    """

    def __init__(self, style: InkStyle = InkStyle()):
        self.style = style
        self.points: list[InkPoint] = []
        self._window: list[InkPoint] = []
        self._last_velocity = 0.0
        self._last_width = style.dot_width

    def accepts(self, point: InkPoint) -> bool:
        return not self.points or point.distance_to(self.points[-1]) > self.style.min_distance

    def add(self, point: InkPoint) -> Segment | None:
        """Add a point that ``accepts`` allowed; returns the segment it completed, if any."""
        self.points.append(point)
        self._window.append(point)
        if len(self._window) < 3:
            return None
        if len(self._window) == 3:
            self._window.insert(0, self._window[0])
        segment = self._segment(self._window)
        self._window.pop(0)
        return segment

    def finish(self) -> Segment | None:
        """The segment up to the last point, which no later point will complete."""
        if len(self.points) < 2:
            return None
        window = list(self._window)
        if len(window) == 2:
            window = [window[0]] + window
        window = window[-3:] + [window[-1]]
        return self._segment(window)

    def _segment(self, window: Sequence[InkPoint]) -> Segment:
        p0, p1, p2, p3 = window[0], window[1], window[2], window[3]
        c2 = _control_points(p0, p1, p2)[1]
        c3 = _control_points(p1, p2, p3)[0]
        start_width, end_width = self._widths(p1, p2)
        return Segment((p1.x, p1.y), c2, c3, (p2.x, p2.y), start_width, end_width)

    def _widths(self, start: InkPoint, end: InkPoint) -> tuple[float, float]:
        s = self.style
        w = s.velocity_filter_weight
        velocity = w * end.velocity_from(start) + (1 - w) * self._last_velocity
        width = max(s.max_width / (velocity + 1), s.min_width)
        if end.pressure is not None:
            # Pressure from a stylus scales the speed-based width around its middle value.
            width *= 0.4 + 1.2 * max(0.0, min(1.0, end.pressure))
            width = max(s.min_width * 0.6, min(s.max_width * 1.4, width))
        start_width = self._last_width
        self._last_velocity, self._last_width = velocity, width
        return start_width, width


def stroke_segments(points: Sequence[InkPoint], style: InkStyle = InkStyle()) -> list[Segment]:
    """All the ink of a finished stroke (a single point is drawn as a dot by the caller)."""
    builder = StrokeBuilder(style)
    out = []
    for point in points:
        if builder.accepts(point):
            segment = builder.add(point)
            if segment is not None:
                out.append(segment)
    tail = builder.finish()
    if tail is not None:
        out.append(tail)
    return out


def from_stored(strokes: Iterable[Sequence[Sequence]]) -> list[list[InkPoint]]:
    return [[InkPoint.from_stored(p) for p in stroke] for stroke in strokes]


def to_stored(strokes: Iterable[Sequence[InkPoint]]) -> list[StoredStroke]:
    return [[p.stored() for p in stroke] for stroke in strokes]


# -- is it a signature at all? -----------------------------------------------------------

MIN_POINTS = 6
MIN_INK_LENGTH = 60.0  # pad pixels of line, all strokes together
MIN_EXTENT = 30.0  # pad pixels: the wider side of the box around all the ink

EMPTY_REASON = N_("Please sign in the box: it is still empty.")
TRIVIAL_REASON = N_(
    "This is too small to be a signature. Please clear it and sign with your usual signature."
)


def trivial_reason(strokes: Sequence[Sequence[InkPoint]], language: str = "en") -> str | None:
    """Why these strokes are not a signature, in words for the signer; None when they are.

    Refuses an empty pad, a dot, a tap or a short flick: anything with too few points, too
    little line, or ink that fits in a tiny box.
    """
    points = [p for stroke in strokes for p in stroke]
    if not points:
        return translations(language).gettext(EMPTY_REASON)
    length = sum(
        a.distance_to(b) for stroke in strokes for a, b in zip(stroke, stroke[1:])
    )
    xs, ys = [p.x for p in points], [p.y for p in points]
    extent = max(max(xs) - min(xs), max(ys) - min(ys))
    if len(points) < MIN_POINTS or length < MIN_INK_LENGTH or extent < MIN_EXTENT:
        return translations(language).gettext(TRIVIAL_REASON)
    return None


# -- a minor's parent or guardian ---------------------------------------------------------------


class GuardianRefused(MesocheckError):
    """The parent's or guardian's part cannot be accepted yet; ``field`` says which part
    (guardian_name, guardian_relationship, guardian_signature), the message how to fix it."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def guardian_values(guardian: Guardian | None, raw: Mapping[str, Any] | None,
                    language: str) -> dict[str, Any]:
    """A minor's parent or guardian signing (``raw``: printed_name, relationship, strokes,
    pad_width, pad_height), checked against the form's ``[guardian]``: the signature's
    values but its time, zone and content hash. Raises :class:`GuardianRefused`."""
    _p = translations(language).gettext
    raw = raw or {}
    name = check_name(raw.get("printed_name"), language)
    if not name.ok:
        raise GuardianRefused(_p("Please ask your parent or guardian to type their full "
                                 "name."), "guardian_name")
    relationship = raw.get("relationship")
    if guardian is None or guardian.relationship(relationship) is None:
        raise GuardianRefused(_p("Please choose how your parent or guardian is related to "
                                 "you."), "guardian_relationship")
    strokes = raw.get("strokes") or []
    if not strokes:
        raise GuardianRefused(_p("Your parent or guardian signs in their box to finish."),
                              "guardian_signature")
    trivial = trivial_reason(from_stored(strokes), language)
    if trivial is not None:
        raise GuardianRefused(_p("Your parent or guardian's signature: {reason}").format(
            reason=trivial), "guardian_signature")
    return {"role": "guardian", "printed_name": name.value,
            "meaning": guardian.meaning.get(language), "strokes": [list(s) for s in strokes],
            "pad_width": raw.get("pad_width", 0), "pad_height": raw.get("pad_height", 0),
            "method": "drawn", "relationship": relationship}
