"""The review rules against a real store: decisions, overrides, statuses, countersigning,
the rebuilt PDF, amendments and the print batch. No Qt. The intakes are made as the wizard
makes them (``tests/support/intakes.py``)."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from mesocheck import review
from mesocheck.forms.answers import source_question
from mesocheck.forms.registry import default_form
from mesocheck.store.records import CONSENT, REVIEWED_CONSENT
from mesocheck.store.store import Store
from tests.support.answers import CLEAN_ANSWERS, scribble
from tests.support.intakes import REVIEW_ZONE as ZONE
from tests.support.intakes import (
    audit_rows,
    countersign_now,
    decide_all,
    fast_pins,
    make_intake,
    make_staff,
    today_at,
)
from tests.support.pdf_text import pdf_text


@pytest.fixture
def staff(store, monkeypatch):
    fast_pins(monkeypatch)
    return make_staff(store)


# -- the outcome of decisions (pure) -------------------------------------------------------


def _flag(severity: str, *decisions: str):
    made = tuple(SimpleNamespace(id=i, decision=d) for i, d in enumerate(decisions))
    return SimpleNamespace(severity=severity, decisions=made)


@pytest.mark.parametrize("flags, expected", [
    ([], "cleared"),
    ([_flag("info")], "cleared"),
    ([_flag("review", "proceed"), _flag("stop", "proceed")], "cleared"),
    ([_flag("review"), _flag("stop", "proceed")], None),
    ([_flag("review"), _flag("stop", "postpone")], "postponed"),
    ([_flag("review", "postpone"), _flag("stop", "decline")], "declined"),
    ([_flag("review", "decline", "proceed"), _flag("stop", "proceed")], "cleared"),
    ([_flag("review", "proceed", "postpone")], "postponed"),
])
def test_outcome_follows_the_latest_decisions(flags, expected):
    assert review.outcome(flags) == expected


# -- decisions against the store -----------------------------------------------------------


def test_flags_of_every_severity_are_raised(store, staff):
    record = store.intake(make_intake(store, with_pdf=False))
    severities = [f.severity for f in record.flags]
    assert severities.count("stop") >= 2 and severities.count("review") >= 2
    assert severities.count("info") >= 2
    assert review.review_state(record).status == "submitted"


def test_front_desk_cannot_proceed_but_can_postpone(store, staff):
    doctor, desk = staff
    intake_id = make_intake(store, with_pdf=False)
    flag = next(f for f in store.intake(intake_id).flags if f.severity == "review")
    with pytest.raises(review.ReviewRefused, match="Only a practitioner"):
        review.decide(store, intake_id, flag.id, "proceed", "looks fine", desk)
    status = review.decide(store, intake_id, flag.id, "postpone", "Patient asked to wait",
                           desk, new_date=date.today() + timedelta(days=14))
    assert status == "postponed"
    record = store.intake(intake_id)
    assert record.status == "postponed"
    decision = next(f for f in record.flags if f.id == flag.id).decision
    assert decision.new_date == (date.today() + timedelta(days=14)).isoformat()
    assert ("staff:%d" % desk.id, "decide") in audit_rows(store, intake_id)


def test_stop_override_needs_a_practitioner_and_a_written_reason(store, staff):
    doctor, desk = staff
    intake_id = make_intake(store, with_pdf=False)
    stop = next(f for f in store.intake(intake_id).flags if f.severity == "stop")
    with pytest.raises(review.ReviewRefused, match="written reason"):
        review.decide(store, intake_id, stop.id, "proceed", "   ", doctor)
    with pytest.raises(review.ReviewRefused, match="Only a practitioner"):
        review.decide(store, intake_id, stop.id, "proceed", "fine", desk)
    assert store.intake(intake_id).flags[0].decisions == ()
    review.decide(store, intake_id, stop.id, "proceed",
                  "Haematologist letter: clotting normal", doctor)
    flag = next(f for f in store.intake(intake_id).flags if f.id == stop.id)
    assert flag.decision.decision == "proceed"
    assert flag.decision.reason == "Haematologist letter: clotting normal"
    assert flag.decision.staff_id == doctor.id


def test_info_flags_need_no_decision_and_refuse_one(store, staff):
    doctor, _ = staff
    intake_id = make_intake(store, with_pdf=False)
    info = next(f for f in store.intake(intake_id).flags if f.severity == "info")
    with pytest.raises(review.ReviewRefused, match="no decision"):
        review.decide(store, intake_id, info.id, "proceed", "noted", doctor)


def test_status_follows_decisions_and_changes_keep_history(store, staff):
    doctor, _ = staff
    intake_id = make_intake(store, with_pdf=False)
    assert decide_all(store, intake_id, doctor) == "cleared"
    assert store.intake(intake_id).status == "cleared"
    flag = next(f for f in store.intake(intake_id).flags if f.severity == "review")
    assert review.decide(store, intake_id, flag.id, "decline", "Keloid risk too high",
                         doctor) == "declined"
    assert review.decide(store, intake_id, flag.id, "proceed", "Second opinion: go ahead",
                         doctor) == "cleared"
    changed = next(f for f in store.intake(intake_id).flags if f.id == flag.id)
    assert [d.decision for d in changed.decisions] == ["proceed", "decline", "proceed"]
    assert changed.decisions[2].supersedes == changed.decisions[1].id
    actions = [a for _, a in audit_rows(store, intake_id)]
    assert actions.count("set_status:cleared") == 2
    assert "set_status:declined" in actions


# -- countersigning and the rebuilt PDF ----------------------------------------------------


def test_countersign_rebuilds_the_pdf_as_a_new_document(store, staff):
    doctor, desk = staff
    intake_id = make_intake(store)
    patient_doc = review.latest_consent(store.intake(intake_id))
    assert patient_doc.kind == CONSENT
    with pytest.raises(review.ReviewRefused, match="still need"):
        countersign_now(store, intake_id, doctor)
    decide_all(store, intake_id, doctor)
    with pytest.raises(review.ReviewRefused, match="Only a practitioner"):
        countersign_now(store, intake_id, desk)
    countersign_now(store, intake_id, doctor)
    record = store.intake(intake_id)
    state = review.review_state(record)
    assert state.countersigned and not state.can_countersign
    signature = review.practitioner_signature(record)
    assert signature.meaning == "Reviewed and approved for treatment"
    assert signature.printed_name == "Dr Ines Okafor" and signature.staff_id == doctor.id

    document_id = review.build_reviewed_consent(store, intake_id)
    record = store.intake(intake_id)
    reviewed = next(d for d in record.documents if d.id == document_id)
    assert reviewed.kind == REVIEWED_CONSENT
    assert reviewed.supersedes == patient_doc.id
    assert review.printable_document(record).id == document_id
    # The patient-signed document stays stored and verifiable.
    import hashlib

    kept = store.document_bytes(patient_doc.id)
    assert hashlib.sha256(kept).hexdigest() == patient_doc.sha256
    assert [p for p in store.verify() if p.kind == "document_hash"] == []
    text = pdf_text(store.document_bytes(document_id))
    assert "Dr Ines Okafor" in text
    assert "Checked with the patient (bleeding_disorder)" in " ".join(text.split())
    assert ("staff:%d" % doctor.id, "add_signature") in audit_rows(store, intake_id)


def test_a_scribble_is_no_countersignature(store, staff):
    doctor, _ = staff
    intake_id = make_intake(store, answers=CLEAN_ANSWERS, with_pdf=False)
    review.sync_status(store, intake_id, doctor)
    tap = [[[300.0, 100.0, 0, None], [302.0, 101.0, 16, None]]]
    with pytest.raises(review.ReviewRefused, match="too small to be a signature"):
        review.countersign(store, intake_id, doctor, strokes=tap, pad_width=600,
                           pad_height=200, tz="Europe/London")
    with pytest.raises(review.ReviewRefused, match="sign in the box"):
        review.countersign(store, intake_id, doctor, strokes=[], pad_width=600,
                           pad_height=200, tz="Europe/London")
    assert review.practitioner_signature(store.intake(intake_id)) is None


def test_a_changed_decision_makes_the_countersignature_stale(store, staff):
    doctor, _ = staff
    intake_id = make_intake(store, with_pdf=False)
    decide_all(store, intake_id, doctor)
    countersign_now(store, intake_id, doctor)
    flag = store.intake(intake_id).flags[0]
    review.decide(store, intake_id, flag.id, "postpone", "Wait for the GP's letter", doctor)
    state = review.review_state(store.intake(intake_id))
    assert not state.countersigned and state.can_countersign
    assert state.meaning == "Reviewed: treatment postponed"
    with pytest.raises(review.ReviewRefused, match="not countersigned"):
        review.build_reviewed_consent(store, intake_id)


# -- amendments ----------------------------------------------------------------------------


def test_amendment_recomputes_flags_and_waits_for_the_patient(store, staff):
    doctor, desk = staff
    intake_id = make_intake(store)
    before = store.intake(intake_id)
    assert "blood_thinner_recent" in {f.rule_id for f in before.flags}
    decide_all(store, intake_id, doctor)
    with pytest.raises(review.ReviewRefused, match="Only a practitioner"):
        review.amend(store, intake_id, "last_aspirin", "never", "told at review", desk,
                     zone=ZONE)
    with pytest.raises(review.ReviewRefused, match="Write why"):
        review.amend(store, intake_id, "last_aspirin", "never", " ", doctor, zone=ZONE)

    review.amend(store, intake_id, "last_aspirin", "never",
                 "Patient confused aspirin with paracetamol", doctor, zone=ZONE)
    record = store.intake(intake_id)
    assert record.answers["last_aspirin"] == "never"
    assert "blood_thinner_recent" not in {f.rule_id for f in record.flags}
    assert record.status == "submitted"  # the earlier clearance no longer holds
    assert all(f.decisions == () for f in record.flags)  # new flags, new decisions
    history = store.flag_history(intake_id)
    assert any(f.rule_id == "blood_thinner_recent" and f.superseded_at for f in history)
    state = review.review_state(record)
    assert state.status == "awaiting_resign" and not state.can_countersign
    first = next(f for f in record.flags if f.severity == "stop")
    with pytest.raises(review.ReviewRefused, match="sign again"):
        review.decide(store, intake_id, first.id, "proceed", "ok", doctor)
    changes = review.changes_since_patient_signed(record)
    assert [(old, new.value) for old, new in changes] == [
        (before.answers["last_aspirin"], "never")]

    review.resign(store, intake_id, strokes=scribble(), pad_width=600, pad_height=200,
                  printed_name="Amelia Smith", meaning="Consent to treatment",
                  zone=ZONE)
    review.build_patient_consent(store, intake_id)
    record = store.intake(intake_id)
    assert review.patient_signed_current(record)
    assert review.review_state(record).status == "submitted"
    kinds = [d.kind for d in record.documents]
    assert kinds == ["consent", "patient_copy", "consent", "patient_copy"]
    assert record.documents[2].supersedes == record.documents[0].id
    assert record.documents[3].supersedes == record.documents[1].id
    actions = audit_rows(store, intake_id)
    doctor_actor = "staff:%d" % doctor.id
    for action in ("amend_answer", "replace_flags", "set_status:submitted"):
        assert (doctor_actor, action) in actions
    assert ("patient", "add_signature") in actions
    assert store.verify() == []


def test_amendment_rejects_an_invalid_or_unchanged_answer(store, staff):
    doctor, _ = staff
    intake_id = make_intake(store, with_pdf=False)
    with pytest.raises(review.ReviewRefused, match="same"):
        review.amend(store, intake_id, "consultation", False, "again", doctor, zone=ZONE)
    with pytest.raises(review.ReviewRefused):
        review.amend(store, intake_id, "consultation", "perhaps", "typo", doctor, zone=ZONE)


# -- a crash between the steps of a decision or an amendment ---------------------------------


def _everything(store: Store, intake_id: str) -> tuple:
    """What a crash must leave as it was: the intake's rows and the whole audit log."""
    record = store.intake(intake_id)
    audit = store.connection.execute("SELECT id, action FROM audit ORDER BY id").fetchall()
    return (record.status, record.answer_history, store.flag_history(intake_id), audit)


