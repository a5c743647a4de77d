"""The understanding check before signing, through the real widgets: a wrong answer shows
the right one and the card it comes from, every try is stored, shown in the review, printed
and exported; someone still wrong after the last try goes on, and a review flag asks the
practitioner to talk it through. The page is looked at in both screen shapes."""

from __future__ import annotations

import csv
import json

import pytest

from mesocheck import cli
from mesocheck.store import Store
from mesocheck.ui.intake.signing import ConsentPage
from mesocheck.ui.intake.understanding import UnderstandingPage
from tests.support import intake_driver as drive
from tests.support.layout_check import look_in_both_shapes
from tests.support.pdf_text import all_text
from tests.support.review_driver import make_panel, open_row

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the review panel, offscreen


def _to_the_check(qtbot, window, name: str) -> tuple:
    wizard = drive.start_walk_in(qtbot, window, name=name)
    drive.walk_to(qtbot, wizard, "understanding")
    page = wizard.current
    assert isinstance(page, UnderstandingPage)
    return wizard, page


def _sign(qtbot, window, wizard, name: str) -> str:
    assert isinstance(wizard.current, ConsentPage)
    drive.type_text(qtbot, wizard.current.name, name)
    drive.sign(wizard.current.pad)
    return drive.send_and_wait(qtbot, window)


def test_a_wrong_answer_shows_the_right_one_and_every_try_is_kept(
        qtbot, make_window, db_path, practitioner, form, tmp_path):
    window = make_window()
    wizard, page = _to_the_check(qtbot, window, "Uma Understood")
    assert list(page.questions) == [u.id for u in form.understanding]
    assert wizard.next_button.text() == "Check my answers  ›"
    assert not wizard.next_button.isEnabled()  # nothing chosen yet
    assert wizard.reason.text() == "Please choose an answer for every question."
    look_in_both_shapes(qtbot, window, "understanding-check", tmp_path)

    drive.answer_understanding(qtbot, page, {"can_stop": "no"})  # one wrong
    assert wizard.next_button.isEnabled()
    drive.click(qtbot, wizard.next_button)
    assert wizard.current is page  # still here: the right answer is shown
    wrong = page.questions["can_stop"]
    assert wrong.feedback.isVisible() and wrong.card.isVisible()
    assert "Yes. I can stop at any time, even in the middle of a course." in wrong.feedback.text()
    assert "from the card “Your consent”" in wrong.feedback.text()
    assert "I know I can change my mind and stop at any time." in wrong.card.text()
    assert not page.questions["sun_after"].feedback.isVisible()
    assert wrong.chosen() is None and page.questions["sun_after"].chosen() == "cover"
    assert not wizard.next_button.isEnabled()  # chosen again before the next try
    look_in_both_shapes(qtbot, window, "understanding-wrong", tmp_path)

    drive.answer_understanding(qtbot, page)  # the right answers
    drive.click(qtbot, wizard.next_button)
    intake_id = _sign(qtbot, window, wizard, "Uma Understood")

    with Store.open(db_path) as store:
        record = store.intake(intake_id)
        pdf = store.document_bytes(store.latest_document(intake_id).id)
        doctor = next(m for m in store.staff_members() if m.id == practitioner)
        assert store.verify() == []
    assert [t.wrong for t in record.understanding] == [("can_stop",), ()]
    assert [t.answers["can_stop"] for t in record.understanding] == ["no", "yes"]
    assert "understanding_missed" not in {f.rule_id for f in record.flags}
    text = " ".join(all_text(pdf).split())
    assert "Your understanding, checked" in text
    assert "Try 1: No. Once I sign, I must have every session. (not right)" in text
    assert "Try 2: Yes. I can stop at any time, even in the middle of a course. (right)" in text

    panel = make_panel(qtbot, window.db, doctor)
    open_row(qtbot, panel, "Uma Understood")
    shown = drive.visible_texts(panel.detail)
    assert "Understanding checked before signing" in shown
    assert any(t.startswith("Try 1: “No. Once I sign, I must have every session.” — wrong")
               for t in shown)

    out = tmp_path / "export.json"
    assert cli.main(["export", "--db", str(db_path), "--format", "json",
                     "--output", str(out)]) == 0
    (row,) = [r for r in json.loads(out.read_text()) if r["intake_id"] == intake_id]
    assert [t["wrong"] for t in row["understanding"]] == [["can_stop"], []]
    out = tmp_path / "export.csv"
    assert cli.main(["export", "--db", str(db_path), "--format", "csv",
                     "--output", str(out)]) == 0
    (line,) = [r for r in csv.DictReader(out.open()) if r["intake_id"] == intake_id]
    assert (line["understanding_tries"], line["understood"]) == ("2", "yes")


def test_still_wrong_after_the_last_try_goes_on_with_a_flag_for_the_practitioner(
        qtbot, make_window, db_path, practitioner, tmp_path):
    window = make_window()
    wizard, page = _to_the_check(qtbot, window, "Wes Wrong")
    for _try in range(2):
        drive.answer_understanding(qtbot, page, {"sun_after": "nothing"})
        drive.click(qtbot, wizard.next_button)
        assert wizard.current is page
    assert page.finished and page.outcome.isVisible()
    assert "The practitioner will go through this with you" in page.outcome.text()
    assert page.questions["sun_after"].feedback.isVisible()  # the right answer, once more
    assert wizard.next_button.text() == "Next  ›" and wizard.next_button.isEnabled()
    look_in_both_shapes(qtbot, window, "understanding-still-wrong", tmp_path)
    drive.click(qtbot, wizard.next_button)  # not blocked
    intake_id = _sign(qtbot, window, wizard, "Wes Wrong")
    with Store.open(db_path) as store:
        record = store.intake(intake_id)
    assert [t.wrong for t in record.understanding] == [("sun_after",), ("sun_after",)]
    (flag,) = [f for f in record.flags if f.rule_id == "understanding_missed"]
    assert flag.severity == "review" and flag.decision is None
