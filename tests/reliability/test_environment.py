"""Promise 5: a broken environment is handled.

The database is missing, on a read-only disk, on a full disk, damaged (random bytes over
whole pages, a cut-off file), from a newer mesocheck, or another program's: every command,
the session and the tablet app say what is wrong and what to do in one plain line, never
show a traceback, and never write to a file they cannot use safely (its bytes are the same
afterwards). A full disk loses nothing that was saved before it filled up.

Read-only and full disks are real: a small tmpfs mounted for the test (read-only by
remounting it) when the tests run as root, which CI does; otherwise a read-only folder by
permissions, and the full-disk cases that need a mount are skipped. Inside one process a
full disk is also simulated with SQLite's ``max_page_count``.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.support.app_child import run_app
from mesocheck.demo import create_demo_intakes
from mesocheck.forms.registry import default_form
from mesocheck.store import DiskFull, Store
from mesocheck.store.atrest import key_file

from tests.support.intakes import fill_intake
from tests.support import at_rest
from tests.support.at_rest import raw_connect
from .harness import record_figures

RESTORE = "mesocheck backup"


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MESOCHECK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "mesocheck", *args], capture_output=True,
                          text=True, env=env, timeout=300, stdin=subprocess.DEVNULL)


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def verify_report(done: subprocess.CompletedProcess) -> str:
    """``verify`` lists each problem, then one line with the count and what to do."""
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "found; " in last and RESTORE in last, last
    return last


def one_clear_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mesocheck: "), done.stderr
    assert "sorry, something went wrong" not in lines[0], "a bug, not a clear message"
    return lines[0]


@contextmanager
def tmpfs(size: str) -> Iterator[Path]:
    """A small RAM disk of our own, or a skip when this machine won't mount one."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small disk needs root")
    point = Path("/tmp") / f"mesocheck-disk-{uuid.uuid4().hex[:8]}"
    point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs",
                           str(point)], capture_output=True, text=True)
    if done.returncode != 0:
        point.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)
        point.rmdir()


@pytest.fixture(scope="module")
def clinic_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("env") / "clinic.sqlite3"
    at_rest.set_up(db)
    with Store.open(db) as store:
        create_demo_intakes(store, 12, seed=9, with_pdf=True)
    return db


def _copy(clinic_db: Path, folder: Path) -> Path:
    db = folder / "clinic.sqlite3"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(clinic_db, db)
    shutil.copy(key_file(clinic_db), key_file(db))
    return db


NO_SUCH_INTAKE = "00000000-0000-4000-8000-000000000000"


def _signed_intake(clinic_db: Path) -> str:
    return _first(clinic_db, "intake_id")


def _first_document(clinic_db: Path) -> bytes:
    return _first(clinic_db, "pdf")


def _first(clinic_db: Path, column: str):
    conn = raw_connect(clinic_db)
    try:
        return conn.execute(f"SELECT {column} FROM documents ORDER BY id LIMIT 1").fetchone()[0]
    finally:
        conn.close()


def _commands(db: Path, out: Path, intake: str = NO_SUCH_INTAKE) -> dict[str, tuple[str, ...]]:
    return {
        "verify": ("verify", "--db", str(db)),
        "export": ("export", "-o", str(out / "export.json"), "--db", str(db)),
        "backup": ("backup", str(out / "backup.sqlite3"), "--db", str(db)),
        "pdf": ("pdf", intake, "-o", str(out / "x.pdf"),
                "--db", str(db)),
        "demo": ("demo", "--count", "2", "--no-pdf", "--db", str(db)),
    }


# -- damaged files: every command, same bytes afterwards ---------------------------------


def _overwrite_pages(db: Path, seed: int, pages: int = 2) -> None:
    rng = random.Random(seed)
    data = bytearray(db.read_bytes())
    size = 4096
    count = len(data) // size
    for page in rng.sample(range(1, count), min(pages, count - 1)):  # page 1 is the header
        data[page * size:(page + 1) * size] = rng.randbytes(size)
    db.write_bytes(bytes(data))


