"""verify() against someone editing the file with its key and SQLCipher's shell."""


import pytest

from mesocheck.store import Store

from mesocheck.store.db import sqlite
from tests.support.at_rest import raw_connect
from tests.support.store_rows import FRONT_DESK, PATIENT, PRACTITIONER, start, submitted, tamper


@pytest.fixture
def filled(staffed):
    """Two signed intakes with a decision and a document; returns (store, intake ids)."""
    first = submitted(staffed)
    second = submitted(staffed, name="Other Patient")
    flag = staffed.intake(first).flags[0]
    staffed.decide(flag.id, "decline", "Anticoagulated", FRONT_DESK)
    staffed.add_document(first, "consent", b"%PDF-1.7\n" + bytes(range(256)) * 8)
    start(staffed, name="Third Patient")
    assert staffed.verify() == []
    return staffed, (first, second)


def findings(store):
    """Problems other than the removed append-only guards (tamper drops them)."""
    return {(p.kind, p.table, p.row_id, p.intake_id)
            for p in store.verify() if p.kind != "schema"}


def one(store, sql, *params):
    return store.connection.execute(sql, params).fetchone()


def test_a_normal_database_verifies_clean(filled):
    store, _ = filled
    assert store.verify() == []


def test_append_only_tables_refuse_changes_in_sqlite_itself(filled, db_path):
    conn = raw_connect(db_path)
    for sql in ("UPDATE audit SET actor = 'system'", "DELETE FROM signatures",
                "UPDATE documents SET kind = 'x'", "DELETE FROM decisions"):
        with pytest.raises(sqlite.DatabaseError, match="append-only"):
            conn.execute(sql)
    conn.close()


def test_removed_guards_are_reported(filled, db_path):
    store, _ = filled
    tamper(db_path)
    assert {p.detail for p in store.verify()} >= {
        "the append-only guard audit_no_update was removed"}


def test_edited_answer(filled, db_path):
    store, (first, _) = filled
    answer_id = one(store, "SELECT id FROM answers WHERE intake_id = ? AND question_id = ?",
                    first, "anticoagulant")[0]
    tamper(db_path, f"UPDATE answers SET value = 'false' WHERE id = {answer_id}")
    assert findings(store) == {("changed", "answers", answer_id, first)}


def test_deleted_acknowledgement(filled, db_path):
    store, (_, second) = filled
    ack_id = one(store, "SELECT id FROM acknowledgements WHERE intake_id = ?", second)[0]
    tamper(db_path, f"DELETE FROM acknowledgements WHERE id = {ack_id}")
    assert findings(store) == {("missing", "acknowledgements", ack_id, second)}


def test_inserted_flag(filled, db_path):
    store, (_, second) = filled
    tamper(db_path, "INSERT INTO flags (intake_id, rule_id, severity, practitioner_message, "
                    "triggers, raised_at) VALUES (?, 'forged', 'info', 'm', '[]', "
                    "'2026-03-02T09:00:00.000+00:00')", params=(second,))
    new_id = one(store, "SELECT max(id) FROM flags")[0]
    assert findings(store) == {("unaudited", "flags", new_id, second)}


def test_swapped_answer_ids(filled, db_path):
    store, (first, _) = filled
    a, b = [r[0] for r in store.connection.execute(
        "SELECT id FROM answers WHERE intake_id = ? ORDER BY id LIMIT 2", (first,))]
    tamper(db_path, f"UPDATE answers SET id = -1 WHERE id = {a}",
           f"UPDATE answers SET id = {a} WHERE id = {b}",
           f"UPDATE answers SET id = {b} WHERE id = -1")
    assert findings(store) == {("changed", "answers", a, first), ("changed", "answers", b, first)}


def test_edited_signature(filled, db_path):
    store, (first, _) = filled
    sig_id = one(store, "SELECT id FROM signatures WHERE intake_id = ?", first)[0]
    tamper(db_path, f"UPDATE signatures SET signed_at = '2026-01-01T00:00:00.000+00:00' "
                    f"WHERE id = {sig_id}")
    assert findings(store) == {("changed", "signatures", sig_id, first)}


def test_edited_decision_names_the_intake(filled, db_path):
    store, (first, _) = filled
    tamper(db_path, f"UPDATE decisions SET staff_id = {PRACTITIONER}")
    decision_id = one(store, "SELECT id FROM decisions")[0]
    assert findings(store) == {("changed", "decisions", decision_id, first)}


