"""The staff side: first run, PIN sign-in and lock-out, starting, resuming and voiding
intakes, and the wall that keeps the patient's view out of the staff area."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from mesocheck.store import Store
from mesocheck.ui.intake.pages import StepPage
from mesocheck.ui.staff.home import EXTRA_SCREENS, StaffHome
from tests.support import intake_driver as drive


def test_first_run_asks_for_a_practitioner_with_the_pin_twice(qtbot, make_window, db_path):
    window = make_window(first_run=True)
    # No patient can start a form before the clinic has a practitioner: the app opens on
    # the set-up, and going "back to the start" comes back to it.
    assert window.current_screen == "first_run"
    window.reset_to_welcome()
    assert window.current_screen == "first_run"
    window.request_staff()
    assert window.current_screen == "first_run"
    setup = window.first_run
    drive.type_text(qtbot, setup.clinic, "Harbour Street Skin Clinic")
    drive.type_text(qtbot, setup.name, "Dr Rowan Hale")
    drive.type_text(qtbot, setup.pin, "1234")
    drive.click(qtbot, setup.create_button)
    assert setup.errors["pin"].text.text() == "A PIN is 6 to 12 digits, nothing else."
    setup.pin.clear()
    drive.type_text(qtbot, setup.pin, "123456")
    drive.click(qtbot, setup.create_button)
    assert "one anybody would try first" in setup.errors["pin"].text.text()
    setup.pin.clear()
    drive.type_text(qtbot, setup.pin, "264819")
    drive.type_text(qtbot, setup.pin_again, "2467")
    drive.click(qtbot, setup.create_button)
    assert "not the same" in setup.errors["pin_again"].text.text()
    drive.type_text(qtbot, setup.pin_again, "264819")
    qtbot.keyClick(setup.pin_again, Qt.Key.Key_Return)  # Enter in the last box creates it
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    assert window.welcome.clinic.text() == "Harbour Street Skin Clinic"
    with Store.open(db_path) as store:
        (member,) = store.staff_members()
        assert member.role == "practitioner" and store.check_pin(member.id, "264819").ok
        assert store.settings()["clinic_name"] == "Harbour Street Skin Clinic"


def test_wrong_pins_count_down_then_lock_out(qtbot, make_window, practitioner):
    window = make_window()
    for left in (4, 3, 2, 1):
        drive.sign_in(qtbot, window, pin="1111")
        qtbot.waitUntil(lambda: window.sign_in.error.isVisible(), timeout=5000)
        tries = "1 more try" if left == 1 else f"{left} more tries"
        assert tries in window.sign_in.error.text.text()
        assert window.current_screen == "sign_in"
    drive.sign_in(qtbot, window, pin="1111")
    qtbot.waitUntil(lambda: "locked until" in window.sign_in.error.text.text(), timeout=5000)
    # Even the right PIN is refused while locked.
    drive.sign_in(qtbot, window, pin="264819")
    qtbot.waitUntil(lambda: not window.sign_in._busy, timeout=5000)
    assert window.current_screen == "sign_in"
    assert "locked until" in window.sign_in.error.text.text()


def test_the_patient_view_cannot_reach_staff_screens(qtbot, make_window, practitioner):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    # No button or key of the patient's screens leads to the staff area ...
    staff_words = ("Hand to patient", "Unfinished intakes", "Void", "Lock", "Start an intake")
    assert not any(word in " ".join(drive.visible_texts(window)) for word in staff_words)
    seen = set()
    for _ in range(80):  # Tab through every control on the patient's screen
        focus = window.focusWidget()
        assert focus is None or not isinstance(_ancestor(focus, StaffHome), StaffHome)
        seen.add(focus)
        qtbot.keyClick(focus or window, Qt.Key.Key_Tab)
    assert wizard.show_me in seen and wizard.stop_button in seen  # Next is disabled here
    # ... and asking for it directly gives the PIN screen, not the staff home.
    assert window.show_screen("staff") == "sign_in"
    assert window.staff_home is None


def test_hand_to_patient_locks_and_forgets_the_staff_area(qtbot, make_window, practitioner):
    window = make_window()
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    home = window.staff_home
    drive.click(qtbot, home.hand_button)
    assert window.current_screen == "welcome" and window.staff is None
    assert window.staff_home is None and "staff" not in window.screens
    assert window.show_screen("staff") == "sign_in"


def test_staff_start_an_intake_and_hand_over(qtbot, make_window, practitioner, db_path):
    window = make_window()
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    start = window.staff_home.start_screen
    drive.click(qtbot, start.go_button)
    assert start.errors["name"].isVisible() and start.errors["area"].isVisible()
    drive.type_text(qtbot, start.name, "Maria Jones")
    drive.set_date(start.birth_date, date(1985, 2, 3))
    drive.click(qtbot, start.area_buttons["neck"])
    drive.click(qtbot, start.go_button)
    qtbot.waitUntil(lambda: window.current_screen == "ready", timeout=5000)
    assert window.staff is None  # handed over: the staff area is locked
    assert "Maria Jones" in drive.visible_texts(window)
    drive.begin(qtbot, window)
    intake_id = window.wizard.session.intake_id
    drive.settle(qtbot, window)
    with Store.open(db_path) as store:
        record = store.intake(intake_id)
    assert record.area == "neck" and record.patient.birth_date == date(1985, 2, 3)
    assert record.status == "in_progress"
    audit = store_actor(db_path, intake_id)
    assert audit == f"staff:{practitioner}"


def _ready_for(qtbot, window, name: str) -> None:
    """Staff start an intake for ``name`` and hand over: the ready screen."""
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    start = window.staff_home.start_screen
    drive.type_text(qtbot, start.name, name)
    drive.set_date(start.birth_date, date(1985, 2, 3))
    drive.click(qtbot, start.area_buttons["neck"])
    drive.click(qtbot, start.go_button)
    qtbot.waitUntil(lambda: window.current_screen == "ready", timeout=5000)


def test_begin_shows_the_wizard_once_its_first_page_is_built(qtbot, make_window, practitioner):
    window = make_window()
    _ready_for(qtbot, window, "Maria Jones")
    shown = []
    window.screen_changed.connect(
        lambda name: shown.append((name, window.wizard.current.build_more())))
    drive.click(qtbot, window.ready.begin_button)
    wizard = window.wizard
    # The first page is built a part per turn of the event loop, behind the ready screen.
    assert window.current_screen == "ready" and shown == []
    drive.click(qtbot, window.ready.begin_button)  # a second tap opens nothing more
    assert window.wizard is wizard
    qtbot.waitUntil(lambda: window.current_screen == "wizard", timeout=5000)
    assert shown == [("wizard", False)]  # shown whole: nothing was left to build
    page = wizard.current
    assert isinstance(page, StepPage) and page.step.id == wizard.pages()[0].key
    assert "ready" not in window.screens


def test_a_wizard_still_being_built_is_not_shown_after_a_reset(qtbot, make_window,
                                                                practitioner):
    window = make_window()
    _ready_for(qtbot, window, "Maria Jones")
    drive.click(qtbot, window.ready.begin_button)
    window.reset_to_welcome()  # the "still there?" prompt ran out, say
    qtbot.wait(200)
    assert window.current_screen == "welcome" and window.wizard is None
    assert "Maria Jones" not in drive.visible_texts(window)


def store_actor(db_path, intake_id):
    from tests.support.at_rest import raw_connect

    conn = raw_connect(db_path)
    try:
        return conn.execute("SELECT actor FROM audit WHERE intake_id = ? AND action = "
                            "'start_intake'", (intake_id,)).fetchone()[0]
    finally:
        conn.close()


def test_resume_or_void_an_unfinished_intake(qtbot, make_window, practitioner, db_path):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window, name="Tomasz Nowak")
    drive.fill_step(qtbot, wizard.current)
    drive.click(qtbot, wizard.next_button)
    drive.answer(qtbot, wizard.current.views["conditions"], ["keloid"])
    drive.click(qtbot, wizard.stop_button)
    dialog = window.findChild(QWidget, "dialog")
    drive.click(qtbot, dialog.accept_button)  # "Stop and hand back"
    assert window.current_screen == "welcome" and window.wizard is None
    qtbot.waitUntil(lambda: window.welcome.waiting.isVisible(), timeout=5000)

    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    home = window.staff_home
    home.open_screen("Unfinished intakes")
    qtbot.waitUntil(lambda: len(home.unfinished.items) == 1, timeout=5000)
    # New cards become visible when their layout is next activated by the event loop.
    qtbot.waitUntil(lambda: "Tomasz Nowak" in drive.visible_texts(home.unfinished), timeout=5000)
    texts = drive.visible_texts(home.unfinished)
    assert any(t.startswith("Stopped at: Your health") for t in texts)
    continue_button = [b for b in home.unfinished.findChildren(QWidget)
                       if b.accessibleName() == "Continue the form of Tomasz Nowak"][0]
    drive.click(qtbot, continue_button)
    qtbot.waitUntil(lambda: window.current_screen == "ready", timeout=5000)
    drive.begin(qtbot, window)
    page = window.wizard.current
    assert isinstance(page, StepPage) and page.step.id == "health"
    assert page.views["conditions"].raw() == ["keloid"]

    # Now void it from the staff area.
    intake_id = window.wizard.session.intake_id
    window.reset_to_welcome()
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    home = window.staff_home
    home.open_screen("Unfinished intakes")
    qtbot.waitUntil(lambda: len(home.unfinished.items) == 1, timeout=5000)
    dialog = home.unfinished.ask_void(home.unfinished.items[0])
    drive.click(qtbot, dialog.accept_button)
    assert dialog.error_label.isVisible()  # a reason is required
    drive.type_text(qtbot, dialog.input, "Patient left before finishing.")
    drive.click(qtbot, dialog.accept_button)
    qtbot.waitUntil(lambda: home.unfinished.items == [], timeout=5000)
    with Store.open(db_path) as store:
        record = store.intake(intake_id)
    assert record.status == "voided" and record.void_reason == "Patient left before finishing."


def test_another_screen_plugs_into_the_staff_area(qtbot, make_window, practitioner,
                                                  monkeypatch):
    from PySide6.QtWidgets import QLabel

    class Queue(QLabel):
        refreshed = 0

        def refresh(self):
            Queue.refreshed += 1

    monkeypatch.setattr("mesocheck.ui.staff.home.EXTRA_SCREENS",
                        [*EXTRA_SCREENS, ("Stock list", lambda ctx: Queue(ctx.staff.name))])
    window = make_window()
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    home = window.staff_home
    screen = home.open_screen("Stock list")
    assert screen.text() == "Dr Rowan Hale" and Queue.refreshed == 1


def test_the_review_queue_is_in_the_staff_area(qtbot, make_window, practitioner):
    from mesocheck.ui.review.panel import ReviewPanel

    window = make_window()
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    screen = window.staff_home.open_screen("Review queue")
    assert isinstance(screen, ReviewPanel)
    drive.click(qtbot, window.staff_home.hand_button)
    assert window.current_screen == "welcome" and window.staff_home is None


def _ancestor(widget, kind):
    while widget is not None and not isinstance(widget, kind):
        widget = widget.parentWidget()
    return widget
