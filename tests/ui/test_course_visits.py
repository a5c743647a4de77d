"""A course of visits through the real widgets: a first visit with the full consent, two
check-ins that continue it (the second reporting a nodule after the last session, which the
practitioner sees flagged), and the full consent asked again after the form's wording changed,
with the changed card marked. Each is checked in the store, the review and the PDF, and the
check-in's screens are looked at in both screen shapes."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QLabel, QWidget

from mesocheck.forms.loader import form_from_data
from mesocheck.store import Store
from mesocheck.ui.intake.pages import DisclosurePage, StepPage
from mesocheck.ui.intake.signing import ConsentPage
from mesocheck.ui.intake.understanding import UnderstandingPage
from tests.support import intake_driver as drive
from tests.support.layout_check import look_in_both_shapes, window_problems
from tests.support.pdf_text import all_text
from tests.support.review_driver import make_panel, open_row

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the review panel, offscreen

NAME = "Ada Example"


def _sign_and_send(qtbot, window, wizard) -> str:
    page = wizard.current
    drive.type_text(qtbot, page.name, NAME)
    drive.sign(page.pad)
    intake_id = drive.send_and_wait(qtbot, window)
    drive.click(qtbot, window.thanks.copy_no)
    drive.settle(qtbot, window)
    window.show_welcome()
    return intake_id


def _record(db_path, intake_id):
    with Store.open(db_path) as store:
        record = store.intake(intake_id)
        return record, all_text(store.document_bytes(store.latest_document(intake_id).id))


def test_a_course_consent_then_two_check_ins(qtbot, make_window, db_path, practitioner,
                                            tmp_path):
    window = make_window()
    first = drive.walk_in_and_sign(
        qtbot, window, {"conditions": ["diabetes"], "allergies_any": True,
                        "allergies_details": "Penicillin"})
    qtbot.waitUntil(lambda: not window.pdf_jobs, timeout=30_000)
    drive.click(qtbot, window.thanks.copy_no)
    drive.settle(qtbot, window)
    window.show_welcome()
    consent, text = _record(db_path, first)
    assert consent.course_sessions == 10 and consent.continues is None
    assert "This consent covers up to 10 sessions" in text

    # The second visit: the same patient at the tablet takes the short check-in.
    wizard = drive.start_walk_in(qtbot, window, area="scalp")
    session = wizard.session
    assert session.form.id == "mesotherapy_checkin" and session.continues == first
    assert len(session.pages()) < 15  # the full form has over 25 pages
    page = wizard.current
    assert isinstance(page, StepPage) and page.title == "Since your last session"
    look_in_both_shapes(qtbot, window, "checkin-last-session", tmp_path)
    drive.fill_step(qtbot, page, {"after_effects": ["none"]})
    drive.click(qtbot, wizard.next_button)
    health = wizard.current
    assert health.title == "Your health since your last visit"
    view = health.views["conditions"]
    assert view.carried_label.isVisible()  # from the last visit, to confirm or change
    assert "answer from your last visit" in view.carried_label.text()
    assert view.raw() == ["diabetes"]
    assert health.views["allergies_details"].input.raw() == "Penicillin"
    assert health.views["allergies_details"].carried_label.isVisible()
    look_in_both_shapes(qtbot, window, "checkin-carried", tmp_path)
    drive.click(qtbot, wizard.next_button)
    today = wizard.current  # the time windows are asked afresh: nothing carried there
    assert today.title == "Before today's session"
    assert not today.views["recent_7_days"].carried_label.isVisible()
    assert "recent_7_days" not in wizard.session.answers
    look_in_both_shapes(qtbot, window, "checkin-before-today", tmp_path)
    drive.walk_to(qtbot, wizard, "disclosure")
    card = wizard.current
    assert isinstance(card, DisclosurePage) and card.title == "Your consent for this course"
    look_in_both_shapes(qtbot, window, "checkin-course-card", tmp_path)
    drive.walk_to(qtbot, wizard, "consent")
    look_in_both_shapes(qtbot, window, "checkin-consent", tmp_path,
                        show=lambda: wizard.current.ensure_visible(wizard.current.pad))
    second = _sign_and_send(qtbot, window, wizard)
    record, text = _record(db_path, second)
    assert record.continues.intake_id == first and record.course_until is None
    assert record.answers["conditions"] == ["diabetes"]
    assert [f.rule_id for f in record.flags if f.rule_id.startswith("after_")] == []
    assert f"This check-in continues the course consent signed on" in text and first in text

    # The third visit: a nodule after the last session, flagged for the practitioner.
    wizard = drive.start_walk_in(qtbot, window, area="scalp")
    assert wizard.session.continues == first
    drive.walk_to(qtbot, wizard, "consent", {"after_effects": ["nodules"]})
    third = _sign_and_send(qtbot, window, wizard)
    record, _text = _record(db_path, third)
    assert {f.rule_id: f.severity for f in record.flags}["after_nodules"] == "review"

    panel = make_panel(qtbot, window.db, _doctor(db_path, practitioner))
    model = panel.queue.model
    kinds = {model.row_at(i).intake_id: model.data(model.index(i, 1)) for i in
             range(model.rowCount())}
    assert kinds[first] == "\u2068Ada Example\u2069\nborn 1 May 1990"
    assert kinds[third] == "\u2068Ada Example\u2069\nborn 1 May 1990 · check-in"
    look_in_both_shapes(qtbot, panel, "course-queue", tmp_path)
    open_row(qtbot, panel, NAME)  # the newest visit first: the third
    assert panel.detail.record.id == third
    texts = [w.text() for w in panel.detail.findChildren(QLabel) if w.isVisible()]
    assert any("Lumps under the skin after the last session" in t for t in texts)
    check_in = texts[texts.index("Check-in") + 1]
    assert check_in.startswith("Continues the course consent signed on")
    assert any("[from the last visit, confirmed]" in t for t in texts)
    look_in_both_shapes(qtbot, panel, "checkin-review", tmp_path)

    # The practitioner asks for the full consent at the next visit.
    button = panel.detail.reconsent_button
    assert button.isVisible() and button.isEnabled() and not button.isChecked()
    drive.click(qtbot, button)
    qtbot.waitUntil(lambda: panel.detail.course_asked is not None, timeout=5000)
    with Store.open(db_path) as store:
        assert store.intake(first).reconsent_asked_by == practitioner
    texts = [w.text() for w in panel.detail.findChildren(QLabel) if w.isVisible()]
    assert texts[texts.index("Next visit") + 1].startswith(
        "Full consent asked for by \u2068Dr Rowan Hale\u2069, ")

    # The patient's history: the consent, then each check-in naming it.
    drive.click(qtbot, panel.detail.history_button)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.history, timeout=5000)
    qtbot.waitUntil(lambda: len(panel.history.records) == 3, timeout=5000)
    lines = [w.text() for w in panel.history.findChildren(QLabel) if w.isVisible()]
    assert sum(t.startswith("Check-in, continuing the course consent of") for t in lines) == 2
    assert "A practitioner asked for the full consent at the next visit" in lines
    look_in_both_shapes(qtbot, panel, "course-history", tmp_path)


def test_changed_wording_asks_the_full_consent_again_with_the_card_marked(
        qtbot, make_window, db_path, form, practitioner, tmp_path):
    window = make_window()
    first = drive.walk_in_and_sign(qtbot, window)
    qtbot.waitUntil(lambda: not window.pdf_jobs, timeout=30_000)
    window.show_welcome()
    window.close()

    source = copy.deepcopy(form.source)
    source["version"] = "1.5"
    card = next(d for d in source["disclosures"] if d["id"] == "nodules")
    card["body"]["en"] += "\n\nRarely, a lump lasts for months."
    changed = form_from_data(source)
    window = make_window(form=changed)
    wizard = drive.start_walk_in(qtbot, window, area="scalp")
    assert wizard.session.form is changed and wizard.session.changed == {"nodules"}
    marked = []
    for _ in range(60):
        page = wizard.current
        if isinstance(page, DisclosurePage):
            marked.append((page.disclosure.id, page.changed_label is not None))
            if page.changed_label is not None:
                assert page.changed_label.isVisible()
                look_in_both_shapes(qtbot, window, "reconsent-changed-card", tmp_path)
        if isinstance(page, ConsentPage):
            break
        if isinstance(page, StepPage):
            drive.fill_step(qtbot, page)
        elif isinstance(page, DisclosurePage):
            drive.acknowledge(qtbot, page)
        elif isinstance(page, UnderstandingPage):
            drive.answer_understanding(qtbot, page)
        drive.click(qtbot, wizard.next_button)
    assert ("nodules", True) in marked
    assert all(not flag for card_id, flag in marked if card_id != "nodules")
    again = _sign_and_send(qtbot, window, wizard)
    record, text = _record(db_path, again)
    assert record.continues is None and record.course_sessions == 10  # a new course
    assert record.reconsent.previous == first and record.reconsent.reasons == ("wording",)
    assert "renews the course consent of record" in text and "its wording has changed" in text

    panel = make_panel(qtbot, window.db, _doctor(db_path, practitioner))
    panel.open_intake(again)
    qtbot.waitUntil(lambda: panel.detail.record is not None
                    and panel.detail.record.id == again, timeout=5000)
    texts = [w.text() for w in panel.detail.findChildren(QLabel)]
    why = texts[texts.index("Full consent") + 1]
    assert why.startswith("Asked again: the consent's wording has changed since they signed it")
    assert "Changed cards: Lumps under the skin" in why


def _doctor(db_path, staff_id):
    with Store.open(db_path) as store:
        return next(m for m in store.staff_members() if m.id == staff_id)


def test_staff_see_what_a_known_patients_visit_takes_before_handing_over(
        qtbot, make_window, db_path, form, tmp_path):
    import random
    from datetime import date

    from tests.support.intakes import fill_intake

    db_path.parent.mkdir(parents=True, exist_ok=True)
    with Store.open(db_path) as store:
        fill_intake(store, form, random.Random(4), name="Maria Jones", birth=date(1985, 2, 3),
                    area="neck")
    window = make_window()
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    start = window.staff_home.start_screen
    drive.type_text(qtbot, start.name, "Maria Jones")
    drive.set_date(start.birth_date, date(1985, 2, 3))
    drive.click(qtbot, start.area_buttons["neck"])
    drive.click(qtbot, start.go_button)
    qtbot.waitUntil(lambda: window.findChild(QWidget, "dialog") is not None
                    and window.findChild(QWidget, "dialog").isVisible(), timeout=5000)
    dialog = window.findChild(QWidget, "dialog")
    assert "This visit is a short check-in: session 2 of the course (up to 10 sessions " \
           "until" in dialog.text_label.text()
    folder = Path(os.environ.get("MESOCHECK_SCREENSHOTS") or tmp_path)
    dialog.grab().save(str(folder / "checkin-staff-dialog.png"))
    assert window_problems(dialog, window) == []
    drive.click(qtbot, dialog.accept_button)
    qtbot.waitUntil(lambda: window.current_screen == "ready", timeout=5000)
    wizard = drive.begin(qtbot, window)
    assert wizard.session.form.id == "mesotherapy_checkin"
