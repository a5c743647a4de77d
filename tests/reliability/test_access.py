"""Promise 6: access control, adding to what tests/ui and tests/store already prove.

Already proven elsewhere (docs/reliability.md lists them): scrypt PIN hashes and their
strength (tests/store/test_staff.py), five wrong PINs lock the account across a restart
(tests/store/test_staff.py, tests/ui/test_review_signin.py), Tab through the patient's
screens and asking for the staff screen directly (tests/ui/test_staff.py), idle reset at a
question step (tests/ui/test_idle.py).

Here: every key with every modifier on every patient screen; closing the window; idle
reset from the summary, the consent page with a typed name and a drawn signature, and the
"ready" screen of a resumed intake; simultaneous wrong PINs from two processes; and the
log file after full intakes, with failures on the way, holding no patient data.
"""

from __future__ import annotations

import logging
import os
import random
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from mesocheck import logs
from mesocheck.forms.registry import default_form
from mesocheck.store import DiskFull, Store
from mesocheck.store import staff as staff_accounts

from tests.support import at_rest
from tests.support.intakes import fill_intake
from .harness import record_figures

from tests.support import intake_driver as drive

PATIENT = "Quilla Ystrøm-Vantablack"
BIRTH = date(1979, 8, 23)
SECRET_ANSWER = "Zyxwarfarin nocturnal 7731"
QUICK = {"idle_timeout_s": 0.3}
PATIENT_SCREENS = {"welcome", "walk_in", "ready", "wizard", "thanks", "sign_in", "first_run"}


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("MESOCHECK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MESOCHECK_EXIT_AFTER_FIRST_PAINT", raising=False)
    monkeypatch.delenv("MESOCHECK_DEMO_INTAKE", raising=False)
    monkeypatch.setattr(staff_accounts, "SCRYPT_N", 2**4)


@pytest.fixture
def db_path(tmp_path) -> Path:
    """The database of the suite's ``make_window``, with a practitioner: a staff area."""
    path = tmp_path / "clinic.sqlite3"
    at_rest.set_up(path)
    with Store.open(path) as store:
        store.add_staff("Dr Rowan Hale", "practitioner", "264819", actor="system")
    return path


def everything_shown(window: QWidget) -> str:
    """Every text on screen, top-level dialogs included."""
    texts = drive.visible_texts(window)
    for top in QApplication.topLevelWidgets():
        if top is not window and top.isVisible():
            texts += drive.visible_texts(top)
    return " ".join(texts)


def assert_not_staff(window) -> None:
    assert window.current_screen in PATIENT_SCREENS, window.current_screen
    assert window.staff is None and window.staff_home is None


# -- keys -----------------------------------------------------------------------------------

KEYS = [Qt.Key.Key_Escape, Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Return,
        Qt.Key.Key_Enter, Qt.Key.Key_Space, Qt.Key.Key_Backspace, Qt.Key.Key_Delete,
        Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown,
        Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Menu,
        Qt.Key.Key_Print, Qt.Key.Key_Insert, Qt.Key.Key_Pause, Qt.Key.Key_Back,
        Qt.Key.Key_Forward,
        *[getattr(Qt.Key, f"Key_F{n}") for n in range(1, 13)],
        *[getattr(Qt.Key, f"Key_{c}") for c in "SLQWPHRTOKXZ"], Qt.Key.Key_1, Qt.Key.Key_0]
M = Qt.KeyboardModifier
MODIFIERS = [M.NoModifier, M.ControlModifier, M.AltModifier, M.ShiftModifier, M.MetaModifier,
             M.ControlModifier | M.AltModifier, M.ControlModifier | M.ShiftModifier,
             M.AltModifier | M.ShiftModifier, M.ControlModifier | M.AltModifier | M.ShiftModifier]


def press_everything(qtbot, window) -> int:
    pressed = 0
    for modifier in MODIFIERS:
        for key in KEYS:
            target = QApplication.focusWidget() or window
            qtbot.keyClick(target, key, modifier)
            pressed += 1
            assert_not_staff(window)
            for top in QApplication.topLevelWidgets():  # a "stop?" or "still there?" box
                if top is not window and top.isVisible() and hasattr(top, "reject"):
                    top.reject()
    return pressed


