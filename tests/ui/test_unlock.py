"""The tablet's first start and every start after: the set-up screen (the clinic passphrase
chosen, the recovery key shown once) and the unlock screen (one passphrase for the database
and the seal; five wrong ones pause it), through the app's own start-up path, at 1280x800
and 800x1280, checked for clipped text and small targets; a PIN set under older rules asked
to be changed at sign-in."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from mesocheck.documents import certificate
from mesocheck.store import Store, atrest, unattended
from mesocheck.ui.shell import app as shell
from mesocheck.ui.staff.unlock import SetUpScreen, UnlockScreen
from mesocheck.ui.tasks import shut_down
from mesocheck.ui.widgets import style

from tests.support import at_rest
from tests.support import intake_driver as drive
from tests.support import pki
from tests.support.layout_check import layout_problems

SIZES = {"landscape": (1280, 800), "portrait": (800, 1280)}


class Shots:
    """Screenshots (to ``$MESOCHECK_SCREENSHOTS`` when set) and the layout check of each."""

    def __init__(self, qtbot, folder: Path, prefix: str):
        self.qtbot, self.folder, self.prefix = qtbot, folder, prefix
        self.problems: list[str] = []

    def __call__(self, window, name: str) -> None:
        QApplication.processEvents()
        self.qtbot.wait(30)
        window.grab().save(str(self.folder / f"{self.prefix}-{name}.png"))
        self.problems += [f"{name}: {p}" for p in layout_problems(window)]


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("MESOCHECK_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def look(qapp):
    style.apply(qapp)  # as the app's start-up does


@pytest.fixture
def started(qapp):
    """The app's windows opened by its start-up path (``_start``), closed afterwards."""
    opened: list = []
    yield opened
    for window in shell._windows:
        window.close()
    shell._windows.clear()
    for db in opened:
        assert shut_down(db)


@pytest.mark.parametrize("orientation", SIZES)
def test_the_first_start_sets_the_passphrase_and_shows_the_recovery_key_once(
        qtbot, qapp, tmp_path, shots, started, orientation):
    db = tmp_path / "data" / "clinic.sqlite3"
    gate = shell._gate(db)
    assert isinstance(gate.screen_, SetUpScreen)
    qtbot.addWidget(gate)
    gate.resize(*SIZES[orientation])
    gate.show()
    qtbot.waitExposed(gate)
    screen = gate.screen_
    shoot = Shots(qtbot, shots, f"setup-{orientation}")
    qtbot.waitUntil(screen.fields[0].hasFocus, timeout=5000)
    shoot(gate, "empty")

    drive.type_text(qtbot, screen.fields[0], "too short")
    drive.click(qtbot, screen.continue_button)
    assert "needs at least 10 characters" in screen.error.text.text()
    shoot(gate, "too-short")
    screen.fields[0].clear()
    drive.type_text(qtbot, screen.fields[0], "lavender harbour 1987")
    drive.type_text(qtbot, screen.fields[1], "lavender harbor 1987")
    drive.click(qtbot, screen.continue_button)
    assert "not the same" in screen.error.text.text() and screen.fields[1].text() == ""
    drive.type_text(qtbot, screen.fields[1], "lavender harbour 1987")
    drive.click(qtbot, screen.continue_button)
    qtbot.waitUntil(screen.recovery.isVisible, timeout=10_000)
    shown = screen.recovery.text().replace("\n", "  ").split("  ")
    recovery = "-".join(shown)
    assert len(shown) == 8 and all(len(group) == 4 for group in shown)
    assert not screen.continue_button.isEnabled()  # not before it is written down
    assert not screen.fields[0].isVisible()  # the passphrase is not on screen any more
    shoot(gate, "recovery-key")
    assert not db.exists() and atrest.is_encrypted(db)  # the key first, then the database

    unlocked: list[str] = []
    screen.unlocked.connect(unlocked.append)
    drive.click(qtbot, screen.written)
    drive.click(qtbot, screen.continue_button)
    assert unlocked == ["lavender harbour 1987"]
    assert shell._start(qapp, db, False, started, unlocked[0], running=True) is None
    window = shell._windows[0]
    qtbot.waitExposed(window)
    assert window.current_screen == "first_run"  # then the clinic's first practitioner
    assert not db.read_bytes().startswith(b"SQLite format 3\x00")
    atrest.lock_all()
    assert atrest.unlock_with_recovery(db, recovery)
    assert shoot.problems == [], "\n".join(shoot.problems)


