"""The wizard through its real widgets: skip logic, messages, Next and Back, the keyboard."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QPushButton

from mesocheck.store import Store
from mesocheck.ui.intake.inputs import InputContext, make_input
from mesocheck.ui.intake.pages import DisclosurePage, StepPage
from mesocheck.ui.intake.signing import ConsentPage
from mesocheck.ui.intake.summary import SummaryPage
from tests.support import intake_driver as drive


def step(qtbot, wizard, step_id: str) -> StepPage:
    """Go to a step with Next from where the wizard is (answering on the way)."""
    for _ in range(20):
        page = wizard.current
        if isinstance(page, StepPage) and page.step.id == step_id:
            return page
        if isinstance(page, StepPage):
            drive.fill_step(qtbot, page)
        drive.click(qtbot, wizard.next_button)
    raise AssertionError(step_id)


def test_progress_and_first_page(qtbot, make_window):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    pages = wizard.session.pages()
    assert wizard.progress_label.text() == f"Step 1 of {len(pages)}"
    assert not wizard.back_button.isVisible()
    assert not wizard.next_button.isEnabled()
    assert wizard.reason.text() == "1 question still needs an answer."


def test_skip_logic_shows_and_hides_questions_and_clears_answers(qtbot, make_window, db_path):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    page = step(qtbot, wizard, "allergies")
    details = page.views["allergies_details"]
    assert not details.isVisible()
    drive.answer(qtbot, page.views["allergy_planned_ingredient"], False)
    drive.answer(qtbot, page.views["allergies_any"], True)
    assert details.isVisible()
    assert wizard.reason.text() == "1 question still needs an answer."
    drive.answer(qtbot, details, "Penicillin: a rash")
    assert wizard.next_button.isEnabled()
    wizard.save_now()
    drive.settle(qtbot, window)
    intake_id = wizard.session.intake_id
    with Store.open(db_path) as store:
        assert store.intake(intake_id).answers["allergies_details"] == "Penicillin: a rash"

    drive.answer(qtbot, page.views["allergies_any"], False)
    assert not details.isVisible()
    assert details.raw() == ""  # the hidden answer is gone from the screen too
    wizard.save_now()
    drive.settle(qtbot, window)
    with Store.open(db_path) as store:
        assert store.intake(intake_id).answers["allergies_details"] is None
    # Showing it again starts empty, and it is required again.
    drive.answer(qtbot, page.views["allergies_any"], True)
    assert details.isVisible() and not wizard.next_button.isEnabled()


def test_a_step_appears_only_when_its_condition_holds(qtbot, make_window):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window, area="scalp")
    tokens = [p.token for p in wizard.session.pages()]
    assert "disclosure:hair_loss_not_approved" in tokens
    window2 = make_window()
    wizard2 = drive.start_walk_in(qtbot, window2, area="face")
    assert "disclosure:hair_loss_not_approved" not in [p.token for p in wizard2.session.pages()]


def test_validation_message_is_shown_beside_the_field(qtbot, make_window):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    page = step(qtbot, wizard, "health")
    other = page.views["conditions_other"]
    drive.answer(qtbot, page.views["conditions"], ["none"])
    drive.answer(qtbot, other, "x" * 1001)
    assert other.error.isVisible()
    assert other.error.text.text() == (
        "This answer is too long: please keep it under 1000 characters (it has 1001).")
    assert not wizard.next_button.isEnabled()
    assert wizard.reason.text() == "1 answer needs correcting."
    other.input.edit.setFocus()
    qtbot.keyClick(other.input.edit, Qt.Key.Key_Backspace)
    assert not other.error.isVisible()
    assert wizard.next_button.isEnabled()


def test_show_me_reveals_what_is_missing(qtbot, make_window):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    page = step(qtbot, wizard, "health")
    view = page.views["conditions"]
    assert not view.error.isVisible()  # a fresh page is not shown as all wrong
    drive.click(qtbot, wizard.show_me)
    assert view.error.isVisible()
    assert view.error.text.text() == "Please answer this question."
    sign = view.error.icon.pixmap()  # never colour alone: the warning sign is drawn too
    assert not sign.isNull() and sign.width() >= 24
    qtbot.waitUntil(lambda: view.input.boxes[0][2].hasFocus())


def test_none_of_these_cannot_be_combined(qtbot, make_window):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    page = step(qtbot, wizard, "health")
    view = page.views["conditions"]
    drive.answer(qtbot, view, ["diabetes"])
    drive.click(qtbot, next(box for value, _, box in view.input.boxes if value == "none"))
    assert wizard.session.answers["conditions"] == ["none"]
    drive.click(qtbot, next(box for value, _, box in view.input.boxes if value == "keloid"))
    assert wizard.session.answers["conditions"] == ["keloid"]


def test_back_keeps_answers_and_next_returns(qtbot, make_window):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    page = step(qtbot, wizard, "allergies")
    drive.click(qtbot, wizard.back_button)
    health = wizard.current
    assert isinstance(health, StepPage) and health.step.id == "health"
    assert health.views["conditions"].raw() == ["none"]
    drive.click(qtbot, wizard.next_button)
    assert wizard.current is page


def test_change_from_the_summary_comes_back_to_it(qtbot, make_window):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    drive.walk_to(qtbot, wizard, "summary")
    summary = wizard.current
    assert isinstance(summary, SummaryPage)
    drive.click(qtbot, summary.change_buttons["sun_skin"])
    page = wizard.current
    assert isinstance(page, StepPage) and page.step.id == "sun_skin"
    assert wizard.next_button.text().startswith("Back to summary")
    drive.answer(qtbot, page.views["sun_recent"], True)
    drive.click(qtbot, wizard.next_button)
    assert wizard.current is summary
    texts = drive.visible_texts(summary)
    index = texts.index(page.views["sun_recent"].text_label.text())
    assert texts[index + 1] == "Yes"


def test_the_summary_is_made_ahead_and_remakes_only_the_card_that_changed(qtbot, make_window):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    drive.walk_to(qtbot, wizard, "summary")
    summary = wizard.current
    assert isinstance(summary, SummaryPage)
    assert not summary.build_more()  # made ahead and brought up to date: nothing left
    before = dict(summary.change_buttons)
    assert list(before) == [p.key for p in wizard.pages() if p.kind == "step"]
    drive.click(qtbot, summary.change_buttons["sun_skin"])
    drive.answer(qtbot, wizard.current.views["sun_recent"], True)
    drive.click(qtbot, wizard.next_button)
    assert wizard.current is summary
    after = summary.change_buttons
    assert list(after) == list(before)  # the cards stay in the order of the route
    assert after["sun_skin"] is not before["sun_skin"]  # its card was made again
    assert all(after[key] is before[key] for key in before if key != "sun_skin")
    steps = [p.title for p in wizard.built_pages() if isinstance(p, StepPage)]
    expected = ["About you", *steps, "Risks and information"]
    in_layout = [summary.layout_.itemAt(i).widget() for i in range(summary.layout_.count())]
    titles = [drive.visible_texts(w)[0] for w in in_layout
              if w is not None and w.property("role") == "card" and w is not summary.notes]
    assert titles == expected  # top to bottom


# Inputs on their own, in the clinic's zone, on a fixed morning.
MORNING = InputContext("en", timezone.utc,
                       lambda: datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc))


def test_a_date_and_time_picker_is_built_ahead_a_part_at_a_time(qtbot, form):
    made = make_input(form.question("last_alcohol"), MORNING)
    qtbot.addWidget(made)

    def parts() -> tuple[int, list[str]]:
        combos = made.findChildren(QComboBox)
        return len(combos), [b.text() for b in made.findChildren(QPushButton)]

    seen = [parts()]
    while made.build_more():
        seen.append(parts())
    # "Never / not in the last 24 hours / at this time" first, then the date, the Today /
    # Yesterday shortcuts (which fill the date, so they follow it in Tab order) and the
    # time, each in a call (a turn of the event loop) of its own.
    assert seen == [(0, []), (3, []), (3, ["Today", "Yesterday"]), (5, ["Today", "Yesterday"])]
    assert not made.moment.isEnabled()  # until "At this date and time" is chosen
    made.set_value("2026-11-20T22:15:00+00:00")
    assert made.raw() == "2026-11-20T22:15:00+00:00"
    assert made.moment.isEnabled()


def test_a_picker_used_before_it_was_built_is_built_whole(qtbot, form):
    made = make_input(form.question("last_caffeine"), MORNING)
    qtbot.addWidget(made)
    made.set_value("2026-11-21T07:05:00+00:00")  # a resumed answer, nothing built ahead
    assert made.raw() == "2026-11-21T07:05:00+00:00"
    assert len(made.findChildren(QComboBox)) == 5 and not made.build_more()
    assert [b.text() for b in made.moment.quick_buttons] == ["Today", "Yesterday"]


def test_a_change_that_opens_a_new_question_stops_there(qtbot, make_window):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    drive.walk_to(qtbot, wizard, "summary")
    drive.click(qtbot, wizard.current.change_buttons["medicines"])
    page = wizard.current
    drive.answer(qtbot, page.views["medicines_any"], True)
    assert not wizard.next_button.isEnabled()  # kinds and list now required
    drive.fill_step(qtbot, page, {"medicines_any": True, "medicine_kinds": ["other"],
                                  "medicines_list": "Zinc"})
    drive.click(qtbot, wizard.next_button)
    assert isinstance(wizard.current, SummaryPage)


def test_disclosure_needs_its_own_tick(qtbot, make_window, db_path):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    drive.walk_to(qtbot, wizard, "disclosure")
    page = wizard.current
    assert isinstance(page, DisclosurePage)
    assert wizard.reason.text() in ("Please tick “I understand” to go on.",
                                    "Please read the card to the end.")
    drive.acknowledge(qtbot, page)
    assert wizard.next_button.isEnabled()
    drive.settle(qtbot, window)
    with Store.open(db_path) as store:
        (ack,) = store.intake(wizard.session.intake_id).acknowledgements
    assert ack.disclosure_id == page.disclosure.id and ack.acknowledged_at is not None
    drive.click(qtbot, page.understood)  # untick: withdrawn
    assert not wizard.next_button.isEnabled()
    drive.settle(qtbot, window)
    with Store.open(db_path) as store:
        assert store.intake(wizard.session.intake_id).acknowledgements == ()


def test_a_long_card_must_be_scrolled_to_its_end(qtbot, make_window):
    window = make_window()
    window.resize(1280, 640)
    wizard = drive.start_walk_in(qtbot, window)
    drive.walk_to(qtbot, wizard, "disclosure")
    page = wizard.current
    # Make this card long: the tick waits until the end has been on screen.
    page.body_labels[0].setText(" ".join(["This risk is explained at length."] * 200))
    page.read_to_end = False
    page.body_scroll.verticalScrollBar().setValue(0)
    page.arrive()
    bar = page.body_scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    assert not page.understood.isEnabled()
    assert wizard.current.blocking_reason() == "Please read the card to the end."
    bar.setValue(bar.maximum())
    assert page.understood.isEnabled()


def test_keyboard_alone_answers_a_step(qtbot, make_window):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    page = wizard.current
    qtbot.waitUntil(lambda: window.focusWidget() is page.views["consultation"].input.buttons[0])
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Space)  # "Yes"
    assert wizard.session.answers["consultation"] is True
    assert wizard.next_button.isEnabled()
    # Tab moves on through the footer to Next; Space presses it.
    for _ in range(10):
        if window.focusWidget() is wizard.next_button:
            break
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
    assert window.focusWidget() is wizard.next_button
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Space)
    assert isinstance(wizard.current, StepPage) and wizard.current.step.id == "health"
    # Alt+Left and Alt+Right go back and forward from anywhere on the page.
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert wizard.current.step.id == "about"
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert wizard.current.step.id == "health"
    # Forward on an unfinished page shows what is missing instead.
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert wizard.current.step.id == "health"
    assert wizard.current.views["conditions"].error.isVisible()


def test_controls_have_accessible_names_and_touch_sizes(qtbot, make_window):
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit

    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    drive.walk_to(qtbot, wizard, "consent")
    for page in wizard._pages.values():
        for kind in (QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit):
            for control in page.findChildren(kind):
                assert control.accessibleName() or (
                    isinstance(control, QAbstractButton) and control.text()), control
    for control in wizard.findChildren(QAbstractButton):
        if control.isVisible():
            assert control.height() >= 48, control.accessibleName() or control.text()


def test_signing_is_the_commit_point(qtbot, make_window, db_path):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    drive.walk_to(qtbot, wizard, "consent")
    consent = wizard.current
    assert isinstance(consent, ConsentPage)
    drive.type_text(qtbot, consent.name, "Ada Example")
    drive.sign(consent.pad)
    session = wizard.session
    drive.click(qtbot, wizard.next_button)
    assert session.locked
    assert not wizard.back_button.isVisible()
    wizard.back()  # even called directly, it does nothing now
    assert wizard.current is consent
    qtbot.waitUntil(lambda: window.current_screen == "thanks", timeout=10_000)
    drive.settle(qtbot, window)
    texts = " ".join(drive.visible_texts(window))
    assert "Ada Example" not in texts and "Penicillin" not in texts
    with Store.open(db_path) as store:
        record = store.intake(session.intake_id)
    assert record.status == "submitted" and record.locked