def test_no_key_combination_reaches_the_staff_area(qtbot, make_window):
    window = make_window()
    pressed = press_everything(qtbot, window)  # the welcome screen
    if window.current_screen != "welcome":
        window.show_welcome()
    wizard = drive.start_walk_in(qtbot, window, name=PATIENT, birth=BIRTH)
    drive.fill_step(qtbot, wizard.current)
    pressed += press_everything(qtbot, window)
    assert_not_staff(window)
    record_figures("access.keys", key_presses=pressed, screens=2)


def test_closing_the_window_saves_and_reopens_on_the_patient_side(qtbot, make_window,
                                                                  db_path):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window, name=PATIENT, birth=BIRTH)
    drive.fill_step(qtbot, wizard.current)
    drive.click(qtbot, wizard.next_button)
    drive.answer(qtbot, wizard.current.views["conditions_other"], SECRET_ANSWER)
    intake_id = wizard.session.intake_id
    window.close()  # the close button, Alt+F4 or the window manager
    qtbot.waitUntil(lambda: window.db.pending == 0, timeout=5000)
    again = make_window()
    assert_not_staff(again)
    assert again.current_screen == "welcome"
    assert PATIENT not in everything_shown(again) and SECRET_ANSWER not in everything_shown(again)
    assert again.show_screen("staff") == "sign_in"
    with Store.open(db_path) as store:
        assert store.intake(intake_id).answers["conditions_other"] == SECRET_ANSWER


# -- idle ---------------------------------------------------------------------------------------


def _idle_reset(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.current_screen == "welcome", timeout=5000)
    qtbot.wait(50)
    shown = everything_shown(window)
    for secret in (PATIENT, SECRET_ANSWER, "Ystrøm", BIRTH.isoformat(), "23/08/1979"):
        assert secret not in shown, f"{secret!r} still on screen after the idle reset"
    assert window.session is None and window.wizard is None
    assert_not_staff(window)


def test_idle_reset_from_the_summary_and_the_signed_consent_page(qtbot, make_window):
    window = make_window(settings=QUICK, prompt_s=0.5)
    wizard = drive.start_walk_in(qtbot, window, name=PATIENT, birth=BIRTH)
    drive.walk_to(qtbot, wizard, "summary", {"conditions_other": SECRET_ANSWER})
    assert PATIENT in everything_shown(window) or SECRET_ANSWER in everything_shown(window)
    _idle_reset(qtbot, window)

    wizard = drive.start_walk_in(qtbot, window, name=PATIENT, birth=BIRTH)
    drive.walk_to(qtbot, wizard, "consent", {"conditions_other": SECRET_ANSWER})
    drive.type_text(qtbot, wizard.current.name, PATIENT)
    drive.sign(wizard.current.pad)
    _idle_reset(qtbot, window)


def test_idle_reset_from_the_ready_screen_of_a_resumed_intake(qtbot, make_window, db_path):
    with Store.open(db_path) as store:
        session = fill_intake(store, default_form(), random.Random(3), name=PATIENT,
                              birth=BIRTH, submit=False)
    window = make_window(settings=QUICK, prompt_s=0.5)
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    window.resume_intake(session.intake_id)
    qtbot.waitUntil(lambda: window.current_screen == "ready", timeout=5000)
    assert PATIENT in everything_shown(window)
    _idle_reset(qtbot, window)


# -- lock-out under concurrent attempts ------------------------------------------------------

GUESSER = """
import os, sys
from mesocheck.store import Store, atrest
from mesocheck.store import staff
staff.SCRYPT_N = 2**4
with open(os.environ["MESOCHECK_PASSPHRASE_FILE"]) as passphrase:
    atrest.unlock(sys.argv[1], passphrase.readline().rstrip("\\n"))
with Store.open(sys.argv[1]) as store:
    results = [store.check_pin(1, pin) for pin in sys.argv[2:]]
print(sum(r.ok for r in results))
"""


