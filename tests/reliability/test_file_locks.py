"""Promise 2: the admin commands, run while the tablet app is open, lose nothing.

SQLite keeps its locks as POSIX advisory locks, and on POSIX closing *any* descriptor of a
file drops all of the process's locks on it (SQLite's "How To Corrupt An SQLite Database
File", 2.2). A process that opened the database with a plain ``open()`` beside its own
SQLite connections therefore lost the locks those connections held: another program
closing its connection then saw itself as the last one, checkpointed, and deleted the
``-wal`` and ``-shm`` files the app was still writing into. What the app saved afterwards
went into a deleted file.

Here the app's database side runs in a child process (app_like_child.py: the real
database thread and tasks with connections of their own), a staff account is
locked out, answers are saved all the time, and meanwhile every admin command runs as a
separate process. The ``-wal``/``-shm`` files must stay the ones the app opened; then the
app is killed, and every save it reported, the lock-out, and the commands' own writes must
all be in the file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mesocheck.demo import create_demo_intakes
from mesocheck.paths import default_form_path
from mesocheck.store import Store

from tests.support.intakes import DESK_PIN, add_staff, cheap_pins
from tests.support import at_rest
from .harness import Lines, record_figures

CHILD = "tests.reliability.app_like_child"  # run with -m from the repository
REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "MESOCHECK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "mesocheck", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=300)


def _companions(db: Path) -> dict[str, int | None]:
    """The inode of each of the database's -wal and -shm files (a stat, never an open)."""
    found = {}
    for suffix in ("-wal", "-shm"):
        try:
            found[suffix] = os.stat(f"{db}{suffix}").st_ino
        except FileNotFoundError:
            found[suffix] = None
    return found


class App:
    def __init__(self, db: Path, staff_id: int, home: Path):
        env = {**os.environ, "MESOCHECK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
        self.proc = subprocess.Popen([sys.executable, "-m", CHILD, str(db), str(staff_id)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                     cwd=REPO)
        self.lines = Lines(self.proc.stdout.fileno())
        self.saved: set[int] = set()
        self.errors: list[dict] = []
        self.ready = False

    def pump(self, timeout: float) -> None:
        for event in self.lines.read(timeout):
            if event["ev"] == "saved":
                self.saved.add(event["n"])
            elif event["ev"] == "error":
                self.errors.append(event)
            elif event["ev"] == "ready":
                self.ready = True

    def wait(self, condition, what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise AssertionError(f"the app did not get {what}: "
                                     f"{self.proc.stderr.read1().decode(errors='replace')}")
            self.pump(0.1)

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        while not self.lines.eof:
            self.pump(1.0)
        self.proc.stdout.close()
        self.proc.stderr.close()


def test_admin_commands_beside_the_open_app_lose_nothing(tmp_path):
    db = tmp_path / "clinic.sqlite3"
    at_rest.set_up(db)
    with Store.open(db) as store:
        _practitioner, desk = add_staff(store)
        with cheap_pins():
            create_demo_intakes(store, 2, seed=3)
        with_pdf = next(row.intake_id for row in store.queue() if store.latest_document(
            row.intake_id) is not None)

    app = App(db, desk, tmp_path)
    try:
        app.wait(lambda: app.ready, "ready")
        opened = _companions(db)
        commands = [
            ("staff", "add", "Lee Newcomer", "--role", "front-desk"),
            ("verify",),
            ("export", "--format", "json", "-o", str(tmp_path / "all.json")),
            ("export", "--format", "csv", "-o", str(tmp_path / "all.csv")),
            ("pdf", with_pdf, "-o", str(tmp_path / "consent.pdf")),
            ("backup", str(tmp_path / "copy.sqlite3")),
            ("verify", "--against", str(tmp_path / "copy.sqlite3")),
            ("verify", "--against", str(tmp_path / "consent.pdf")),
            ("demo", "--count", "2"),
            ("rebuild-pdfs",),
            ("check-form", str(default_form_path())),
        ]
        ran, replaced = [], []
        for command in commands:
            done = _cli(*command, "--db", str(db), home=tmp_path, stdin="739158\n739158\n") \
                if command[0] != "check-form" else _cli(*command, home=tmp_path)
            assert done.returncode == 0, (command, done.stderr)
            ran.append(command[0])
            before = len(app.saved)
            app.wait(lambda: len(app.saved) >= before + 3, f"saves after {command[0]}")
            if _companions(db) != opened:
                replaced.append(command[0])
            assert app.errors == [], app.errors
    finally:
        app.kill()

    assert app.saved, "the app saved nothing"
    with Store.open(db) as store:
        intake = next(u.intake_id for u in store.unfinished_intakes() if u.patient_name == "Ida Lock")
        stored = store.intake(intake).answers
        lost = sorted(n for n in app.saved if stored.get(f"q{n}") != n)
        assert lost == [], f"{len(lost)} of {len(app.saved)} saves lost: {lost[:20]}"
        assert replaced == [], f"the app's -wal/-shm were deleted under it by {replaced}"
        members = {m.name: m for m in store.staff_members()}
        assert members["Sam Desk"].locked_until is not None, "the lock-out was lost"
        assert not store.check_pin(desk, DESK_PIN).ok, "the locked account let the PIN in"
        assert "Lee Newcomer" in members
        assert len(store.queue(limit=100)) == 4 + 1  # 2 + 2 demo intakes, and the app's own
        assert store.verify() == []
    record_figures("file_locks", saves=len(app.saved), commands=ran, lost=0)


def test_a_logo_naming_the_database_is_not_read_as_an_image(tmp_path):
    """The consent PDF reads the clinic's logo file; a logo path naming the database (or a
    link to it) would close a descriptor of the database in the process writing to it."""
    from mesocheck.documents.consent import store_consent_pdf

    db = tmp_path / "clinic.sqlite3"
    (tmp_path / "logo.png").symlink_to(db)
    at_rest.set_up(db)
    with Store.open(db) as store:
        with cheap_pins():
            create_demo_intakes(store, 1, seed=5, with_pdf=False)
        store.set_setting("logo_path", str(tmp_path / "logo.png"), "system")
        intake = store.queue()[0].intake_id
        opened = _companions(db)
        store_consent_pdf(store, intake)
        assert _cli("verify", "--db", str(db), home=tmp_path).returncode == 0
        assert _companions(db) == opened, "the -wal/-shm were deleted under the open store"
        store.save_answers(store.start_intake(
            name="After Logo", birth_date="1990-01-01", form_id="f", form_version="1",
            form_hash="0" * 64, language="en", area="face",
            appointment_at="2026-01-01T09:00:00+00:00", device=None, actor="patient"),
            {"q": 1})
    with Store.open(db) as store:
        assert [u.patient_name for u in store.unfinished_intakes()] == ["After Logo"]
