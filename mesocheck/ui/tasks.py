"""Work off the UI thread, through one front door (Anki's ``QueryOp``).

Every piece of background work is a :class:`Task`: an ``op``, what to do with its result
(``success``), what to do when it fails (``failure``), optionally a progress callback
(``with_progress``), and :meth:`Task.run_in_background`::

    Task(lambda store: store.staff_members(), success=self.show, what="reading the staff")
        .failure(self.show_problem).run_in_background(db)

Given a :class:`Database`, the op runs on its one worker thread with the thread's own
``Store`` (``op(store)``): every read and write of the app, the patient's and the staff's,
goes there in order, so the window never waits on the disk and two writes never race.
Without one, the op runs in a thread of its own (``op()``): printing, rendering a preview.
With progress, the op also gets ``report(done, total)``.

Results come back on the UI thread. A failure is always one of two things: a
:class:`~mesocheck.errors.MesocheckError` (the person or the environment can act on it;
its ``message`` says how) or a :class:`Bug` (ours: logged with its traceback here, and
its ``message`` is the apology). A task without a ``failure`` hands a bug to
:data:`unhandled` (the crash handler apologises) and a refusal to the database's
:attr:`Database.refused`. A ``heavy`` task pauses the garbage collector's timer on the UI
thread while it runs (:mod:`mesocheck.ui.gc_guard`). :func:`shut_down` is the one wait at
exit.
"""

from __future__ import annotations

import logging
import queue
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

from mesocheck.errors import MesocheckError
from mesocheck.i18n import N_, _
from mesocheck.logs import log_bug
from mesocheck.store import IntakeLocked, InvalidPin, InvalidState, NotFound, Store, StoreError
from mesocheck.ui import gc_guard

log = logging.getLogger(__name__)

T = TypeVar("T")
Report = Callable[[int, int], None]
_NOT_RETRIED = (IntakeLocked, InvalidState, NotFound, InvalidPin)  # asking again won't help
_STOP = object()


def apology(what: str | None, log_path: Path | None) -> str:
    """What a person is told about a bug (ours, while doing ``what``): that it should not
    have happened, that their work is safe, and where the details went (never the details
    themselves: the log file's path is the last line)."""
    if what:
        text = _("Sorry, something went wrong while {what} that should not have. What was "
                 "already saved is safe. If this happens again, please tell the clinic's IT "
                 "contact.").format(what=_(what))
    else:
        text = _("Sorry, something went wrong in the app that should not have. What was "
                 "already saved is safe. If this happens again, please tell the clinic's IT "
                 "contact.")
    if log_path:
        text += "\n\n" + _("The details were written to:\n{path}").format(path=log_path)
    return text


class Bug(Exception):
    """An unexpected error in a task, already logged; ``message`` is the apology."""

    def __init__(self, error: BaseException, what: str, log_path: Path | None):
        super().__init__(apology(what, log_path))
        self.error = error
        self.message = str(self)


class Closed(MesocheckError):
    """A task asked of a database that was already closed."""

    def __init__(self) -> None:
        super().__init__(_("The app is closing, so this was not done."))


class _Events(QObject):
    bug = Signal(object)  # a Bug no task's failure callback took


unhandled = _Events()  # the crash handler listens here


