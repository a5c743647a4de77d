"""Promise 1: a crash at any moment loses nothing.

A worker process fills in intakes through the real session and store (no Qt), announcing
each write before it starts and after it returns; it is killed with SIGKILL at a random
moment, after a random number of writes or a random time. After every kill:

- SQLite's integrity_check says ok and ``verify`` (audit chain, every row, every PDF) holds;
- every write whose return was announced is in the database, and nothing else is, except
  the one write in flight at the kill, which is there whole or not at all;
- no intake is half-submitted: a submitted intake has every required answer, every shown
  disclosure acknowledged, the patient's signature, exactly the flags its stored answers
  raise, and is locked; an intake in progress has no signature, flags or documents;
- the consent PDF is stored after submission in its own transaction, so at most one signed
  intake lacks it, and the next start makes it (``rebuild_missing_consent_pdfs``);
- the next worker resumes the unfinished intake from the store and carries on.

The CI default makes 200 kills with a fork server (workers start in milliseconds); the
``--long`` variant makes thousands, a share of them on fresh interpreters.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from mesocheck.fileio import write_atomic
from mesocheck.forms import Facts, Flow, evaluate_rules
from mesocheck.forms.conditions import is_answered
from mesocheck.forms.registry import default_form
from mesocheck.session import IntakeSession, rebuild_missing_consent_pdfs
from mesocheck.store import SCHEMA_VERSION, Store
from mesocheck.store.atrest import key_file
from mesocheck.timeutil import from_iso
from tests.support import at_rest
from tests.support.at_rest import raw_connect

from .crash_driver import ZONE, text_hash
from .harness import ForkServer, FreshProcess, KillPlan, record_figures

CONSENT_KINDS = ("consent", "reviewed_consent")


# -- what the worker said it did -------------------------------------------------------------


def changes(event: dict) -> dict:
    """The state keys a write sets, and their new values (None: removed)."""
    op, intake = event["op"], event.get("intake")
    if op == "save":
        return {("answer", intake, q): h for q, h in event["answers"].items()}
    if op == "ack":
        return {("ack", intake, event["disclosure"]): event["hash"]}
    if op == "withdraw":
        return {("ack", intake, event["disclosure"]): None}
    if op == "step":
        return {("step", intake): event["step"]}
    if op == "understand":  # every try kept: their number only grows
        return {("tries", intake): event["tries"]}
    if op == "submit":
        return {("status", intake): "submitted",
                ("flags", intake): tuple(event["flags"]) or None}  # no flags: no rows
    return {}


class Ledger:
    """What must be in the database: every write announced as returned."""

    def __init__(self) -> None:
        self.confirmed: dict = {}
        self.documents: set[str] = set()  # intakes whose consent PDF was announced stored
        self.resumed = 0
        self.started = 0
        self.submitted = 0
        self.rebuilt_at_start = 0

    def apply(self, events: list[dict]) -> dict | None:
        """Take in a run's events; return the write in flight when it ended, if any."""
        pending = None
        for event in events:
            kind = event["ev"]
            if kind == "begin":
                pending = event
            elif kind == "end":
                assert pending is not None and pending["op"] == event["op"], event
                if event["op"] == "start":
                    self.confirmed[("status", event["intake"])] = "in_progress"
                    self.started += 1
                elif event["op"] == "submit":
                    self.submitted += 1
                elif event["op"] == "recover":
                    self.rebuilt_at_start += len(event["built"])
                self.confirmed.update(changes(pending))
                self.documents.update(event.get("built", ()))
                pending = None
            elif kind == "resumed":
                self.resumed += 1
        return pending


def snapshot(conn: sqlite3.Connection) -> dict:
    state: dict = {}
    for intake, question, value in conn.execute(
            "SELECT intake_id, question_id, value FROM answers"):
        assert ("answer", intake, question) not in state, "two rows for one answer"
        state[("answer", intake, question)] = text_hash(value)
    for intake, disclosure, text in conn.execute(
            "SELECT intake_id, disclosure_id, text_hash FROM acknowledgements"):
        state[("ack", intake, disclosure)] = text
    for intake, step, status, tries in conn.execute(
            "SELECT id, current_step, status, understanding FROM intakes"):
        state[("status", intake)] = status
        if step is not None:
            state[("step", intake)] = step
        if tries is not None:
            state[("tries", intake)] = len(json.loads(tries))
    flags: dict = {}
    for intake, rule in conn.execute(
            "SELECT intake_id, rule_id FROM flags WHERE superseded_at IS NULL"):
        flags.setdefault(intake, []).append(rule)
    for intake, rules in flags.items():
        state[("flags", intake)] = tuple(sorted(rules))
    return state