@pytest.mark.parametrize("orientation", SIZES)
def test_the_unlock_screen_opens_the_database_and_the_seal_with_one_passphrase(
        qtbot, qapp, db_path, clinic_key, shots, started, orientation):
    with Store.open(db_path) as store:
        certificate.store_seal(store, *clinic_key, pki.PASSPHRASE,
                               now=datetime.now(timezone.utc))
    atrest.lock_all()
    certificate.lock_all()
    gate = shell._gate(db_path)
    assert isinstance(gate.screen_, UnlockScreen)
    qtbot.addWidget(gate)
    gate.resize(*SIZES[orientation])
    gate.show()
    qtbot.waitExposed(gate)
    screen = gate.screen_
    shoot = Shots(qtbot, shots, f"unlock-{orientation}")
    qtbot.waitUntil(screen.entry.field.hasFocus, timeout=5000)
    shoot(gate, "locked")
    unlocked: list[str] = []
    screen.unlocked.connect(unlocked.append)

    drive.type_text(qtbot, screen.entry.field, "not the clinic passphrase")
    drive.click(qtbot, screen.entry.button)
    qtbot.waitUntil(lambda: screen.entry.error.text.text() != "", timeout=10_000)
    assert screen.entry.error.text.text() == ("That is not the clinic passphrase. 4 more tries "
                                              "before this screen pauses for a while.")
    assert screen.entry.field.text() == "" and screen.entry.field.hasFocus()
    shoot(gate, "wrong-passphrase")

    drive.type_text(qtbot, screen.entry.field, pki.PASSPHRASE)
    qtbot.keyClick(screen.entry.field, "\r")  # Enter unlocks too
    qtbot.waitUntil(lambda: unlocked == [pki.PASSPHRASE], timeout=10_000)
    assert atrest.is_unlocked(db_path)
    assert shell._start(qapp, db_path, False, started, unlocked[0], running=True) is None
    window = shell._windows[0]
    qtbot.waitExposed(window)

    def seal_unlocked() -> bool:
        with Store.open(db_path) as store:
            return certificate.unlocked_seal(store) is not None

    qtbot.waitUntil(seal_unlocked, timeout=10_000)
    assert shoot.problems == [], "\n".join(shoot.problems)


def test_five_wrong_passphrases_pause_the_unlock_screen(qtbot, db_path, shots):
    Store.open(db_path).close()
    atrest.lock_all()
    window = shell._GateWindow(UnlockScreen(db_path))
    qtbot.addWidget(window)
    window.show()
    screen = window.screen_
    for tries in range(5):
        drive.type_text(qtbot, screen.entry.field, f"wrong guess number {tries}")
        drive.click(qtbot, screen.entry.button)
        qtbot.waitUntil(lambda: screen.entry.button.isEnabled(), timeout=10_000)
    message = screen.entry.error.text.text()
    assert message.startswith("Too many wrong passphrases: this screen is paused until ")
    Shots(qtbot, shots, "unlock-landscape")(window, "paused")
    drive.type_text(qtbot, screen.entry.field, at_rest.PASSPHRASE)  # right, but paused
    drive.click(qtbot, screen.entry.button)
    qtbot.waitUntil(lambda: screen.entry.button.isEnabled(), timeout=10_000)
    assert screen.entry.error.text.text().startswith("Too many wrong passphrases")
    assert not atrest.is_unlocked(db_path)
    restarted = shell._GateWindow(UnlockScreen(db_path))  # the app started again: paused
    qtbot.addWidget(restarted)
    restarted.show()
    again = restarted.screen_
    drive.type_text(qtbot, again.entry.field, at_rest.PASSPHRASE)
    drive.click(qtbot, again.entry.button)
    qtbot.waitUntil(lambda: again.entry.button.isEnabled(), timeout=10_000)
    assert again.entry.error.text.text().startswith("Too many wrong passphrases")


