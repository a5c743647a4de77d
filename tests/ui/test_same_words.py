"""An answer is said in the same words wherever it appears: on the wizard's summary that the
patient checks before signing, in the signed consent PDF, and on the practitioner's review
screen; and the signature's content hash made at signing is the one the review computes."""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timezone
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from mesocheck import review
from mesocheck.documents.consent import store_consent_pdf
from mesocheck.forms import parse_form
from mesocheck.forms.model import QUESTION_TYPES
from mesocheck.session import IntakeSession, PatientDetails
from mesocheck.store import Store
from tests.support import at_rest

ZONE = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 9, 8, 30, tzinfo=timezone.utc)
SIGNATURE = [[[10.0 + i * 6, 50.0 + (i % 5) * 8, i * 16, None] for i in range(30)]]

EVERY_TYPE = textwrap.dedent(
    """
    id = "every_type"
    version = "1"
    languages = ["en"]
    title = { en = "Every kind of question" }
    signature_meaning = { en = "Consent to treatment" }
    areas = [{ value = "face", label = { en = "Face" } }]

    [[steps]]
    id = "all"
    title = { en = "All of them" }

      [[steps.questions]]
      id = "yes_no"
      type = "boolean"
      text = { en = "Have you had this treatment before?" }

      [[steps.questions]]
      id = "one"
      type = "choice"
      text = { en = "Which skin type are you?" }
      options = [{ value = "t1", label = { en = "Always burns" } },
                 { value = "t2", label = { en = "Never burns" } }]

      [[steps.questions]]
      id = "several"
      type = "multi_choice"
      text = { en = "Which of these apply?" }
      options = [{ value = "a", label = { en = "Diabetes" } },
                 { value = "b", label = { en = "Keloid scars" } },
                 { value = "c", label = { en = "Eczema" } }]

      [[steps.questions]]
      id = "day"
      type = "date"
      text = { en = "When was your last check-up?" }

      [[steps.questions]]
      id = "moment"
      type = "datetime"
      text = { en = "When did you last eat?" }

      [[steps.questions]]
      id = "words"
      type = "text"
      text = { en = "Anything else?" }

      [[steps.questions]]
      id = "aspirin_day"
      type = "last_taken"
      precision = "date"
      recent_days = 7
      text = { en = "When did you last take aspirin?" }

      [[steps.questions]]
      id = "aspirin_never"
      type = "last_taken"
      precision = "date"
      recent_days = 7
      text = { en = "When did you last take ibuprofen?" }

      [[steps.questions]]
      id = "coffee_moment"
      type = "last_taken"
      precision = "datetime"
      recent_hours = 24
      text = { en = "When did you last have coffee?" }

      [[steps.questions]]
      id = "wine_recent"
      type = "last_taken"
      precision = "datetime"
      recent_hours = 24
      text = { en = "When did you last have a drink?" }

      [[steps.questions]]
      id = "fish_oil_recent"
      type = "last_taken"
      precision = "date"
      recent_days = 1
      text = { en = "When did you last take fish oil?" }

      [[steps.questions]]
      id = "left_out"
      type = "text"
      text = { en = "Who is your family doctor?" }

    [[disclosures]]
    id = "pain"
    kind = "risk"
    title = { en = "Pain" }
    body = { en = "It may hurt." }

    [[rules]]
    id = "keloid"
    severity = "review"
    when = { question = "several", op = "=", value = "b" }
    practitioner = { en = "Keloid history." }

    [consent]
    title = { en = "Consent" }
    items = [{ en = "I agree." }]

    [aftercare]
    title = { en = "Aftercare" }
    items = [{ en = "Rest." }]
    """
)

