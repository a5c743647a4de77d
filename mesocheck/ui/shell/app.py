"""Starting the tablet app: Qt, the look, the database, the bug handler, the window.

``mesocheck`` with no command calls :func:`run`. Problems a person can fix (a database that
cannot be opened, a broken form file) end in a plain message and exit code 1; a bug is
logged with its traceback (no patient data) and the person sees a short apology with the
log's path, while the app carries on.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QThreadPool, Qt
from PySide6.QtWidgets import QApplication, QWidget

from mesocheck.errors import MesocheckError
from mesocheck.logs import log_bug, setup_logging
from mesocheck.store import DatabaseCorrupt
from mesocheck.timeutil import clinic_zone
from mesocheck.ui import background
from mesocheck.ui import gc_guard
from mesocheck.ui.dbworker import DbWorker
from mesocheck.ui.pdf_job import repair_missing_pdfs
from mesocheck.ui.widgets import style
from mesocheck.ui.widgets.dialogs import Dialog

log = logging.getLogger(__name__)

DEMO_INTAKE = "MESOCHECK_DEMO_INTAKE"
_reporting = False
_shown: list[Dialog] = []  # a dialog without a parent lives only while referenced
_damage_dialog: list[Dialog] = []


def report_bug(error: BaseException, parent: QWidget | None = None,
               tb: TracebackType | None = None) -> None:
    """Log an unexpected error and apologise, once at a time."""
    global _reporting
    if tb is not None and error.__traceback__ is None:
        error = error.with_traceback(tb)
    path = log_bug(error, "the tablet app")
    if _reporting or QApplication.instance() is None:
        return
    _reporting = True
    where = f"\n\nThe details were written to:\n{path}" if path else ""

    def done(*_: Any) -> None:
        global _reporting
        _reporting = False
        _shown.clear()

    if parent is None or not parent.isVisible():
        parent = QApplication.activeWindow()
    if parent is not None and not parent.isVisible():
        parent = None
    dialog = Dialog(parent, "Sorry, something went wrong",
                    "Something went wrong in the app that should not have. What was already "
                    f"saved is safe. If this happens again, please tell the clinic's IT "
                    f"contact.{where}", on_finished=done)
    _shown.append(dialog)
    dialog.show()


def _excepthook(kind: type[BaseException], error: BaseException,
                tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        QApplication.quit()
        return
    try:
        report_bug(error, tb=tb)
    except Exception:  # the handler itself must never raise
        traceback.print_exception(kind, error, tb)


def _fatal(app: QApplication, title: str, text: str) -> int:
    """A message for a problem that stops the app before its window opens; exit code 1."""
    dialog = Dialog(None, title, text, accept_text="Close")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.finished.connect(lambda _r: app.quit())
    dialog.show()
    app.exec()
    return 1


def _check_database(app: QApplication, db_path: Path, *, repair: bool) -> background.Job:
    """Once the first screen shows: read every page of the database in the background
    (SQLite's quick check, about a second per GB). SQLite notices a damaged page only when
    it touches it, so without this the app could keep saving beside damage. A damaged file
    stops the app with the advice to restore; a healthy one then gets its missing consent
    PDFs made (``repair``)."""
    def check(store: Any, _report: Any) -> str | None:
        try:
            store.check_quickly()
        except DatabaseCorrupt as exc:
            return exc.message
        return None

    def checked(damage: str | None) -> None:
        if damage is None:
            if repair:
                repair_missing_pdfs(db_path)
            return
        log.error("the database failed its quick check at start-up")
        for widget in app.topLevelWidgets():
            widget.hide()  # nothing more is typed into a file that cannot keep it
        dialog = Dialog(None, "The database is damaged", damage, accept_text="Close")
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.finished.connect(lambda _r: app.exit(1))
        _damage_dialog[:] = [dialog]
        dialog.show()

    job = background.run_with_store(db_path, check, "checking the database")
    job.succeeded.connect(checked)
    job.failed.connect(lambda message: log.warning("start-up database check not done"))
    return job


def run(db_path: Path, *, demo_intake: bool | None = None) -> int:
    """Run the tablet app on the database at ``db_path``; returns the exit code.

    ``demo_intake`` (or ``MESOCHECK_DEMO_INTAKE=1``) opens straight at the first step of a
    walk-in intake for a made-up patient; with ``MESOCHECK_EXIT_AFTER_FIRST_PAINT=1`` the app
    quits as soon as that step (or else the first screen) has been painted.
    """
    from mesocheck.forms.registry import default_form
    from mesocheck.ui.shell.main_window import MainWindow

    setup_logging()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    gc_guard.install()  # before any thread starts: collections only on this thread
    app.setApplicationName("mesocheck")
    app.setApplicationDisplayName("mesocheck")
    style.apply(app)

    try:
        db = DbWorker.open(Path(db_path))
    except MesocheckError as exc:
        return _fatal(app, "The database cannot be opened", exc.message)
    try:
        settings, has_practitioner = db.call(
            lambda store: (store.settings(), store.has_practitioner()))
        form = default_form()
    except MesocheckError as exc:
        db.close()
        return _fatal(app, "mesocheck cannot start", exc.message)

    if demo_intake is None:
        demo_intake = os.environ.get(DEMO_INTAKE) == "1"
    previous_hook = sys.excepthook
    sys.excepthook = _excepthook
    try:
        window = MainWindow(db, form, settings=settings,
                            zone=clinic_zone(settings.get("time_zone")),
                            has_practitioner=has_practitioner, demo_intake=demo_intake)
        window.resize(1280, 800)
        window.after_first_paint(lambda: _check_database(app, db.path, repair=not demo_intake))
        if settings.get("full_screen") or os.environ.get("MESOCHECK_FULL_SCREEN") == "1":
            window.showFullScreen()  # a kiosk tablet
        else:
            window.show()
        code = app.exec()
        window.close()
        background.wait_for_all()
        QThreadPool.globalInstance().waitForDone()
    finally:
        sys.excepthook = previous_hook
        if not db.close():
            log.error("some answers could not be written before closing")
    return code
