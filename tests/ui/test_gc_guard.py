"""Python's cycle collector runs on the UI thread only (see mesocheck/ui/gc_guard.py).

A collection in a worker thread (the consent PDF's, importing reportlab) used to finalise Qt
wrappers of the wizard being torn down, off the UI thread: an occasional segfault.
"""

from __future__ import annotations

import gc
import threading
import time

import shiboken6
from PySide6.QtCore import QTimer

from mesocheck.ui import gc_guard, tasks
from tests.support import intake_driver as drive


class _Cycle:
    """Garbage only the cycle collector can free; counts its own end."""

    freed = 0

    def __init__(self) -> None:
        self.me = self
        self.payload = [self]

    def __del__(self) -> None:
        type(self).freed += 1


class _Churn:
    """Cyclic garbage the UI thread makes while the app goes on (not counted)."""

    def __init__(self) -> None:
        self.me = self


def _allocate_cycles(count: int, made: list[int], stop: threading.Event) -> None:
    for i in range(count):
        if stop.is_set():
            break
        _Cycle()
        made[0] = i + 1
        if i % 5000 == 0:
            time.sleep(0.001)  # let the UI thread run now and then, as the PDF thread does


def test_collection_is_not_automatic_once_the_window_exists(make_window, qapp):
    make_window()
    assert not gc.isenabled()
    guard = gc_guard.installed()
    assert guard is not None and guard.parent() is qapp
    assert guard.timer.isActive()
    assert gc_guard.install() is guard  # once per application


def test_collections_run_on_the_ui_thread_while_workers_allocate(qtbot, make_window,
                                                                 practitioner):
    window = make_window()
    ui_thread = threading.get_ident()
    threads: list[tuple[int, int]] = []  # (thread, generation) of every collection

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            threads.append((threading.get_ident(), info["generation"]))

    made, stop = [0], threading.Event()
    _Cycle.freed = 0
    allocator = threading.Thread(target=_allocate_cycles, args=(300_000, made, stop),
                                 name="cycle-allocator")
    gc.callbacks.append(record)
    try:
        allocator.start()
        # The consent PDF is built in its thread meanwhile.
        drive.walk_in_and_sign(qtbot, window, {"sun_recent": True})
        allocator.join(60)
        qtbot.waitUntil(lambda: not window.pdf_jobs, timeout=60_000)
        # The garbage made off the UI thread is still collected, by the UI thread.
        guard = gc_guard.installed()

        def app_goes_on() -> bool:
            # The app keeps allocating on its UI thread (as the interpreter, the guard
            # collects an older generation only once enough younger collections are due).
            for _ in range(300):
                _Churn()
            return _Cycle.freed >= made[0] - 10

        try:
            qtbot.waitUntil(app_goes_on, timeout=30_000)  # up to ~110 ticks of 100 ms
        except Exception:
            raise AssertionError(
                f"{made[0] - _Cycle.freed} of {made[0]} cycles not collected; collector "
                f"ticking: {guard.timer.isActive()}, heavy tasks: {tasks._heavy}, counts: "
                f"{gc.get_count()}, collections: {guard.collections}") from None
    finally:
        stop.set()
        allocator.join()
        gc.callbacks.remove(record)

    assert made[0] == 300_000
    assert threads, "no collections: memory would only grow"
    elsewhere = [(ident, gen) for ident, gen in threads if ident != ui_thread]
    assert elsewhere == [], f"{len(elsewhere)} collection(s) ran outside the UI thread"


def test_the_guard_collects_what_the_interpreter_would(qapp):
    guard = gc_guard.install()
    gc.collect(0)
    assert guard.check() is None  # nothing allocated: nothing due
    for _ in range(guard.threshold[0] + 50):
        _Cycle()
    assert gc.get_count()[0] > guard.threshold[0]
    assert guard.check() is not None
    assert gc.get_count()[0] < 50


def test_a_paused_guard_holds_collections_until_resumed_or_for_at_most_a_while(qtbot, qapp):
    guard = gc_guard.install()

    def garbage() -> None:
        for _ in range(guard.threshold[0] + 50):
            _Cycle()

    guard.pause()  # the consent PDF's thread is at work
    before = sum(guard.collections)
    garbage()
    qtbot.wait(3 * gc_guard.TICK_MS)
    assert not guard.timer.isActive() and sum(guard.collections) == before
    guard.resume()
    garbage()
    qtbot.waitUntil(lambda: sum(guard.collections) > before, timeout=2000)

    guard.pause(most_ms=3 * gc_guard.TICK_MS)  # a job that never says it is done
    assert not guard.timer.isActive()
    qtbot.waitUntil(guard.timer.isActive, timeout=3000)
    before = sum(guard.collections)
    garbage()
    qtbot.waitUntil(lambda: sum(guard.collections) > before, timeout=2000)


def test_the_wizard_is_taken_down_a_page_per_turn(qtbot, make_window, practitioner):
    """Leaving the wizard hides it at once, then deletes its pages one per turn of the event
    loop (no single long event), and the wizard itself last."""
    window = make_window()
    order: list[str] = []
    hidden: list[bool] = []

    making_pdf: list[bool] = []  # at each page's deletion, whether the PDF was being made

    def watch(wizard) -> None:
        for page in wizard.built_pages():
            page.destroyed.connect(lambda *_: order.append("page"))
            page.destroyed.connect(lambda *_: making_pdf.append(bool(window.pdf_jobs)))
        wizard.destroyed.connect(lambda *_: order.append("wizard"))
        wizard.submitted.connect(lambda *_: QTimer.singleShot(
            0, lambda: hidden.append(shiboken6.isValid(wizard) and wizard.isHidden())))

    drive.walk_in_and_sign(qtbot, window, {"sun_recent": True}, before_signing=watch)
    assert window.wizard is None and "wizard" not in window.screens
    qtbot.waitUntil(lambda: "wizard" in order, timeout=10_000)
    qtbot.waitUntil(lambda: not window.pdf_jobs, timeout=60_000)
    assert hidden == [True]
    assert order.count("page") >= 10 and order[-1] == "wizard" and order.count("wizard") == 1
    assert not any(making_pdf)  # deleting waits for the PDF's thread (Python's lock)
