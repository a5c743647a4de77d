import json
import uuid
from datetime import date

import pytest

from mesocheck.store import DocumentDamaged, IntakeLocked, InvalidState, NotFound, rows

from tests.support.store_rows import FLAGS, FRONT_DESK, PATIENT, PRACTITIONER, signature, start, submitted


def audit_actions(store, intake_id):
    return [a for (a,) in store.connection.execute(
        "SELECT action FROM audit WHERE intake_id = ? ORDER BY id", (intake_id,))]


def test_full_lifecycle(staffed):
    store = staffed
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
    assert record.signatures[0].strokes == signature()["strokes"]
    assert store.unfinished_intakes() == []

    stop, review, _ = record.flags
    store.decide(stop.id, "proceed", "Prescriber agreed to a pause", PRACTITIONER)
    store.decide(review.id, "proceed", "Only mild exposure", PRACTITIONER)
    store.set_status(intake_id, "cleared", f"staff:{PRACTITIONER}")
    countersign = signature(role="practitioner", printed_name="Dr Ada Practitioner",
                            meaning="Reviewed and approved", staff_id=PRACTITIONER)
    store.add_signature(intake_id, countersign)
    first = store.add_document(intake_id, "consent", b"%PDF-1.7 patient copy")
    second = store.add_document(intake_id, "reviewed_consent", b"%PDF-1.7 reviewed",
                                supersedes=first)
    assert store.latest_document(intake_id).id == second
    assert store.latest_document(intake_id, kinds=("consent",)).id == first
    assert store.document_bytes(second) == b"%PDF-1.7 reviewed"

    record = store.intake(intake_id)
    assert record.status == "cleared" and record.reviewed_at is not None
    assert [s.role for s in record.signatures] == ["patient", "practitioner"]
    assert [d.kind for d in record.documents] == ["consent", "reviewed_consent"]
    assert audit_actions(store, intake_id) == [
        "start_intake", "save_answers", "save_answers", "acknowledge", "submit", "decide",
        "decide", "set_status:cleared", "add_signature", "add_document", "add_document",
    ]
    assert store.verify() == []


def test_each_change_writes_one_audit_row_naming_its_rows(store):
    intake_id = start(store)
    before = store.connection.execute("SELECT max(id) FROM audit").fetchone()[0]
    store.save_answers(intake_id, {"a": 1, "b": 2})
    rows = store.connection.execute("SELECT rows FROM audit WHERE id > ?", (before,)).fetchall()
    assert len(rows) == 1
    entries = json.loads(rows[0][0])
    assert [entry[0] for entry in entries] == ["answers", "answers"]
    assert [len(entry[2]) for entry in entries] == [32, 32]  # 16 bytes of each row's hash


def test_the_last_change_of_an_intake_counts_its_answers_and_acknowledgements(store, clock):
    """Saving an answer leaves the intake row alone, yet the intake shows it as changed."""
    older, newer = start(store), start(store)
    clock.advance(minutes=5)
    store.save_answer(older, "a", 1)
    assert [u.intake_id for u in store.unfinished_intakes()] == [older, newer]
    assert store.intake(older).updated_at == store.intake(older).answer_history[-1].answered_at
    clock.advance(minutes=5)
    store.acknowledge(newer, "bruising", "a" * 64)
    assert [u.intake_id for u in store.unfinished_intakes()] == [newer, older]
    assert store.unfinished_intakes()[0].updated_at == \
        store.intake(newer).acknowledgements[0].acknowledged_at


def test_an_unchanged_answer_writes_nothing(store):
    intake_id = start(store)
    store.save_answer(intake_id, "a", [1, 2])
    count = store.connection.execute("SELECT count(*) FROM audit").fetchone()[0]
    store.save_answer(intake_id, "a", [1, 2])
    store.set_current_step(intake_id, "next")
    assert store.connection.execute("SELECT count(*) FROM audit").fetchone()[0] == count


def test_in_progress_answers_are_updated_in_place_and_null_means_unanswered(store):
    intake_id = start(store)
    store.save_answer(intake_id, "pregnant", True)
    store.save_answer(intake_id, "pregnant", None)
    record = store.intake(intake_id)
    assert record.answers == {"pregnant": None}
    assert len(record.answer_history) == 1


def test_signing_locks_answers_and_amendments_are_new_rows(staffed):
    store = staffed
    intake_id = submitted(store)
    with pytest.raises(IntakeLocked) as caught:
        store.save_answer(intake_id, "anticoagulant", False)
    assert "amendment" in str(caught.value)
    with pytest.raises(IntakeLocked):
        store.acknowledge(intake_id, "bruising", "z" * 64)
    with pytest.raises(IntakeLocked):
        store.withdraw_acknowledgement(intake_id, "bruising")
    with pytest.raises(InvalidState):
        store.submit(intake_id, signature=signature(), flags=[])

    original = store.intake(intake_id).answer_history
    amended_id = store.amend_answer(intake_id, "anticoagulant", False,
                                    "Stopped last year, confirmed with GP", PRACTITIONER)
    record = store.intake(intake_id)
    assert record.answers["anticoagulant"] is False
    old = next(a for a in original if a.question_id == "anticoagulant")
    new = record.answer_history[-1]
    assert (new.id, new.amends, new.actor) == (amended_id, old.id, f"staff:{PRACTITIONER}")
    assert old in record.answer_history  # kept as it was
    assert store.verify() == []


