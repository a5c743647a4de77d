"""Promise 12: a stolen tablet gives away nothing.

A patient's name, date of birth and answers, entered through the real app, are searched for
byte by byte in every file of the data folder: the database, its -wal (while the app still
has it open), its key and head files, backups, the temporary copy a killed backup left, and
the clear-text temporary file a killed export left (found there: the search works) until the
next program's start removes it. Then the two moments when the database's key changes hands
are killed again and again: ``encrypt`` (a plain database made an encrypted one) and a change
of the clinic passphrase (the database's key file and the seal's key). After every kill the
data opens with the passphrase (the old or the new one) and with the recovery key, whole.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from mesocheck import keys
from mesocheck.documents import certificate
from mesocheck.store import Store, StoreError, atrest, encrypt
from mesocheck.store.witness import head_file

from tests.support import at_rest
from tests.support import intake_driver as drive
from .harness import ForkServer, KillPlan, record_figures

PATIENT = "Quilla Ystrøm-Vantablack"
BIRTH = date(1979, 8, 23)
SECRET_ANSWER = "Zyxwarfarin nocturnal 7731"
NEEDLES = {
    "name": PATIENT.encode(), "surname": "Ystrøm".encode(), "surname, latin-1":
    "Ystrøm".encode("latin-1"), "second surname": b"Vantablack", "birth date": b"1979-08-23",
    "birth date, as shown": b"23/08/1979", "answer": SECRET_ANSWER.encode(),
    "answer word": b"Zyxwarfarin",
}
REPO = Path(__file__).resolve().parents[2]


SEARCH = """
import json, sys
from pathlib import Path
folder, needles = Path(sys.argv[1]), json.loads(sys.argv[2])
found = {}
for path in sorted(folder.rglob("*")):
    if path.is_file():
        data = path.read_bytes()
        hits = [what for what, needle in needles.items() if bytes.fromhex(needle) in data]
        if hits:
            found[str(path.relative_to(folder))] = hits
print(json.dumps(found))
"""


def secrets_in(folder: Path) -> dict[str, list[str]]:
    """Each file under ``folder`` that holds any of the patient's data in clear, and what.
    Read by a program of its own: this one holds the database open, and closing a file
    it read would drop the locks SQLite holds on it here."""
    done = subprocess.run([sys.executable, "-c", SEARCH, str(folder),
                           json.dumps({k: v.hex() for k, v in NEEDLES.items()})],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MESOCHECK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "mesocheck", *args], capture_output=True,
                          text=True, env=env, timeout=300)


KILLED_WRITER = """
import os, signal, sys
from mesocheck import cli
from mesocheck.store import backup

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

# Killed with everything written but before it takes its name: the fullest leftover.
if sys.argv[1] == "backup":
    backup.verify = die
else:
    os.fsync = die