def check_against_ledger(conn: sqlite3.Connection, ledger: Ledger, in_flight: dict | None
                         ) -> None:
    """Every announced write is there; nothing else is, but the one in flight, whole."""
    state = snapshot(conn)
    maybe = changes(in_flight) if in_flight else {}
    new_intakes = [k for k in state if k[0] == "status" and k not in ledger.confirmed]
    if in_flight and in_flight["op"] == "start":
        assert len(new_intakes) <= 1, new_intakes
        for key in new_intakes:  # started, but the kill came before "end": fine if empty
            assert state[key] == "in_progress"
            assert not [k for k in state if k[0] != "status" and k[1] == key[1]]
            maybe[key] = "in_progress"
    else:
        assert new_intakes == [], f"intakes nobody started: {new_intakes}"
    applied = None
    for key in set(state) | set(ledger.confirmed) | set(maybe):
        have, want = state.get(key), ledger.confirmed.get(key)
        if have == want:
            continue
        assert key in maybe and have == maybe[key], (
            f"{key}: database has {have!r}, the last announced write was {want!r}"
            + (f", the write in flight {maybe.get(key)!r}" if key in maybe else ""))
        applied = True if applied is None else applied
    if applied and maybe:  # the write in flight is all there, or none of it
        assert all(state.get(k) == v for k, v in maybe.items()), (
            f"half of a write is stored: {in_flight}")
    for intake in ledger.documents:
        assert conn.execute("SELECT count(*) FROM documents WHERE intake_id = ?",
                            (intake,)).fetchone()[0], f"the PDF of {intake} is gone"
    # From now on the database is the truth the next worker continues from.
    ledger.confirmed = state


def check_consistency(conn: sqlite3.Connection, form, only: set | None = None) -> Counter:
    """No half-submitted intake (among ``only``, default all); returns counts by status."""
    statuses: Counter = Counter()
    for (intake, status, locked_at, submitted_at, appointment, area, language,
         birth) in conn.execute(
            "SELECT i.id, i.status, i.locked_at, i.submitted_at, i.appointment_at, i.area, "
            "i.language, p.birth_date FROM intakes i JOIN patients p ON p.id = i.patient_id"):
        statuses[status] += 1
        if only is not None and intake not in only:
            continue
        signatures = conn.execute(
            "SELECT role FROM signatures WHERE intake_id = ?", (intake,)).fetchall()
        flags = sorted(r for (r,) in conn.execute(
            "SELECT rule_id FROM flags WHERE intake_id = ?", (intake,)))
        documents = conn.execute(
            "SELECT pdf FROM documents WHERE intake_id = ?", (intake,)).fetchall()
        if status == "in_progress":
            assert (locked_at, submitted_at, signatures, flags, documents) == (
                None, None, [], [], []), f"intake {intake} in progress but partly signed"
            continue
        assert status == "submitted" and locked_at and submitted_at == locked_at
        # The patient's signature, and a minor's parent's with it, in the same transaction.
        assert signatures in ([("patient",)], [("patient",), ("guardian",)]), (
            f"intake {intake} submitted without signature: {signatures}")
        answers = {}
        for question, value in conn.execute(
                "SELECT question_id, value FROM answers WHERE intake_id = ?", (intake,)):
            value = json.loads(value)
            if is_answered(value):
                answers[question] = value
        facts = Facts(from_iso(appointment).astimezone(ZONE), date.fromisoformat(birth), area,
                      guardian=("guardian",) in signatures)
        flow = Flow(form, facts, language)
        acknowledged = {d for (d,) in conn.execute(
            "SELECT disclosure_id FROM acknowledgements WHERE intake_id = ?", (intake,))}
        for page in flow.pages(answers):
            if page.kind == "step":
                assert flow.missing(flow.form_step(page.key), answers) == {}, (
                    f"intake {intake} submitted with step {page.key} unanswered")
            elif page.kind == "disclosure":
                assert page.key in acknowledged, (
                    f"intake {intake} submitted without acknowledging {page.key}")
        raised = sorted(f.rule_id for f in evaluate_rules(form, answers, facts, language))
        assert flags == raised, f"intake {intake}: flags {flags} but its answers raise {raised}"
        for (pdf,) in documents:
            assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    return statuses


