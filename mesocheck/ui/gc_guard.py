"""Python's cycle collector runs on the UI thread only, on a timer.

By default the collector runs in whichever thread happens to allocate past its threshold. In
this app that is often the consent-PDF thread (importing and running reportlab allocates a
great deal), and a collection there finalises whatever cyclic garbage the UI left behind:
Qt wrappers of widgets just deleted, lambdas connected to their signals, single-shot
callbacks. Destroying those off the UI thread, while the UI thread is deleting or painting
the same objects, crashed the app now and then (a segfault in "Garbage-collecting" under
the PDF thread's import of reportlab).

So automatic collection is switched off and a timer on the UI thread collects instead,
following the interpreter's own thresholds (``gc.get_threshold()``): a young collection once
enough objects have been allocated, an older one every so many young ones, exactly as the
interpreter would have, only in the right thread and at most one tick later. What exists
when the guard is installed (the imported modules, mostly) is frozen out of the collector's
sight (``gc.freeze()``), so a full collection looks only at what the app made since and
stays short.

While the consent PDF is made in its thread the guard is paused (:meth:`GcGuard.pause`, at
most ``PAUSE_MAX_MS``): its tick has to take the interpreter lock from that thread, which
may hold it for a long C call, and a collection frees Qt wrappers, each Qt call of which
hands the lock back and forth again. A tick with nothing to collect held the screen for up
to 15 ms, and a collection for 20.

:func:`install` is idempotent and is called both by the app's start-up and by the main
window, so that every way of running the window has the guard.
"""

from __future__ import annotations

import gc
import logging
import time

from PySide6.QtCore import QCoreApplication, QObject, QTimer

log = logging.getLogger(__name__)

TICK_MS = 100  # how often the UI thread checks whether a collection is due
SLOW_MS = 50  # a collection longer than this is logged (it held the UI that long)
PAUSE_MAX_MS = 10_000  # a pause ends by itself after this, whatever happens to the job

_guard: GcGuard | None = None


class GcGuard(QObject):
    """Owned by the QApplication; collects on its timer, in the thread the app lives in."""

    def __init__(self, app: QCoreApplication, tick_ms: int = TICK_MS):
        super().__init__(app)
        self.setObjectName("mesocheck-gc-guard")
        self.threshold = gc.get_threshold()
        self.collections = [0, 0, 0]  # how many of each generation this guard ran
        gc.disable()
        gc.freeze()
        self.timer = QTimer(self)
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        self._pause_ends = QTimer(self)
        self._pause_ends.setSingleShot(True)
        self._pause_ends.timeout.connect(self.resume)

    def pause(self, most_ms: int = PAUSE_MAX_MS) -> None:
        """No collections until :meth:`resume`, or for ``most_ms`` at most."""
        self.timer.stop()
        self._pause_ends.start(most_ms)

    def resume(self) -> None:
        """Collect again, from the next tick (whatever came due meanwhile first)."""
        self._pause_ends.stop()
        if not self.timer.isActive():
            self.timer.start()

    def due(self) -> int | None:
        """The generation the interpreter would collect now, or None."""
        counts = gc.get_count()
        if counts[0] <= self.threshold[0]:
            return None
        for generation in (2, 1):
            if counts[generation] > self.threshold[generation]:
                return generation
        return 0

    def check(self) -> int | None:
        """Collect what is due, if anything; returns the generation collected."""
        generation = self.due()
        if generation is None:
            return None
        began = time.perf_counter()
        gc.collect(generation)
        self.collections[generation] += 1
        ms = (time.perf_counter() - began) * 1000
        if ms > SLOW_MS:
            log.info("garbage collection (generation %d) took %.0f ms", generation, ms)
        return generation


def install() -> GcGuard:
    """Put the running QApplication's collections on its UI thread (once per application)."""
    global _guard
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("the garbage-collection guard needs a QApplication")
    if _guard is not None:
        try:
            if _guard.parent() is app:
                return _guard
        except RuntimeError:  # the application it belonged to is gone
            pass
    _guard = GcGuard(app)
    return _guard


def installed() -> GcGuard | None:
    """The guard of the running application, if it has one."""
    if _guard is None:
        return None
    try:
        return _guard if _guard.parent() is QCoreApplication.instance() else None
    except RuntimeError:
        return None
