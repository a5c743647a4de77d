"""A practitioner runs the clinic from the tablet: staff accounts and the clinic's settings,
through the real screen, each change in the store and its audit log."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from mesocheck.i18n import clinic_language
from mesocheck.store import Store
from mesocheck.store.audit import staff_actor
from tests.support import intake_driver as drive


def _admin(qtbot, window, pin="264819", name=None):
    drive.sign_in(qtbot, window, pin=pin, name=name)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    screen = window.staff_home.open_screen("Staff")
    qtbot.waitUntil(lambda: len(getattr(screen, "rows", {})) > 0 or not screen.allowed,
                    timeout=5000)
    return screen


def _button(screen, accessible_name):
    from PySide6.QtWidgets import QPushButton

    found = [b for b in screen.findChildren(QPushButton)
             if b.accessibleName() == accessible_name and b.isVisible()]
    assert found, f"no visible button {accessible_name!r}"
    return found[0]


def _actions(db_path, actor):
    with Store.open(db_path) as store:
        return [a for (a,) in store.connection.execute(
            "SELECT action FROM audit WHERE actor = ? ORDER BY id", (actor,))]


def test_a_practitioner_adds_unlocks_resets_and_deactivates_staff(qtbot, make_window,
                                                                  practitioner, db_path):
    window = make_window()
    screen = _admin(qtbot, window)
    drive.click(qtbot, screen.add_button)  # nothing filled in
    assert screen.add_errors["name"].isVisible() and screen.add_errors["pin"].isVisible()
    drive.type_text(qtbot, screen.new_name, "Ana  Ruiz")
    drive.type_text(qtbot, screen.new_pin, "583926")
    drive.type_text(qtbot, screen.new_pin_again, "583927")
    drive.click(qtbot, screen.add_button)
    assert "not the same" in screen.add_errors["pin_again"].text.text()
    screen.new_pin_again.clear()
    drive.type_text(qtbot, screen.new_pin_again, "583926")
    drive.click(qtbot, screen.add_button)
    qtbot.waitUntil(lambda: "Ana Ruiz" in [m.name for m in screen.members], timeout=5000)
    assert "Ana Ruiz was added (Front desk)." in drive.visible_texts(screen)
    with Store.open(db_path) as store:
        ana = next(m for m in store.staff_members() if m.name == "Ana Ruiz")
        assert ana.role == "front-desk"
        for _ in range(5):
            store.check_pin(ana.id, "0000")  # locked out at the desk
    screen.refresh()
    qtbot.waitUntil(lambda: any("locked after wrong PINs" in t
                                for t in drive.visible_texts(screen)), timeout=5000)
    drive.click(qtbot, _button(screen, "Unlock the account of Ana Ruiz"))
    qtbot.waitUntil(lambda: "Ana Ruiz can sign in again." in drive.visible_texts(screen),
                    timeout=5000)

    drive.click(qtbot, _button(screen, "New PIN for Ana Ruiz"))
    dialog = window.findChild(QDialog, "dialog")
    drive.type_text(qtbot, dialog.pin, "719264")
    drive.type_text(qtbot, dialog.pin_again, "719265")
    drive.click(qtbot, dialog.accept_button)
    assert dialog.isVisible() and "not the same" in dialog.error_label.text.text()
    dialog.pin_again.clear()
    drive.type_text(qtbot, dialog.pin_again, "719264")
    drive.click(qtbot, dialog.accept_button)
    qtbot.waitUntil(lambda: "Ana Ruiz has a new PIN." in drive.visible_texts(screen),
                    timeout=5000)

    drive.click(qtbot, _button(screen, "Deactivate the account of Ana Ruiz"))
    confirm = window.findChild(QDialog, "dialog")
    drive.click(qtbot, confirm.accept_button)
    qtbot.waitUntil(lambda: "Ana Ruiz is deactivated." in drive.visible_texts(screen),
                    timeout=5000)
    qtbot.waitUntil(lambda: _button(screen, "Reactivate the account of Ana Ruiz") is not None,
                    timeout=5000)
    # The practitioner's own account offers no Deactivate: the clinic keeps its manager.
    assert not any(b.accessibleName() == "Deactivate the account of Dr Rowan Hale"
                   for b in screen.findChildren(type(screen.add_button)))
    drive.settle(qtbot, window)
    with Store.open(db_path) as store:
        ana = next(m for m in store.staff_members(include_inactive=True)
                   if m.name == "Ana Ruiz")
        assert not ana.active and not store.check_pin(ana.id, "719264").ok  # a leaver, kept
        assert store.verify() == []
    assert _actions(db_path, staff_actor(practitioner)) == [
        "add_staff", "unlock_staff", "change_pin", "deactivate_staff"]
    # The sign-in list no longer offers the leaver.
    drive.click(qtbot, window.staff_home.lock_button)
    window.request_staff()
    qtbot.waitUntil(lambda: window.sign_in.group.buttons() != [], timeout=5000)
    assert [b.accessibleName() for b in window.sign_in.group.buttons()] == ["Dr Rowan Hale"]


def test_the_clinic_settings_are_saved_audited_and_taken_at_once(qtbot, make_window,
                                                                practitioner, db_path):
    window = make_window()
    screen = _admin(qtbot, window)
    screen.clinic.clear()
    drive.type_text(qtbot, screen.clinic, "Harbour Street Skin Clinic")
    drive.pick(screen.idle, "5 minutes")
    assert screen.course_sessions.currentText() == "10 sessions"  # the defaults shown
    assert screen.course_months.currentText() == "12 months"
    drive.pick(screen.course_sessions, "6 sessions")
    drive.pick(screen.course_months, "9 months")
    screen.zone.setEditText("Mars/Olympus")
    drive.click(qtbot, screen.save_button)
    qtbot.waitUntil(lambda: screen.settings_error.isVisible(), timeout=5000)
    assert "not known" in screen.settings_error.text.text()
    screen.zone.setEditText("europe/lisbon")  # typed loosely: the list's name is taken
    drive.click(qtbot, screen.full_screen)  # off: a window
    assert [screen.language.itemText(i) for i in range(screen.language.count())] == [
        "English", "العربية", "Español", "Français", "中文"]  # each in its own words
    drive.pick(screen.language, "Français")
    drive.click(qtbot, screen.save_button)
    qtbot.waitUntil(lambda: screen.settings_status.text() != "", timeout=5000)
    assert not screen.settings_error.isVisible()
    with Store.open(db_path) as store:
        settings = store.settings()
    assert (settings["clinic_name"], settings["idle_timeout_s"], settings["time_zone"],
            settings["full_screen"], settings["course_sessions"],
            settings["course_months"]) == ("Harbour Street Skin Clinic", 300, "Europe/Lisbon",
                                           False, 6, 9)
    assert settings["clinic_language"] == "fr" and clinic_language() == "fr"
    assert _actions(db_path, staff_actor(practitioner)) == ["settings"]
    assert window.idle.timeout_s == 300 and str(window.zone) == "Europe/Lisbon"
    assert window.windowTitle() == "Harbour Street Skin Clinic"
    drive.click(qtbot, window.staff_home.lock_button)
    assert window.welcome.clinic.text() == "Harbour Street Skin Clinic"


def test_front_desk_staff_are_told_the_screen_is_not_theirs(qtbot, make_window, practitioner,
                                                            db_path):
    with Store.open(db_path) as store:
        store.add_staff("Ben Desk", "front-desk", "135792", "system")
    window = make_window()
    screen = _admin(qtbot, window, pin="135792", name="Ben Desk")
    assert not screen.allowed
    assert any("Only a practitioner" in t for t in drive.visible_texts(screen))
    assert not hasattr(screen, "add_button")


def test_the_window_fills_its_screen_and_follows_it_when_the_tablet_turns(qtbot, make_window):
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QWidget

    window = make_window()
    window.show_on_screen(full=True)
    screen = QWidget.screen(window)
    qtbot.waitUntil(lambda: window.geometry() == screen.geometry(), timeout=3000)
    wizard = drive.start_walk_in(qtbot, window)
    # The tablet turns: the screen hands over its new geometry, portrait.
    screen.geometryChanged.emit(QRect(0, 0, 800, 1280))
    qtbot.waitUntil(lambda: window.size().toTuple() == (800, 1280), timeout=3000)
    qtbot.waitUntil(lambda: wizard._reason_on_top, timeout=3000)  # the portrait layout
    screen.geometryChanged.emit(QRect(0, 0, 1280, 800))
    qtbot.waitUntil(lambda: window.size().toTuple() == (1280, 800), timeout=3000)
    qtbot.waitUntil(lambda: not wizard._reason_on_top, timeout=3000)
    # A window chosen at launch stays a window whatever the clinic's setting says.
    window.show_on_screen(full=True, size=(1024, 768))
    window.apply_settings({"full_screen": True})
    screen.geometryChanged.emit(QRect(0, 0, 800, 1280))
    qtbot.wait(50)
    assert window.size().toTuple() == (1024, 768) and not window.isFullScreen()


def test_the_staff_screen_asks_for_pins_as_long_as_the_clinic_wants(qtbot, make_window,
                                                                   practitioner, db_path):
    window = make_window()
    screen = _admin(qtbot, window)
    assert screen.captions["pin"].text() == "PIN (6 to 12 digits)"
    with Store.open(db_path) as store:  # (a PIN shorter than this asks for a new one at sign-in)
        store.set_settings({"pin_min_length": 8}, "system")
    screen.refresh()
    qtbot.waitUntil(lambda: screen.captions["pin"].text() == "PIN (8 to 12 digits)",
                    timeout=5000)
    drive.type_text(qtbot, screen.new_name, "Ana Ruiz")
    drive.type_text(qtbot, screen.new_pin, "5839261")  # 7 digits: refused before the store
    drive.type_text(qtbot, screen.new_pin_again, "5839261")
    drive.click(qtbot, screen.add_button)
    assert screen.add_errors["pin"].text.text() == "A PIN is 8 to 12 digits, nothing else."
    dialog = screen.ask_pin(screen.members[0])
    assert "New PIN (8 to 12 digits)" in drive.visible_texts(dialog)
    dialog.reject()
    with Store.open(db_path) as store:
        assert "Ana Ruiz" not in [m.name for m in store.staff_members()]