DAMAGE = {
    "random-pages-1": lambda db: _overwrite_pages(db, 1),
    "random-pages-2": lambda db: _overwrite_pages(db, 2, 4),
    "random-pages-3": lambda db: _overwrite_pages(db, 3, 1),
    "header": lambda db: db.write_bytes(random.Random(4).randbytes(100)
                                        + db.read_bytes()[100:]),
    "cut-in-half": lambda db: db.write_bytes(db.read_bytes()[: db.stat().st_size // 2]),
    "newer-schema": lambda db: _sql(db, "PRAGMA user_version = 99"),
    "another-program": lambda db: (db.unlink(), _plain_sql(db, "PRAGMA application_id = 7",
                                                           "CREATE TABLE notes (x)")),
    "not-sqlite": lambda db: db.write_bytes(b"PK\x03\x04" + bytes(5000)),
    "a-folder": lambda db: (db.unlink(), db.mkdir()),
}


def _sql(db: Path, *statements: str) -> None:
    conn = raw_connect(db)
    for statement in statements:
        conn.execute(statement)
    conn.close()


def _plain_sql(db: Path, *statements: str) -> None:
    """Another program's SQLite file (its key file, mesocheck's, still beside it)."""
    conn = sqlite3.connect(db)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_database_is_named_and_left_as_it_is(clinic_db, tmp_path, damage):
    db = _copy(clinic_db, tmp_path / "data")
    DAMAGE[damage](db)
    before = digest(db) if db.is_file() else None
    messages, worked = {}, []
    for name, args in _commands(db, tmp_path, _signed_intake(clinic_db)).items():
        done = run_cli(*args, home=tmp_path)
        if damage.startswith("random-pages") and name == "pdf" and done.returncode == 0:
            # The document's pages were not hit, and its checksum proved it whole.
            assert (tmp_path / "x.pdf").read_bytes() == _first_document(clinic_db)
            worked.append(name)
            continue
        if name == "verify" and done.stderr.count("\n") > 1:
            messages[name] = verify_report(done)
        else:
            messages[name] = one_clear_line(done)
        assert (digest(db) if db.is_file() else None) == before, f"{name} wrote to it"
    assert "verify" in messages and "backup" in messages
    if damage in ("header", "cut-in-half", "not-sqlite", "random-pages-1", "random-pages-2",
                  "random-pages-3"):
        assert RESTORE in messages["verify"], messages
    if damage == "newer-schema":
        assert all("newer version" in m for m in messages.values()), messages
    if damage.startswith("random-pages"):  # no rows added beside damage, no short export
        assert RESTORE in messages["demo"] and RESTORE in messages["export"], messages
    assert not (tmp_path / "backup.sqlite3").exists(), "a damaged database was backed up"
    record_figures(f"environment.damaged.{damage}", refused=sorted(messages),
                   worked_around_the_damage=worked)


# -- missing -------------------------------------------------------------------------------


def test_a_missing_database_is_named_and_not_created(tmp_path):
    db = tmp_path / "data" / "clinic.sqlite3"
    for name, args in _commands(db, tmp_path).items():
        if name == "demo":
            continue  # demo makes a database on purpose
        message = one_clear_line(run_cli(*args, home=tmp_path))
        assert "does not exist" in message and RESTORE in message, message
        assert not db.exists() and not db.parent.exists()


# -- read-only -----------------------------------------------------------------------------


@contextmanager
def read_only_copy(clinic_db: Path, tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() == 0:
        with tmpfs("64m") as disk:
            db = _copy(clinic_db, disk / "data")
            done = subprocess.run(["mount", "-o", "remount,ro", str(disk)],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                pytest.skip(f"cannot remount read-only: {done.stderr.strip()}")
            try:
                yield db
            finally:
                subprocess.run(["mount", "-o", "remount,rw", str(disk)], capture_output=True)
    else:
        db = _copy(clinic_db, tmp_path / "ro")
        db.chmod(0o444)
        db.parent.chmod(0o555)
        try:
            yield db
        finally:
            db.parent.chmod(0o755)
            db.chmod(0o644)


def test_a_read_only_database_is_named_and_untouched(clinic_db, tmp_path):
    with read_only_copy(clinic_db, tmp_path) as db:
        before = digest(db)
        outcomes = {}
        for name, args in _commands(db, tmp_path / "out").items():
            (tmp_path / "out").mkdir(exist_ok=True)
            done = run_cli(*args, home=tmp_path)
            if done.returncode == 0:
                assert name in ("verify", "export", "backup"), f"{name} claims it wrote"
                outcomes[name] = "works"
            else:
                message = one_clear_line(done)
                assert "read-only" in message or "write access" in message, message
                outcomes[name] = message
            assert digest(db) == before
        assert "read-only" in outcomes["demo"]
    record_figures("environment.read_only", outcomes=outcomes)


# -- full disk -----------------------------------------------------------------------------


def test_a_full_disk_loses_nothing_saved_before_and_says_so(clinic_db, tmp_path):
    """The database lives on a disk that fills up while the demo command writes."""
    with tmpfs("6m") as disk:
        db = _copy(clinic_db, disk / "data")
        with Store.open(db) as store:
            intakes = store.connection.execute("SELECT count(*) FROM intakes").fetchone()[0]
        filler = disk / "filler"
        free = shutil.disk_usage(disk).free
        filler.write_bytes(b"\0" * max(0, free - 300_000))
        message = None
        for _ in range(20):
            done = run_cli("demo", "--count", "200", "--db", str(db), home=tmp_path)
            if done.returncode != 0:
                message = one_clear_line(done)
                break
        assert message is not None, "the disk never filled up"
        assert "disk is full" in message
        filler.unlink()
        with Store.open(db) as store:
            assert store.verify() == []
            after = store.connection.execute("SELECT count(*) FROM intakes").fetchone()[0]
            assert after >= intakes
            assert store.connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        done = run_cli("demo", "--count", "2", "--no-pdf", "--db", str(db), home=tmp_path)
        assert done.returncode == 0, done.stderr  # space again: work goes on
    record_figures("environment.full_disk", message=message)


def test_a_backup_to_a_full_disk_says_so_and_leaves_nothing(clinic_db, tmp_path):
    db = _copy(clinic_db, tmp_path / "data")
    with tmpfs("128k") as disk:
        message = one_clear_line(run_cli("backup", str(disk / "b.sqlite3"), "--db", str(db),
                                         home=tmp_path))
        assert "full" in message, message
        assert list(disk.iterdir()) == []
    with Store.open(db) as store:
        assert store.verify() == []


def test_a_full_disk_mid_intake_keeps_what_was_saved_and_the_retry_works(tmp_path):
    """In one process: SQLite's max_page_count stands in for the disk."""
    form = default_form()
    db = tmp_path / "clinic.sqlite3"
    at_rest.set_up(db)
    with Store.open(db) as store:
        session = fill_intake(store, form, random.Random(1), submit=False)
        saved = dict(store.intake(session.intake_id).answers)
        pages = store.connection.execute("PRAGMA page_count").fetchone()[0]
        store.connection.execute(f"PRAGMA max_page_count = {pages}")
        text = next(q for q in session.shown_questions(session.step("after_visit"))
                    if q.type == "text")
        failures = 0
        for n in range(200):  # fill the last free pages, then the disk is full
            session.answer(text.id, f"note {n} " + "x" * 900)
            try:
                session.flush()
            except DiskFull as exc:
                assert "disk is full" in exc.message and "intact" in exc.message
                failures += 1
                break
        assert failures == 1 and session.has_pending
        store.connection.execute("PRAGMA max_page_count = 1073741823")
        session.flush()  # space again: the kept answer is written
        assert not session.has_pending
    with Store.open(db) as store:
        answers = store.intake(session.intake_id).answers
        assert answers[text.id] == session.answers[text.id]
        assert {k: v for k, v in answers.items() if k != text.id} == {
            k: v for k, v in saved.items() if k != text.id}
        assert store.verify() == []


# -- the tablet app at start-up --------------------------------------------------------------

def _stopped_with_dialogs(db, home) -> list[str]:
    """Start the app on ``db``: it must stop (exit 1) without a traceback; the dialogs it
    showed, as it printed them."""
    done = run_app(db, home)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    return [line for line in done.stdout.splitlines() if line.startswith("DIALOG:")]


@pytest.mark.parametrize("damage,words", [("newer-schema", "newer version"),
                                          ("cut-in-half", "damaged"),
                                          ("another-program", "another program")])
def test_the_app_says_what_is_wrong_at_start_up(clinic_db, tmp_path, damage, words):
    db = _copy(clinic_db, tmp_path / "data")
    DAMAGE[damage](db)
    before = digest(db)
    dialogs = _stopped_with_dialogs(db, tmp_path / "home")
    assert len(dialogs) == 1 and words in dialogs[0], dialogs
    assert "sorry" not in dialogs[0].lower()
    assert digest(db) == before


@pytest.mark.parametrize("damage", ["random-pages-1", "random-pages-3"])
def test_the_app_finds_damage_it_has_not_read_yet_and_stops(clinic_db, tmp_path, damage):
    """Pages the first screen never reads are damaged: the app's check after the first
    paint finds them and stops it before anything is saved beside them."""
    db = _copy(clinic_db, tmp_path / "data")
    DAMAGE[damage](db)
    before = digest(db)
    dialogs = _stopped_with_dialogs(db, tmp_path / "home")
    assert len(dialogs) == 1 and "damaged" in dialogs[0] and RESTORE in dialogs[0], dialogs
    assert digest(db) == before


def test_the_app_on_a_read_only_disk_says_so(clinic_db, tmp_path):
    with read_only_copy(clinic_db, tmp_path) as db:
        before = digest(db)
        done = run_app(db, tmp_path / "home")
        assert done.returncode == 1, (done.stdout, done.stderr)
        assert "Traceback" not in done.stdout + done.stderr
        assert "read-only" in done.stdout, done.stdout
        assert digest(db) == before