def test_simultaneous_wrong_pins_from_two_processes_still_lock_the_account(db_path, tmp_path):
    """Each attempt is counted in its own transaction: two tablets guessing at once get
    five tries between them, and the right PIN then stays refused."""
    env = {**os.environ, "MESOCHECK_HOME": str(tmp_path)}
    guesses = [[f"{n:04}" for n in range(1000, 1010)], [f"{n:04}" for n in range(2000, 2010)]]
    procs = [subprocess.Popen([sys.executable, "-c", GUESSER, str(db_path), *pins],
                              stdout=subprocess.PIPE, text=True, env=env) for pins in guesses]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0] and outputs == ["0\n", "0\n"]
    with Store.open(db_path) as store:
        failed = store.connection.execute(
            "SELECT count(*) FROM audit WHERE action = 'sign_in_failed'").fetchone()[0]
        locked = store.connection.execute(
            "SELECT count(*) FROM audit WHERE action = 'sign_in_locked_out'").fetchone()[0]
        assert (failed, locked) == (4, 1)
        assert not store.check_pin(1, "264819").ok
        assert store.verify() == []


# -- no patient data in the log ------------------------------------------------------------------


@pytest.fixture
def log_file(tmp_path, monkeypatch):
    """The real log file, at DEBUG level, for this test only."""
    monkeypatch.setattr(logs, "_configured", None)
    logger = logging.getLogger("mesocheck")
    before = list(logger.handlers)
    path = logs.setup_logging()
    monkeypatch.setattr(logger, "level", logging.DEBUG)
    yield path
    for handler in logger.handlers[:]:
        if handler not in before:
            handler.close()
            logger.removeHandler(handler)


def _secrets_in(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    secrets = [PATIENT, "Ystrøm", "Vantablack", SECRET_ANSWER, "Zyxwarfarin", "nocturnal",
               BIRTH.isoformat(), "1979-08-23", "23/08/1979", "08/23/1979"]
    return [s for s in secrets if s in text]


def test_no_patient_data_in_the_log_after_full_intakes_with_failures(
        qtbot, make_window, db_path, log_file, monkeypatch):
    # a save refused twice for a full disk, and a consent PDF that fails with patient text
    failures = {"left": 2}
    real_save = Store.save_answers

    def flaky(self, *args, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise DiskFull()
        return real_save(self, *args, **kwargs)

    from mesocheck.documents import consent

    def broken_pdf(*args, **kwargs):
        raise RuntimeError(f"cannot draw {PATIENT} born {BIRTH} answer {SECRET_ANSWER}")

    monkeypatch.setattr(Store, "save_answers", flaky)
    monkeypatch.setattr(consent, "build_consent_pdf", broken_pdf)
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window, name=PATIENT, birth=BIRTH)
    drive.walk_to(qtbot, wizard, "consent", {"conditions_other": SECRET_ANSWER})
    drive.type_text(qtbot, wizard.current.name, PATIENT)
    drive.sign(wizard.current.pad)
    intake_id = wizard.session.intake_id
    drive.click(qtbot, wizard.next_button)
    qtbot.waitUntil(lambda: window.current_screen == "thanks", timeout=10_000)
    qtbot.waitUntil(lambda: intake_id not in window.pdf_jobs, timeout=30_000)
    drive.settle(qtbot, window)

    # and the session layer on its own, failures included
    with Store.open(db_path) as store:
        session = fill_intake(store, default_form(), random.Random(5), name=PATIENT,
                              birth=BIRTH, answers={"conditions_other": SECRET_ANSWER},
                              pdf=False)
        with pytest.raises(Exception):
            consent.store_consent_pdf(store, session.intake_id)
    for handler in logging.getLogger("mesocheck").handlers:
        handler.flush()

    text = log_file.read_text(encoding="utf-8")
    assert "retrying" in text and "RuntimeError" in text, text  # the failures were logged
    assert intake_id in text  # intakes are named by id
    assert _secrets_in(log_file) == [], text
    record_figures("access.log_scan", log_lines=len(text.splitlines()), secrets_found=0)