class Crash(Exception):
    pass


def _crash(*args, **kwargs):
    raise Crash("the program stopped here")


def test_a_failure_between_deciding_and_the_new_status_keeps_neither(store, staff, monkeypatch):
    doctor, _ = staff
    intake_id = make_intake(store, answers=dict(CLEAN_ANSWERS, consultation=False),
                            with_pdf=False)
    (flag,) = review.undecided(store.intake(intake_id).flags)  # deciding it clears the intake
    before = _everything(store, intake_id)
    monkeypatch.setattr(Store, "set_status", _crash)
    with pytest.raises(Crash):
        review.decide(store, intake_id, flag.id, "proceed", "Discussed today", doctor)
    assert _everything(store, intake_id) == before
    monkeypatch.undo()
    assert review.decide(store, intake_id, flag.id, "proceed", "Discussed today",
                         doctor) == "cleared"
    assert store.verify() == []


@pytest.mark.parametrize("step", ["replace_flags", "set_status"])
def test_a_failure_between_the_steps_of_an_amendment_keeps_none_of_them(store, staff,
                                                                       monkeypatch, step):
    doctor, _ = staff
    intake_id = make_intake(store, with_pdf=False)
    decide_all(store, intake_id, doctor)  # cleared: the amendment also sets the status
    before = _everything(store, intake_id)
    monkeypatch.setattr(Store, step, _crash)
    with pytest.raises(Crash):
        review.amend(store, intake_id, "last_aspirin", "never", "Told at review", doctor,
                     zone=ZONE)
    assert _everything(store, intake_id) == before
    assert store.verify() == []