def test_amendment_needs_a_reason_and_a_signed_intake(staffed):
    store = staffed
    draft = start(store)
    with pytest.raises(InvalidState):
        store.amend_answer(draft, "a", 1, "reason", PRACTITIONER)
    intake_id = submitted(store)
    with pytest.raises(InvalidState, match="reason"):
        store.amend_answer(intake_id, "anticoagulant", False, "  ", PRACTITIONER)


def test_acknowledgement_can_be_withdrawn_before_signing(store):
    intake_id = start(store)
    store.acknowledge(intake_id, "bruising", "a" * 64)
    store.withdraw_acknowledgement(intake_id, "bruising")
    assert store.intake(intake_id).acknowledgements == ()
    last = store.connection.execute("SELECT action, rows FROM audit ORDER BY id DESC").fetchone()
    assert last[0] == "withdraw_acknowledgement"
    assert json.loads(last[1])[0][0::2] == ["acknowledgements", None]
    assert store.verify() == []


def test_replaced_flags_are_superseded_and_their_decisions_kept(staffed):
    store = staffed
    intake_id = submitted(store)
    stop = store.intake(intake_id).flags[0]
    store.decide(stop.id, "postpone", "Wait for INR result", FRONT_DESK, new_date=date(2026, 4, 1))
    store.amend_answer(intake_id, "anticoagulant", False, "Misread the question", PRACTITIONER)
    store.replace_flags(intake_id, FLAGS[1:], f"staff:{PRACTITIONER}")
    record = store.intake(intake_id)
    assert [f.rule_id for f in record.flags] == ["sun_recent", "medicines"]
    history = {f.id: f for f in store.flag_history(intake_id)}
    assert history[stop.id].superseded_at is not None
    assert history[stop.id].decision.new_date == "2026-04-01"
    with pytest.raises(InvalidState, match="replaced"):
        store.decide(stop.id, "proceed", "x", PRACTITIONER)
    assert store.queue()[0].n_stop == 0
    assert store.verify() == []


def test_decisions_keep_their_history(staffed):
    store = staffed
    intake_id = submitted(store)
    review = store.intake(intake_id).flags[1]
    first = store.decide(review.id, "postpone", "Sunburn still visible", FRONT_DESK)
    second = store.decide(review.id, "proceed", "Healed on inspection", PRACTITIONER)
    flag = store.intake(intake_id).flags[1]
    assert [d.id for d in flag.decisions] == [first, second]
    assert flag.decision.supersedes == first and flag.decision.decision == "proceed"


def test_stop_override_needs_a_practitioner_and_a_reason(staffed):
    store = staffed
    intake_id = submitted(store)
    stop = store.intake(intake_id).flags[0]
    with pytest.raises(InvalidState, match="practitioner"):
        store.decide(stop.id, "proceed", "Looks fine to me", FRONT_DESK)
    with pytest.raises(InvalidState, match="reason"):
        store.decide(stop.id, "proceed", "   ", PRACTITIONER)
    with pytest.raises(InvalidState, match="reason"):
        store.decide(stop.id, "postpone", "", FRONT_DESK)
    assert store.intake(intake_id).flags[0].decisions == ()
    with pytest.raises(InvalidState, match="reason"):
        store.decide(stop.id, "decline", "", FRONT_DESK)
    store.decide(stop.id, "decline", "Not today", FRONT_DESK)
    store.decide(stop.id, "proceed", "INR in range today", PRACTITIONER)
    assert store.intake(intake_id).flags[0].decision.decision == "proceed"


def test_clearing_needs_proceed_on_stop_and_review_flags(staffed):
    store = staffed
    intake_id = submitted(store)
    stop, review, _ = store.intake(intake_id).flags
    store.decide(stop.id, "proceed", "Cleared by prescriber", PRACTITIONER)
    with pytest.raises(InvalidState, match="proceed"):
        store.set_status(intake_id, "cleared", f"staff:{PRACTITIONER}")
    store.decide(review.id, "proceed", "Fine", PRACTITIONER)
    store.set_status(intake_id, "cleared", f"staff:{PRACTITIONER}")
    store.set_status(intake_id, "submitted", f"staff:{PRACTITIONER}")  # back to review
    assert store.intake(intake_id).reviewed_at is None
    store.set_status(intake_id, "declined", f"staff:{FRONT_DESK}")
    assert store.intake(intake_id).status == "declined"


