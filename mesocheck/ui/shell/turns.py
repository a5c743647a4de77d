"""Work spread over turns of the event loop: after a widget's first paint, or a widget
deleted per turn, so that no single turn holds the screen for long."""

from __future__ import annotations

from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class PaintWatch(QObject):
    """Calls ``then`` on the turn of the event loop after the watched widget first painted."""

    def __init__(self, parent: QObject, then: Callable[[], Any]):
        super().__init__(parent)
        self._then = then

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self._then)
        return False


def after_painted(widget: QWidget, work: Callable[[], Any], latest_ms: int = 500) -> None:
    """Run ``work`` once, on the turn after ``widget`` next paints, or after ``latest_ms``
    if it has not painted by then (a window that is hidden, for instance)."""
    pending = [work]

    def once() -> None:
        if shiboken6.isValid(watcher):
            widget.removeEventFilter(watcher)
            watcher.deleteLater()
        if pending:
            pending.pop()()

    watcher = PaintWatch(widget, once)
    widget.installEventFilter(watcher)
    QTimer.singleShot(latest_ms, watcher, once)  # not once the widget is gone


def delete_in_turns(widgets: list[QWidget]) -> None:
    """Delete the widgets one per turn of the event loop, in order: taking down a whole
    wizard of pages at once would hold the UI thread for a noticeable moment."""
    pending = list(reversed(widgets))

    def next_one() -> None:
        while pending:
            widget = pending.pop()
            if shiboken6.isValid(widget):  # its parent may have been deleted meanwhile
                widget.deleteLater()
                if pending:
                    QTimer.singleShot(0, next_one)
                return

    QTimer.singleShot(0, next_one)


class AfterFirstPaint:
    """Start-up work that the first screen does not need, run once it has painted: the
    patient sees something first."""

    def __init__(self) -> None:
        self.painted = False
        self._work: list[Callable[[], Any]] = []

    def add(self, work: Callable[[], Any]) -> None:
        if self.painted:
            QTimer.singleShot(0, work)
        else:
            self._work.append(work)

    def watch(self, screen: QWidget) -> None:
        """The window has shown ``screen``: run the work on the turn after it paints."""
        if not self.painted and self._work:
            screen.installEventFilter(PaintWatch(screen, self._run))

    def _run(self) -> None:
        self.painted = True
        work, self._work = self._work, []
        for item in work:
            item()