KILL_BETWEEN = """
import os, signal, sys
from mesocheck import review
from mesocheck.store import Store
from mesocheck.timeutil import clinic_zone

path, intake_id, staff_id, step, action = sys.argv[1:]
setattr(Store, step, lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL))
from mesocheck.store import atrest
with open(os.environ["MESOCHECK_PASSPHRASE_FILE"]) as passphrase:
    atrest.unlock(path, passphrase.readline().rstrip("\\n"))
with Store.open(path) as store:
    staff = next(m for m in store.staff_members() if m.id == int(staff_id))
    if action == "amend":
        review.amend(store, intake_id, "last_aspirin", "never", "Told at review", staff,
                     zone=clinic_zone())
    else:
        flag = review.undecided(store.intake(intake_id).flags)[0]
        review.decide(store, intake_id, flag.id, "proceed", "Discussed today", staff)
"""


@pytest.mark.parametrize("action, step", [("decide", "set_status"), ("amend", "replace_flags"),
                                          ("amend", "set_status")])
def test_a_kill_between_the_steps_leaves_nothing_half_done(store, staff, tmp_path, action,
                                                            step):
    import signal
    import subprocess
    import sys

    doctor, _ = staff
    answers = dict(CLEAN_ANSWERS, consultation=False) if action == "decide" else None
    intake_id = make_intake(store, answers=answers, with_pdf=False)
    if action == "amend":
        decide_all(store, intake_id, doctor)
    before = _everything(store, intake_id)
    killed = subprocess.run(
        [sys.executable, "-c", KILL_BETWEEN, str(store.path), intake_id, str(doctor.id), step,
         action], capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _everything(store, intake_id) == before
    assert store.verify() == []


# -- the day's print batch ------------------------------------------------------------------


def test_print_batch_lists_todays_cleared_consents_and_what_it_left_out(store, staff):
    doctor, _ = staff
    ready = make_intake(store, name="Ready Patient", answers=CLEAN_ANSWERS)
    review.sync_status(store, ready, doctor)
    countersign_now(store, ready, doctor)
    review.build_reviewed_consent(store, ready)
    unsigned = make_intake(store, name="Unsigned Patient", answers=CLEAN_ANSWERS)
    review.sync_status(store, unsigned, doctor)
    make_intake(store, name="Pending Patient")  # awaiting review: not in the batch
    tomorrow = make_intake(store, name="Tomorrow Patient", answers=CLEAN_ANSWERS,
                           appointment=today_at(10, day=date.today() + timedelta(days=1)))
    review.sync_status(store, tomorrow, doctor)

    items = {i.patient_name: i for i in review.print_batch(store, date.today(), ZONE)}
    assert set(items) == {"Ready Patient", "Unsigned Patient"}
    assert items["Ready Patient"].problem is None
    assert items["Ready Patient"].document_id == review.printable_document(
        store.intake(ready)).id
    assert "not countersigned" in items["Unsigned Patient"].problem


def test_answers_are_described_as_people_read_them():
    form = default_form()
    def said(qid, value):
        return review.describe_value(form, qid, value, "en", ZONE)

    assert said("consultation", False) == "No"
    assert said("last_nsaid", "not_recent") == "Not in the last 7 days"
    assert said("conditions", ["diabetes", "keloid"]).startswith("Diabetes; Raised or keloid")
    assert said("@age", 17) == "17 years"
    assert source_question(form, "@age", "en") == "Age at the appointment"


def test_a_minor_and_their_parent_both_sign_the_corrected_answers(store, staff):
    import random

    from tests.support.intakes import fill_intake

    doctor, _desk = staff
    form = default_form()
    minor = date.today().replace(year=date.today().year - 15, month=1, day=1)
    session = fill_intake(store, form, random.Random(3), name="Mia Minor", birth=minor,
                          submit=False)
    parent = {"printed_name": "Pat Parent", "relationship": "father", "strokes": scribble(),
              "pad_width": 600, "pad_height": 200}
    session.clock = store.clock  # signed on the store's clock, as its amendments are
    session.submit(session.prepare_signature("Mia Minor", scribble(), 600, 200,
                                             guardian=parent))
    intake_id = session.intake_id
    was = store.intake(intake_id).answers["consultation"]
    review.amend(store, intake_id, "consultation", not was, "Told at review", doctor,
                 zone=ZONE)
    assent = form.guardian.assent_meaning.get("en")
    with pytest.raises(review.ReviewRefused, match="parent or guardian"):
        review.resign(store, intake_id, strokes=scribble(), pad_width=600, pad_height=200,
                      printed_name="Mia Minor", meaning=assent, zone=ZONE)
    assert not review.patient_signed_current(store.intake(intake_id))  # nothing half-done
    review.resign(store, intake_id, strokes=scribble(), pad_width=600, pad_height=200,
                  printed_name="Mia Minor", meaning=assent, zone=ZONE,
                  guardian={**parent, "printed_name": "Pat Parent"})
    record = store.intake(intake_id)
    assert [s.role for s in record.signatures] == ["patient", "guardian", "patient",
                                                   "guardian"]
    assert record.signatures[2].content_hash == record.signatures[3].content_hash
    assert review.patient_signed_current(record)
    assert store.verify() == []
