"""The one front door to the database: a single background thread with its own Store.

Every read and write of the app is a job ``op(store) -> result`` queued here and run in
order (Anki's idea: database work serialised on one worker). The window never waits on the
disk; results come back to the UI thread through ``on_done`` / ``on_error`` callbacks.

Saving jobs (``retry=True``) are never dropped: when the environment refuses a write (disk
full, database locked or read-only) the worker says so through :attr:`DbWorker.trouble`,
waits a little and tries again, and says :attr:`DbWorker.recovered` once it went through.
Meanwhile later jobs wait behind it, so the order of writes is kept.
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path
from typing import Any, Callable

from msgspec import Struct
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

from mesocheck.logs import log_bug
from mesocheck.store import (
    IntakeLocked,
    InvalidPin,
    InvalidState,
    NotFound,
    Store,
    StoreError,
)
from mesocheck.ui import gc_guard

log = logging.getLogger(__name__)

Op = Callable[[Store], Any]
Callback = Callable[[Any], None]
_NOT_RETRIED = (IntakeLocked, InvalidState, NotFound, InvalidPin)
_STOP = object()


class Job(Struct):
    op: Op
    on_done: Callback | None = None
    on_error: Callback | None = None
    retry: bool = False
    label: str = "job"
    silent: bool = False  # run only; nothing is delivered back (see DbWorker.call)

    def then(self, on_done: Callback | None = None, on_error: Callback | None = None) -> "Job":
        """Attach callbacks after queueing (safe: results are delivered by the event loop)."""
        if on_done is not None:
            self.on_done = on_done
        if on_error is not None:
            self.on_error = on_error
        return self


class _Bridge(QObject):
    """Carries calls from the worker thread to the UI thread (queued connection)."""

    deliver = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.deliver.connect(self._call, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _call(self, fn: Callable[[], None]) -> None:
        fn()


class DbWorker(QObject):
    trouble = Signal(str)  # a save failed for a reason the user can act on; retrying
    recovered = Signal()  # the save that failed went through
    refused = Signal(str)  # a save the store will never take (e.g. the intake was voided)
    bug = Signal(object)  # an unexpected exception with no on_error to take it
    idle = Signal()  # the queue is empty

    def __init__(self, open_store: Callable[[], Store], *,
                 retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)):
        super().__init__()
        self._open_store = open_store
        self._delays = retry_delays
        self._queue: queue.Queue = queue.Queue()
        self._bridge = _Bridge()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._opened = threading.Event()
        self._open_error: BaseException | None = None
        self.pending = 0  # jobs queued and not yet delivered (UI thread only)
        self.in_trouble = False
        self.path: Path | None = None

    @classmethod
    def open(cls, path: Path, **kwargs: Any) -> "DbWorker":
        """Start the worker on the database at ``path``; raises the StoreError of a database
        that cannot be opened (only ever waited for at start-up, before any window)."""
        worker = cls(lambda: Store.open(path), **kwargs)
        worker.path = Path(path)
        worker.start()
        return worker

    def start(self) -> None:
        if QCoreApplication.instance() is not None:  # from now on there are two threads
            gc_guard.install()
        self._thread = threading.Thread(target=self._run, name="mesocheck-db", daemon=True)
        self._thread.start()
        self._opened.wait()
        if self._open_error is not None:
            self._thread.join()
            self._thread = None
            raise self._open_error

    # -- queueing (UI thread) -----------------------------------------------------------

    def run(self, op: Op, on_done: Callback | None = None, on_error: Callback | None = None,
            *, retry: bool = False, label: str = "job") -> Job:
        job = Job(op, on_done, on_error, retry, label)
        self.pending += 1
        self._queue.put(job)
        return job

    def call(self, op: Op, timeout: float = 60.0) -> Any:
        """Run ``op`` and wait for its result. Only for start-up, before any window: it
        blocks the calling thread."""
        done = threading.Event()
        box: dict[str, Any] = {}

        def wrapped(store: Store) -> None:
            try:
                box["result"] = op(store)
            except BaseException as exc:  # handed to the caller below
                box["error"] = exc
            finally:
                done.set()

        self._queue.put(Job(wrapped, label="call", silent=True))
        if not done.wait(timeout):
            raise TimeoutError("the database did not answer in time")
        if "error" in box:
            raise box["error"]
        return box.get("result")

    def close(self, timeout: float = 10.0) -> bool:
        """Finish the queued writes and stop; False if they could not all be written."""
        if self._thread is None:
            return True
        self._queue.put(_STOP)
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._stop.set()  # give up retrying: the user has been told saving fails
            self._thread.join(2.0)
        finished = not self._thread.is_alive() and self._queue.empty()
        self._thread = None
        return finished

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the worker thread --------------------------------------------------------------

    def _run(self) -> None:
        try:
            store = self._open_store()
        except BaseException as exc:  # reported to start() in the UI thread
            self._open_error = exc
            self._opened.set()
            return
        self._opened.set()
        try:
            while True:
                job = self._queue.get()
                if job is _STOP:
                    break
                self._do(store, job)
        finally:
            store.close()

    def _do(self, store: Store, job: Job) -> None:
        if job.silent:
            job.op(store)
            return
        attempt = 0
        troubled = False
        while True:
            try:
                result = job.op(store)
            except StoreError as exc:
                if job.retry and not isinstance(exc, _NOT_RETRIED) and not self._stop.is_set():
                    log.warning("%s failed (%s); retrying", job.label, type(exc).__name__)
                    troubled = True
                    self._post(lambda m=exc.message: self._troubled(m))
                    delay = self._delays[min(attempt, len(self._delays) - 1)]
                    attempt += 1
                    if self._stop.wait(delay):
                        self._post(lambda e=exc: self._finish(job, error=e))
                        return
                    continue
                self._post(lambda e=exc: self._finish(job, error=e))
                return
            except Exception as exc:  # our bug: logged, then handed to the UI
                log_bug(exc, f"database job {job.label}")
                self._post(lambda e=exc: self._finish(job, error=e, bug=True))
                return
            if troubled:
                self._post(self._recovered)
            self._post(lambda r=result: self._finish(job, result=r))
            return

    def _post(self, fn: Callable[[], None]) -> None:
        self._bridge.deliver.emit(fn)

    # -- back in the UI thread ---------------------------------------------------------

    def _troubled(self, message: str) -> None:
        self.in_trouble = True
        self.trouble.emit(message)

    def _recovered(self) -> None:
        self.in_trouble = False
        self.recovered.emit()

    def _finish(self, job: Job, result: Any = None, error: BaseException | None = None,
                bug: bool = False) -> None:
        self.pending -= 1
        try:
            if error is None:
                if job.on_done is not None:
                    job.on_done(result)
            elif job.on_error is not None:
                job.on_error(error)
            elif bug or not isinstance(error, StoreError):
                self.bug.emit(error)
            else:
                self.refused.emit(error.message)
        finally:
            if self.pending == 0:
                self.idle.emit()


class AsyncSink:
    """The session's sink in the app: each write becomes a retried job on the worker."""

    def __init__(self, worker: DbWorker):
        self._worker = worker

    def _job(self, name: str, *args: Any, **kwargs: Any) -> Job:
        return self._worker.run(lambda store: getattr(store, name)(*args, **kwargs),
                                retry=True, label=name)

    def save_answers(self, intake_id: str, answers: dict) -> Job:
        return self._job("save_answers", intake_id, dict(answers))

    def acknowledge(self, intake_id: str, disclosure_id: str, text_hash: str) -> Job:
        return self._job("acknowledge", intake_id, disclosure_id, text_hash)

    def withdraw_acknowledgement(self, intake_id: str, disclosure_id: str) -> Job:
        return self._job("withdraw_acknowledgement", intake_id, disclosure_id)

    def set_current_step(self, intake_id: str, step: str | None) -> Job:
        return self._job("set_current_step", intake_id, step)

    def submit(self, intake_id: str, *, signature: dict, flags: list) -> Job:
        return self._job("submit", intake_id, signature=signature, flags=flags)
