"""Long review work (building a PDF, printing a batch) off the UI thread.

One front door, as in Anki's ``QueryOp``: :func:`run_in_background` takes a plain function
``work(store, report) -> result``. It runs in a thread of its own with its *own* Store
connection (sqlite3 connections stay in the thread that opened them); ``report(done, total)``
feeds a progress indicator; the result or a one-sentence failure comes back as a signal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from mesocheck.errors import MesocheckError

Work = Callable[[Any, Callable[[int, int], None]], Any]
_RUNNING: set["BackgroundJob"] = set()


class BackgroundJob(QObject):
    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    done = Signal()  # after succeeded or failed, once the thread has stopped

    def __init__(self, db_path: Path, work: Work, what: str, parent: QObject | None = None):
        super().__init__(parent)
        self._thread = QThread(self)
        self._worker = _Worker(Path(db_path), work, what)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self.progress)
        self._worker.finished.connect(self._finish)

    def start(self) -> "BackgroundJob":
        _RUNNING.add(self)
        self._thread.start()
        return self

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, ms: int = 30000) -> bool:
        return self._thread.wait(ms)

    @Slot(bool, object)
    def _finish(self, ok: bool, payload: Any) -> None:
        self._thread.quit()
        self._thread.wait()
        _RUNNING.discard(self)
        if ok:
            self.succeeded.emit(payload)
        else:
            self.failed.emit(payload)
        self.done.emit()


class _Worker(QObject):
    progress = Signal(int, int)
    finished = Signal(bool, object)

    def __init__(self, db_path: Path, work: Work, what: str):
        super().__init__()
        self._db_path = db_path
        self._work = work
        self._what = what

    @Slot()
    def run(self) -> None:
        from mesocheck.store.store import Store

        try:
            with Store.open(self._db_path, create=False) as store:
                result = self._work(store, self.progress.emit)
        except MesocheckError as exc:
            self.finished.emit(False, exc.message)
        except Exception as exc:  # a bug: logged with its traceback, shown as an apology
            from mesocheck.logs import log_bug

            log = log_bug(exc, self._what)
            where = f" Details were written to {log}." if log else ""
            self.finished.emit(False, f"Sorry, {self._what} failed unexpectedly.{where}")
        else:
            self.finished.emit(True, result)


def run_in_background(db_path: Path, work: Work, what: str,
                      parent: QObject | None = None) -> BackgroundJob:
    """Start ``work`` in its own thread; keep the returned job to follow it."""
    return BackgroundJob(db_path, work, what, parent).start()


def running_jobs() -> set[BackgroundJob]:
    return set(_RUNNING)