class _Bridge(QObject):
    """Carries calls from worker threads to the UI thread (a queued connection)."""

    deliver = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.deliver.connect(self._call, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _call(self, fn: Callable[[], None]) -> None:
        fn()


_bridge: _Bridge | None = None
_threads: set[threading.Thread] = set()
_heavy = 0  # heavy tasks under way


def _to_ui(fn: Callable[[], None]) -> None:
    assert _bridge is not None
    _bridge.deliver.emit(fn)


def _threads_begin() -> None:
    """From the first background thread on: the bridge exists, and Python's collector runs
    only on the UI thread (the one place the guard is installed)."""
    global _bridge
    if _bridge is None:
        _bridge = _Bridge()
    if QCoreApplication.instance() is not None:
        gc_guard.install()


def _outcome(op: Callable[..., Any], args: tuple, what: str) -> tuple[bool, Any]:
    """Run ``op``; (True, result), or (False, the MesocheckError or the logged Bug)."""
    try:
        return True, op(*args)
    except MesocheckError as exc:
        return False, exc
    except Exception as exc:  # our bug: logged once, here, then handed on as an apology
        return False, Bug(exc, what, log_bug(exc, what))


class Task(Generic[T]):
    """One piece of background work; see the module's docstring."""

    def __init__(self, op: Callable[..., T], *, success: Callable[[T], Any] | None = None,
                 what: str, parent: QObject | None = None):
        self._op = op
        self._success = success
        self._failure: Callable[[Any], Any] | None = None
        self._progress: Report | None = None
        self._retry = False
        self._heavy = False
        self.what = what  # names the work in a sentence: "saving the answers"
        self._parent = parent
        self._database: Database | None = None
        self.done = False

    def success(self, fn: Callable[[T], Any]) -> "Task[T]":
        """Also after :meth:`run_in_background`: results arrive through the event loop."""
        self._success = fn
        return self

    def failure(self, fn: Callable[[Any], Any]) -> "Task[T]":
        """``fn(error)``: a MesocheckError, or a Bug; both have ``message``."""
        self._failure = fn
        return self

    def with_progress(self, fn: Report) -> "Task[T]":
        """``fn(done, total)`` on the UI thread; the op gets ``report`` as its last argument."""
        self._progress = fn
        return self

    def retrying(self) -> "Task[T]":
        """A save that must not be lost: a write the environment refuses (full disk, locked
        or read-only database) is tried again, and later tasks wait behind it."""
        self._retry = True
        return self

    def heavy(self) -> "Task[T]":
        """Long Python work (a PDF): the UI thread's collector pauses until it is done."""
        self._heavy = True
        return self

    def then(self, success: Callable[[T], Any] | None = None,
             failure: Callable[[Any], Any] | None = None) -> "Task[T]":
        if success is not None:
            self._success = success
        if failure is not None:
            self._failure = failure
        return self

    def run_in_background(self, database: "Database | None" = None) -> "Task[T]":
        _threads_begin()
        if self._heavy:
            global _heavy
            _heavy += 1
            guard = gc_guard.installed()
            if guard is not None:
                guard.pause()
        if database is not None:
            self._database = database
            database._queue_task(self)
        else:
            thread = threading.Thread(target=self._in_thread, name=f"mesocheck: {self.what}",
                                      daemon=True)
            _threads.add(thread)
            thread.start()
        return self

    # -- in the worker ------------------------------------------------------------------

    def _args(self, *context: Any) -> tuple:
        if self._progress is None:
            return context
        return (*context, lambda done, total: _to_ui(lambda: self._report(done, total)))

    def _in_thread(self) -> None:
        try:
            ok, value = _outcome(self._op, self._args(), self.what)
            _to_ui(lambda: self._deliver(ok, value))
        finally:
            _threads.discard(threading.current_thread())

    # -- back on the UI thread ---------------------------------------------------------

    def _alive(self) -> bool:
        return self._parent is None or shiboken6.isValid(self._parent)

    def _report(self, done: int, total: int) -> None:
        if self._progress is not None and not self.done and self._alive():
            self._progress(done, total)

    def _deliver(self, ok: bool, value: Any) -> None:
        self.done = True
        if self._heavy:
            _heavy_done()
        database = self._database
        try:
            if not self._alive():
                return
            if ok:
                if self._success is not None:
                    self._success(value)
            elif self._failure is not None:
                self._failure(value)
            elif isinstance(value, Bug):
                unhandled.bug.emit(value)
            elif database is not None:
                database.refused.emit(value.message)
            else:
                log.warning("%s failed: %s", self.what, type(value).__name__)
        finally:
            if database is not None:
                database._delivered()


def _heavy_done() -> None:
    global _heavy
    _heavy -= 1
    guard = gc_guard.installed()
    if _heavy == 0 and guard is not None:
        guard.resume()


class Database(QObject):
    """The one front door to the database: a worker thread with its own Store, running
    tasks in the order they were queued (Anki's idea: database work serialised on one
    worker).

    Saving tasks (``retrying``) are never dropped: when the environment refuses a write the
    worker says so through :attr:`trouble`, waits a little and tries again, and says
    :attr:`recovered` once it went through. Meanwhile later tasks wait behind it.
    """

    trouble = Signal(str)  # a save failed for a reason the user can act on; retrying
    recovered = Signal()  # the save that failed went through
    refused = Signal(str)  # a write the store will never take, with no failure callback
    idle = Signal()  # every queued task has been delivered
    changed_elsewhere = Signal(str)  # on the hub: another station wrote (the intake, or "")

    def __init__(self, open_store: Callable[[], Store], *,
                 retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)):
        super().__init__()
        self._open_store = open_store
        self._delays = retry_delays
        self._queue: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._opened = threading.Event()
        self._open_error: BaseException | None = None
        self.pending = 0  # tasks queued and not yet delivered (UI thread only)
        self.in_trouble = False
        self.path: Path | None = None
        self.hub: str | None = None  # the hub's address when the store is the hub's
        self.sync: Any = None  # a tablet's mesocheck.sync.SyncWorker, when it has a hub
        self._listener: Any = None

    @classmethod
    def open(cls, path: Path, **kwargs: Any) -> "Database":
        """Start the worker on the database at ``path``; raises the StoreError of a database
        that cannot be opened (only ever waited for at start-up, before any window)."""
        database = cls(lambda: Store.open(path), **kwargs)
        database.path = Path(path)
        database.start()
        return database

    @classmethod
    def open_hub(cls, url: str, **kwargs: Any) -> "Database":
        """The practitioner's station: the worker's store is the hub's, and a listener
        says when another station wrote (:attr:`changed_elsewhere`)."""
        from mesocheck.hub.listen import Listener
        from mesocheck.hub.store import HubStore

        database = cls(lambda: HubStore.open(url), **kwargs)
        database.hub = url
        database.start()
        database._listener = Listener(
            url, lambda payload: _to_ui(lambda: database.changed_elsewhere.emit(payload)),
            on_state=lambda up: up and _to_ui(lambda: database.changed_elsewhere.emit(""))
        ).start()
        return database

    def start(self) -> None:
        _threads_begin()
        self._thread = threading.Thread(target=self._run, name="mesocheck-db", daemon=True)
        self._thread.start()
        self._opened.wait()
        if self._open_error is not None:
            self._thread.join()
            self._thread = None
            raise self._open_error

    def call(self, op: Callable[[Store], T], timeout: float = 60.0) -> T:
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

        self._queue.put(wrapped)
        if not done.wait(timeout):
            raise TimeoutError("the database did not answer in time")
        if "error" in box:
            raise box["error"]
        return box.get("result")

    def close(self, timeout: float = 10.0) -> bool:
        """Finish the queued writes and stop; False if they could not all be written."""
        for helper in (self._listener, self.sync):
            if helper is not None:
                helper.stop()
        self._listener = self.sync = None
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

    def _queue_task(self, task: Task) -> None:
        self.pending += 1
        if self._thread is None:  # closed (the app is ending): nothing runs it any more
            _to_ui(lambda: task._deliver(False, Closed()))
            return
        self._queue.put(task)

    def _delivered(self) -> None:
        self.pending -= 1
        if self.pending == 0:
            self.idle.emit()

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
                item = self._queue.get()
                if item is _STOP:
                    break
                if isinstance(item, Task):
                    self._do(store, item)
                else:
                    item(store)  # call(): it reports to its caller itself
        finally:
            store.close()

    def _do(self, store: Store, task: Task) -> None:
        attempt = 0
        troubled = False
        while True:
            ok, value = _outcome(task._op, task._args(store), task.what)
            if (not ok and task._retry and isinstance(value, StoreError)
                    and not isinstance(value, _NOT_RETRIED) and not self._stop.is_set()):
                log.warning("%s failed (%s); retrying", task.what, type(value).__name__)
                troubled = True
                _to_ui(lambda m=value.message: self._troubled(m))
                delay = self._delays[min(attempt, len(self._delays) - 1)]
                attempt += 1
                if not self._stop.wait(delay):
                    continue
            if troubled and ok:
                _to_ui(self._recovered)
            _to_ui(lambda: task._deliver(ok, value))
            return

    def _troubled(self, message: str) -> None:
        self.in_trouble = True
        self.trouble.emit(message)

    def _recovered(self) -> None:
        self.in_trouble = False
        self.recovered.emit()


