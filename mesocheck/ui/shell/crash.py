"""Bugs anywhere in the app: logged with their traceback (never patient data) and apologised
for, one apology at a time; and a crash in native code leaves a trace in the log folder.

As qutebrowser's ``misc/crashsignal.py``: start-up installs the handler (:meth:`activate`)
and no window imports it. A Python exception that reaches the event loop comes through
``sys.excepthook``; a bug in a background task that no one took comes through
:data:`mesocheck.ui.tasks.unhandled`. A crash in C (Qt, the binding, SQLite) ends the process
before Python can do anything, so ``faulthandler`` writes the Python stack of every thread
into ``native-crash.log`` beside the bug log (qutebrowser's ``earlyinit.init_faulthandler``).
"""

from __future__ import annotations

import faulthandler
import os
import sys
import traceback
from types import TracebackType
from typing import IO, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from mesocheck.i18n import N_, _
from mesocheck.logs import log_bug
from mesocheck.paths import log_dir
from mesocheck.ui import tasks
from mesocheck.ui.widgets.dialogs import Dialog

NATIVE_LOG = "native-crash.log"
TITLE = N_("Sorry, something went wrong")


class CrashHandler(QObject):
    """Owned by the application; :meth:`activate` at start-up, :meth:`deactivate` at exit."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.dialog: Dialog | None = None  # the apology on screen, if any
        self._previous_hook: Any = None
        self._native_log: IO[bytes] | None = None

    def activate(self) -> None:
        self._previous_hook = sys.excepthook
        sys.excepthook = self._excepthook
        tasks.unhandled.bug.connect(self._task_bug)
        self._native_log = _open_native_log()
        if self._native_log is not None:
            faulthandler.enable(self._native_log, all_threads=True)

    def deactivate(self) -> None:
        if self._previous_hook is not None:
            sys.excepthook = self._previous_hook
            self._previous_hook = None
        try:
            tasks.unhandled.bug.disconnect(self._task_bug)
        except (RuntimeError, TypeError):  # never connected
            pass
        if self._native_log is not None:
            faulthandler.disable()
            self._native_log.close()
            self._native_log = None

    # -- reporting --------------------------------------------------------------------

    def report(self, error: BaseException, tb: TracebackType | None = None) -> None:
        """Log an unexpected error and apologise (once at a time)."""
        if tb is not None and error.__traceback__ is None:
            error = error.with_traceback(tb)
        self.apologise(tasks.apology(None, log_bug(error, "the tablet app")))

    def apologise(self, text: str) -> None:
        if self.dialog is not None or QApplication.instance() is None:
            return
        parent = QApplication.activeWindow()
        if parent is not None and not parent.isVisible():
            parent = None
        self.dialog = Dialog(parent, _(TITLE), text, on_finished=self._closed)
        self.dialog.show()

    def _closed(self, *_: Any) -> None:
        self.dialog = None

    def _task_bug(self, bug: tasks.Bug) -> None:
        self.apologise(bug.message)  # logged already, where it happened

    def _excepthook(self, kind: type[BaseException], error: BaseException,
                    tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        try:
            self.report(error, tb)
        except Exception:  # the handler itself must never raise
            traceback.print_exception(kind, error, tb)


def _open_native_log() -> IO[bytes] | None:
    """The file faulthandler writes into (this user's only, like the bug log), or None when
    the log folder cannot be written."""
    folder = log_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(folder / NATIVE_LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError:
        return None
    return os.fdopen(fd, "ab", buffering=0)
