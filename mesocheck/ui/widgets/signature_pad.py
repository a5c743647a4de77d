"""The signature pad: a finger, stylus or mouse draws smooth ink that is kept as vectors.

Points are kept in *pad* coordinates: the pad's logical size when the first stroke began
(``pad_width`` x ``pad_height``). The pad draws them scaled to its current size with the
aspect kept, so a resize or a rotation never loses or distorts what was drawn.

Ink is drawn once, into a cached pixmap, as the pen moves; a paint only copies the changed
part of that pixmap to the screen. So a move costs the same on a pad with ten points or ten
thousand.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Property, QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QInputDevice,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from mesocheck.i18n import translations
from mesocheck.signature import (
    InkPoint,
    InkStyle,
    Segment,
    StrokeBuilder,
    from_stored,
    stroke_segments,
    to_stored,
    trivial_reason,
)

_TOUCH_EVENTS = (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
                 QEvent.Type.TouchCancel)


class SignaturePad(QWidget):
    """Draw with mouse, touch or stylus; read back ``strokes()``, ``pad_size()``."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, style: InkStyle = InkStyle(),
                 language: str = "en"):
        super().__init__(parent)
        self.language = language  # of the signer
        _p = translations(language).gettext
        self.setObjectName("signaturePad")
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        # Reachable with Tab (a screen reader says what it is and what else there is), though
        # ink comes only from a finger, a stylus or the mouse.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(_p("Signature pad"))
        self.setAccessibleDescription(_p("Sign here with your finger, a stylus or the mouse."))
        self.ink_style = style
        self.ink_color = QColor("#0b1f33")  # the style sheet sets both (qproperty-...)
        self.guide_color = QColor("#3f4f5a")
        self.hint = _p("Sign here")
        self._strokes: list[list[InkPoint]] = []
        self._pad_w = 0.0
        self._pad_h = 0.0
        self._builder: StrokeBuilder | None = None
        self._t0: float | None = None  # perf_counter() of the signature's first point
        self._t_offset = 0.0  # time of the first point when times are given by the caller
        self._cache: QPixmap | None = None
        self._source: str | None = None  # "mouse" | "touch" | "tablet" while a stroke is on

    # -- colours from the style sheet ------------------------------------------------------

    def _get_ink(self) -> QColor:
        return self.ink_color

    def _set_ink(self, colour: QColor) -> None:
        self.ink_color = QColor(colour)
        self._invalidate()

    def _get_guide(self) -> QColor:
        return self.guide_color

    def _set_guide(self, colour: QColor) -> None:
        self.guide_color = QColor(colour)
        self.update()

    inkColor = Property(QColor, _get_ink, _set_ink)  # noqa: N815 (Qt property names)
    guideColor = Property(QColor, _get_guide, _set_guide)  # noqa: N815

    # -- reading and resetting ------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(720, 260)

    def minimumSizeHint(self) -> QSize:
        return QSize(320, 180)

    def strokes(self) -> list[list]:
        """Finished strokes as stored: ``[[x, y, t_ms, pressure], ...]`` per stroke."""
        return to_stored(self._strokes)

    def pad_size(self) -> tuple[int, int]:
        return int(round(self._pad_w)), int(round(self._pad_h))

    def is_empty(self) -> bool:
        return not self._strokes

    def is_trivial(self) -> str | None:
        """Why what is drawn is not a signature (plain words), or None when it is one."""
        return trivial_reason(self._strokes, self.language)

    def clear(self) -> None:
        self._end_stroke(commit=False)
        self._source = None
        self._strokes = []
        self._t0 = None
        self._invalidate()
        self.changed.emit()

    def undo(self) -> None:
        """Remove the last stroke."""
        self._end_stroke(commit=True)
        if self._strokes:
            self._strokes.pop()
            if not self._strokes:
                self._t0 = None
            self._invalidate()
            self.changed.emit()

    def load(self, strokes: list, pad_width: float, pad_height: float) -> None:
        """Show stored strokes again (for example after the window was rebuilt)."""
        self._strokes = [s for s in from_stored(strokes) if s]
        self._pad_w, self._pad_h = float(pad_width), float(pad_height)
        self._invalidate()
        self.changed.emit()

    # -- the pen: one entry point per phase, used by every kind of input --------------------

    def press(self, pos: QPointF, t_ms: float | None = None, pressure: float | None = None):
        self._end_stroke(commit=True)
        if not self._strokes or self._pad_w <= 0 or self._pad_h <= 0:
            self._pad_w, self._pad_h = float(max(1, self.width())), float(max(1, self.height()))
            self._invalidate()
        self._builder = StrokeBuilder(self.ink_style)
        self._add(pos, t_ms, pressure)

    def move(self, pos: QPointF, t_ms: float | None = None, pressure: float | None = None):
        """Extend the current stroke; cheap enough to call for every input event."""
        if self._builder is not None:
            self._add(pos, t_ms, pressure)

    def release(self, pos: QPointF | None = None, t_ms: float | None = None,
                pressure: float | None = None) -> None:
        if self._builder is None:
            return
        if pos is not None:
            self._add(pos, t_ms, pressure)
        self._end_stroke(commit=True)

    def _now(self, t_ms: float | None) -> float:
        if t_ms is not None:
            if self._t0 is None:
                self._t0 = 0.0
                self._t_offset = t_ms
            return t_ms - self._t_offset
        clock = time.perf_counter() * 1000.0
        if self._t0 is None:
            self._t0 = clock
            self._t_offset = 0.0
        return clock - self._t0

    def _add(self, pos: QPointF, t_ms: float | None, pressure: float | None) -> None:
        builder = self._builder
        assert builder is not None
        scale, ox, oy = self._transform()
        x = min(max((pos.x() - ox) / scale, 0.0), self._pad_w)
        y = min(max((pos.y() - oy) / scale, 0.0), self._pad_h)
        point = InkPoint(x, y, self._now(t_ms), pressure)
        if not builder.accepts(point):
            return
        segment = builder.add(point)
        if len(builder.points) == 1:
            self._paint_incremental(dot=point)
        elif segment is not None:
            self._paint_incremental(segment=segment)

    def _end_stroke(self, commit: bool) -> None:
        builder, self._builder = self._builder, None
        if builder is None or not builder.points:
            return
        if commit:
            tail = builder.finish()
            if tail is not None:
                self._paint_incremental(segment=tail)
            self._strokes.append(list(builder.points))
            self.changed.emit()
        else:
            self._invalidate()

    # -- input events ---------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._source not in (None, "mouse"):
            event.ignore()
            return
        self.press(event.position())
        self._source = "mouse"
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._source == "mouse":
            self.move(event.position())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._source == "mouse" and event.button() == Qt.MouseButton.LeftButton:
            self.release(event.position())
            self._source = None
        event.accept()

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        pressure = event.pressure() if _has_pressure(event.device()) else None
        if kind == QEvent.Type.TabletPress and self._source in (None, "tablet"):
            self.press(event.position(), pressure=pressure)
            self._source = "tablet"
        elif kind == QEvent.Type.TabletMove and self._source == "tablet":
            self.move(event.position(), pressure=pressure)
        elif kind == QEvent.Type.TabletRelease and self._source == "tablet":
            self.release(event.position(), pressure=pressure)
            self._source = None
        event.accept()  # no mouse event is synthesised from an accepted tablet event

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in _TOUCH_EVENTS:
            self._touch(event)
            return True
        return super().event(event)

    def _touch(self, event) -> None:
        points = event.points()
        if event.type() == QEvent.Type.TouchCancel:
            if self._source == "touch":
                self._end_stroke(commit=True)
                self._source = None
            event.accept()
            return
        if not points:
            return
        point = points[0]
        pressure = point.pressure() if _has_pressure(event.device()) else None
        if event.type() == QEvent.Type.TouchBegin and self._source in (None, "touch"):
            self.press(point.position(), pressure=pressure)
            self._source = "touch"
        elif event.type() == QEvent.Type.TouchUpdate and self._source == "touch":
            self.move(point.position(), pressure=pressure)
        elif event.type() == QEvent.Type.TouchEnd and self._source == "touch":
            self.release(point.position(), pressure=pressure)
            self._source = None
        event.accept()

    # -- painting -------------------------------------------------------------------------

    def _transform(self) -> tuple[float, float, float]:
        """Scale and offset from pad coordinates to the widget, keeping the aspect."""
        if self._pad_w <= 0 or self._pad_h <= 0:
            return 1.0, 0.0, 0.0
        scale = min(self.width() / self._pad_w, self.height() / self._pad_h)
        scale = scale if scale > 0 else 1.0
        ox = (self.width() - self._pad_w * scale) / 2
        oy = (self.height() - self._pad_h * scale) / 2
        return scale, ox, oy

    def _invalidate(self) -> None:
        self._cache = None
        self.update()

    def _ensure_cache(self) -> QPixmap:
        if self._cache is None:
            ratio = self.devicePixelRatioF()
            pixmap = QPixmap(max(1, int(self.width() * ratio)), max(1, int(self.height() * ratio)))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            self._cache = pixmap
            painter = self._ink_painter(pixmap)
            for stroke in self._strokes:
                self._draw_stroke(painter, stroke)
            if self._builder is not None and self._builder.points:
                self._draw_stroke(painter, self._builder.points)
            painter.end()
        return self._cache

    def _ink_painter(self, pixmap: QPixmap) -> QPainter:
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scale, ox, oy = self._transform()
        painter.translate(ox, oy)
        painter.scale(scale, scale)
        return painter

    def _draw_stroke(self, painter: QPainter, points: list[InkPoint]) -> None:
        if len(points) == 1:
            self._draw_dot(painter, points[0])
            return
        scale = self._transform()[0]
        for segment in stroke_segments(points, self.ink_style):
            self._draw_segment(painter, segment, scale)

    def _draw_dot(self, painter: QPainter, point: InkPoint) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.ink_color)
        r = self.ink_style.dot_width / 2
        painter.drawEllipse(QPointF(point.x, point.y), r, r)

    def _draw_segment(self, painter: QPainter, segment: Segment, scale: float) -> None:
        """The curve as short round-capped lines; neighbours whose widths round alike are
        drawn as one polyline (fewer pens, same look)."""
        pen = QPen(self.ink_color)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        samples = segment.samples(scale)
        run = [QPointF(samples[0][0], samples[0][1])]
        bucket = None
        for x, y, width in samples[1:]:
            here = round(width * 4) / 4
            if bucket is not None and here != bucket:
                pen.setWidthF(bucket)
                painter.setPen(pen)
                painter.drawPolyline(run)
                run = [run[-1]]
            bucket = here
            run.append(QPointF(x, y))
        if bucket is not None and len(run) > 1:
            pen.setWidthF(bucket)
            painter.setPen(pen)
            painter.drawPolyline(run)

    def _paint_incremental(self, segment: Segment | None = None,
                           dot: InkPoint | None = None) -> None:
        """Add new ink to the cache and repaint only the rectangle it touched."""
        if self._cache is None:
            self.update()
            return
        painter = self._ink_painter(self._cache)
        scale, ox, oy = self._transform()
        if dot is not None:
            self._draw_dot(painter, dot)
            r = self.ink_style.dot_width
            left, top, right, bottom = dot.x - r, dot.y - r, dot.x + r, dot.y + r
        else:
            assert segment is not None
            self._draw_segment(painter, segment, scale)
            left, top, right, bottom = segment.bounds()
        painter.end()
        rect = QRectF(ox + left * scale, oy + top * scale,
                      (right - left) * scale, (bottom - top) * scale)
        self.update(rect.toAlignedRect().adjusted(-2, -2, 2, 2))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.rect()
        # The guide: a line to sign on, and a hint while the pad is empty.
        scale, ox, oy = self._transform()
        if self._pad_w > 0 and self._strokes:
            area = QRectF(ox, oy, self._pad_w * scale, self._pad_h * scale)
        else:
            area = QRectF(rect)
        base_y = area.top() + area.height() * 0.75
        pen = QPen(self.guide_color, 2)
        painter.setPen(pen)
        margin = min(32.0, area.width() * 0.05)
        painter.drawLine(QPointF(area.left() + margin, base_y),
                         QPointF(area.right() - margin, base_y))
        if not self._strokes and self._builder is None:
            painter.drawText(QRectF(area.left() + margin, area.top() + 8,
                                    area.width() - 2 * margin, base_y - area.top() - 16),
                             int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap),
                             self.hint)
        cache = self._ensure_cache()
        # Both rectangles as QRectF: mixing QRect and QRectF picks a crashing overload.
        painter.drawPixmap(QRectF(event.rect()), cache, _device_rect(event.rect(), cache))
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._invalidate()
        super().resizeEvent(event)


def _device_rect(rect, pixmap: QPixmap) -> QRectF:
    ratio = pixmap.devicePixelRatio()
    return QRectF(rect.x() * ratio, rect.y() * ratio, rect.width() * ratio,
                  rect.height() * ratio)


def _has_pressure(device: QInputDevice | None) -> bool:
    return device is not None and bool(
        device.capabilities() & QInputDevice.Capability.Pressure
    )
