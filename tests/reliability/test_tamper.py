"""Promise 3: tampering is detected, through the real command line.

Someone with the database's key and an SQLite shell (SQLCipher's) edits, deletes, inserts
or reorders rows of every audited table and of the audit log, or flips bytes inside a stored
PDF, then puts the append-only guards back so only the data itself can give them away. ``mesocheck verify`` (a real
process) must exit 1 and name the row (and, where there is one, the intake) of every case.
tests/store/test_verify.py checks the same at API level for a few cases; this is the full
matrix through the CLI.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Callable

import pytest

from mesocheck.forms.registry import default_form
from mesocheck.store import Store
from mesocheck.store.audit import (
    GENESIS, Columns, audit_hash, canonical_json, primary_key, row_hash,
)
from mesocheck.store.records import AuditHead
from mesocheck.store.atrest import key_file
from mesocheck.store.witness import head_file, head_text

from tests.support import at_rest
from tests.support.at_rest import raw_connect
from tests.support.intakes import add_staff, cheap_pins, fill_intake
from tests.support.intakes import review_intake as review
from .harness import record_figures


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MESOCHECK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "mesocheck", *args], capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, dict]:
    """Reviewed, submitted and in-progress intakes with PDFs; the ids the cases aim at."""
    db = tmp_path_factory.mktemp("tamper") / "clinic.sqlite3"
    rng = random.Random(11)
    form = default_form()
    at_rest.set_up(db)
    with Store.open(db) as store:
        practitioner, desk = add_staff(store)
        store.set_setting("clinic_name", "Clinic of Tests", "system")
        a = fill_intake(store, form, rng, name="Zoë Quixley",
                        answers={"anticoagulant": True, "allergies_any": True}).intake_id
        review(store, a, practitioner, rng)
        b = fill_intake(store, form, rng, name="Other Patient").intake_id
        c = fill_intake(store, form, rng, name="Third Patient", submit=False).intake_id
        # The newest three transactions only add rows: a staff account, an intake, answers.
        with cheap_pins():
            store.add_staff("Lee Locum", "front-desk", "258017", "system")
        d = store.start_intake(
            name="Newest Patient", birth_date="1991-09-09", form_id=form.id,
            form_version=form.version, form_hash=form.content_hash, language="en",
            area="face", appointment_at="2026-06-01T10:00:00+00:00", device="test",
            actor="patient")
        store.save_answers(d, {"notes": "Arrived early.", "transport_arranged": True})
        assert store.verify() == []
    conn = raw_connect(db)

    def one(sql: str, *params):
        return conn.execute(sql, params).fetchone()[0]

    ids = {
        "A": a, "B": b, "C": c, "D": d, "practitioner": practitioner, "desk": desk,
        "answer": one("SELECT min(id) FROM answers WHERE intake_id = ?", a),
        "answer2": one("SELECT max(id) FROM answers WHERE intake_id = ?", a),
        "answer_c": one("SELECT max(id) FROM answers WHERE intake_id = ?", c),
        "ack": one("SELECT min(id) FROM acknowledgements WHERE intake_id = ?", a),
        "ack2": one("SELECT max(id) FROM acknowledgements WHERE intake_id = ?", a),
        "flag": one("SELECT min(id) FROM flags WHERE intake_id = ? AND severity = 'stop'", a),
        "flag2": one("SELECT max(id) FROM flags WHERE intake_id = ?", a),
        "decision": one("SELECT min(d.id) FROM decisions d JOIN flags f ON f.id = d.flag_id "
                        "WHERE f.intake_id = ?", a),
        "signature": one("SELECT id FROM signatures WHERE intake_id = ? AND role = 'patient'",
                         a),
        "countersignature": one("SELECT id FROM signatures WHERE intake_id = ? "
                                "AND role = 'practitioner'", a),
        "document": one("SELECT min(id) FROM documents WHERE intake_id = ?", a),
        "reviewed": one("SELECT max(id) FROM documents WHERE intake_id = ?", a),
        "document_b": one("SELECT id FROM documents WHERE intake_id = ?", b),
        "patient": one("SELECT patient_id FROM intakes WHERE id = ?", a),
        "form": one("SELECT hash FROM forms"),
        "audit_last": one("SELECT max(id) FROM audit"),
        "audit_a": one("SELECT min(id) FROM audit WHERE intake_id = ? AND action = "
                       "'save_answers'", a),
        "audit_b": one("SELECT min(id) FROM audit WHERE intake_id = ? AND action = "
                       "'save_answers'", b),
    }
    assert all(v is not None for v in ids.values()), ids
    assert ids["reviewed"] != ids["document"] and ids["answer"] != ids["answer2"]
    conn.close()
    return db, ids


def _next_id(conn, table: str) -> int:
    return conn.execute(f"SELECT max(id) + 1 FROM {table}").fetchone()[0]


def _copy_row(conn, table: str, row_id, changes: dict) -> int:
    """Insert a copy of a row with a new id and some columns changed; returns the id."""
    names = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    row = dict(zip(names, conn.execute(f"SELECT * FROM {table} WHERE id = ?",
                                       (row_id,)).fetchone()))
    row.update({"id": _next_id(conn, table), **changes})
    conn.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES "
                 f"({', '.join('?' * len(row))})", list(row.values()))
    return row["id"]


def _swap_ids(conn, table: str, a, b) -> None:
    conn.execute(f"UPDATE {table} SET id = -1 WHERE id = ?", (a,))
    conn.execute(f"UPDATE {table} SET id = ? WHERE id = ?", (a, b))
    conn.execute(f"UPDATE {table} SET id = ? WHERE id = -1", (b,))


def _flip(conn, document_id: int, where: float) -> None:
    pdf = bytearray(conn.execute("SELECT pdf FROM documents WHERE id = ?",
                                 (document_id,)).fetchone()[0])
    at = min(int(len(pdf) * where), len(pdf) - 1)
    pdf[at] ^= 0x01
    conn.execute("UPDATE documents SET pdf = ? WHERE id = ?", (bytes(pdf), document_id))


def _swap_audit_contents(conn, a: int, b: int) -> None:
    cols = "at, actor, action, intake_id, rows, hash"
    row_a = conn.execute(f"SELECT {cols} FROM audit WHERE id = ?", (a,)).fetchone()
    row_b = conn.execute(f"SELECT {cols} FROM audit WHERE id = ?", (b,)).fetchone()
    sets = ", ".join(f"{c} = ?" for c in cols.split(", "))
    conn.execute(f"UPDATE audit SET {sets} WHERE id = ?", (*row_b, a))
    conn.execute(f"UPDATE audit SET {sets} WHERE id = ?", (*row_a, b))


def _delete_last_audit_row(conn, ids: dict) -> list[str]:
    """No link breaks at the tail, but the rows it wrote are no longer accounted for."""
    rows, intake = conn.execute("SELECT rows, intake_id FROM audit WHERE id = ?",
                                (ids["audit_last"],)).fetchone()
    earlier = {(t, k) for (r,) in conn.execute("SELECT rows FROM audit WHERE id < ?",
                                               (ids["audit_last"],))
               for t, k, _ in json.loads(r)}
    conn.execute("DELETE FROM audit WHERE id = ?", (ids["audit_last"],))
    # The rows it created are unaccounted for; a row it only re-wrote may now be
    # identical to what the row before recorded (same second), which is no loss.
    created = [f"{t} row {k}" for t, k, digest in json.loads(rows)
               if digest and (t, k) not in earlier]
    assert created and intake
    return created + [f"(intake {intake})"]


def _delete_tail(conn, ids: dict, newest: int = 3) -> list[str]:
    """Plain DELETEs of the newest audit rows and of every row they wrote: no hashing, no
    knowledge of the format. What is left is a shorter chain, consistent with itself; only
    a witness of the newest rows (here the head file) can tell."""
    for audit_id, rows in conn.execute(
            "SELECT id, rows FROM audit ORDER BY id DESC LIMIT ?", (newest,)).fetchall():
        for table, key, _digest in json.loads(rows):
            conn.execute(f"DELETE FROM {table} WHERE {primary_key(table)} = ?", (key,))
        conn.execute("DELETE FROM audit WHERE id = ?", (audit_id,))
    return [f"audit row {ids['audit_last']}", "were deleted"]


# Each case: (table, how, tamper(conn, ids) -> the finding's "where" text(s) to expect).
Case = Callable[[sqlite3.Connection, dict], list[str]]


def _rows(table: str, key: str, intake: str | None = "A"):
    """The text naming a row and its intake in verify's report."""
    def where(ids: dict, row_id=None) -> str:
        text = f"{table} row {ids[key] if row_id is None else row_id}"
        return text + (f" (intake {ids[intake]})" if intake else "")
    return where


