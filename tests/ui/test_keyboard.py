"""The whole intake with the keyboard alone: from the welcome screen to "thank you", the
signature included (the typed name adopted), every step a key event, and after every key
the focus on a control a person can see, where the test expects it."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt

from mesocheck.store import Store
from mesocheck.ui.intake.inputs import ChoiceInput, LastTakenInput, MultiChoiceInput, TextInput
from mesocheck.ui.intake.pages import DisclosurePage, StepPage
from mesocheck.ui.intake.signing import ConsentPage
from mesocheck.ui.intake.summary import SummaryPage
from mesocheck.ui.intake.understanding import UnderstandingPage
from tests.support.keyboard_driver import Keyboard
from tests.support.pdf_text import all_text

K = Qt.Key

# The answers given by keys: mostly "No" and "Never"; a text, a ticked box, a choice down
# a list, a date from "Yesterday" and a time typed into the hour and minute boxes.
ANSWERS = {
    "consultation": True, "conditions": ["none"], "conditions_other": "Keyboard only, thanks",
    "allergy_planned_ingredient": False, "allergies_any": False, "medicines_any": False,
    "last_aspirin": "never", "last_nsaid": ("yesterday", None), "last_fish_oil": "never",
    "last_vitamin_e": "never", "anticoagulant": False, "sun_recent": False,
    "skin_type": "type_3", "last_alcohol": ("yesterday", (20, 30)), "last_caffeine": "never",
    "transport_arranged": False,
}


def answer_by_keys(keys: Keyboard, view, value) -> None:
    widget = view.input
    if isinstance(widget, ChoiceInput):
        buttons = widget.buttons
        keys.tab_until(lambda w: w in buttons)
        keys.arrow_to(buttons[widget.values.index(value)], buttons)
        keys.press(K.Key_Space)
        assert widget.raw() == value
    elif isinstance(widget, MultiChoiceInput):
        for option, _exclusive, box in widget.boxes:
            if (option in value) != box.isChecked():
                keys.tab_to(box)
                keys.press(K.Key_Space)
        assert widget.raw() == value
    elif isinstance(widget, TextInput):
        keys.tab_to(widget.edit)
        keys.type(value)
        assert widget.raw() == value
    elif isinstance(widget, LastTakenInput):
        buttons = list(widget.buttons.values())
        keys.tab_until(lambda w: w in buttons)
        if isinstance(value, str):
            keys.arrow_to(widget.buttons[value], buttons)
            keys.press(K.Key_Space)
            assert widget.raw() == value
            # The date boxes stay out of the way, and look it: disabled.
            assert not widget.moment.isEnabled()
            return
        keys.arrow_to(widget.buttons["on"], buttons)
        keys.press(K.Key_Space)
        assert keys.focus is widget.buttons["on"]  # choosing it does not move the focus
        keys.press(K.Key_Tab)
        assert keys.focus is widget.moment.date.day  # Tab goes on into the date
        yesterday = widget.moment.quick_buttons[1]
        keys.tab_to(yesterday, limit=5)  # right after the date's three boxes and Today
        keys.press(K.Key_Return)
        if value[1] is not None:
            keys.press(K.Key_Tab)
            assert keys.focus is widget.moment.time.hour  # straight on to the time
            keys.type(f"{value[1][0]:02d}")
            keys.press(K.Key_Tab)
            assert keys.focus is widget.moment.time.minute
            keys.type(f"{value[1][1]:02d}")
        assert widget.raw() is not None
    else:
        raise AssertionError(f"no keyboard driver for {type(widget).__name__}")


def test_the_whole_intake_with_the_keyboard_only(qtbot, make_window, db_path):
    window = make_window()
    keys = Keyboard(qtbot, window)

    # Welcome: the focus is on "Start my form" at once, and Enter presses it.
    keys.wait_for_focus(window.welcome.start_button)
    keys.press(K.Key_Return, opens=lambda: window.current_screen == "walk_in")
    walk_in = window.walk_in
    keys.wait_for_focus(walk_in.name)
    keys.type("Kim Keyboard")
    keys.press(K.Key_Tab)
    assert keys.focus is walk_in.birth_date.day
    keys.type("15")
    keys.press(K.Key_Tab)
    assert keys.focus is walk_in.birth_date.month
    keys.type("Mar")
    keys.press(K.Key_Tab)
    keys.type("1988")
    assert walk_in.birth_date.state() == ("ok", date(1988, 3, 15))
    areas = list(walk_in.area_buttons.values())
    keys.press(K.Key_Tab)
    assert keys.focus is areas[0]
    keys.arrow_to(walk_in.area_buttons["scalp"], areas)
    keys.press(K.Key_Space)
    # Enter goes on from the choice itself, as the welcome screen says (not only on Continue).
    keys.press(K.Key_Return, opens=lambda: window.current_screen == "wizard")
    wizard = window.wizard

    seen_pages = 0
    while not isinstance(wizard.current, ConsentPage):
        page = wizard.current
        seen_pages += 1
        assert seen_pages < 40
        if isinstance(page, StepPage):
            first = page.session.shown_questions(page.step)[0]
            # The focus starts on the page's first answer, in view (not below the fold).
            keys.wait_for_focus(page.views[first.id].input.focus_target())
            # Shift+Tab from there: Stop, before the page in Tab order.
            keys.press(K.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
            assert keys.focus is wizard.stop_button
            keys.press(K.Key_Tab)
            done: set[str] = set()
            while True:
                todo = [q for q in page.session.shown_questions(page.step)
                        if q.id not in done and q.id in ANSWERS]
                if not todo:
                    break
                done.add(todo[0].id)
                answer_by_keys(keys, page.views[todo[0].id], ANSWERS[todo[0].id])
        elif isinstance(page, DisclosurePage):
            # An unread card takes the focus itself: the arrow and page keys scroll it.
            qtbot.waitUntil(lambda: keys.focus in (page.body_scroll, page.understood),
                            timeout=3000)
            while not page.read_to_end:
                keys.press(K.Key_PageDown)
            keys.tab_to(page.understood, limit=3)
            keys.press(K.Key_Space)
            assert page.understood.isChecked()
        elif isinstance(page, UnderstandingPage):
            # The focus starts on the first question; Tab to each, arrows to the answer.
            for view in page.questions.values():
                buttons = view.buttons
                if keys.focus not in buttons:
                    keys.tab_until(lambda w: w in buttons)
                right = [o.value for o in view.question.options].index(view.question.answer)
                keys.arrow_to(buttons[right], buttons)
                keys.press(K.Key_Space)
                assert view.chosen() == view.question.answer
        elif isinstance(page, SummaryPage):
            keys.wait_for_focus(wizard.next_button)
            notes = [w.text() for w in page.notes.findChildren(type(page.notes.children()[1]))]
            assert any("arrange a way home" in text for text in notes), notes
        assert wizard.next_button.isEnabled(), wizard.reason.text()
        before = wizard.current
        if keys.focus is wizard.next_button or not isinstance(page, StepPage):
            keys.press(K.Key_Return)
        else:
            keys.press(K.Key_Right, Qt.KeyboardModifier.AltModifier)  # as a browser's Forward
        qtbot.waitUntil(lambda: wizard.current is not before, timeout=3000)
        if seen_pages == 3:  # Alt+Left goes back a page, Alt+Right forward again
            back_to = wizard.current
            keys.press(K.Key_Left, Qt.KeyboardModifier.AltModifier)
            assert wizard.current is before
            keys.press(K.Key_Right, Qt.KeyboardModifier.AltModifier)
            assert wizard.current is back_to

    consent = wizard.current
    keys.wait_for_focus(consent.name)
    keys.type("Kim Keyboard")
    keys.press(K.Key_Tab)
    assert keys.focus is consent.pad  # reachable, saying what else there is
    assert "typed name" in consent.pad.accessibleDescription()
    keys.tab_to(consent.method_buttons["typed"], limit=4)  # past Undo and Clear (disabled)
    keys.press(K.Key_Return)
    assert consent.method == "typed" and not consent.pad.isVisible()
    assert keys.focus is consent.name  # the typed name is the signature: check it
    assert wizard.next_button.isEnabled()
    intake_id = wizard.session.intake_id
    keys.press(K.Key_Return)  # Enter in the name: "Sign and send"
    qtbot.waitUntil(lambda: window.current_screen == "thanks", timeout=10_000)
    assert keys.keys > 100
    qtbot.waitUntil(lambda: not window.pdf_jobs, timeout=15_000)

    with Store.open(db_path) as store:
        record = store.intake(intake_id)
        (signature,) = record.signatures
        assert (signature.method, signature.strokes, signature.printed_name) == (
            "typed", [], "Kim Keyboard")
        told = {f.rule_id: f.patient_told for f in record.flags if f.patient_message}
        assert told and all(told.values()), told  # every message was on the summary
        assert record.answers["conditions_other"] == "Keyboard only, thanks"
        yesterday = date.today() - timedelta(days=1)
        assert record.answers["last_nsaid"] == yesterday.isoformat()
        document = store.latest_document(intake_id)
        text = all_text(store.document_bytes(document.id))
    assert "The typed name, adopted as the signature" in text
