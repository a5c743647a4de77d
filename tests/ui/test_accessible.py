"""Every control on every screen tells a screen reader what it is and what it does: the
accessible tree as Qt hands it over, walked screen by screen through a whole intake and the
staff area."""

from __future__ import annotations

from datetime import date

import pytest

from mesocheck.store import Store
from mesocheck.ui.intake.pages import DisclosurePage, StepPage
from mesocheck.ui.intake.signing import ConsentPage
from mesocheck.ui.intake.summary import SummaryPage
from mesocheck.ui.intake.understanding import UnderstandingPage
from mesocheck.ui.review.queue_model import IntakeIdRole
from tests.support import intake_driver as drive
from tests.support.accessibility import unnamed_controls
from tests.support.intakes import make_intake

# The review's dialogs are windows of their own; the offscreen platform says it cannot size
# windows by their hints.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


class Reader:
    def __init__(self, window):
        self.window = window
        self.problems: list[str] = []

    def __call__(self, where: str, top=None) -> None:
        self.problems += [f"{where}: {p}" for p in unnamed_controls(top or self.window)]


def test_every_control_has_a_name_and_a_description(qtbot, make_window, db_path, practitioner):
    with Store.open(db_path) as store:
        make_intake(store, name="Amelia Smith")  # flagged, for the review screens
    window = make_window()
    read = Reader(window)
    read("welcome")
    drive.click(qtbot, window.welcome.start_button)
    read("walk-in")
    drive.click(qtbot, window.walk_in.cancel_button)
    drive.click(qtbot, window.welcome.start_button)
    walk_in = window.walk_in
    drive.type_text(qtbot, walk_in.name, "Ada Example")
    drive.set_date(walk_in.birth_date, date(1990, 5, 1))
    drive.click(qtbot, walk_in.area_buttons["scalp"])
    drive.click(qtbot, walk_in.go_button)
    qtbot.waitUntil(lambda: window.current_screen == "wizard", timeout=5000)
    wizard = window.wizard
    while True:
        page = wizard.current
        if isinstance(page, StepPage):
            drive.fill_step(qtbot, page, {"medicines_any": True, "last_alcohol": "never",
                                          "last_nsaid": date.today()})
            read(f"step {page.step.id}")
        elif isinstance(page, DisclosurePage):
            read(f"card {page.disclosure.id}")
            drive.acknowledge(qtbot, page)
        elif isinstance(page, SummaryPage):
            read("summary")
        elif isinstance(page, UnderstandingPage):
            read("understanding check")
            drive.miss_understanding_once(
                qtbot, wizard, page, {"can_stop": "no"},
                lambda: read("understanding check (the right answer shown)"))
        elif isinstance(page, ConsentPage):
            read("consent (drawn)")
            for method in ("typed", "mark", "drawn"):
                drive.click(qtbot, page.method_buttons[method])
                read(f"consent ({method})")
            drive.type_text(qtbot, page.name, "Ada Example")
            drive.sign(page.pad)
            drive.click(qtbot, wizard.next_button)
            break
        drive.click(qtbot, wizard.next_button)
    qtbot.waitUntil(lambda: window.current_screen == "thanks", timeout=10_000)
    read("thank you")
    window.show_welcome()
    window.request_staff()
    qtbot.waitUntil(lambda: window.sign_in.group.buttons() != [], timeout=5000)
    read("sign-in")
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    home = window.staff_home
    for title in list(home.screens):
        screen = home.open_screen(title)
        drive.settle(qtbot, window)
        qtbot.wait(50)
        read(f"staff: {title}")
        if title == "Review queue":
            qtbot.waitUntil(lambda: screen.queue.model.rowCount() > 0, timeout=5000)
            read("review queue, filled")
            screen.queue.open_intake.emit(screen.queue.model.data(
                screen.queue.model.index(0, 0), IntakeIdRole))
            qtbot.waitUntil(lambda: screen.stack.currentWidget() is screen.detail,
                            timeout=5000)
            read("review detail")
            for make in (lambda: screen.ask_decision(screen.detail.record.flags[0], "proceed"),
                         screen.ask_countersign, screen.ask_amendment):
                dialog = make()
                qtbot.wait(20)
                read(f"dialog {dialog.windowTitle()}", dialog)
                dialog.reject()
        if title == "Staff":
            for make in (lambda: screen.ask_pin(screen.members[0]),
                         lambda: screen.ask_deactivate(screen.members[0])):
                dialog = make()
                qtbot.wait(20)
                read(f"dialog {dialog.windowTitle()}", dialog)
                dialog.reject()
    assert read.problems == [], "\n".join(read.problems)
