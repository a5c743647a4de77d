"""Work off the UI thread: one front door for every long job the app runs.

As in Anki's ``QueryOp``: :func:`run` takes a plain function ``work(report) -> result`` and
runs it in a thread of its own, so the window stays responsive; ``report(done, total)``
feeds a progress indicator; the result, or one sentence saying what went wrong, comes back
on the UI thread as a signal. :func:`run_with_store` does the same for work that needs the
database, on a Store connection of the thread's own (sqlite3 connections stay in the
thread that opened them).

A running thread is never destroyed: the thread has no Qt parent and the job keeps itself
alive until the work is over, even when the window that started it has closed meanwhile
(its results then go nowhere). :func:`wait_for_all` lets the app finish them at exit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from mesocheck.errors import MesocheckError

Report = Callable[[int, int], None]
_RUNNING: set["Job"] = set()


class Job(QObject):
    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    done = Signal()  # after succeeded or failed, once the thread has stopped

    def __init__(self, work: Callable[[Report], Any], what: str,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName(f"mesocheck: {what}")
        self._worker = _Worker(work, what)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self.progress)
        # The thread stops itself as soon as the work is done, whatever the UI is doing.
        self._worker.finished.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        self._worker.finished.connect(self._finish)

    def start(self) -> "Job":
        _RUNNING.add(self)
        self._thread.start()
        return self

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, ms: int = 60_000) -> bool:
        return self._thread.wait(ms)

    @Slot(bool, object)
    def _finish(self, ok: bool, payload: Any) -> None:
        self._thread.wait()  # quit was asked for already: this returns at once
        _RUNNING.discard(self)
        if ok:
            self.succeeded.emit(payload)
        else:
            self.failed.emit(payload)
        self.done.emit()


class _Worker(QObject):
    progress = Signal(int, int)
    finished = Signal(bool, object)

    def __init__(self, work: Callable[[Report], Any], what: str):
        super().__init__()
        self._work = work
        self._what = what

    @Slot()
    def run(self) -> None:
        try:
            result = self._work(self.progress.emit)
        except MesocheckError as exc:
            self.finished.emit(False, exc.message)
        except Exception as exc:  # a bug: logged with its traceback, shown as an apology
            from mesocheck.logs import log_bug

            log = log_bug(exc, self._what)
            where = f" Details were written to {log}." if log else ""
            self.finished.emit(False, f"Sorry, {self._what} failed unexpectedly.{where}")
        else:
            self.finished.emit(True, result)


def run(work: Callable[[Report], Any], what: str, parent: QObject | None = None) -> Job:
    """Start ``work(report)`` in its own thread. ``what`` names it in a sentence ("printing
    today's consents"), for the apology should it fail with a bug. A job given a
    ``parent`` stops reporting once that parent is gone."""
    return Job(work, what, parent).start()


def run_with_store(db_path: Path, work: Callable[[Any, Report], Any], what: str,
                   parent: QObject | None = None) -> Job:
    """:func:`run` for ``work(store, report)``, on a Store opened in the job's thread."""
    def with_store(report: Report) -> Any:
        from mesocheck.store.store import Store

        with Store.open(Path(db_path), create=False) as store:
            return work(store, report)

    return run(with_store, what, parent)


def wait_for_all(ms: int = 60_000) -> bool:
    """Wait for every running job's thread (at exit); False if one was still busy."""
    return all(job.wait(ms) for job in list(_RUNNING))
