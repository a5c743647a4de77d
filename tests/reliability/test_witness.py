"""Promise 3, the newest rows: every copy that leaves the database witnesses its audit head.

Deleting the newest audit rows together with what they wrote leaves a chain consistent
with itself. What catches it is a witness of the newest rows kept outside the database:
the head file beside it (rewritten after every save), every consent PDF (the head when it
was made) and every backup (its own chain). ``mesocheck verify`` checks the head file;
``mesocheck verify --against FILE`` checks a backup or a consent PDF. Here, through the
real command line: which deletions each witness catches and which it cannot, that the
evidence outlives the next save, that a head file is never ahead of the database even
when programs writing side by side are killed, a database put back from a backup, and
what cannot be compared.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mesocheck.forms.registry import default_form
from mesocheck.store import Store
from mesocheck.store.audit import primary_key
from mesocheck.store.atrest import key_file
from mesocheck.store.witness import head_file, pdf_head, read_head

from tests.support.intakes import add_staff, fill_intake
from tests.support import at_rest
from tests.support.at_rest import raw_connect
from .harness import record_figures


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MESOCHECK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "mesocheck", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def _last(db: Path) -> int:
    conn = raw_connect(db)
    try:
        return conn.execute("SELECT max(id) FROM audit").fetchone()[0]
    finally:
        conn.close()


def _delete_newest(db: Path, count: int) -> None:
    """Plain DELETEs of the newest audit rows and every row they wrote, guards put back."""
    conn = raw_connect(db)
    try:
        guards = [sql for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger'")]
        for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        for audit_id, rows in conn.execute(
                "SELECT id, rows FROM audit ORDER BY id DESC LIMIT ?", (count,)).fetchall():
            for table, key, _ in json.loads(rows):
                conn.execute(f"DELETE FROM {table} WHERE {primary_key(table)} = ?", (key,))
            conn.execute("DELETE FROM audit WHERE id = ?", (audit_id,))
        for sql in guards:
            conn.execute(sql)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> tuple[Path, dict]:
    """A clinic's folder: the database (with its head file), a backup taken mid-way, and
    consent PDFs written out before and after it."""
    folder = tmp_path_factory.mktemp("witness")
    db = folder / "clinic.sqlite3"
    rng = random.Random(5)
    form = default_form()
    at_rest.set_up(db)
    with Store.open(db) as store:
        add_staff(store)
        first = fill_intake(store, form, rng, name="Early Patient").intake_id
    assert run_cli("pdf", first, "-o", str(folder / "early.pdf"), "--db", str(db),
                   home=folder).returncode == 0
    with Store.open(db) as store:
        fill_intake(store, form, rng, name="Middle Patient")
    done = run_cli("backup", str(folder / "backup.sqlite3"), "--db", str(db), home=folder)
    assert done.returncode == 0, done.stderr
    assert "its audit log ends at row" in done.stdout
    with Store.open(db) as store:
        late = fill_intake(store, form, rng, name="Late Patient").intake_id
        fill_intake(store, form, rng, name="Latest Patient", submit=False)
    assert run_cli("pdf", late, "-o", str(folder / "late.pdf"), "--db", str(db),
                   home=folder).returncode == 0
    heads = {
        "early.pdf": pdf_head((folder / "early.pdf").read_bytes()).audit_id,
        "backup.sqlite3": _last(folder / "backup.sqlite3"),
        "late.pdf": pdf_head((folder / "late.pdf").read_bytes()).audit_id,
        "head file": read_head(head_file(db)).audit_id,
    }
    assert heads["early.pdf"] < heads["backup.sqlite3"] < heads["late.pdf"] < heads["head file"]
    assert heads["head file"] == _last(db), "the head file is behind after clean saves"
    return folder, heads


def _document_written_at(folder: Path, pdf: str) -> int:
    """The audit row that stored this PDF (a consent PDF also witnesses its own row)."""
    digest = hashlib.sha256((folder / pdf).read_bytes()).hexdigest()
    conn = raw_connect(folder / "clinic.sqlite3")
    try:
        document = conn.execute("SELECT id FROM documents WHERE sha256 = ?",
                                (digest,)).fetchone()[0]
        return next(audit_id for audit_id, rows in conn.execute("SELECT id, rows FROM audit")
                    if ["documents", document] in [r[:2] for r in json.loads(rows)])
    finally:
        conn.close()


def _fresh(clinic, tmp_path: Path, with_head_file: bool = True) -> Path:
    folder, _ = clinic
    db = tmp_path / "clinic.sqlite3"
    shutil.copy(folder / "clinic.sqlite3", db)
    shutil.copy(key_file(folder / "clinic.sqlite3"), key_file(db))
    if with_head_file:
        shutil.copy(head_file(folder / "clinic.sqlite3"), head_file(db))
    return db


def test_an_untouched_database_agrees_with_every_witness(clinic, tmp_path):
    folder, heads = clinic
    db = _fresh(clinic, tmp_path)
    done = run_cli("verify", "--db", str(db), *[a for name in ("early.pdf", "backup.sqlite3",
                   "late.pdf") for a in ("--against", str(folder / name))], home=tmp_path)
    assert done.returncode == 0, done.stderr
    for source in ("the head file", "the consent PDF early.pdf", "the backup backup.sqlite3",
                   "the consent PDF late.pdf"):
        assert source in done.stdout, done.stdout


def test_each_witness_catches_the_deletion_of_every_row_it_saw(clinic, tmp_path):
    """Deleting the newest rows is caught by every witness that saw one of them, and by
    no other: a witness older than the deletion saw only rows that are still there (but a
    consent PDF is also missed when the row that stored it goes)."""
    folder, heads = clinic
    last = heads["head file"]
    stored = {pdf: _document_written_at(folder, pdf) for pdf in ("early.pdf", "late.pdf")}
    caught = {name: 0 for name in heads}
    unseen_without_witness = []
    depths = sorted({1, 2, last - heads["late.pdf"], last - heads["late.pdf"] + 1,
                     last - heads["backup.sqlite3"] + 1, last - heads["early.pdf"] + 1})
    for depth in depths:
        work = tmp_path / f"deleted-{depth}"
        work.mkdir()
        db = _fresh(clinic, work, with_head_file=False)
        _delete_newest(db, depth)
        remaining = last - depth
        if run_cli("verify", "--db", str(db), home=work).returncode == 0:
            unseen_without_witness.append(depth)  # the chain left is consistent
        for name, head in heads.items():
            against = ("--against", str(folder / name))
            if name == "head file":
                shutil.copy(head_file(folder / "clinic.sqlite3"), head_file(db))
                against = ()
            done = run_cli("verify", "--db", str(db), *against, home=work)
            head_file(db).unlink(missing_ok=True)
            assert "Traceback" not in done.stderr
            seen = f"audit row {head}:" in done.stderr and "were deleted" in done.stderr
            assert seen == (head > remaining), (depth, name, done.stderr)
            gone = f"the consent PDF {name} is not among the stored" in done.stderr
            assert gone == (stored.get(name, 0) > remaining), (depth, name, done.stderr)
            if seen or gone:
                assert done.returncode == 1
                caught[name] += 1
    assert unseen_without_witness, "no deletion left a consistent chain: the test shows nothing"
    record_figures("witness.tail_deletion", newest_rows_deleted=depths, caught_by=caught,
                   unseen_without_a_witness=unseen_without_witness)


def test_the_evidence_outlives_the_next_save(clinic, tmp_path):
    _folder, heads = clinic
    db = _fresh(clinic, tmp_path)
    _delete_newest(db, 3)
    with Store.open(db) as store:  # the tablet goes on saving
        store.start_intake(
            name="After Deletion", birth_date="1980-01-01", form_id="f", form_version="1",
            form_hash="0" * 64, language="en", area="face",
            appointment_at="2026-01-01T09:00:00+00:00", device=None, actor="patient")
    assert read_head(head_file(db)).audit_id == heads["head file"], "the evidence was replaced"
    done = run_cli("verify", "--db", str(db), home=tmp_path)
    assert done.returncode == 1 and f"audit row {heads['head file']}:" in done.stderr


def test_a_database_put_back_from_a_backup_is_named_and_accepted_deliberately(clinic,
                                                                             tmp_path):
    folder, heads = clinic
    db = _fresh(clinic, tmp_path)
    shutil.copy(folder / "backup.sqlite3", db)  # restored from last night's copy
    done = run_cli("verify", "--db", str(db), home=tmp_path)
    assert done.returncode == 1
    last_line = done.stderr.strip().splitlines()[-1]
    assert "put back from an older copy on purpose, move clinic.sqlite3.head aside" in last_line
    head_file(db).rename(tmp_path / "clinic.sqlite3.head.before-restore")
    done = run_cli("verify", "--db", str(db), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no readable head file" in done.stdout
    with Store.open(db) as store:  # the next save writes a new one
        store.set_setting("clinic_name", "Restored Clinic", "system")
    assert read_head(head_file(db)).audit_id == heads["backup.sqlite3"] + 1


@pytest.mark.parametrize("what", ["the database", "its -wal", "a text file", "another sqlite",
                                  "a pdf of another program", "a folder", "missing"])
def test_verify_against_what_cannot_be_compared_is_a_sentence(clinic, tmp_path, what):
    db = _fresh(clinic, tmp_path)
    other = tmp_path / "other"
    if what == "a text file":
        other.write_text("hello\n")
    elif what == "another sqlite":
        sqlite3.connect(other).execute("CREATE TABLE t (x)")
    elif what == "a pdf of another program":
        other.write_bytes(b"%PDF-1.4\n%%EOF\n")
    elif what == "a folder":
        other.mkdir()
    against = {"the database": db, "its -wal": Path(f"{db}-wal")}.get(what, other)
    done = run_cli("verify", "--db", str(db), "--against", str(against), home=tmp_path)
    assert done.returncode == 1, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mesocheck: ") and "sorry" not in lines[0]


# -- a head file is never ahead --------------------------------------------------------------

WRITER = """
import os, sys
from mesocheck.store import Store, atrest
db, n = sys.argv[1], int(sys.argv[2])
with open(os.environ["MESOCHECK_PASSPHRASE_FILE"]) as passphrase:
    atrest.unlock(db, passphrase.readline().rstrip("\\n"))