def test_status_transitions_are_checked(staffed):
    store = staffed
    draft = start(store)
    with pytest.raises(InvalidState):
        store.set_status(draft, "postponed", f"staff:{PRACTITIONER}")
    with pytest.raises(InvalidState, match="reason"):
        store.void(draft, "", "patient")
    store.void(draft, "Patient left before finishing", "patient")
    with pytest.raises(InvalidState, match="voided"):
        store.save_answer(draft, "a", 1)
    with pytest.raises(InvalidState):
        store.void(draft, "again", "system")
    intake_id = submitted(store)
    with pytest.raises(InvalidState, match="staff"):
        store.set_status(intake_id, "declined", "patient")
    store.set_status(intake_id, "postponed", f"staff:{FRONT_DESK}")
    with pytest.raises(InvalidState):
        store.void(intake_id, "changed mind", f"staff:{FRONT_DESK}")
    with pytest.raises(ValueError):
        store.set_status(intake_id, "in_progress", f"staff:{FRONT_DESK}")


def test_practitioner_signature_needs_a_practitioner(staffed):
    store = staffed
    intake_id = submitted(store)
    with pytest.raises(InvalidState, match="practitioner"):
        store.add_signature(intake_id, signature(role="practitioner", staff_id=FRONT_DESK))
    draft = start(store)
    with pytest.raises(InvalidState):
        store.add_signature(draft, signature())


def test_unknown_ids_are_not_found(staffed):
    with pytest.raises(NotFound):
        staffed.intake("no-such-intake")
    with pytest.raises(NotFound):
        staffed.save_answer("no-such-intake", "a", 1)
    with pytest.raises(NotFound):
        staffed.decide(12345, "decline", "", PRACTITIONER)
    with pytest.raises(NotFound):
        staffed.document_bytes(12345)


def test_a_failed_transaction_leaves_nothing(store):
    intake_id = start(store)
    audit_rows = store.connection.execute("SELECT count(*) FROM audit").fetchone()[0]
    with pytest.raises(ValueError):
        store.submit(intake_id, signature=signature(),
                     flags=[{"rule_id": "r", "severity": "fatal", "practitioner_message": "m"}])
    record = store.intake(intake_id)
    assert record.status == "in_progress" and record.signatures == ()
    assert store.connection.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_rows


def test_settings_are_audited_and_have_defaults(store):
    assert store.settings()["idle_timeout_s"] == 120
    store.set_settings({"clinic_name": "Clinique du Parc", "idle_timeout_s": 90}, "system")
    assert store.setting("clinic_name") == "Clinique du Parc"
    assert store.settings()["idle_timeout_s"] == 90
    last = store.connection.execute("SELECT action FROM audit ORDER BY id DESC").fetchone()[0]
    assert last == "settings"
    assert store.verify() == []


def test_export_rows(staffed):
    store = staffed
    intake_id = submitted(store)
    start(store, name="Unflagged Person")
    store.decide(store.intake(intake_id).flags[0].id, "decline", "Bleeding risk", FRONT_DESK)
    rows = list(store.iter_export(flagged_only=True))
    assert [r["intake_id"] for r in rows] == [intake_id]
    row = rows[0]
    assert row["patient"]["name"] == PATIENT
    assert row["answers"]["anticoagulant"] is True
    assert row["flags"][0]["decision"] == "decline"
    assert "strokes" not in row["signatures"][0]
    json.dumps(row)
    assert len(list(store.iter_export())) == 2


def test_a_damaged_document_is_refused_not_handed_out(staffed):
    """A PDF whose bytes no longer match the SHA-256 taken when it was stored is never
    shown or printed as the signed consent."""
    intake_id = submitted(staffed)
    document = staffed.add_document(intake_id, "consent", b"%PDF-1.7 patient copy")
    conn = staffed.connection
    conn.execute("DROP TRIGGER documents_no_update")  # as someone outside mesocheck could
    conn.execute("UPDATE documents SET pdf = ? WHERE id = ?", (b"%PDF-1.7 patient cop!", document))
    with pytest.raises(DocumentDamaged, match="mesocheck verify"):
        staffed.document_bytes(document)


def test_intake_ids_are_version_7_uuids_in_creation_order():
    ids = [rows.new_intake_id() for _ in range(2000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert {(uuid.UUID(i).version, uuid.UUID(i).variant) for i in ids} == {
        (7, uuid.RFC_4122)}


def test_strokes_are_stored_deflated_and_read_back_exactly(store):
    strokes = [[[10.5, 20.0, 0, 0.512], [12.0, 22.5, 16, None]], [[0.1, 199.9, 2000, 1.0]]]
    intake_id = start(store)
    store.submit(intake_id, signature=signature(strokes=strokes), flags=[])
    (kind,) = store.connection.execute("SELECT typeof(strokes) FROM signatures").fetchone()
    assert kind == "blob"
    assert store.intake(intake_id).signatures[0].strokes == strokes
