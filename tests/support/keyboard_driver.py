"""Driving the tablet app with the keyboard alone, as a person who cannot use the touch
screen would: every step is a key event sent to the widget that has the focus, and after
every key the focus is checked to be somewhere a person can see it."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from tests.support.layout_check import _visible_rect

NONE = Qt.KeyboardModifier.NoModifier


class Keyboard:
    def __init__(self, qtbot, window: QWidget):
        self.qtbot = qtbot
        self.window = window
        self.keys = 0  # key presses sent, each followed by a check of the focus

    @property
    def focus(self) -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the focus"
        return widget

    def check(self) -> QWidget:
        """The focus is on a visible, enabled control, all of it (or as much as fits) on
        screen: not scrolled away, not behind the edge of its window."""
        widget = self.focus
        where = f"{type(widget).__name__}({widget.accessibleName()!r})"
        assert widget.isVisible() and widget.isEnabled(), f"focus on a hidden control: {where}"
        top = widget.window()
        shown = _visible_rect(widget, top)
        wanted_h = min(widget.height(), top.height())
        assert shown.height() >= wanted_h - 2 and shown.width() >= min(widget.width(),
                                                                       top.width()) - 2, (
            f"focus not fully in view: {where} shows {shown.height()} of {widget.height()} px")
        return widget

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = NONE, *,
              opens: Callable[[], bool] | None = None) -> QWidget:
        """One key to the focused control; ``opens``: the key opens a screen, built over a few
        turns of the event loop, and the focus is checked once it holds."""
        self.qtbot.keyClick(self.focus, key, modifier)
        self.keys += 1
        if opens is not None:
            self.qtbot.waitUntil(opens, timeout=5000)
            self.qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
        self.qtbot.wait(15)  # what the key queued (a page built, the focus set) is done
        return self.check()

    def type(self, text: str) -> QWidget:
        for ch in text:
            self.qtbot.keyClicks(self.focus, ch)
            self.keys += 1
        self.qtbot.wait(15)
        return self.check()

    def tab_until(self, found: Callable[[QWidget], bool], limit: int = 60,
                  back: bool = False) -> QWidget:
        """Tab (or Shift+Tab) until the focus is on a control ``found`` accepts."""
        for _ in range(limit):
            if found(self.focus):
                return self.focus
            if back:
                self.press(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
            else:
                self.press(Qt.Key.Key_Tab)
        raise AssertionError(f"Tab never reached the control (last: {self.focus!r})")

    def tab_to(self, widget: QWidget, limit: int = 60) -> QWidget:
        return self.tab_until(lambda w: w is widget, limit)

    def arrow_to(self, widget: QWidget, buttons: list[QWidget]) -> QWidget:
        """Within a group of radio buttons: arrow keys from the focused one to ``widget``."""
        here, there = buttons.index(self.focus), buttons.index(widget)
        a, b = (w.mapTo(w.window(), w.rect().center()) for w in (self.focus, widget))
        across = abs(b.x() - a.x()) > abs(b.y() - a.y())  # Yes / No side by side
        key = {(True, True): Qt.Key.Key_Right, (True, False): Qt.Key.Key_Left,
               (False, True): Qt.Key.Key_Down, (False, False): Qt.Key.Key_Up}[
            (across, there > here)]
        for _ in range(abs(there - here)):
            self.press(key)
        assert self.focus is widget, f"arrows led to {self.focus!r}, not {widget!r}"
        return self.focus

    def wait_for_focus(self, widget: QWidget, timeout: int = 5000) -> QWidget:
        self.qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=timeout)
        self.qtbot.wait(15)  # as a person sees it: once the screen has been laid out
        return self.check()