with Store.open(db) as store:
    intake = store.start_intake(
        name=f"Writer {n}", birth_date="1980-01-01", form_id="f", form_version="1",
        form_hash="0" * 64, language="en", area="face",
        appointment_at="2026-01-01T09:00:00+00:00", device=None, actor="patient")
    for k in range(100000):
        store.save_answers(intake, {f"q{k % 40}": k})
"""


def test_a_head_file_is_never_ahead_even_when_writers_are_killed(tmp_path):
    """Three programs save side by side and are killed at random moments, again and
    again: the head file must always name a row the database holds, as it was."""
    db = tmp_path / "clinic.sqlite3"
    at_rest.set_up(db)
    Store.open(db).close()
    rng = random.Random(9)
    behind, rounds = [], 30
    env = {**os.environ, "MESOCHECK_HOME": str(tmp_path)}
    for round_ in range(rounds):
        writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(3 * round_ + n)],
                                    env=env, stderr=subprocess.PIPE) for n in range(3)]
        time.sleep(rng.uniform(0.4, 1.2))
        for writer in writers:
            time.sleep(rng.uniform(0, 0.05))
            os.kill(writer.pid, signal.SIGKILL)
        for writer in writers:
            writer.wait(timeout=30)
            writer.stderr.close()
        head = read_head(head_file(db))
        conn = raw_connect(db)
        try:
            last = conn.execute("SELECT max(id) FROM audit").fetchone()[0]
            row = conn.execute("SELECT hash FROM audit WHERE id = ?",
                               (head.audit_id,)).fetchone()
        finally:
            conn.close()
        assert head.audit_id <= last and row is not None and row[0] == head.digest, (
            round_, head, last)
        behind.append(last - head.audit_id)
    with Store.open(db) as store:
        assert store.verify() == []
    record_figures("witness.head_file_under_kills", rounds=rounds, writers_killed=3 * rounds,
                   ahead=0, rows_behind_max=max(behind),
                   rounds_behind=sum(1 for b in behind if b))
