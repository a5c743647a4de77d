"""The start-up benchmark's hook: the app's first paint, reported and then quit.

``FirstPaintApp`` is made before the app's command line runs, which takes the running
``QApplication`` as its own. When the app starts its event loop, the hook puts an event
filter on the window it has shown; on the turn of the event loop after that window's first
paint (its pages are painted in the same pass) it prints ``painted <time.monotonic()>`` for
the process that launched this one, and quits. Nothing of it is in the app.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication


class _QuitOnPaint(QObject):
    def __init__(self, app: "FirstPaintApp"):
        super().__init__(app)
        self.app = app

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.app.report)
        return False


class FirstPaintApp(QApplication):
    """A QApplication that reports its first window's first paint and quits."""

    def exec(self) -> int:  # noqa: A003 - Qt's name
        watch = _QuitOnPaint(self)
        for widget in self.topLevelWidgets():
            if widget.isVisible():
                widget.installEventFilter(watch)
        return super().exec()

    def report(self) -> None:
        print(f"painted {time.monotonic():.6f}", flush=True)
        self.quit()
