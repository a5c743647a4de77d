"""Every state the review's rules can reach, made through the real store and review code:
the status, the review queue, the day's print batch and the consent document's outcome say
the same thing. And the document builder refuses a state the rules cannot reach."""

from datetime import date

import pytest
from msgspec.structs import replace

from mesocheck import review
from mesocheck.documents.consent import DocumentRefused, build_consent_pdf, store_consent_pdf
from mesocheck.forms.registry import default_form
from tests.support.answers import CLEAN_ANSWERS, scribble
from tests.support.intakes import (
    REVIEW_ZONE, countersign_now, decide_all, fast_pins, make_intake, make_staff,
)
from tests.support.pdf_text import all_text
from tests.support.records import SETTINGS, make_record

OUTCOME_WORDS = {"cleared": "Cleared for treatment", "postponed": "Postponed",
                 "declined": "Declined"}
BLANK_OUTCOME = "Outcome: ☐ Cleared for treatment ☐ Postponed ☐ Declined"


@pytest.fixture
def people(store, monkeypatch):
    fast_pins(monkeypatch)
    return make_staff(store)


def agree(store, intake_id: str) -> dict:
    """What each place says about the intake, checked against the others."""
    record = store.intake(intake_id)
    (row,) = [r for r in store.queue(limit=500) if r.intake_id == intake_id]
    batch = {i.intake_id: i for i in review.print_batch(store, date.today(), REVIEW_ZONE)}
    document = review.printable_document(record)
    text = all_text(store.document_bytes(document.id)) if document is not None else None
    countersigned = review.countersigned(record)

    assert row.status == record.status
    assert (intake_id in batch) == (record.status == "cleared")
    if intake_id in batch:
        ready = batch[intake_id].problem is None
        assert ready == (countersigned and document.kind == "reviewed_consent")
    if text is not None:
        if countersigned:  # the outcome printed is the status the decisions led to
            assert f"Outcome: {OUTCOME_WORDS[record.status]}" in text
        else:
            assert BLANK_OUTCOME in text
        for status, words in OUTCOME_WORDS.items():
            if status != record.status or not countersigned:
                assert f"Outcome: {words}" not in text
    return {"status": record.status, "countersigned": countersigned,
            "batch": intake_id in batch and batch[intake_id].problem is None,
            "document": document.kind if document is not None else None}


def build(store, intake_id):
    store_consent_pdf(store, intake_id)


def test_every_reachable_state_agrees_everywhere(store, people):
    doctor, desk = people

    clean = make_intake(store, name="Clean Countersigned", answers=CLEAN_ANSWERS)
    assert agree(store, clean) == {"status": "submitted", "countersigned": False,
                                   "batch": False, "document": "consent"}
    countersign_now(store, clean, doctor)  # nothing to decide: the signature clears it
    review.build_reviewed_consent(store, clean)
    assert agree(store, clean) == {"status": "cleared", "countersigned": True, "batch": True,
                                   "document": "reviewed_consent"}

    for decision, status in (("proceed", "cleared"), ("postpone", "postponed"),
                             ("decline", "declined")):
        intake = make_intake(store, name=f"Decided {decision}")
        who = doctor if decision == "proceed" else desk  # a "no" needs no practitioner
        decide_all(store, intake, who, decision)
        build(store, intake)  # decided, not yet countersigned: no outcome is printed
        assert agree(store, intake) == {"status": status, "countersigned": False,
                                        "batch": False, "document": "consent"}
        countersign_now(store, intake, doctor)
        review.build_reviewed_consent(store, intake)
        assert agree(store, intake) == {"status": status, "countersigned": True,
                                        "batch": status == "cleared",
                                        "document": "reviewed_consent"}

    # A decision changed after the countersignature: the old signature no longer covers it.
    changed = make_intake(store, name="Changed Decision")
    decide_all(store, changed, doctor)
    countersign_now(store, changed, doctor)
    review.build_reviewed_consent(store, changed)
    flag = next(f for f in store.intake(changed).flags if f.severity == "review")
    review.decide(store, changed, flag.id, "postpone", "Rebook next week", desk)
    assert agree(store, changed) == {"status": "postponed", "countersigned": False,
                                     "batch": False, "document": None}
    countersign_now(store, changed, doctor)
    review.build_reviewed_consent(store, changed)
    assert agree(store, changed)["document"] == "reviewed_consent"

    # An amendment after the review, the patient's new signature, a new review.
    amended = make_intake(store, name="Amended Answer")
    decide_all(store, amended, doctor)
    countersign_now(store, amended, doctor)
    review.build_reviewed_consent(store, amended)
    review.amend(store, amended, "consultation", True, "Consulted last month", doctor,
                 zone=REVIEW_ZONE)
    assert agree(store, amended) == {"status": "submitted", "countersigned": False,
                                     "batch": False, "document": None}
    review.resign(store, amended, strokes=scribble(), pad_width=600, pad_height=200,
                  printed_name="Amended Answer", meaning="Consent to treatment",
                  zone=REVIEW_ZONE)
    review.build_patient_consent(store, amended)
    assert agree(store, amended) == {"status": "submitted", "countersigned": False,
                                     "batch": False, "document": "consent"}
    text = all_text(store.document_bytes(review.latest_consent(store.intake(amended)).id))
    assert "Corrected after signing by Dr Ines Okafor" in text
    assert "Earlier signature of the patient" in text
    decide_all(store, amended, doctor)
    countersign_now(store, amended, doctor)
    review.build_reviewed_consent(store, amended)
    assert agree(store, amended) == {"status": "cleared", "countersigned": True,
                                     "batch": True, "document": "reviewed_consent"}

    batch = review.print_batch(store, date.today(), REVIEW_ZONE)
    ready = sorted(store.intake(i.intake_id).patient.name for i in batch if i.problem is None)
    assert ready == ["Amended Answer", "Clean Countersigned", "Decided proceed"]


def test_states_the_rules_cannot_reach_are_not_printed():
    form = default_form()
    decided = make_record(form, CLEAN_ANSWERS | {"consultation": False},
                          decisions={"no_consultation": ("decline", "Not suitable", 7)})
    assert decided.status == "declined"
    for status in ("cleared", "submitted", "postponed"):
        with pytest.raises(DocumentRefused, match="cannot lead to"):
            build_consent_pdf(replace(decided, status=status), form, SETTINGS)
    clean = make_record(form, CLEAN_ANSWERS)
    with pytest.raises(DocumentRefused, match="cannot lead to"):
        build_consent_pdf(replace(clean, status="cleared"), form, SETTINGS)  # not reviewed
    reviewed = make_record(form, CLEAN_ANSWERS, practitioner=True)
    assert reviewed.status == "cleared"
    assert "Outcome: Cleared for treatment" in all_text(
        build_consent_pdf(reviewed, form, SETTINGS))
    with pytest.raises(DocumentRefused, match="cannot lead to"):
        build_consent_pdf(replace(reviewed, status="submitted"), form, SETTINGS)