ANSWERS = {
    "yes_no": False,
    "one": "t2",
    "several": ["c", "a"],
    "day": "2026-02-20",
    "moment": "2026-03-09T07:15:00+00:00",
    "words": "Mild asthma, uses an inhaler",
    "aspirin_day": "2026-03-04",
    "aspirin_never": "never",
    "coffee_moment": "2026-03-08T21:40:00+00:00",
    "wine_recent": "not_recent",
    "fish_oil_recent": "not_recent",
}


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def signed(tmp_path, monkeypatch):
    """An intake of the every-type form answered through the session, signed, with its
    consent PDF; the form file is archived with the intake as the app does."""
    form = parse_form(EVERY_TYPE, "every-type.toml")
    at_rest.set_up(tmp_path / "words.sqlite3")
    store = Store.open(tmp_path / "words.sqlite3", clock=lambda: NOW)
    details = PatientDetails("Jeanne Moreau", date(1980, 5, 17), "face",
                             datetime(2026, 3, 9, 9, 0, tzinfo=timezone.utc))
    session = IntakeSession.start(store, form, details, zone=ZONE, clock=lambda: NOW)
    for question_id, value in ANSWERS.items():
        assert session.answer(question_id, value).ok, question_id
    for disclosure in form.disclosures:
        session.acknowledge(disclosure.id)
    yield store, form, session
    store.close()


def test_every_question_type_is_covered():
    form = parse_form(EVERY_TYPE, "every-type.toml")
    assert {q.type for q in form.questions} == set(QUESTION_TYPES)


def test_the_wizard_the_pdf_and_the_review_say_each_answer_in_the_same_words(qtbot, signed):
    from PySide6.QtWidgets import QLabel

    from mesocheck.ui.intake.summary import SummaryPage
    from mesocheck.ui.intake.inputs import InputContext

    store, form, session = signed
    page = SummaryPage(session, InputContext("en", ZONE, lambda: NOW))
    qtbot.addWidget(page)
    page.rebuild()
    on_screen = {}
    for grid_label in page.findChildren(QLabel):
        if grid_label.property("role") == "summaryQuestion" and grid_label.isVisibleTo(page):
            layout = grid_label.parentWidget().layout().itemAt(1).layout()
            index = layout.indexOf(grid_label)
            row, _column, _rows, _columns = layout.getItemPosition(index)
            on_screen[grid_label.text()] = layout.itemAtPosition(row, 1).widget().text()
    questions = {q.text.get("en"): q for q in form.questions}
    on_screen = {text: shown for text, shown in on_screen.items() if text in questions}
    assert set(on_screen) == set(questions)  # every question, the unanswered one too

    submission = session.prepare_signature("Jeanne Moreau", SIGNATURE, 600, 200)
    session.submit(submission)
    document_id = store_consent_pdf(store, session.intake_id)
    reader = PdfReader(BytesIO(store.document_bytes(document_id)))
    printed = _flat(" ".join(page.extract_text() for page in reader.pages))

    record = store.intake(session.intake_id)
    for text, shown in on_screen.items():
        question = questions[text]
        for line in shown.split("\n"):  # several chosen options: a line (a bullet) each
            assert _flat(line) in printed, (question.id, line)
        described = review.describe_value(form, question.id, record.answers.get(question.id),
                                          "en", ZONE)
        assert described == "; ".join(shown.split("\n")), question.id
    # What the patient tapped is what was printed: not "Not in the last day".
    assert on_screen["When did you last have a drink?"] == "Not in the last 24 hours"
    assert on_screen["When did you last have coffee?"] == "At 8 March 2026 at 22:40"
    assert on_screen["Which of these apply?"] == "Diabetes\nEczema"


def test_the_signed_content_hash_is_the_one_the_review_computes(signed):
    store, form, session = signed
    submission = session.prepare_signature("Jeanne Moreau", SIGNATURE, 600, 200)
    session.submit(submission)
    (signature,) = store.intake(session.intake_id).signatures
    record = store.intake(session.intake_id)
    assert signature.content_hash == review.patient_content_hash(
        record, form, "Jeanne Moreau", ZONE)
    assert signature.content_hash != review.patient_content_hash(
        record, form, "Jeanne Moreau-Dupont", ZONE)