def test_a_plain_database_and_one_the_keyring_unlocks_need_no_screen(tmp_path, db_path,
                                                                       monkeypatch):
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    plain = tmp_path / "plain.sqlite3"
    Store.open(plain, plain=True).close()
    assert shell._gate(plain) is None
    Store.open(db_path).close()
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        unattended.remember_in_keyring(db_path)
        atrest.lock_all()
        assert shell._gate(db_path) is None and atrest.is_unlocked(db_path)
        backend.delete_password(unattended.KEYRING_SERVICE, atrest.read_key_file(db_path).id)
        atrest.lock_all()
        gate = shell._gate(db_path)  # the keyring lost it: the screen says so, and asks
        assert isinstance(gate.screen_, UnlockScreen)
        assert any("no longer holds this database's key" in label.text()
                   for label in gate.screen_.findChildren(QLabel))
        gate.deleteLater()
    finally:
        keyring.set_keyring(previous)


def test_a_pin_set_under_older_rules_signs_in_and_is_changed_first(qtbot, make_window,
                                                                   db_path):
    with Store.open(db_path) as store:
        store.set_setting("pin_min_length", 4, "system")
        store.add_staff("Dr Old Habits", "practitioner", "4821", "system")
        store.set_setting("pin_min_length", 6, "system")  # the clinic raised it since
    window = make_window()
    drive.sign_in(qtbot, window, pin="4821")
    screen = window.sign_in
    qtbot.waitUntil(lambda: screen.heading.text() == "Choose a new PIN", timeout=5000)
    assert window.current_screen == "sign_in"  # not in the staff area yet
    assert "shorter than this clinic now asks for" in screen.lead.text()
    drive.type_text(qtbot, screen.pin, "123456")
    drive.click(qtbot, screen.sign_in_button)
    assert "one anybody would try first" in screen.error.text.text()
    drive.type_text(qtbot, screen.pin, "582047")
    drive.click(qtbot, screen.sign_in_button)
    assert screen.pin_label.text() == "The same new PIN again"
    drive.type_text(qtbot, screen.pin, "582047")
    drive.click(qtbot, screen.sign_in_button)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    with Store.open(db_path) as store:
        member = store.staff_members()[0]
        assert not store.check_pin(member.id, "4821").ok
        check = store.check_pin(member.id, "582047")
        assert check.ok and not check.weak
        assert store.verify() == []


def test_the_set_up_screen_goes_on_with_enter_on_its_focused_button(qtbot, tmp_path):
    db = tmp_path / "data" / "clinic.sqlite3"
    gate = shell._gate(db)
    qtbot.addWidget(gate)
    gate.show_on_screen((1280, 800))
    qtbot.waitExposed(gate)
    screen = gate.screen_
    for field in screen.fields:
        drive.type_text(qtbot, field, "lavender harbour 1987")
    screen.continue_button.setFocus()
    qtbot.keyClick(gate, Qt.Key.Key_Return)
    qtbot.waitUntil(screen.recovery.isVisible, timeout=10_000)
    screen.written.setChecked(True)
    unlocked: list[str] = []
    screen.unlocked.connect(unlocked.append)
    screen.continue_button.setFocus()
    qtbot.keyClick(gate, Qt.Key.Key_Enter)
    assert unlocked == ["lavender harbour 1987"]
