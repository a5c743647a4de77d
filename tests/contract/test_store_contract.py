"""The store's contract, on a tablet's SQLite file and on the hub's PostgreSQL database
alike (``contract_store`` is each in turn): the intake lifecycle, the review, the queue,
staff accounts, settings, seals and FHIR hand-overs, documents, audited transactions and
verify."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from mesocheck.store import DocumentDamaged, IntakeLocked, InvalidState, NotFound, StoreError

from tests.contract.conftest import own_audit
from tests.support.store_rows import (
    FLAGS, FRONT_DESK_PIN, PATIENT, PRACTITIONER_PIN, signature, start, submitted,
)


def actions(store, intake_id):
    return [a for (a,) in own_audit(store, where="intake_id = ?", params=(intake_id,))]


def test_an_intake_from_start_to_review(contract_store, staff):
    store = contract_store
    intake_id = start(store, form_content='{"id": "mesotherapy"}')
    store.save_answer(intake_id, "pregnant", False)
    store.save_answers(intake_id, {"anticoagulant": True, "last_aspirin": "2026-02-20"})
    store.acknowledge(intake_id, "bruising", "a" * 64)
    store.set_current_step(intake_id, "summary")
    assert store.unfinished_intakes()[0].current_step == "summary"

    store.submit(intake_id, signature=signature(), flags=FLAGS)
    record = store.intake(intake_id)
    assert record.status == "submitted" and record.locked
    assert record.submitted_at == record.locked_at
    assert dict(record.answers) == {"pregnant": False, "anticoagulant": True,
                                    "last_aspirin": "2026-02-20"}
    assert record.form_content == '{"id": "mesotherapy"}'
    assert record.patient.name == PATIENT and record.patient.birth_date == date(1990, 7, 14)
    assert [f.severity for f in record.flags] == ["stop", "review", "info"]
    assert record.flags[0].triggers == [["anticoagulant", True]]
    assert record.signatures[0].strokes == signature()["strokes"]
    assert store.unfinished_intakes() == []

    stop, review, _ = record.flags
    store.decide(stop.id, "proceed", "Prescriber agreed to a pause", staff.practitioner)
    store.decide(review.id, "proceed", "Only mild exposure", staff.practitioner)
    store.set_status(intake_id, "cleared", staff.actor(staff.practitioner))
    store.add_signature(intake_id, signature(
        role="practitioner", printed_name="Dr Ada Practitioner",
        meaning="Reviewed and approved", staff_id=staff.practitioner))
    first = store.add_document(intake_id, "consent", b"%PDF-1.7 patient copy")
    second = store.add_document(intake_id, "reviewed_consent", b"%PDF-1.7 reviewed",
                                supersedes=first)
    assert store.latest_document(intake_id).id == second
    assert store.latest_document(intake_id, kinds=("consent",)).id == first
    assert store.document_bytes(second) == b"%PDF-1.7 reviewed"

    record = store.intake(intake_id)
    assert record.status == "cleared" and record.reviewed_at is not None
    assert [s.role for s in record.signatures] == ["patient", "practitioner"]
    assert record.signatures[1].staff_id == staff.practitioner
    assert [d.kind for d in record.documents] == ["consent", "reviewed_consent"]
    assert record.audit_head is not None
    assert actions(store, intake_id) == [
        "start_intake", "save_answers", "save_answers", "acknowledge", "submit", "decide",
        "decide", "set_status:cleared", "add_signature", "add_document", "add_document",
    ]
    assert store.verify() == []


def test_each_change_is_one_audit_row_naming_its_rows(contract_store):
    store = contract_store
    intake_id = start(store)
    before = len(own_audit(store))
    store.save_answers(intake_id, {"a": 1, "b": 2})
    store.save_answers(intake_id, {"a": 1, "b": 2})  # unchanged: nothing written
    store.set_current_step(intake_id, "next")  # navigation: not audited
    after = own_audit(store, "rows")
    assert len(after) == before + 1
    entries = json.loads(after[-1][0])
    assert [entry[0] for entry in entries] == ["answers", "answers"]
    assert [len(entry[2]) for entry in entries] == [32, 32]


def test_the_last_change_counts_answers_and_acknowledgements(contract_store, clock):
    store = contract_store
    older, newer = start(store), start(store)
    clock.advance(minutes=5)
    store.save_answer(older, "a", 1)
    assert [u.intake_id for u in store.unfinished_intakes()] == [older, newer]
    assert store.intake(older).updated_at == store.intake(older).answer_history[-1].answered_at
    clock.advance(minutes=5)
    store.acknowledge(newer, "bruising", "a" * 64)
    assert [u.intake_id for u in store.unfinished_intakes()] == [newer, older]


def test_answers_before_signing_are_updated_in_place(contract_store):
    store = contract_store
    intake_id = start(store)
    store.save_answer(intake_id, "pregnant", True)
    store.save_answer(intake_id, "pregnant", None)
    store.save_answer(intake_id, "dates", {"last": "2026-02-01", "never": False, "n": 2.5})
    record = store.intake(intake_id)
    assert record.answers == {"pregnant": None,
                              "dates": {"last": "2026-02-01", "never": False, "n": 2.5}}
    assert len(record.answer_history) == 2
    store.acknowledge(intake_id, "bruising", "a" * 64)
    store.withdraw_acknowledgement(intake_id, "bruising")
    assert store.intake(intake_id).acknowledgements == ()
    assert store.verify() == []


def test_signing_locks_and_amendments_are_new_rows(contract_store, staff):
    store = contract_store
    intake_id = submitted(store)
    with pytest.raises(IntakeLocked, match="amendment"):
        store.save_answer(intake_id, "anticoagulant", False)
    with pytest.raises(IntakeLocked):
        store.acknowledge(intake_id, "bruising", "z" * 64)
    with pytest.raises(InvalidState):
        store.submit(intake_id, signature=signature(), flags=[])
    original = store.intake(intake_id).answer_history
    amended = store.amend_answer(intake_id, "anticoagulant", False,
                                 "Stopped last year, confirmed with GP", staff.practitioner)
    record = store.intake(intake_id)
    assert record.answers["anticoagulant"] is False
    old = next(a for a in original if a.question_id == "anticoagulant")
    new = record.answer_history[-1]
    assert (new.id, new.amends, new.actor) == (amended, old.id,
                                               staff.actor(staff.practitioner))
    with pytest.raises(InvalidState, match="reason"):
        store.amend_answer(intake_id, "anticoagulant", True, "  ", staff.practitioner)
    assert store.verify() == []


def test_replaced_flags_keep_their_decisions(contract_store, staff):
    store = contract_store
    intake_id = submitted(store)
    stop = store.intake(intake_id).flags[0]
    store.decide(stop.id, "postpone", "Wait for INR result", staff.front_desk,
                 new_date=date(2026, 4, 1))
    store.amend_answer(intake_id, "anticoagulant", False, "Misread", staff.practitioner)
    store.replace_flags(intake_id, FLAGS[1:], staff.actor(staff.practitioner))
    assert [f.rule_id for f in store.intake(intake_id).flags] == ["sun_recent", "medicines"]
    history = {f.id: f for f in store.flag_history(intake_id)}
    assert history[stop.id].superseded_at is not None
    assert history[stop.id].decision.new_date == "2026-04-01"
    with pytest.raises(InvalidState, match="replaced"):
        store.decide(stop.id, "proceed", "x", staff.practitioner)
    assert store.queue()[0].n_stop == 0
    assert store.verify() == []


def test_two_decisions_on_one_flag_both_stay(contract_store, staff):
    store = contract_store
    intake_id = submitted(store)
    review = store.intake(intake_id).flags[1]
    first = store.decide(review.id, "postpone", "Sunburn still visible", staff.front_desk)
    second = store.decide(review.id, "proceed", "Healed on inspection", staff.practitioner)
    flag = store.intake(intake_id).flags[1]
    assert [d.id for d in flag.decisions] == [first, second]
    assert flag.decision.supersedes == first
    assert (flag.decision.decision, flag.decision.staff_id) == ("proceed", staff.practitioner)


def test_review_rules(contract_store, staff):
    store = contract_store
    intake_id = submitted(store)
    stop, review, _ = store.intake(intake_id).flags
    with pytest.raises(InvalidState, match="practitioner"):
        store.decide(stop.id, "proceed", "Looks fine to me", staff.front_desk)
    store.decide(stop.id, "proceed", "Cleared by prescriber", staff.practitioner)
    with pytest.raises(InvalidState, match="proceed"):
        store.set_status(intake_id, "cleared", staff.actor(staff.practitioner))
    store.decide(review.id, "proceed", "Fine", staff.practitioner)
    store.set_status(intake_id, "cleared", staff.actor(staff.practitioner))
    store.set_status(intake_id, "submitted", staff.actor(staff.practitioner))
    assert store.intake(intake_id).reviewed_at is None
    with pytest.raises(InvalidState, match="practitioner"):
        store.add_signature(intake_id, signature(role="practitioner",
                                                 staff_id=staff.front_desk))
    draft = start(store)
    with pytest.raises(InvalidState):
        store.set_status(draft, "postponed", staff.actor(staff.practitioner))
    store.void(draft, "Patient left before finishing", "patient")
    with pytest.raises(InvalidState, match="voided"):
        store.save_answer(draft, "a", 1)


def test_unknown_ids_are_not_found(contract_store, staff):
    store = contract_store
    for intake_id in ("no-such-intake", "0190a0b0-0000-7000-8000-000000000000"):
        with pytest.raises(NotFound):
            store.intake(intake_id)
        with pytest.raises(NotFound):
            store.save_answer(intake_id, "a", 1)
        assert store.latest_document(intake_id) is None
    with pytest.raises(NotFound):
        store.decide(12345, "decline", "No", staff.practitioner)
    with pytest.raises(NotFound):
        store.document_bytes(12345)
    with pytest.raises(NotFound):
        store.check_pin(12345, "1234")


def test_a_failed_transaction_leaves_nothing(contract_store):
    store = contract_store
    intake_id = start(store)
    before = len(own_audit(store))
    with pytest.raises(ValueError):
        store.submit(intake_id, signature=signature(),
                     flags=[{"rule_id": "r", "severity": "fatal", "practitioner_message": "m"}])
    with pytest.raises(InvalidState):
        with store.atomic():
            store.save_answer(intake_id, "kept", "no")
            store.void(intake_id, "", "patient")  # refused: everything in the block goes
    record = store.intake(intake_id)
    assert record.status == "in_progress" and record.signatures == ()
    assert "kept" not in record.answers
    assert len(own_audit(store)) == before


def test_the_queue_sorts_and_filters(contract_store, staff, clock):
    store = contract_store
    base = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
    made = {}
    for n, flags in enumerate([[], [FLAGS[2]], [FLAGS[1]], FLAGS, [FLAGS[0]]]):
        made[n] = submitted(store, flags=flags, name=f"Person {n} Nowak",
                            appointment_at=base + timedelta(hours=5 - n))
    draft = start(store, name="Éloïse Draft", appointment_at=base)
    rows = store.queue(limit=100)
    assert [r.intake_id for r in rows] == [made[4], made[3], made[2], made[1], draft, made[0]]
    assert store.queue_count() == 6
    assert store.queue(limit=2, offset=1) == rows[1:3]
    assert [r.intake_id for r in store.queue(flagged_only=True)] == [
        made[4], made[3], made[2], made[1]]
    assert [r.intake_id for r in store.queue(severity="review")] == [made[3], made[2]]
    assert [r.intake_id for r in store.queue(statuses=["in_progress"])] == [draft]
    assert store.queue_count(statuses=["submitted", "cleared"]) == 5
    assert [r.intake_id for r in store.queue(name="eloise")] == [draft]
    assert store.queue_count(name="NOWAK") == 5
    assert [r.intake_id for r in store.queue(date_from=base + timedelta(hours=3))] == [
        made[2], made[1], made[0]]
    assert store.queue_count(date_to=base + timedelta(hours=2)) == 2


def test_signed_intakes_without_their_document_are_listed(contract_store):
    store = contract_store
    first, second = submitted(store), submitted(store)
    start(store)
    assert store.signed_without_document() == [first, second]
    store.add_document(first, "consent", b"%PDF-1.7 a")
    assert store.signed_without_document() == [second]


def test_staff_sign_in_and_lock_out(contract_store, staff, clock):
    store = contract_store
    assert store.has_practitioner()
    assert [(m.name, m.role) for m in store.staff_members()] == [
        ("Ben Desk", "front-desk"), ("Dr Ada Practitioner", "practitioner")]
    wrong = store.check_pin(staff.front_desk, "0000")
    assert (wrong.ok, wrong.attempts_left) == (False, 4)
    assert store.check_pin(staff.front_desk, FRONT_DESK_PIN).ok
    results = [store.check_pin(staff.practitioner, "9999") for _ in range(5)]
    assert [r.attempts_left for r in results] == [4, 3, 2, 1, 0]
    assert not store.check_pin(staff.practitioner, PRACTITIONER_PIN).ok
    clock.advance(minutes=15)
    assert store.check_pin(staff.practitioner, PRACTITIONER_PIN).ok
    store.set_staff_active(staff.front_desk, False, "system")
    assert [m.name for m in store.staff_members()] == ["Dr Ada Practitioner"]
    assert not store.check_pin(staff.front_desk, FRONT_DESK_PIN).ok
    signed_in = [a for (a,) in own_audit(store, where="action LIKE 'sign_in%'")]
    assert signed_in == (["sign_in_failed", "sign_in"] + ["sign_in_failed"] * 4
                         + ["sign_in_locked_out", "sign_in_refused", "sign_in",
                            "sign_in_refused"])
    assert store.verify() == []


def test_settings_have_defaults_and_are_audited(contract_store):
    store = contract_store
    assert store.settings()["idle_timeout_s"] == 120
    store.set_settings({"clinic_name": "Clinique du Parc", "idle_timeout_s": 90}, "system")
    assert store.setting("clinic_name") == "Clinique du Parc"
    assert store.settings()["idle_timeout_s"] == 90
    assert own_audit(store)[-1][0] == "settings"


def test_seals_and_fhir_hand_overs(contract_store):
    store = contract_store
    intake_id = submitted(store)
    plain = store.add_document(intake_id, "consent", b"%PDF-1.7 unsealed")
    assert [d.id for d in store.documents_to_seal()] == [plain]
    seal = store.add_seal(certificate="-----BEGIN CERTIFICATE-----", key="wrapped",
                          fingerprint="ab" * 32, subject="CN=Clinic",
                          not_before="2026-01-01T00:00:00.000+00:00",
                          not_after="2036-01-01T00:00:00.000+00:00")
    assert store.current_seal().id == seal
    sealed = store.add_sealed_copy(plain, b"%PDF-1.7 sealed", "B-B")
    assert store.add_sealed_copy(plain, b"%PDF-1.7 again", "B-B") is None
    assert store.documents_to_seal() == []
    assert [d.id for d in store.documents_to_seal(below="B-T")] == [sealed]
    assert store.seal_levels() == {"B-B": 1}
    [(candidate, state)] = store.push_candidates()
    assert candidate == intake_id
    store.record_push(intake_id, "https://ehr.example/fhir", state, "e" * 64)
    assert store.pushed("https://ehr.example/fhir") == {intake_id: (state, "e" * 64)}
    assert [d.id for d, _ in store.all_documents()] == [plain, sealed]
    assert store.verify() == []


def test_export_rows(contract_store, staff):
    store = contract_store
    intake_id = submitted(store)
    start(store, name="Unflagged Person")
    store.decide(store.intake(intake_id).flags[0].id, "decline", "Bleeding risk",
                 staff.front_desk)
    rows = list(store.iter_export(flagged_only=True))
    assert [r["intake_id"] for r in rows] == [intake_id]
    assert rows[0]["patient"]["name"] == PATIENT
    assert rows[0]["answers"]["anticoagulant"] is True
    assert rows[0]["flags"][0]["decision"] == "decline"
    assert rows[0]["flags"][0]["decided_by"] == staff.front_desk
    json.dumps(rows[0])
    assert len(list(store.iter_export())) == 2


def test_store_errors_are_sentences(contract_store):
    with pytest.raises(StoreError) as caught:
        contract_store.intake("0190a0b0-0000-7000-8000-000000000000")
    assert caught.value.message.endswith(".") and "Traceback" not in caught.value.message


def test_a_damaged_document_is_refused(contract_store, tamper):
    store = contract_store
    intake_id = submitted(store)
    document = store.add_document(intake_id, "consent", b"%PDF-1.7 patient copy")
    tamper(store, "UPDATE documents SET pdf = ? WHERE id = ?", (b"%PDF-1.7 patient cop!",
                                                                 document))
    with pytest.raises(DocumentDamaged, match="mesocheck verify"):
        store.document_bytes(document)


@pytest.mark.parametrize("change", [
    ("UPDATE answers SET value = ? WHERE question_id = 'anticoagulant'", ("false",)),
    ("DELETE FROM acknowledgements WHERE disclosure_id = ?", ("bruising",)),
    ("UPDATE intakes SET status = ?", ("cleared",)),
    ("UPDATE staff SET role = ?", ("practitioner",)),
    ("DELETE FROM decisions WHERE reason = ?", ("Bleeding risk",)),
], ids=["answer", "acknowledgement", "intake", "staff", "decision"])
def test_verify_finds_what_was_changed_behind_its_back(contract_store, staff, tamper, change):
    store = contract_store
    intake_id = submitted(store)
    store.decide(store.intake(intake_id).flags[0].id, "decline", "Bleeding risk",
                 staff.front_desk)
    assert store.verify() == []
    tamper(store, *change)
    problems = store.verify()
    assert problems and {p.kind for p in problems} <= {"changed", "missing"}