def case_list() -> list[tuple[str, Case]]:
    answer = _rows("answers", "answer")
    ack = _rows("acknowledgements", "ack")
    flag = _rows("flags", "flag")
    decision = _rows("decisions", "decision")
    sig = _rows("signatures", "signature")
    countersig = _rows("signatures", "countersignature")
    doc = _rows("documents", "document")
    reviewed = _rows("documents", "reviewed")

    def ex(sql: str, *params):
        return lambda conn: conn.execute(sql, params)

    cases: list[tuple[str, Case]] = [
        # answers
        ("answers-edit-value", lambda c, i: (c.execute(
            "UPDATE answers SET value = '\"changed\"' WHERE id = ?", (i["answer"],)),
            [answer(i)])[1]),
        ("answers-edit-time", lambda c, i: (c.execute(
            "UPDATE answers SET answered_at = '2020-01-01T00:00:00+00:00' WHERE id = ?",
            (i["answer"],)), [answer(i)])[1]),
        ("answers-move-to-other-intake", lambda c, i: (c.execute(
            "UPDATE answers SET intake_id = ? WHERE id = ?", (i["B"], i["answer"])),
            [f"answers row {i['answer']}"])[1]),
        ("answers-delete", lambda c, i: (c.execute(
            "DELETE FROM answers WHERE id = ?", (i["answer"],)), [answer(i)])[1]),
        ("answers-delete-in-progress", lambda c, i: (c.execute(
            "DELETE FROM answers WHERE id = ?", (i["answer_c"],)),
            [f"answers row {i['answer_c']} (intake {i['C']})"])[1]),
        ("answers-insert", lambda c, i: [answer(i, _copy_row(
            c, "answers", i["answer"], {"question_id": "forged"}))]),
        ("answers-reorder", lambda c, i: (_swap_ids(c, "answers", i["answer"], i["answer2"]),
                                          [answer(i)])[1]),
        # acknowledgements
        ("acknowledgements-edit", lambda c, i: (c.execute(
            "UPDATE acknowledgements SET text_hash = ? WHERE id = ?", ("0" * 64, i["ack"])),
            [ack(i)])[1]),
        ("acknowledgements-delete", lambda c, i: (c.execute(
            "DELETE FROM acknowledgements WHERE id = ?", (i["ack"],)), [ack(i)])[1]),
        ("acknowledgements-insert", lambda c, i: [ack(i, _copy_row(
            c, "acknowledgements", i["ack"], {"disclosure_id": "forged"}))]),
        ("acknowledgements-reorder", lambda c, i: (_swap_ids(
            c, "acknowledgements", i["ack"], i["ack2"]), [ack(i)])[1]),
        # flags
        ("flags-edit-severity", lambda c, i: (c.execute(
            "UPDATE flags SET severity = 'info' WHERE id = ?", (i["flag"],)), [flag(i)])[1]),
        ("flags-edit-message", lambda c, i: (c.execute(
            "UPDATE flags SET practitioner_message = 'nothing' WHERE id = ?", (i["flag"],)),
            [flag(i)])[1]),
        ("flags-delete", lambda c, i: (c.execute(
            "DELETE FROM decisions WHERE flag_id = ?", (i["flag"],)),
            c.execute("DELETE FROM flags WHERE id = ?", (i["flag"],)), [flag(i)])[2]),
        ("flags-insert", lambda c, i: [flag(i, _copy_row(c, "flags", i["flag"], {}))]),
        ("flags-reorder", lambda c, i: (_swap_ids(c, "flags", i["flag"], i["flag2"]),
                                        [flag(i)])[1]),
        # decisions
        ("decisions-edit", lambda c, i: (c.execute(
            "UPDATE decisions SET decision = 'decline' WHERE id = ?", (i["decision"],)),
            [decision(i)])[1]),
        ("decisions-edit-staff", lambda c, i: (c.execute(
            "UPDATE decisions SET staff_id = ? WHERE id = ?", (i["desk"], i["decision"])),
            [decision(i)])[1]),
        ("decisions-delete", lambda c, i: (c.execute(
            "DELETE FROM decisions WHERE id = ?", (i["decision"],)), [decision(i)])[1]),
        ("decisions-insert", lambda c, i: [decision(i, _copy_row(
            c, "decisions", i["decision"], {"decision": "decline"}))]),
        # signatures
        ("signatures-edit-name", lambda c, i: (c.execute(
            "UPDATE signatures SET printed_name = 'Someone Else' WHERE id = ?",
            (i["signature"],)), [sig(i)])[1]),
        ("signatures-edit-strokes", lambda c, i: (c.execute(
            "UPDATE signatures SET strokes = '[[[1,1,0,null],[90,90,16,null]]]' WHERE id = ?",
            (i["signature"],)), [sig(i)])[1]),
        ("signatures-edit-packed-strokes", lambda c, i: (c.execute(
            "UPDATE signatures SET strokes = ? WHERE id = ?",
            (zlib.compress(b'[[[1,1,0,null],[90,90,16,null]]]'), i["signature"])), [sig(i)])[1]),
        ("signatures-edit-time", lambda c, i: (c.execute(
            "UPDATE signatures SET signed_at = '2019-05-05T10:00:00+00:00' WHERE id = ?",
            (i["signature"],)), [sig(i)])[1]),
        ("signatures-delete-countersignature", lambda c, i: (c.execute(
            "DELETE FROM signatures WHERE id = ?", (i["countersignature"],)),
            [countersig(i)])[1]),
        ("signatures-insert", lambda c, i: [sig(i, _copy_row(
            c, "signatures", i["signature"], {"role": "witness"}))]),
        ("signatures-reorder", lambda c, i: (_swap_ids(
            c, "signatures", i["signature"], i["countersignature"]), [sig(i)])[1]),
        # documents and the PDF bytes
        ("pdf-byte-flip-header", lambda c, i: (_flip(c, i["document"], 0.001), [doc(i)])[1]),
        ("pdf-byte-flip-middle", lambda c, i: (_flip(c, i["document"], 0.5), [doc(i)])[1]),
        ("pdf-byte-flip-end", lambda c, i: (_flip(c, i["document"], 0.999), [doc(i)])[1]),
        ("pdf-byte-flip-reviewed", lambda c, i: (_flip(c, i["reviewed"], 0.3),
                                                 [reviewed(i)])[1]),
        ("pdf-replaced-with-its-hash", lambda c, i: (c.execute(
            "UPDATE documents SET pdf = (SELECT pdf FROM documents WHERE id = ?), "
            "sha256 = (SELECT sha256 FROM documents WHERE id = ?) WHERE id = ?",
            (i["document_b"], i["document_b"], i["document"])), [doc(i)])[1]),
        ("documents-edit-kind", lambda c, i: (c.execute(
            "UPDATE documents SET kind = 'reviewed_consent' WHERE id = ?", (i["document"],)),
            [doc(i)])[1]),
        ("documents-delete", lambda c, i: (c.execute(
            "DELETE FROM documents WHERE id = ?", (i["reviewed"],)), [reviewed(i)])[1]),
        ("documents-insert", lambda c, i: [doc(i, _copy_row(c, "documents", i["document"],
                                                            {"supersedes": None}))]),
        ("documents-reorder", lambda c, i: (_swap_ids(
            c, "documents", i["document"], i["reviewed"]), [doc(i)])[1]),
        # intakes, patients, staff, settings, archived forms
        ("intakes-edit-status", lambda c, i: (c.execute(
            "UPDATE intakes SET status = 'in_progress' WHERE id = ?", (i["B"],)),
            [f"intakes row {i['B']} (intake {i['B']})"])[1]),
        ("intakes-unlock", lambda c, i: (c.execute(
            "UPDATE intakes SET locked_at = NULL WHERE id = ?", (i["A"],)),
            [f"intakes row {i['A']} (intake {i['A']})"])[1]),
        ("intakes-delete", lambda c, i: (
            [c.execute(f"DELETE FROM {t} WHERE intake_id = ?", (i["C"],))
             for t in ("answers", "acknowledgements")],
            c.execute("DELETE FROM intakes WHERE id = ?", (i["C"],)),
            [f"intakes row {i['C']} (intake {i['C']})"])[2]),
        ("patients-edit-name", lambda c, i: (c.execute(
            "UPDATE patients SET name = 'Renamed Person' WHERE id = ?", (i["patient"],)),
            [f"patients row {i['patient']} (intake {i['A']})"])[1]),
        ("patients-edit-birth-date", lambda c, i: (c.execute(
            "UPDATE patients SET birth_date = '2012-01-01' WHERE id = ?", (i["patient"],)),
            [f"patients row {i['patient']} (intake {i['A']})"])[1]),
        ("staff-edit-role", lambda c, i: (c.execute(
            "UPDATE staff SET role = 'practitioner' WHERE id = ?", (i["desk"],)),
            [f"staff row {i['desk']}"])[1]),
        ("staff-edit-pin-hash", lambda c, i: (c.execute(
            "UPDATE staff SET pin_hash = (SELECT pin_hash FROM staff WHERE id = ?) "
            "WHERE id = ?", (i["desk"], i["practitioner"])),
            [f"staff row {i['practitioner']}"])[1]),
        ("staff-insert", lambda c, i: [f"staff row {_copy_row(c, 'staff', i['desk'], {})}"]),
        ("settings-edit", lambda c, i: (c.execute(
            "UPDATE settings SET value = '\"Other Clinic\"' WHERE key = 'clinic_name'"),
            ["settings row clinic_name"])[1]),
        ("forms-edit-archived-text", lambda c, i: (c.execute(
            "UPDATE forms SET content = replace(content, 'a', 'e') WHERE hash = ?",
            (i["form"],)), [f"forms row {i['form']}"])[1]),
        # the audit log
        ("audit-edit-actor", lambda c, i: (c.execute(
            "UPDATE audit SET actor = 'system' WHERE id = ?", (i["audit_a"],)),
            [f"audit row {i['audit_a']} (intake {i['A']})"])[1]),
        ("audit-edit-time", lambda c, i: (c.execute(
            "UPDATE audit SET at = '2020-01-01T00:00:00+00:00' WHERE id = ?", (i["audit_a"],)),
            [f"audit row {i['audit_a']} (intake {i['A']})"])[1]),
        ("audit-edit-rows", lambda c, i: (c.execute(
            "UPDATE audit SET rows = '[]' WHERE id = ?", (i["audit_a"],)),
            [f"audit row {i['audit_a']} (intake {i['A']})"])[1]),
        ("audit-delete-middle", lambda c, i: (c.execute(
            "DELETE FROM audit WHERE id = ?", (i["audit_a"],)),
            [f"audit row {i['audit_a'] + 1}"])[1]),
        ("audit-delete-last", _delete_last_audit_row),
        ("audit-delete-newest-3-with-their-rows", _delete_tail),
        ("audit-delete-newest-1-with-its-rows", lambda c, i: _delete_tail(c, i, 1)),
        ("audit-insert-forged", lambda c, i: (c.execute(
            "INSERT INTO audit (id, at, actor, action, intake_id, rows, hash) "
            "SELECT id + 1, at, 'staff:1', 'decide', intake_id, rows, hash "
            "FROM audit WHERE id = ?", (i["audit_last"],)),
            [f"audit row {i['audit_last'] + 1}"])[1]),
        ("audit-reorder-contents", lambda c, i: (_swap_audit_contents(
            c, i["audit_a"], i["audit_b"]), [f"audit row {i['audit_a']}"])[1]),
        ("audit-reorder-ids", lambda c, i: (c.execute(
            "UPDATE audit SET id = -1 WHERE id = ?", (i["audit_a"],)),
            c.execute("UPDATE audit SET id = ? WHERE id = ?", (i["audit_a"], i["audit_b"])),
            c.execute("UPDATE audit SET id = ? WHERE id = -1", (i["audit_b"],)),
            [f"audit row {i['audit_a']}"])[3]),
    ]
    return cases