def test_byte_flipped_in_a_pdf(filled, db_path):
    store, (first, _) = filled
    doc_id, pdf = one(store, "SELECT id, pdf FROM documents")
    flipped = bytearray(pdf)
    flipped[100] ^= 0x01
    tamper(db_path, f"UPDATE documents SET pdf = ? WHERE id = {doc_id}", params=(bytes(flipped),))
    assert findings(store) == {("document_hash", "documents", doc_id, first),
                               ("changed", "documents", doc_id, first)}


def test_edited_patient_name(filled, db_path):
    store, (first, _) = filled
    patient_id = one(store, "SELECT patient_id FROM intakes WHERE id = ?", first)[0]
    tamper(db_path, f"UPDATE patients SET name = 'Someone Else' WHERE id = {patient_id}")
    assert findings(store) == {("changed", "patients", patient_id, first)}


def test_navigation_is_not_tampering(filled, db_path):
    store, (first, _) = filled
    tamper(db_path, f"UPDATE intakes SET current_step = 'elsewhere' WHERE id = '{first}'")
    assert findings(store) == set()


def test_edited_audit_row(filled, db_path):
    store, (first, _) = filled
    audit_id = one(store, "SELECT id FROM audit WHERE action = 'submit' AND intake_id = ?",
                   first)[0]
    tamper(db_path, f"UPDATE audit SET actor = 'system' WHERE id = {audit_id}")
    assert findings(store) == {("audit_chain", "audit", audit_id, first)}


def test_deleted_audit_row(filled, db_path):
    store, (first, _) = filled
    audit_id, = one(store, "SELECT id FROM audit WHERE action = 'decide'")
    tamper(db_path, f"DELETE FROM audit WHERE id = {audit_id}")
    decision_id = one(store, "SELECT id FROM decisions")[0]
    following = one(store, "SELECT intake_id FROM audit WHERE id = ?", audit_id + 1)[0]
    assert findings(store) == {("audit_chain", "audit", audit_id + 1, following),
                               ("unaudited", "decisions", decision_id, first)}


def test_reordered_audit_rows(filled, db_path):
    store, _ = filled
    a, b = 5, 6
    tamper(db_path, f"UPDATE audit SET id = -1 WHERE id = {a}",
           f"UPDATE audit SET id = {a} WHERE id = {b}",
           f"UPDATE audit SET id = {b} WHERE id = -1")
    reported = {(kind, table, row) for kind, table, row, _ in findings(store)}
    assert {("audit_chain", "audit", a), ("audit_chain", "audit", b)} <= reported
    assert all(kind == "audit_chain" for kind, _, _ in reported)


def test_inserted_audit_row(filled, db_path):
    store, _ = filled
    (last,) = one(store, "SELECT max(id) FROM audit")
    tamper(db_path, "INSERT INTO audit (id, at, actor, action, intake_id, rows, hash) "
                    f"VALUES ({last + 1}, '2026-03-02T09:00:00.000+00:00', 'system', 'forged', "
                    f"NULL, '[]', zeroblob(32))")
    assert findings(store) == {("audit_chain", "audit", last + 1, None)}


def test_findings_never_quote_patient_data(filled, db_path):
    store, (first, _) = filled
    tamper(db_path, f"UPDATE patients SET name = name || ' Jr'",
           "DELETE FROM answers", "DELETE FROM audit WHERE id = 3")
    problems = store.verify()
    assert problems
    assert not any(PATIENT in str(p) or "penicillin" in str(p) for p in problems)


def test_a_copy_of_a_tampered_file_still_fails(filled, db_path, tmp_path, clock):
    store, (first, _) = filled
    store.close()
    tamper(db_path, f"UPDATE answers SET value = 'true' WHERE intake_id = '{first}'")
    with Store.open(db_path, clock=clock, create=False) as reopened:
        assert any(p.kind == "changed" for p in reopened.verify())


def test_unusual_text_verifies_clean(staffed):
    intake_id = start(staffed)
    staffed.save_answers(intake_id, {"nul": "a\x00b", "controls": "".join(map(chr, range(1, 32))),
                                     "quotes": '",\\"amends\\":null', "emoji": "😀\u2028"})
    assert staffed.verify() == []


def test_a_forged_list_of_rows_is_reported_and_spoils_nothing_else(filled, db_path):
    store, (first, _) = filled
    audit_id = one(store, "SELECT id FROM audit WHERE action = 'submit' AND intake_id = ?",
                   first)[0]
    tamper(db_path, f"""UPDATE audit SET rows = '[["answers",1,"abc"]]' WHERE id = {audit_id}""")
    reported = findings(store)
    assert ("audit_chain", "audit", audit_id, first) in reported
    assert not any(table == "answers" for _, table, _, _ in reported)
