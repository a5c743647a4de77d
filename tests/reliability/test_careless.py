"""Promise 8: nothing a careless command or another program does can lose data.

Every command is pointed, through the real command line, at what a hurried person types or
another program leaves behind: an output file that is the database itself (or its -wal,
-shm or head file, a hard link or a symbolic link to it), a device or a pipe, a database
file cut to zero bytes, another program's SQLite file, a full disk. Each must refuse in one
sentence naming the real cause, write nothing, and leave the database as it was.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mesocheck.demo import create_demo_intakes
from mesocheck.store import Store

from tests.support.intakes import cheap_pins
from tests.support import at_rest
from mesocheck.store.atrest import key_file
from .harness import record_figures
from .test_environment import tmpfs


def run_cli(*args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "MESOCHECK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "mesocheck", *args], capture_output=True,
                          text=True, env=env, timeout=300, input=stdin)


def refused(done: subprocess.CompletedProcess) -> str:
    """One plain line on stderr, exit 1, no traceback and no apology for a bug."""
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mesocheck: "), done.stderr
    assert "sorry" not in lines[0], lines[0]
    return lines[0]


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> tuple[Path, str]:
    """A database with intakes and PDFs (closed: no -wal/-shm), and an intake with a PDF."""
    db = tmp_path_factory.mktemp("careless") / "clinic.sqlite3"
    at_rest.set_up(db)
    with Store.open(db) as store:
        with cheap_pins():
            create_demo_intakes(store, 6, seed=4)
        intake = next(r.intake_id for r in store.queue()
                      if store.latest_document(r.intake_id) is not None)
    return db, intake


def _fresh(clinic, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "clinic.sqlite3"
    db.write_bytes(clinic[0].read_bytes())
    key_file(db).write_bytes(key_file(clinic[0]).read_bytes())
    return db


def _writers(db: Path, intake: str, target: Path) -> dict[str, tuple[str, ...]]:
    return {
        "export json": ("export", "-o", str(target), "--db", str(db)),
        "export csv": ("export", "--format", "csv", "-o", str(target), "--db", str(db)),
        "pdf": ("pdf", intake, "-o", str(target), "--db", str(db)),
        "backup": ("backup", str(target), "--db", str(db)),
    }


# -- 1: the database as the output -------------------------------------------------------


def test_no_command_writes_over_the_database_its_companions_or_links_to_it(clinic, tmp_path):
    db = _fresh(clinic, tmp_path / "data")
    (tmp_path / "hard.sqlite3").hardlink_to(db)
    (tmp_path / "soft.json").symlink_to(db)
    targets = {
        "the database": db, "its -wal": Path(f"{db}-wal"), "its -shm": Path(f"{db}-shm"),
        "its head file": Path(f"{db}.head"), "its key file": key_file(db),
        "a hard link": tmp_path / "hard.sqlite3",
        "a symbolic link": tmp_path / "soft.json",
        "the database by another path": tmp_path / "data" / ".." / "data" / "clinic.sqlite3",
    }
    before = digest(db)
    refusals = 0
    for what, target in targets.items():
        for command, args in _writers(db, clinic[1], target).items():
            message = refused(run_cli(*args, home=tmp_path))
            assert "database" in message or "link" in message, (what, command, message)
            assert digest(db) == before, f"{command} to {what} changed the database"
            refusals += 1
    assert not Path(f"{db}-wal").exists() and not Path(f"{db}.head").exists()
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == [
        "clinic.sqlite3", "clinic.sqlite3.key"]
    assert run_cli("verify", "--db", str(db), home=tmp_path).returncode == 0
    record_figures("careless.output_is_the_database", refused=refusals, written=0)


def test_an_export_or_pdf_never_replaces_another_sqlite_file(clinic, tmp_path):
    db = _fresh(clinic, tmp_path / "data")
    other = _fresh(clinic, tmp_path / "other")  # say, last month's backup
    before = digest(other)
    for command in ("export json", "export csv", "pdf"):
        message = refused(run_cli(*_writers(db, clinic[1], other)[command], home=tmp_path))
        assert "SQLite database" in message, message
    assert digest(other) == before


def test_a_backup_never_replaces_a_database_in_use(clinic, tmp_path):
    db = _fresh(clinic, tmp_path / "data")
    live = _fresh(clinic, tmp_path / "live")
    with Store.open(live) as store:  # another clinic's app, open on it
        before = store.connection.execute("SELECT count(*) FROM intakes").fetchone()
        message = refused(run_cli("backup", str(live), "--db", str(db), home=tmp_path))
        assert "in use" in message, message
        assert store.connection.execute("SELECT count(*) FROM intakes").fetchone() == before


# -- 4: devices, pipes and symbolic links as the output ----------------------------------


def test_devices_pipes_and_links_are_not_replaced(clinic, tmp_path):
    db = _fresh(clinic, tmp_path / "data")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    elsewhere = tmp_path / "notes.txt"
    elsewhere.write_text("someone's notes\n")
    (tmp_path / "link.json").symlink_to(elsewhere)
    targets = {"a pipe": fifo, "a symbolic link": tmp_path / "link.json"}
    if os.geteuid() == 0:
        os.mknod(tmp_path / "fakenull", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        targets["a device"] = tmp_path / "fakenull"
    elif os.environ.get("CI") == "true":
        pytest.fail("CI runs as root and must try a device node")
    kinds = {p: os.lstat(p).st_mode for p in targets.values()}
    for what, target in targets.items():
        for command, args in _writers(db, clinic[1], target).items():
            message = refused(run_cli(*args, home=tmp_path))
            assert ("device" in message or "symbolic link" in message), (what, message)
    assert {p: os.lstat(p).st_mode for p in targets.values()} == kinds
    assert elsewhere.read_text() == "someone's notes\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    record_figures("careless.output_is_not_a_file", kinds=sorted(targets))


# -- 3: a zero-length database file --------------------------------------------------------


def _every_command(db: Path, intake: str, out: Path) -> dict[str, tuple[tuple[str, ...], str]]:
    return {
        "verify": (("verify", "--db", str(db)), ""),
        "export": (("export", "-o", str(out / "e.json"), "--db", str(db)), ""),
        "backup": (("backup", str(out / "b.sqlite3"), "--db", str(db)), ""),
        "pdf": (("pdf", intake, "-o", str(out / "c.pdf"), "--db", str(db)), ""),
        "demo": (("demo", "--count", "1", "--no-pdf", "--db", str(db)), ""),
        "staff add": (("staff", "add", "Kit Careful", "--role", "front-desk", "--db", str(db)),
                      "482175\n482175\n"),
    }


def test_a_zero_length_database_is_not_taken_for_a_new_one(clinic, tmp_path):
    from tests.support.app_child import run_app

    db = tmp_path / "data" / "clinic.sqlite3"
    db.parent.mkdir()
    db.write_bytes(b"")  # a copy that failed
    out = tmp_path / "out"
    out.mkdir()
    for name, (args, stdin) in _every_command(db, clinic[1], out).items():
        message = refused(run_cli(*args, home=tmp_path, stdin=stdin))
        assert "empty (0 bytes)" in message and "mesocheck backup" in message, (name, message)
        assert db.stat().st_size == 0, f"{name} wrote into the empty file"
    assert sorted(p.name for p in db.parent.iterdir()) == ["clinic.sqlite3"]
    assert list(out.iterdir()) == []
    done = run_app(db, tmp_path / "home")
    assert done.returncode == 1 and "empty (0 bytes)" in done.stdout, done.stdout
    assert db.stat().st_size == 0


def test_an_empty_sqlite_file_gets_no_schema_either(tmp_path):
    db = tmp_path / "clinic.sqlite3"
    sqlite3.connect(db).execute("VACUUM")  # a valid, empty SQLite file
    before = digest(db)
    message = refused(run_cli("demo", "--count", "1", "--no-pdf", "--db", str(db),
                              home=tmp_path))
    assert "empty SQLite database" in message, message
    assert digest(db) == before


def test_a_new_database_appears_whole_in_a_private_folder(tmp_path):
    db = tmp_path / "new" / "clinic.sqlite3"
    done = run_cli("demo", "--count", "1", "--no-pdf", "--db", str(db), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file(db).stat().st_mode) == 0o600
    assert not [p for p in db.parent.iterdir() if p.name.startswith(".")]
    assert "Recovery key" in done.stdout  # encrypted from the start, its key shown once


# -- 5: another program's SQLite file ------------------------------------------------------


def test_another_programs_sqlite_file_is_never_switched_to_wal(clinic, tmp_path):
    db = tmp_path / "notes.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.commit()
    conn.close()
    before = digest(db)
    out = tmp_path / "out"
    out.mkdir()
    for name, (args, stdin) in _every_command(db, clinic[1], out).items():
        message = refused(run_cli(*args, home=tmp_path, stdin=stdin))
        assert "another program" in message, (name, message)
        assert digest(db) == before, f"{name} changed the other program's file"
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()


# -- 6: messages that name the real cause --------------------------------------------------


def test_a_device_as_the_database_is_refused_without_a_journal_beside_it(clinic, tmp_path):
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs as root and must try a device node")
        pytest.skip("making a device node needs root")
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is
    out = tmp_path / "out"
    out.mkdir()
    for name, (args, stdin) in _every_command(null, clinic[1], out).items():
        message = refused(run_cli(*args, home=tmp_path, stdin=stdin))
        assert "not a file but a device" in message, (name, message)
        assert "restore" not in message and "disk reported" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null", "out"]


def test_a_full_disk_is_named_as_such_by_every_command(clinic, tmp_path):
    with tmpfs("2m") as disk:
        db = _fresh(clinic, disk / "data")
        with open(disk / "filler", "wb", buffering=0) as filler:  # nothing left to flush
            try:
                while True:
                    filler.write(b"\0" * 65536)
            except OSError:
                pass
        out = tmp_path / "out"
        out.mkdir()
        messages = {}
        for name, (args, stdin) in _every_command(db, clinic[1], out).items():
            message = messages[name] = refused(run_cli(*args, home=tmp_path, stdin=stdin))
            assert "disk is full" in message, (name, message)
            assert "restore" not in message and "disk reported an error" not in message
        (disk / "filler").unlink()
        assert run_cli("verify", "--db", str(db), home=tmp_path).returncode == 0
    record_figures("careless.full_disk", messages=messages)


def test_a_full_backup_disk_is_named_as_the_backups(clinic, tmp_path):
    db = _fresh(clinic, tmp_path / "data")
    with tmpfs("128k") as disk:
        message = refused(run_cli("backup", str(disk / "b.sqlite3"), "--db", str(db),
                                  home=tmp_path))
        assert "backup's disk is full" in message and "last change" not in message, message
        assert list(disk.iterdir()) == []


# -- 11: signed intakes left without their PDF -----------------------------------------------


def test_an_admin_command_makes_the_pdfs_a_crash_left_out_and_verify_counts_them(tmp_path):
    db = tmp_path / "clinic.sqlite3"
    done = run_cli("demo", "--count", "12", "--no-pdf", "--db", str(db), home=tmp_path)
    assert done.returncode == 0, done.stderr
    at_rest.unlock(db)
    with Store.open(db) as store:
        missing = store.signed_without_document()
        intake = store.intake(missing[0])
        # One whose form text is gone: its PDF cannot be made faithfully.
        [orphan] = store.bulk_insert_intakes([{
            "patient": {"name": "Form Gone", "birth_date": "1970-01-01"},
            "form_id": intake.form_id, "form_version": "0.9", "form_hash": "e" * 64,
            "language": "en", "area": intake.area, "appointment_at": intake.appointment_at,
            "signature": {"printed_name": "Form Gone", "meaning": "Consent", "strokes": [],
                          "pad_width": 600, "pad_height": 200, "tz": "UTC",
                          "content_hash": "e" * 64},
        }])
    assert missing
    done = run_cli("verify", "--db", str(db), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{len(missing) + 1} signed intakes have no consent PDF yet" in done.stdout
    assert "mesocheck rebuild-pdfs" in done.stdout
    done = run_cli("rebuild-pdfs", "--db", str(db), home=tmp_path)
    assert done.returncode == 1, done.stderr
    assert f"made {len(missing)} missing consent PDFs" in done.stdout
    assert f"intake {orphan}: No consent document was made" in done.stderr
    assert "Traceback" not in done.stderr
    done = run_cli("verify", "--db", str(db), home=tmp_path)
    assert "1 signed intake has no consent PDF yet" in done.stdout
    out = tmp_path / "consent.pdf"
    assert run_cli("pdf", missing[0], "-o", str(out), "--db", str(db),
                   home=tmp_path).returncode == 0
    assert out.read_bytes().startswith(b"%PDF-")
    record_figures("careless.rebuild_pdfs", missing=len(missing) + 1, made=len(missing),
                   refused=1)