cli.main(sys.argv[1:])
"""


def killed_writer(*args: str, home: Path) -> None:
    env = {**os.environ, "MESOCHECK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr


def test_after_a_full_intake_nothing_of_the_patient_is_in_clear_anywhere(
        qtbot, make_window, db_path, tmp_path):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window, name=PATIENT, birth=BIRTH, area="scalp")
    drive.walk_to(qtbot, wizard, "consent", {"conditions_other": SECRET_ANSWER})
    drive.type_text(qtbot, wizard.current.name, PATIENT)
    drive.sign(wizard.current.pad)
    intake_id = drive.send_and_wait(qtbot, window)
    data = db_path.parent
    with Store.open(db_path) as store:  # it is all there, for whoever holds the key
        record = store.intake(intake_id)
        assert record.patient.name == PATIENT and record.patient.birth_date == BIRTH
        assert record.answers["conditions_other"] == SECRET_ANSWER
        assert store.latest_document(intake_id) is not None
    wal = Path(f"{db_path}-wal")
    assert wal.stat().st_size > 0  # the app is still open: its recent pages are there
    assert secrets_in(tmp_path) == {}, "in clear while the app is open"

    # A backup, and what a killed backup, export and PDF leave in the folder: each next
    # program's start on the database removes what the one before left.
    home = tmp_path / "home"
    backups = data / "backups"
    backups.mkdir()
    done = run_cli("backup", str(backups / "clinic-backup.sqlite3"), "--db", str(db_path),
                   home=home)
    assert done.returncode == 0, done.stderr
    left = {}
    for writer, args in (("backup", [str(data / "tonight.sqlite3")]),
                         ("export", ["-o", str(data / "export.json")]),
                         ("pdf", [intake_id, "-o", str(data / "consent.pdf")])):
        killed_writer(writer, *args, "--db", str(db_path), home=home)
        [leftover] = [p.name for p in data.iterdir() if p.name.startswith(".")]
        left[writer] = (leftover, secrets_in(tmp_path))
    assert left["backup"][1] == {}  # the killed backup's copy is encrypted from its first page
    # An export and a PDF are written in clear on purpose (and say so): their temporary
    # files are where the search finds the patient, which shows it finds what is there.
    export_leftover, found = left["export"]
    assert list(found) == [f"data/{export_leftover}"]
    assert {"name", "birth date", "answer"} <= set(found[f"data/{export_leftover}"])
    assert set(left["pdf"][1]) <= {f"data/{left['pdf'][0]}"}
    assert run_cli("verify", "--db", str(db_path), home=home).returncode == 0
    assert [p.name for p in data.iterdir() if p.name.startswith(".")] == []
    assert secrets_in(tmp_path) == {}
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    record_figures("at_rest.byte_search", files_searched=files, found_in_clear=0,
                   needles=sorted(NEEDLES))
    assert {"data/clinic.sqlite3", "data/clinic.sqlite3-wal", "data/clinic.sqlite3.key",
            "data/backups/clinic-backup.sqlite3"} <= set(files)
    assert head_file(db_path).exists()


# -- kills while the key changes hands --------------------------------------------------------


@pytest.fixture(scope="module")
def fork_server():
    server = ForkServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def plain_template(tmp_path_factory) -> tuple[Path, dict]:
    """An unencrypted database, as an older mesocheck left it, and what it holds."""
    from mesocheck.demo import create_demo_intakes

    db = tmp_path_factory.mktemp("plain") / "clinic.sqlite3"
    with Store.open(db, plain=True) as store:
        create_demo_intakes(store, 8, seed=12, with_pdf=True)
    return db, _contents(db)


def _contents(db: Path) -> dict:
    with Store.open(db, create=False) as store:
        assert store.verify() == []
        conn = store.connection
        tables = [t for (t,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables} | {
            "patients": sorted(n for (n,) in conn.execute("SELECT name FROM patients")),
            "head": conn.execute("SELECT id, hash FROM audit ORDER BY id DESC").fetchone()}


def _many(kills: int, long: int):
    return [pytest.param(kills, id=f"{kills}-kills"),
            pytest.param(long, id=f"{long}-kills", marks=pytest.mark.long)]


@pytest.mark.parametrize("kills", _many(50, 500))
def test_kills_during_encrypt_never_cost_the_data(tmp_path, fork_server, plain_template,
                                                  kills):
    template, expected = plain_template
    passphrase = at_rest.PASSPHRASE

    def fresh(n: int) -> Path:
        folder = tmp_path / f"run-{n}"
        folder.mkdir()
        shutil.copy(template, folder / "clinic.sqlite3")
        return folder / "clinic.sqlite3"

    start = time.monotonic()
    timing = fork_server.run({"mode": "encrypt", "db": str(fresh(0)), "passphrase": passphrase})
    whole = time.monotonic() - start  # kills are spread over this long
    assert timing.code == 0, timing.stderr
    steps = len(timing.events)
    rng = random.Random(23)
    states: Counter = Counter()
    landed: Counter = Counter()
    n = 0
    while sum(states.values()) < kills:
        n += 1
        assert n < 10 * kills, f"too few kills landed: {states}"
        db = fresh(n)
        # First just after each step that changes a file began, once each, so every state a
        # kill can leave is reached; then half at a random moment, half after a random step.
        if n <= steps:
            plan = KillPlan(after_events=n, pause=0)
        elif rng.random() < 0.5:
            plan = KillPlan(delay=rng.uniform(0, whole))
        else:
            plan = KillPlan(after_events=rng.randint(1, steps),
                            pause=rng.choice([0, rng.uniform(0, 0.003)]))
        outcome = fork_server.run({"mode": "encrypt", "db": str(db), "passphrase": passphrase},
                                  plan)
        assert "Traceback" not in outcome.stderr, outcome.stderr
        if not outcome.killed:
            continue
        landed[outcome.landed()] += 1
        atrest.lock_all()
        state = _readable_after_kill(db, passphrase, expected)
        states[state] += 1
        kept = list(db.parent.glob("clinic-unencrypted-*.sqlite3"))
        for original in kept:  # kept, whole, until the user removes it
            assert _contents(original) == expected
        assert [p.name for p in db.parent.iterdir() if p.name.startswith(".")] == []
    assert len(states) == 3, states  # as it was; half-way (finished by running it again); done
    record_figures(f"at_rest.encrypt_kills.{kills}", kills=kills, states=dict(states),
                   landed=dict(landed), encrypt_s=round(whole, 3))


def _readable_after_kill(db: Path, passphrase: str, expected: dict) -> str:
    """Where the kill left the database, once it is checked readable, whole, with the
    passphrase and the recovery key (an interrupted encryption finished first)."""
    if not atrest.is_encrypted(db):
        assert _contents(db) == expected
        assert db.read_bytes().startswith(b"SQLite format 3\x00")
        return "unencrypted, as it was"
    atrest.unlock(db, passphrase)  # the key file is whole: never WrongPassphrase
    try:
        Store.open(db, create=False).close()
        state = "encrypted"
    except StoreError as exc:
        assert "not encrypted, but a key file" in exc.message, exc.message
        store = encrypt.plain_store(db)  # what the sentence says to do
        try:
            encrypt.encrypt(store, passphrase, cost=at_rest.COST)
        finally:
            store.close()
        state = "key file beside the unencrypted database: encrypt finished it"
    assert _contents(db) == expected
    # The recovery key opens it too: a new one, as a person who never saw it makes.
    recovery = atrest.replace_recovery_key(db, passphrase, cost=at_rest.COST)
    atrest.lock_all()
    assert atrest.unlock_with_recovery(db, recovery)
    assert _contents(db) == expected
    return state


@pytest.mark.parametrize("kills", _many(50, 500))
def test_kills_while_the_passphrase_changes_never_lock_anyone_out(tmp_path, fork_server,
                                                                  clinic_key, kills):
    db = tmp_path / "clinic.sqlite3"
    recovery = at_rest.set_up(db)
    first, second = at_rest.PASSPHRASE, "another clinic passphrase"
    with Store.open(db) as store:
        from mesocheck.demo import create_demo_intakes

        certificate.store_seal(store, *clinic_key, first, now=datetime.now(timezone.utc))
        create_demo_intakes(store, 3, seed=4, with_pdf=False)
    expected = _contents(db)
    rng = random.Random(31)
    current, landed, changes = first, Counter(), 0
    for _ in range(kills):
        other = second if current == first else first
        outcome = fork_server.run({"mode": "rewrap", "db": str(db),
                                   "passphrases": [current, other]},
                                  KillPlan.random(rng, max_events=12, max_delay=0.25))
        assert "Traceback" not in outcome.stderr, outcome.stderr
        assert outcome.killed, outcome.code
        landed[outcome.landed()] += 1
        changes += sum(1 for e in outcome.events if e["ev"] == "end")
        atrest.lock_all()
        certificate.lock_all()
        opens = [p for p in (first, second) if _opens(db, p)]
        assert len(opens) == 1, "the key file is always whole: one passphrase opens it"
        current = opens[0]
        with Store.open(db) as store:
            assert certificate.unlock(store, current)  # the same one opens the seal
            assert store.verify() == []
        assert {k: v for k, v in _contents(db).items() if k not in ("seals", "audit", "head")
                } == {k: v for k, v in expected.items() if k not in ("seals", "audit", "head")}
        atrest.lock_all()
        assert atrest.unlock_with_recovery(db, recovery)
    assert landed["rewrap"] > kills // 4, landed
    record_figures(f"at_rest.rewrap_kills.{kills}", kills=kills, landed=dict(landed),
                   passphrase_changes_completed=changes)


def _opens(db: Path, passphrase: str) -> bool:
    try:
        return atrest.unlock(db, passphrase)
    except keys.WrongPassphrase:
        return False


def test_a_full_disk_during_encrypt_says_so_and_changes_nothing(plain_template, tmp_path):
    from .test_environment import tmpfs

    template, expected = plain_template
    size = template.stat().st_size
    with tmpfs(f"{(size * 5) // 2 // 1024 + 1024}k") as disk:  # room for a copy, and more
        db = disk / "clinic.sqlite3"
        shutil.copy(template, db)
        filler = disk / "filler"
        filler.write_bytes(b"\0" * max(0, shutil.disk_usage(disk).free - size // 2))
        done = run_cli("encrypt", "--db", str(db), home=tmp_path)
        assert done.returncode == 1, (done.stdout, done.stderr)
        message = done.stderr.strip()
        assert done.stderr.splitlines() == [
            "mesocheck: The disk is full, so the encrypted copy could not be written; the "
            "database is unchanged and still unencrypted. Free as much space as the database "
            "takes, then try again."]
        assert sorted(p.name for p in disk.iterdir()) == ["clinic.sqlite3", "filler"]
        assert _contents(db) == expected  # still plain, all there
        filler.unlink()
        done = run_cli("encrypt", "--db", str(db), home=tmp_path)  # space again: it works
        assert done.returncode == 0, done.stderr
        atrest.lock_all()
        atrest.unlock(db, at_rest.PASSPHRASE)
        assert _contents(db) == expected
    record_figures("at_rest.encrypt_full_disk", message=message)
