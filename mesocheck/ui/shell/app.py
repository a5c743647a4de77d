"""Starting the tablet app: Qt, the look, the crash handler, the database, the window.

``mesocheck`` with no command calls :func:`run`. Problems a person can fix (a database that
cannot be opened, a broken form file) end in a plain message and exit code 1; a bug is
logged with its traceback (no patient data) and the person sees a short apology with the
log's path, while the app carries on (:mod:`mesocheck.ui.shell.crash`).
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow

from mesocheck.errors import MesocheckError
from mesocheck.i18n import N_, _, set_clinic_language
from mesocheck.logs import setup_logging
from mesocheck.session import PatientDetails
from mesocheck.store import DatabaseCorrupt
from mesocheck.timeutil import clinic_zone
from mesocheck.ui.shell.crash import CrashHandler
from mesocheck.ui.tasks import Database, Task, shut_down
from mesocheck.ui.widgets import style
from mesocheck.ui.widgets.dialogs import Dialog
from mesocheck.ui.widgets.screen import enter_presses_focused_button

log = logging.getLogger(__name__)

DEMO_INTAKE = "MESOCHECK_DEMO_INTAKE"
_damage_dialog: list[Dialog] = []  # a dialog without a parent lives only while referenced


def _fatal(app: QApplication, title: str, text: str, *, running: bool = False) -> int:
    """A message for a problem that stops the app before its window opens; exit code 1
    (``running``: the event loop runs already, and ends with it when it is closed)."""
    dialog = Dialog(None, title, text, accept_text=_("Close"))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.finished.connect(lambda _r: app.exit(1))
    _damage_dialog[:] = [dialog]
    dialog.show()
    if not running:
        app.exec()
    return 1


def _make_missing_pdfs(store: Any) -> list[str]:
    from mesocheck.documents.certificate import unlocked_seal
    from mesocheck.session import rebuild_missing_consent_pdfs

    built = rebuild_missing_consent_pdfs(store)
    if unlocked_seal(store) is not None:  # unlocked at launch: seal what waited for it
        from mesocheck.documents.archive import seal_pending

        seal_pending(store)
    return built


def check_database(app: QApplication, db: Database, *, repair: bool) -> Task:
    """Once the first screen shows: read every page of the database (SQLite's quick check,
    about a second per GB). SQLite notices a damaged page only when it touches it, so
    without this the app could keep saving beside damage. A damaged file stops the app with
    the advice to restore; a healthy one then gets the consent PDFs that a crash just after
    signing left unmade (``repair``)."""
    def check(store: Any) -> str | None:
        try:
            store.check_quickly()
        except DatabaseCorrupt as exc:
            return exc.message
        return None

    def checked(damage: str | None) -> None:
        if damage is None:
            if repair:
                Task(_make_missing_pdfs, what=N_("making consent documents missing after an "
                             "interruption"), success=_repaired).heavy().failure(
                    lambda error: log.warning("missing consent PDFs not made: %s",
                                              type(error).__name__)).run_in_background(db)
            return
        log.error("the database failed its quick check at start-up")
        for widget in app.topLevelWidgets():
            widget.hide()  # nothing more is typed into a file that cannot keep it
        dialog = Dialog(None, _("The database is damaged"), damage, accept_text=_("Close"))
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.finished.connect(lambda _r: app.exit(1))
        _damage_dialog[:] = [dialog]
        dialog.show()

    return Task(check, success=checked, what=N_("checking the database")).failure(
        lambda error: log.warning("start-up database check not done: %s",
                                  type(error).__name__)).run_in_background(db)


def _repaired(built: list[str]) -> None:
    if built:
        log.info("made %d consent PDF(s) missing after an interruption", len(built))


def start_sync(db: Database, path: Path, settings: dict[str, Any]) -> None:
    """A tablet with a hub: send and fetch in the background (``mesocheck.sync``); staff
    see how it goes in the staff area, patients never."""
    from mesocheck.store import Store
    from mesocheck.sync import SyncWorker

    db.sync = SyncWorker(lambda: Store.open(path, create=False), settings["hub_url"],
                         name=settings.get("device_name"))
    db.sync.start()


def demo_patient(today: date, now: Any, area: str,
                 language: str | None = None) -> PatientDetails:
    """The made-up walk-in patient of ``MESOCHECK_DEMO_INTAKE`` (benchmarks, screenshots)."""
    return PatientDetails("Demo Patient", date(today.year - 35, 1, 1), area,
                          now.replace(second=0, microsecond=0), language=language)


def run(db_path: Path | None, *, demo_intake: bool | None = None, hub: str | None = None,
        window_size: tuple[int, int] | None = None) -> int:
    """Run the tablet app on the database at ``db_path``; returns the exit code.

    An encrypted database not yet unlocked (by ``--passphrase-file`` or the keyring) first
    shows the unlock screen, and a new one the set-up screen, in a window of their own;
    the app's window opens once the passphrase has opened the database. It fills the
    screen (a kiosk tablet) unless the clinic's ``full_screen`` setting is off or
    ``window_size`` asks for a window (``mesocheck --window``). ``demo_intake`` (or
    ``MESOCHECK_DEMO_INTAKE=1``) opens straight at the first step of a walk-in intake for a
    made-up patient. With ``hub`` (its address) the app is the practitioner's station
    instead: staff sign in, and the review works on the hub's record of every tablet, its
    queue kept up to date as tablets send. A tablet whose database names a hub
    (``mesocheck hub connect``) sends to it in the background.
    """
    setup_logging()
    if QApplication.instance() is None:
        from mesocheck.ui.shell.platform_check import platform_problem

        problem = platform_problem()
        if problem is not None:
            raise MesocheckError(_("the tablet app cannot start: {problem}").format(
                problem=problem))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("mesocheck")
    app.setApplicationDisplayName("mesocheck")
    style.apply(app)
    crash = CrashHandler(app)
    crash.activate()
    db_path = None if hub else Path(db_path)
    opened: list[Database] = []
    try:
        try:
            gate = None if db_path is None else _gate(db_path)
        except MesocheckError as exc:
            return _fatal(app, _("The database cannot be opened"), exc.message)
        if gate is None:
            if _start(app, db_path, demo_intake, opened, None, window_size=window_size,
                      hub=hub) is not None:
                return 1
        else:
            def unlocked(passphrase: str) -> None:
                _start(app, db_path, demo_intake, opened, passphrase, running=True,
                       window_size=window_size)
                gate.close()
                gate.deleteLater()

            gate.screen_.unlocked.connect(unlocked)
            gate.show_on_screen(window_size)
        code = app.exec()
        for window in _windows:
            window.close()
        return code
    finally:
        crash.deactivate()
        for db in opened:
            if not shut_down(db):
                log.error("some answers could not be written before closing")


class _GateWindow(QMainWindow):
    """The window of the unlock or set-up screen, before the app's own."""

    def __init__(self, screen: Any):
        super().__init__()
        self.screen_ = screen
        self.setWindowTitle("mesocheck")
        self.setCentralWidget(screen)
        self.setMinimumSize(640, 600)
        room = self.screen().availableSize()  # a portrait tablet: its whole screen
        self.resize(1280, 800) if room.width() >= 1280 else self.resize(room)

    def show(self) -> None:
        super().show()
        self.activateWindow()  # typed into at once, before anything else
        self.screen_.focus_first()

    def show_on_screen(self, size: tuple[int, int] | None) -> None:
        """Fill the screen, as the app's window will (a kiosk tablet), or a window of
        ``size`` (``mesocheck --window``)."""
        from mesocheck.ui.shell.screen_fit import WINDOW_SIZE, ScreenFit

        self.fit = ScreenFit(self, full=size is None, size=size or WINDOW_SIZE)
        self.fit.show()
        self.activateWindow()
        self.screen_.focus_first()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if not enter_presses_focused_button(self, event):
            super().keyPressEvent(event)