CASES = case_list()


def tamper(db: Path, case: Case, ids: dict) -> list[str]:
    """Apply a case as the sqlite3 shell would, then restore the append-only guards, so
    only the data can tell."""
    conn = raw_connect(db)
    try:
        guards = [sql for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger'")]
        for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("PRAGMA foreign_keys = OFF")
        expected = case(conn, ids)
        for sql in guards:
            conn.execute(sql)
    finally:
        conn.close()
    return expected


_caught: list[str] = []


def test_an_untouched_database_verifies(template, tmp_path):
    db, _ = template
    done = run_cli("verify", "--db", str(db), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "ok" in done.stdout


@pytest.mark.parametrize("name,case", CASES, ids=[name for name, _ in CASES])
def test_every_tampering_is_reported_with_its_row_and_intake(template, tmp_path, name, case):
    source, ids = template
    db = _copy(source, tmp_path)
    expected = tamper(db, case, ids)
    done = run_cli("verify", "--db", str(db), home=tmp_path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert " found; " in last and "`mesocheck backup`" in last, last
    for where in expected:
        assert where in done.stderr, f"{name}: no finding names {where!r}:\n{done.stderr}"
    _caught.append(name)


FILE_CASES = {
    # A copy that failed, or a file emptied: never taken for a new database.
    "file-zero-length": (lambda db: db.write_bytes(b""), "empty (0 bytes)"),
    "file-cut-to-its-header": (lambda db: db.write_bytes(db.read_bytes()[:100]), "damaged"),
}


@pytest.mark.parametrize("name", sorted(FILE_CASES))
def test_a_file_emptied_or_cut_short_is_reported(template, tmp_path, name):
    source, _ = template
    db = _copy(source, tmp_path)
    damage, words = FILE_CASES[name]
    damage(db)
    before = db.read_bytes()
    done = run_cli("verify", "--db", str(db), home=tmp_path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and words in done.stderr, done.stderr
    assert "`mesocheck backup`" in done.stderr
    assert db.read_bytes() == before, "verify wrote into it"
    _caught.append(name)


def _copy(source: Path, folder: Path) -> Path:
    """The database with the head and key files beside it, as a clinic's folder holds them."""
    db = folder / source.name
    shutil.copy(source, db)
    shutil.copy(head_file(source), head_file(db))
    shutil.copy(key_file(source), key_file(db))
    return db


def test_tamper_figures():
    """Runs after the matrix in this file: the count docs/reliability.md quotes."""
    if len(_caught) != len(CASES) + len(FILE_CASES):
        pytest.skip("run with the whole matrix to count")
    record_figures("tamper.cli", cases=len(CASES) + len(FILE_CASES), caught=len(_caught))


def _rewrite_chain(db: Path, ids: dict) -> None:
    """Edit one answer, then rewrite the chain from that point on with the (public) hash
    definitions, as someone who knows the format would."""
    conn = raw_connect(db)
    try:
        guard = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_no_update'"
                             ).fetchone()[0]
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE answers SET value = '\"changed\"' WHERE id = ?", (ids["answer"],))
        names = Columns(conn)["answers"]
        values = conn.execute(f"SELECT {', '.join(names)} FROM answers WHERE id = ?",
                              (ids["answer"],)).fetchone()
        forged = row_hash(names, values)
        prev = GENESIS
        for audit_id, at, actor, action, intake, rows_json in conn.execute(
                "SELECT id, at, actor, action, intake_id, rows FROM audit ORDER BY id"
        ).fetchall():
            rows = [[t, k, forged if (t, k) == ("answers", ids["answer"]) and h else h]
                    for t, k, h in json.loads(rows_json)]
            rows_json = canonical_json(rows)
            digest = audit_hash(prev, audit_id, at, actor, action, intake, rows_json)
            conn.execute("UPDATE audit SET rows = ?, hash = ? WHERE id = ?",
                         (rows_json, digest, audit_id))
            prev = digest
        conn.execute(guard)
    finally:
        conn.close()


def test_a_rewritten_chain_is_detected_by_the_head_file(template, tmp_path):
    source, ids = template
    db = _copy(source, tmp_path)
    _rewrite_chain(db, ids)
    done = run_cli("verify", "--db", str(db), home=tmp_path)
    assert done.returncode == 1
    assert f"audit row {ids['audit_last']}: is not the row the head file" in done.stderr


@pytest.mark.xfail(strict=True, reason=(
    "known limit: the audit chain has no secret, so someone who edits a row, recomputes "
    "every later hash and writes the new head into the head file is detected only by a "
    "copy made before (verify --against a backup or a consent PDF)"))
def test_a_rewritten_chain_and_head_file_are_detected(template, tmp_path):
    source, ids = template
    db = _copy(source, tmp_path)
    _rewrite_chain(db, ids)
    conn = raw_connect(db)
    head = AuditHead(*conn.execute("SELECT id, hash FROM audit ORDER BY id DESC").fetchone())
    conn.close()
    head_file(db).write_text(head_text(head) + "\n")
    done = run_cli("verify", "--db", str(db), home=tmp_path)
    assert done.returncode == 1