def check_after_kill(db: Path, ledger: Ledger, outcome, in_flight: dict | None, form) -> None:
    conn = raw_connect(db)  # no mesocheck checks: opening it recovers the WAL
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'answers'").fetchone():
            # killed while creating the database: the next start finishes it
            assert not ledger.confirmed, "the schema vanished under saved answers"
            return
        before = {k[1] for k in ledger.confirmed if k[0] == "status"}
        check_against_ledger(conn, ledger, in_flight)
        touched = {e.get("intake") for e in outcome.events}
        touched |= {k[1] for k in ledger.confirmed if k[0] == "status"} - before
        check_consistency(conn, form, only=touched)
    finally:
        conn.close()
    with Store.open(db, create=False) as store:
        assert store.verify() == []
        assert len(store.signed_without_document()) <= 1
        for unfinished in store.unfinished_intakes():
            session = IntakeSession.resume(store, unfinished.intake_id, form=form, zone=ZONE)
            assert 0 <= session.resume_index() < len(session.pages())


def kill_intakes(tmp_path: Path, runner, kills: int, seed: int, fresh_share: float = 0.0,
                 fresh=None, per_database: int | None = None) -> dict:
    """``kills`` kills on one database, or on a fresh one every ``per_database`` kills
    (the checks read the whole database after every kill, so long runs rotate)."""
    if per_database and kills > per_database:
        totals: Counter = Counter()
        landed_all: Counter = Counter()
        for n in range(0, kills, per_database):
            part = kill_intakes(tmp_path / f"db{n}", runner, min(per_database, kills - n),
                                seed + n, fresh_share, fresh)
            landed_all.update(part.pop("landed"))
            totals.update(part)
        return {**totals, "landed": dict(landed_all), "databases": -(-kills // per_database)}
    tmp_path.mkdir(parents=True, exist_ok=True)
    form = default_form()
    db = tmp_path / "clinic.sqlite3"
    rng = random.Random(seed)
    ledger = Ledger()
    landed: Counter = Counter()
    done = 0
    while done < kills:
        plan = KillPlan.random(rng, max_events=40, max_delay=0.15)
        use = fresh if fresh is not None and rng.random() < fresh_share else runner
        if use is fresh:
            plan = KillPlan.random(rng, max_events=60, max_delay=0.8)
        outcome = use.run({"mode": "intake", "db": str(db), "seed": rng.randrange(2**32)},
                          plan)
        assert "Traceback" not in outcome.stderr, outcome.stderr
        assert outcome.killed, f"the worker was not killed: {outcome.code} {outcome.stderr}"
        in_flight = ledger.apply(outcome.events)
        landed[outcome.landed()] += 1
        check_after_kill(db, ledger, outcome, in_flight, form)
        done += 1

    with Store.open(db) as store:  # the next start: missing PDFs are made
        rebuilt = rebuild_missing_consent_pdfs(store)
        assert store.signed_without_document() == []
        assert store.verify() == []
    conn = raw_connect(db)
    try:
        statuses = check_consistency(conn, form)
    finally:
        conn.close()
    assert ledger.submitted >= kills // 20, "too few intakes got as far as signing"
    assert ledger.resumed >= kills // 4, ledger.resumed
    return {"kills": done, "landed": dict(landed), "intakes_submitted": statuses["submitted"],
            "intakes_in_progress": statuses["in_progress"], "resumed": ledger.resumed,
            "pdfs_rebuilt_at_next_start": ledger.rebuilt_at_start + len(rebuilt)}


@pytest.fixture(scope="module")
def fork_server():
    server = ForkServer()
    yield server
    server.close()


def test_200_kills_during_intakes_lose_nothing(tmp_path, fork_server):
    figures = kill_intakes(tmp_path, fork_server, kills=200, seed=1)
    landed = figures["landed"]
    assert landed.get("save", 0) > 20 and landed.get("submit", 0) + landed.get("pdf", 0) > 0
    record_figures("crash.intakes", **figures)


@pytest.mark.long
def test_thousands_of_kills_during_intakes_lose_nothing(tmp_path, fork_server):
    fresh = FreshProcess()
    figures = kill_intakes(tmp_path, fork_server, kills=3000, seed=2, fresh_share=0.1,
                           fresh=fresh, per_database=200)
    record_figures("crash.intakes.long", **figures)


# -- kills while creating the database, writing PDFs, backing up and making demo data ------


def _plain_checks(db: Path) -> None:
    conn = raw_connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        for intake, n_stop, n_review, n_info in conn.execute(
                "SELECT id, n_stop, n_review, n_info FROM intakes"):
            counted = dict(conn.execute(
                "SELECT severity, count(*) FROM flags WHERE intake_id = ? "
                "AND superseded_at IS NULL GROUP BY severity", (intake,)).fetchall())
            assert (counted.get("stop", 0), counted.get("review", 0),
                    counted.get("info", 0)) == (n_stop, n_review, n_info)
        unsigned = conn.execute(
            "SELECT count(*) FROM intakes i WHERE i.submitted_at IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM signatures s WHERE s.intake_id = i.id AND s.role = 'patient')"
        ).fetchone()[0]
        assert unsigned == 0, "a submitted intake lost its signature"
    finally:
        conn.close()
    with Store.open(db, create=False) as store:
        assert store.verify() == []


def _many(kills: int, long: int):
    return [pytest.param(kills, id=f"{kills}-kills"),
            pytest.param(long, id=f"{long}-kills", marks=pytest.mark.long)]


@pytest.mark.parametrize("kills", _many(20, 500))
def test_kills_while_creating_the_database(tmp_path, fork_server, kills):
    rng = random.Random(3)
    landed: Counter = Counter()
    start = time.monotonic()
    fork_server.run({"mode": "open", "db": str(tmp_path / "timing.sqlite3")})
    creating = time.monotonic() - start  # kills are spread over this long
    n = 0
    while landed["open"] < kills:
        n += 1
        assert n < 20 * kills, f"too few kills landed while creating: {landed}"
        db = tmp_path / f"new-{n}.sqlite3"
        outcome = fork_server.run({"mode": "open", "db": str(db)},
                                  KillPlan(delay=rng.uniform(0, creating)))
        assert "Traceback" not in outcome.stderr, outcome.stderr
        landed[outcome.landed()] += 1
        if db.exists():  # a new database takes its name whole, with its schema
            conn = raw_connect(db)
            try:
                assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            finally:
                conn.close()
            with Store.open(db, create=False) as store:
                assert store.verify() == []
    left = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    # What killed creators left (no patient data yet) goes at the next program's start.
    done = subprocess.run([sys.executable, "-m", "mesocheck", "verify", "--db",
                           str(tmp_path / "timing.sqlite3")], capture_output=True, text=True,
                          env={**os.environ, "MESOCHECK_HOME": str(tmp_path)}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    record_figures(f"crash.create.{kills}", kills=kills, landed=dict(landed),
                   temporary_files_left_by_kills=len(left))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    from mesocheck.demo import create_demo_intakes

    db = tmp_path_factory.mktemp("demo") / "clinic.sqlite3"
    at_rest.set_up(db)
    with Store.open(db) as store:
        create_demo_intakes(store, 15, seed=5, with_pdf=True)
    return db


@pytest.mark.parametrize("kills", _many(20, 500))
def test_kills_while_writing_the_pdf_file(tmp_path, fork_server, demo_db, kills):
    """``mesocheck pdf -o FILE``: the file is the whole document or the one before it."""
    with Store.open(demo_db) as store:
        document = store.connection.execute("SELECT max(id) FROM documents").fetchone()[0]
        data = store.document_bytes(document)
    dest = tmp_path / "out" / "consent.pdf"
    dest.parent.mkdir()
    rng = random.Random(4)
    landed: Counter = Counter()
    left = 0
    for _ in range(kills):
        outcome = fork_server.run(
            {"mode": "pdffile", "db": str(demo_db), "document": document,
             "dest": str(dest)}, KillPlan.random(rng, max_events=8, max_delay=0.05))
        assert "Traceback" not in outcome.stderr, outcome.stderr
        landed[outcome.landed()] += 1
        assert not dest.exists() or dest.read_bytes() == data
        # A killed write may leave its hidden temporary file (patient data); the next
        # write into the folder removes it, whatever its age: no live writer holds it.
        leftovers = [p for p in dest.parent.iterdir() if p != dest]
        assert len(leftovers) <= 1, leftovers
        left += len(leftovers)
    write_atomic(dest, data)
    assert [p for p in dest.parent.iterdir() if p != dest] == []
    record_figures(f"crash.pdffile.{kills}", kills=kills, landed=dict(landed),
                   leftover_temporary_files=left)


@pytest.mark.parametrize("kills", _many(25, 500))
def test_kills_during_backups(tmp_path, fork_server, demo_db, kills):
    """The database is untouched and the backup file is a whole, verified copy or absent."""
    db = tmp_path / "clinic.sqlite3"
    db.write_bytes(demo_db.read_bytes())
    key_file(db).write_bytes(key_file(demo_db).read_bytes())
    dest = tmp_path / "backups" / "clinic-backup.sqlite3"
    dest.parent.mkdir()
    rng = random.Random(5)
    landed: Counter = Counter()
    names = {None}
    left = 0
    for _ in range(kills):
        outcome = fork_server.run({"mode": "backup", "db": str(db), "dest": str(dest),
                                   "seed": rng.randrange(2**32)},
                                  KillPlan.random(rng, max_events=8, max_delay=0.4))
        assert "Traceback" not in outcome.stderr, outcome.stderr
        landed[outcome.landed()] += 1
        names |= {e["name"] for e in outcome.events if e["op"] == "write"}
        # A killed backup leaves its temporary copy (encrypted patient data), perhaps
        # with its key file's; the next backup, or the next program opening a database
        # in that folder, removes them at once.
        leftovers = [p.name for p in dest.parent.iterdir() if p.name.startswith(".")]
        assert len([n for n in leftovers if n.endswith(".partial")]) <= 1, leftovers
        assert len([n for n in leftovers if n.endswith(".new")]) <= 1, leftovers
        left += any(n.endswith(".partial") for n in leftovers)
        _plain_checks(db)
        if dest.exists():
            with Store.open(dest, create=False) as copy:
                assert copy.verify() == []
                assert copy.setting("clinic_name") in names | {""}
    assert landed["backup"] > kills // 4, landed
    assert left, "no kill landed while a temporary copy existed"
    with Store.open(db) as store:
        store.backup(dest)
    assert [p for p in dest.parent.iterdir() if p not in (dest, key_file(dest))] == []
    record_figures(f"crash.backup.{kills}", kills=kills, landed=dict(landed),
                   temporary_copies_left_by_kills=left)


@pytest.mark.parametrize("kills", _many(15, 200))
def test_kills_while_making_demo_data(tmp_path, fork_server, kills):
    """Bulk loading commits whole intakes only; PDFs missing after a kill are made later."""
    db = tmp_path / "clinic.sqlite3"
    rng = random.Random(6)
    landed: Counter = Counter()
    for _ in range(kills):
        outcome = fork_server.run({"mode": "demo", "db": str(db),
                                   "seed": rng.randrange(2**32)},
                                  KillPlan.random(rng, max_events=4, max_delay=0.3))
        assert "Traceback" not in outcome.stderr, outcome.stderr
        landed[outcome.landed()] += 1
        _plain_checks(db)
    with Store.open(db) as store:
        missing = len(store.signed_without_document())
        assert len(rebuild_missing_consent_pdfs(store)) == missing
        assert store.signed_without_document() == [] and store.verify() == []
        intakes = store.connection.execute("SELECT count(*) FROM intakes").fetchone()[0]
    assert landed["demo"] > kills // 2, landed
    record_figures(f"crash.demo.{kills}", kills=kills, landed=dict(landed), intakes=intakes,
                   pdfs_rebuilt_at_next_start=missing)
