"""The signature pad: mouse, touch and stylus input, vectors kept through resizes, undo,
clear, the refusal of a dot, and a move that stays cheap on a very long signature."""

from __future__ import annotations

import math
import statistics
import time

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtCore import QEvent
from PySide6.QtGui import QImage, QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from mesocheck.signature import EMPTY_REASON, TRIVIAL_REASON, InkPoint, stroke_segments
from mesocheck.ui.widgets.signature_pad import SignaturePad
from tests.support import intake_driver as drive


@pytest.fixture
def pad(qtbot):
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(900, 260)
    pad.show()
    qtbot.waitExposed(pad)
    return pad


def ink_pixels(pad: SignaturePad) -> int:
    image = pad.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    dark = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            colour = image.pixelColor(x, y)
            if colour.red() < 60 and colour.green() < 60 and colour.blue() < 90:
                dark += 1
    return dark


def test_an_empty_pad_is_refused(pad):
    assert pad.is_empty()
    assert pad.is_trivial() == EMPTY_REASON


def test_a_dot_or_a_flick_is_refused(pad):
    drive.stroke(pad, [(100, 100), (102, 101)])
    assert not pad.is_empty()
    assert pad.is_trivial() == TRIVIAL_REASON
    drive.stroke(pad, [(200, 100), (215, 108), (230, 112)])
    assert pad.is_trivial() == TRIVIAL_REASON


def test_a_signature_is_kept_as_timed_vectors(pad, qtbot):
    with qtbot.waitSignal(pad.changed):
        drive.sign(pad)
    assert pad.is_trivial() is None
    strokes = pad.strokes()
    assert len(strokes) == 2
    x, y, t, pressure = strokes[0][0]
    assert isinstance(x, float) and isinstance(t, int) and pressure is None
    times = [p[2] for p in strokes[0]]
    assert times == sorted(times)
    assert pad.pad_size() == (900, 260)
    assert ink_pixels(pad) > 100


def test_undo_removes_the_last_stroke_and_clear_everything(pad):
    drive.sign(pad)
    first = pad.strokes()[0]
    pad.undo()
    assert pad.strokes() == [first]
    pad.undo()
    assert pad.is_empty() and ink_pixels(pad) == 0
    drive.sign(pad)
    pad.clear()
    assert pad.is_empty() and pad.strokes() == []


def test_resizing_or_rotating_keeps_the_strokes(pad, qtbot):
    drive.sign(pad)
    strokes, size = pad.strokes(), pad.pad_size()
    before = ink_pixels(pad)
    pad.resize(500, 700)  # portrait: drawn smaller, same vectors
    qtbot.wait(10)
    assert pad.strokes() == strokes and pad.pad_size() == size
    assert ink_pixels(pad) > 0
    pad.resize(900, 260)
    qtbot.wait(10)
    assert abs(ink_pixels(pad) - before) <= before * 0.05
    # A stroke drawn while resized is stored in the same pad coordinates.
    pad.resize(450, 130)
    drive.stroke(pad, [(225, 65), (250, 70), (275, 75), (300, 80)])
    last = pad.strokes()[-1]
    assert last[0][:2] == [450.0, 130.0]


def test_touch_draws(pad, qtbot):
    device = QTest.createTouchDevice()
    points = drive.signature_points(pad, 30)
    QTest.touchEvent(pad, device).press(0, QPointF(*points[0]).toPoint()).commit()
    for x, y in points[1:]:
        QTest.touchEvent(pad, device).move(0, QPointF(x, y).toPoint()).commit()
    QTest.touchEvent(pad, device).release(0, QPointF(*points[-1]).toPoint()).commit()
    assert len(pad.strokes()) == 1 and len(pad.strokes()[0]) > 20


def test_stylus_pressure_is_recorded(pad):
    stylus = QPointingDevice(
        "test stylus", 4242, QInputDevice.DeviceType.Stylus,
        QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure, 1, 3)

    def tablet(kind, x, y, pressure):
        pos = QPointF(x, y)
        buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.TabletRelease \
            else Qt.MouseButton.LeftButton
        event = QTabletEvent(kind, stylus, pos, pad.mapToGlobal(pos), pressure, 0.0, 0.0,
                             0.0, 0.0, 0.0, Qt.KeyboardModifier.NoModifier,
                             Qt.MouseButton.LeftButton, buttons)
        QApplication.sendEvent(pad, event)

    points = drive.signature_points(pad, 30)
    tablet(QEvent.Type.TabletPress, *points[0], 0.2)
    for i, (x, y) in enumerate(points[1:]):
        tablet(QEvent.Type.TabletMove, x, y, 0.2 + i / 40)
    tablet(QEvent.Type.TabletRelease, *points[-1], 0.0)
    (stroke,) = pad.strokes()
    pressures = [p[3] for p in stroke]
    assert pressures[0] == pytest.approx(0.2) and max(pressures) > 0.8


def test_a_move_stays_cheap_on_a_very_long_signature(pad):
    t = 0.0
    for s in range(100):  # 100 strokes of 100 points: 10,000 points
        pad.press(QPointF(40 + s * 8, 130), t_ms=t)
        for i in range(1, 100):
            t += 8
            pad.move(QPointF(40 + s * 8 + (i * 7) % 300, 130 + 60 * math.sin(i / 5)), t_ms=t)
        pad.release()
    assert sum(len(s) for s in pad.strokes()) > 9000
    QApplication.processEvents()
    pad.press(QPointF(100, 100), t_ms=t)
    costs = []
    for i in range(400):
        t += 8
        start = time.perf_counter()
        pad.move(QPointF(100 + (i * 5) % 700, 100 + 50 * math.sin(i / 7)), t_ms=t)
        costs.append(time.perf_counter() - start)
    pad.release()
    assert statistics.median(costs) < 0.001  # well under a millisecond


def test_smoothing_makes_curves_with_speed_based_width():
    slow = [InkPoint(i * 4.0, 50 + 10 * math.sin(i / 3), i * 40.0) for i in range(20)]
    fast = [InkPoint(i * 4.0, 50 + 10 * math.sin(i / 3), i * 2.0) for i in range(20)]
    slow_widths = [s.w3 for s in stroke_segments(slow)]
    fast_widths = [s.w3 for s in stroke_segments(fast)]
    assert statistics.mean(fast_widths) < statistics.mean(slow_widths)
    segment = stroke_segments(slow)[5]
    assert segment.c1 != segment.p0 and segment.c2 != segment.p3  # curves, not lines
