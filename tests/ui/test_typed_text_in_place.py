"""Typed text stays in its place: every free-text field of an intake and its review holds
right-to-left text with direction controls (an override, an isolate left open) and an
emoji, and the app's own words around each piece read left to right where they belong, on
the review screen (as Qt lays the words out) and in the consent PDF (as a reader extracts
its text)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel

from mesocheck import review as review_rules
from mesocheck.documents.consent import store_consent_pdf
from mesocheck.forms import Facts, check_answer, check_name, evaluate_rules
from mesocheck.forms.flow import Flow, disclosure_text_hash
from mesocheck.forms.isolation import strip_direction_controls
from mesocheck.forms.registry import canonical_content, default_form
from mesocheck.store import Store
from mesocheck.store.audit import staff_actor
from mesocheck.ui.review.panel import ReviewPanel
from mesocheck.ui.tasks import Database, shut_down
from mesocheck.ui.widgets import style
from tests.support.answers import flagged_answers, scribble
from tests.support.intakes import REVIEW_ZONE, countersign_now, today_at
from tests.support.pdf_text import all_text

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

# Typed as a person might paste them: an override and an isolate that never closes, a name
# in Arabic script at the end (the case that pulls the words after it into its own order).
PATIENT = "\u202eZoë 😀 محمد\u2067"
STAFF = "Dr \u202eمريم الحسن"
WITNESS = "Laila \u202bحداد"
TEXT = "\u202eطفح ok 123\u2066"
REASON = "\u202eموافق بعد الفحص"
CLINIC = "عيادة \u202eالميناء"


def _hostile_intake(store: Store) -> tuple[str, object, bytes]:
    form = default_form()
    doctor_id = store.add_staff(STAFF, "practitioner", "264819", actor="system")
    doctor = next(m for m in store.staff_members() if m.id == doctor_id)
    store.set_settings({"clinic_name": CLINIC}, "system")
    appointment = today_at(15)
    raw = flagged_answers(appointment)
    for question in form.questions:
        if question.type == "text" and question.id in raw:
            raw[question.id] = TEXT
    values = {}
    for qid, value in raw.items():
        checked = check_answer(form.question(qid), value,
                               now=max(datetime.now(timezone.utc), appointment))
        assert checked.ok, (qid, checked.error)
        values[qid] = checked.value
    intake_id = store.start_intake(  # with the name as the start screen checks it
        name=check_name(PATIENT).value, birth_date="1985-04-12", form_id=form.id, form_version=form.version,
        form_hash=form.content_hash, language="en", area="face", appointment_at=appointment,
        device="tablet", actor="patient", form_content=canonical_content(form))
    store.save_answers(intake_id, values)
    facts = Facts(appointment=appointment, birth_date=datetime(1985, 4, 12).date(), area="face")
    for disclosure in Flow(form, facts).shown_disclosures(values):
        store.acknowledge(intake_id, disclosure.id, disclosure_text_hash(disclosure, "en"))
    record = store.intake(intake_id)
    name = record.patient.name
    store.submit(intake_id, flags=[f.as_dict() for f in evaluate_rules(form, values, facts)],
                 signature={
                     "printed_name": name, "meaning": form.signature_meaning.get("en"),
                     "strokes": scribble(), "pad_width": 600, "pad_height": 200,
                     "tz": "Europe/London", "method": "mark",
                     "witness": check_name(WITNESS).value,
                     "content_hash": review_rules.patient_content_hash(record, form, name,
                                                                       REVIEW_ZONE)})
    first = store.document_bytes(store_consent_pdf(store, intake_id))  # the mark's document
    review_rules.amend(store, intake_id, "conditions_other", TEXT + " more", REASON, doctor,
                       zone=REVIEW_ZONE)
    review_rules.resign(store, intake_id, strokes=scribble(), pad_width=600, pad_height=200,
                        printed_name=PATIENT, meaning=form.signature_meaning.get("en"),
                        zone=REVIEW_ZONE)
    for flag in review_rules.undecided(store.intake(intake_id).flags):
        review_rules.decide(store, intake_id, flag.id, "proceed", REASON, doctor)
    countersign_now(store, intake_id, doctor)
    review_rules.build_reviewed_consent(store, intake_id)
    return intake_id, doctor, first


def reads_in_order(label: QLabel, words: list[str]) -> list[str]:
    """Problems with the app's ``words`` (in the order they are written in the label's
    text) as Qt lays the text out on one line in the label's direction, going by where each
    character's glyph is drawn: each must read left to right, and each must start to the
    right of the one before."""
    text = label.text()
    layout = QTextLayout(text, label.font())
    option = QTextOption()
    option.setTextDirection(label.layoutDirection())
    layout.setTextOption(option)
    layout.beginLayout()
    layout.createLine().setLineWidth(100_000)
    layout.endLayout()
    def x(index: int) -> float:  # where the character's glyph is drawn
        return min(p.x() for run in layout.glyphRuns(index, 1) for p in run.positions())

    problems, last_start, at = [], -1.0, 0
    for word in words:
        index = text.find(word, at)
        assert index >= 0, f"{word!r} not in {text!r}"
        xs = [x(i) for i in range(index, index + len(word))]
        # Equal places are a ligature ("fl") or a cluster; going back is reversed text.
        if any(b < a for a, b in zip(xs, xs[1:])) or xs[-1] <= xs[0]:
            problems.append(f"{word!r} does not read left to right in {text!r}")
        if xs[0] <= last_start:
            problems.append(f"{word!r} is not after the words before it in {text!r}")
        last_start, at = xs[0], index + len(word)
    return problems


def _label(widget, starts: str) -> QLabel:
    found = [w for w in widget.findChildren(QLabel)
             if strip_direction_controls(w.text()).startswith(starts)]
    assert found, f"no label starting {starts!r}"
    return found[0]


def test_typed_text_never_moves_the_words_around_it(qtbot, qapp, db_path):
    with Store.open(db_path) as store:
        intake_id, doctor, first = _hostile_intake(store)
        record = store.intake(intake_id)
        pdf = store.document_bytes(store.latest_document(intake_id).id)
    # Validation took the direction controls out of every name and text.
    assert record.patient.name == "Zoë 😀 محمد"
    assert record.answers["allergies_details"] == "طفح ok 123"
    assert {a.reason for a in review_rules.amendments(record)} == {"موافق بعد الفحص"}

    style.apply(qapp)
    db = Database.open(db_path)
    try:
        _check_the_screen(qtbot, db, intake_id, doctor)
    finally:
        assert shut_down(db)

    # The PDF as a reader extracts it: the document's words in their order around each
    # piece of typed text, and no direction control or lost glyph.
    text = all_text(pdf)
    assert "\u202e" not in text and "\u2067" not in text and "\ufffd" not in text
    assert "😀" in text  # drawn from the emoji font, and extractable
    assert "treated on" in text and "no detaert" not in text
    assert "Drawn by hand on the tablet" in text  # the signature given again, drawn
    assert "Proceed by" in text and "yb deecorP" not in text
    signed = all_text(first)
    assert "A mark made on the tablet, witnessed by Laila" in signed
    assert "\u202b" not in signed and "\ufffd" not in signed
    # The amendment note: the amender's name and the reason typed in Arabic sit inside the
    # document's words. (pdftotext runs its own bidi over the whole line and carries the
    # comma and the parenthesis next to the Arabic across it, so those are not checked here.)
    for piece in ("Corrected after signing by Dr ", "Patient: ok 123"):
        assert piece in text


def _check_the_screen(qtbot, db, intake_id: str, doctor) -> None:
    panel = ReviewPanel(db, doctor, REVIEW_ZONE)
    qtbot.addWidget(panel)
    panel.resize(1280, 800)
    panel.show()
    panel.open_intake(intake_id)
    qtbot.waitUntil(lambda: panel.detail.record is not None, timeout=5000)
    detail = panel.detail
    day = datetime.now(REVIEW_ZONE).strftime("%Y-%m-%d")
    problems: list[str] = []
    answer = next(w for w in detail.findChildren(QLabel)
                  if w.objectName() == "answerValue" and "Info flag" in w.text())
    problems += reads_in_order(answer, ["   [Info flag]"])
    amendment = next(w for w in detail.findChildren(QLabel) if w.objectName() == "amendment")
    problems += reads_in_order(amendment, ["was: ", "  →  now: ", "Reason: “", "” — ",
                                           ", " + day])
    decision = next(w for w in detail.findChildren(QLabel) if w.objectName() == "decisionNow")
    problems += reads_in_order(decision, ["Decision: Proceed — “", "” — ", ", " + day])
    caption = _label(detail, "Patient: ")
    problems += reads_in_order(caption, ["Patient: ", " — “", "” — signed " + day])
    problems += reads_in_order(detail.banner, ["Cleared: countersigned by ", ", " + day])
    assert problems == [], "\n".join(problems)

    # The check sees what isolation prevents: without the isolates, the date after a name
    # written in Arabic script is pulled into the name's run, before it.
    bare = QLabel(strip_direction_controls(detail.banner.text()))
    bare.setFont(detail.banner.font())
    assert reads_in_order(bare, ["Cleared: countersigned by ", ", " + day]) != []
    panel.close()