class StoreSink:
    """The session's sink in the app: each write a retried task on the database."""

    def __init__(self, database: Database):
        self._database = database

    def _write(self, name: str, what: str, *args: Any, **kwargs: Any) -> Task:
        return Task(lambda store: getattr(store, name)(*args, **kwargs),
                    what=what).retrying().run_in_background(self._database)

    def save_answers(self, intake_id: str, answers: dict) -> Task:
        return self._write("save_answers", N_("saving the answers"), intake_id, dict(answers))

    def acknowledge(self, intake_id: str, disclosure_id: str, text_hash: str,
                    read_at: datetime | None = None) -> Task:
        return self._write("acknowledge", N_("saving an acknowledgement"), intake_id,
                           disclosure_id, text_hash, read_at)

    def withdraw_acknowledgement(self, intake_id: str, disclosure_id: str) -> Task:
        return self._write("withdraw_acknowledgement", N_("saving an acknowledgement"),
                           intake_id, disclosure_id)

    def set_current_step(self, intake_id: str, step: str | None) -> Task:
        return self._write("set_current_step", N_("saving the page"), intake_id, step)

    def add_understanding_try(self, intake_id: str, answers: dict, wrong: list) -> Task:
        return self._write("add_understanding_try", N_("saving an answer to the check"),
                           intake_id, dict(answers), list(wrong))

    def submit(self, intake_id: str, *, signature: dict, flags: list,
               guardian: dict | None = None) -> Task:
        return self._write("submit", N_("saving the signed form"), intake_id,
                           signature=signature, flags=flags, guardian=guardian)


def wait_for_threads(timeout: float = 60.0) -> bool:
    """Wait for the tasks running in threads of their own; False if one is still busy."""
    for thread in list(_threads):
        thread.join(timeout)
    return not any(t.is_alive() for t in list(_threads))


def shut_down(database: Database | None, timeout: float = 10.0) -> bool:
    """The one wait at exit: tasks in threads of their own end, then the database worker
    writes what is queued and stops. False if something could not finish."""
    finished = wait_for_threads(timeout * 6)
    if database is not None:
        finished = database.close(timeout) and finished
    return finished