def _gate(db_path: Path) -> _GateWindow | None:
    """The screen the database needs before it can open: set-up for a new one, unlock for
    an encrypted one this process has not unlocked (the keyring tried first, where the
    clinic opted in); None when it can open now."""
    from mesocheck.store import atrest, unattended

    encrypted = atrest.is_encrypted(db_path)
    if encrypted and atrest.is_unlocked(db_path):
        return None
    if not os.path.lexists(db_path):
        from mesocheck.ui.staff.unlock import SetUpScreen

        return _GateWindow(SetUpScreen(db_path))
    if not encrypted:
        return None
    note = None
    try:
        if unattended.unlock_from_keyring(db_path):
            return None
    except unattended.KeyringProblem as problem:
        log.warning("the keyring did not give the database key: %s", type(problem).__name__)
        note = problem.message
    from mesocheck.ui.staff.unlock import UnlockScreen

    return _GateWindow(UnlockScreen(db_path, note=note))


def _start(app: QApplication, db_path: Path | None, demo_intake: bool | None,
           opened: list[Database], passphrase: str | None, *, running: bool = False,
           window_size: tuple[int, int] | None = None, hub: str | None = None
           ) -> int | None:
    """Open the database (the hub's, with ``hub``) and the app's window; an exit code when
    that failed."""
    from mesocheck.forms.registry import default_form
    from mesocheck.ui.shell.main_window import MainWindow

    try:
        db = Database.open_hub(hub) if hub else Database.open(Path(db_path))
    except MesocheckError as exc:
        return _fatal(app, _("The hub cannot be opened") if hub else
                      _("The database cannot be opened"), exc.message, running=running)
    opened.append(db)
    try:
        settings, has_practitioner = db.call(
            lambda store: (store.settings(), store.has_practitioner()))
        form = default_form()
    except MesocheckError as exc:
        return _fatal(app, _("mesocheck cannot start"), exc.message, running=running)
    set_clinic_language(settings.get("clinic_language") or "en")
    # MESOCHECK_DEMO_INTAKE=1, or a language of the form (=ar) to open the intake in it.
    demo_language = os.environ.get(DEMO_INTAKE, "")
    if demo_intake is None:
        demo_intake = (demo_language == "1" or demo_language in form.languages) and not hub
    if not hub and settings.get("hub_url"):
        start_sync(db, Path(db_path), settings)
    window = MainWindow(db, form, settings=settings,
                        zone=clinic_zone(settings.get("time_zone")),
                        has_practitioner=has_practitioner, welcome=not demo_intake,
                        station=bool(hub))
    _windows[:] = [window]
    if demo_intake:
        context = window.context
        window.open_walk_in_now(demo_patient(
            context.today(), context.now(), form.areas[0].value,
            demo_language if demo_language in form.languages else None))
    if not hub:  # the hub checks its own pages; its documents are each tablet's to make
        window.after_first_paint(lambda: check_database(app, db, repair=not demo_intake))
    if passphrase is not None:  # the one passphrase: the seal too, where one is set up
        _unlock_seal(db, passphrase)
    window.show_on_screen(full=bool(settings.get("full_screen", True)), size=window_size)
    return None


_windows: list[Any] = []  # the app's window, kept while the event loop runs


def _unlock_seal(db: Database, passphrase: str) -> None:
    from mesocheck.ui.staff.seal import unlock_seal

    Task(lambda store: unlock_seal(store, passphrase), what=N_("unlocking the clinic's seal")) \
        .failure(lambda error: log.warning("the seal was not unlocked with the database: %s",
                                           type(error).__name__)).run_in_background(db)
