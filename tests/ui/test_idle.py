"""Idle safety: "still there?", then back to the start with no patient data on screen."""

from __future__ import annotations

from PySide6.QtCore import Qt

from mesocheck.store import Store
from tests.support import intake_driver as drive

QUICK = {"idle_timeout_s": 0.3}


def test_idle_prompt_then_reset_keeps_the_intake_saved(qtbot, make_window, db_path):
    window = make_window(settings=QUICK, prompt_s=1)
    wizard = drive.start_walk_in(qtbot, window, name="Ada Example")
    drive.fill_step(qtbot, wizard.current)
    drive.click(qtbot, wizard.next_button)
    drive.answer(qtbot, wizard.current.views["conditions_other"], "Asthma")
    intake_id = wizard.session.intake_id

    qtbot.waitUntil(lambda: window.prompt.isVisible(), timeout=3000)
    assert "Are you still there?" in drive.visible_texts(window)
    qtbot.waitUntil(lambda: window.current_screen == "welcome", timeout=3000)
    assert not window.prompt.isVisible()
    assert window.wizard is None and window.session is None
    texts = " ".join(drive.visible_texts(window))
    assert "Ada Example" not in texts and "Asthma" not in texts
    assert window.walk_in.name.text() == ""

    drive.settle(qtbot, window)
    with Store.open(db_path) as store:
        record = store.intake(intake_id)
    assert record.status == "in_progress"  # kept for staff to resume
    assert record.answers["conditions_other"] == "Asthma"  # typed just before: flushed
    assert record.current_step == "step:health"


def test_any_touch_or_key_answers_the_prompt(qtbot, make_window):
    window = make_window(settings=QUICK, prompt_s=30)
    wizard = drive.start_walk_in(qtbot, window)
    qtbot.waitUntil(lambda: window.prompt.isVisible(), timeout=3000)
    qtbot.keyClick(window.prompt.button, Qt.Key.Key_Shift)
    assert not window.prompt.isVisible()
    assert window.current_screen == "wizard" and window.wizard is wizard
    qtbot.waitUntil(lambda: window.prompt.isVisible(), timeout=3000)
    drive.click(qtbot, window.prompt.button)  # "I'm still here"
    assert not window.prompt.isVisible() and window.wizard is wizard


def test_the_walk_in_form_is_cleared_when_left_idle(qtbot, make_window):
    window = make_window(settings=QUICK, prompt_s=1)
    drive.click(qtbot, window.welcome.start_button)
    drive.type_text(qtbot, window.walk_in.name, "Ada Example")
    qtbot.waitUntil(lambda: window.current_screen == "welcome", timeout=4000)
    drive.click(qtbot, window.welcome.start_button)
    assert window.walk_in.name.text() == ""


def test_the_staff_area_locks_when_idle(qtbot, make_window, practitioner):
    window = make_window(settings={"idle_timeout_s": 0.5})
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    qtbot.waitUntil(lambda: window.current_screen == "welcome", timeout=3000)
    assert window.staff is None and window.staff_home is None


def test_the_thank_you_screen_returns_to_the_welcome(qtbot, make_window):
    window = make_window(settings=QUICK)
    window.show_screen("thanks")
    qtbot.waitUntil(lambda: window.current_screen == "welcome", timeout=3000)
