"""One patient's course on the staff screens: reached from the review detail (a button) and
from the queue (a button, or H on the selected row), every visit newest first with the
wording signed and the flags and decisions, each visit's review one tap away."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt

from mesocheck import review
from mesocheck.review import severity_word
from mesocheck.timeutil import day_text
from mesocheck.ui.tasks import Database, shut_down
from tests.support.answers import CLEAN_ANSWERS
from tests.support.intake_driver import visible_texts
from tests.support.intakes import fast_pins, make_intake, make_staff, today_at
from tests.support.review_driver import make_panel, names_in_queue, open_row, settle

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def db(store):
    opened = Database.open(store.path)
    yield opened
    assert shut_down(opened)


@pytest.fixture
def course(store, monkeypatch):
    fast_pins(monkeypatch)
    doctor, _desk = make_staff(store)
    first = make_intake(store, answers=CLEAN_ANSWERS, with_pdf=False,
                        appointment=today_at(10, day=date.today() - timedelta(days=42)))
    patient_id = store.intake(first).patient.id
    review.sync_status(store, first, doctor)
    second = make_intake(store, answers=CLEAN_ANSWERS, with_pdf=False, patient_id=patient_id,
                         appointment=today_at(10, day=date.today() - timedelta(days=21)))
    today = make_intake(store, patient_id=patient_id, with_pdf=False,
                        appointment=today_at(11))
    make_intake(store, name="Zoë Kowalski", answers=CLEAN_ANSWERS, with_pdf=False,
                appointment=today_at(9))
    return {"doctor": doctor, "visits": [today, second, first]}


def _history_texts(panel) -> list[str]:
    return visible_texts(panel.history)


def test_the_history_from_the_review_detail(qtbot, store, db, course):
    panel = make_panel(qtbot, db, course["doctor"])
    open_row(qtbot, panel, "Amelia Smith")
    until = store.intake(course["visits"][0]).course_until
    assert f"Up to 10 sessions until {day_text(until)}" in visible_texts(panel.detail)
    assert panel.detail.history_button.isVisible()
    qtbot.mouseClick(panel.detail.history_button, Qt.MouseButton.LeftButton)
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.history, timeout=5000)
    history = panel.history
    assert [r.id for r in history.records] == course["visits"]  # newest first
    texts = _history_texts(panel)
    assert "Amelia Smith, born 12 April 1985" in texts
    assert "Visits (3), newest first" in texts
    form_hash = store.intake(course["visits"][0]).form_hash
    wording = [t for t in texts if t.startswith("Form mesotherapy version")]
    assert len(wording) == 3 and all(form_hash[:12] in t for t in wording)
    today = store.intake(course["visits"][0])
    for flag in today.flags:  # today's flags, still undecided
        assert f"{severity_word(flag.severity)} — {flag.practitioner_message} " \
               "(no decision yet)" in texts
    assert texts.count("No flags.") == 2
    assert texts.count(f"Consent for a course: up to 10 sessions until "
                       f"{day_text(until)}") == 3  # one signing day (test clock)
    # Escape goes back where it came from; the oldest visit's review is a tap away.
    qtbot.keyClick(history, Qt.Key.Key_Escape)
    assert panel.stack.currentWidget() is panel.detail
    qtbot.mouseClick(panel.detail.history_button, Qt.MouseButton.LeftButton)
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.history, timeout=5000)
    oldest = course["visits"][-1]
    qtbot.mouseClick(panel.history.open_buttons[oldest], Qt.MouseButton.LeftButton)
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.detail, timeout=5000)
    assert panel.detail.record.id == oldest


def test_the_history_from_the_queue_by_keyboard(qtbot, store, db, course):
    panel = make_panel(qtbot, db, course["doctor"])
    table = panel.queue.table
    row = names_in_queue(panel).index("Zoë Kowalski")
    table.setFocus()
    table.setCurrentIndex(panel.queue.model.index(row, 1))
    qtbot.keyClick(table, Qt.Key.Key_H)
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.history, timeout=5000)
    assert len(panel.history.records) == 1
    assert "Visits (1), newest first" in _history_texts(panel)
    qtbot.keyClick(panel.history, Qt.Key.Key_Escape)
    assert panel.stack.currentWidget() is panel.queue


@pytest.mark.parametrize("size", [(1280, 800), (800, 1280)], ids=["landscape", "portrait"])
def test_the_history_fits_both_orientations(qtbot, store, course, make_window, size, tmp_path):
    """In the app's window with its style: nothing cut off, every button big enough."""
    import os
    from pathlib import Path

    from tests.support import intake_driver as drive
    from tests.support.intakes import PIN
    from tests.support.layout_check import layout_problems

    window = make_window()
    window.resize(*size)
    drive.sign_in(qtbot, window, pin=PIN, name="Dr Ines Okafor")
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    panel = window.staff_home.open_screen("Review queue")
    settle(qtbot, panel)
    qtbot.wait(30)
    folder = Path(os.environ.get("MESOCHECK_SCREENSHOTS") or tmp_path)
    window.grab().save(str(folder / f"review-queue-{size[0]}x{size[1]}.png"))
    assert layout_problems(window) == []
    open_row(qtbot, panel, "Amelia Smith")
    drive.click(qtbot, panel.detail.history_button)
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.history, timeout=5000)
    qtbot.wait(30)
    window.grab().save(str(folder / f"patient-history-{size[0]}x{size[1]}.png"))
    assert layout_problems(window) == []
