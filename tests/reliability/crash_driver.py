"""The process the crash tests kill: intakes, PDFs, backups and demo data, with no Qt.

It reports on stdout, one JSON line per event, written with a single ``os.write`` (so a
line is never torn): ``begin`` just before a store call and ``end`` just after it returns.
Whatever the parent has read as ``end`` must survive a kill; a ``begin`` without ``end`` may
or may not have happened, and nothing else may have.

Two ways to run:

``python -m tests.reliability.crash_driver run '<job json>'``
    one job in this process (a fresh interpreter: the most realistic, ~0.3 s to start);
``python -m tests.reliability.crash_driver serve``
    a fork server: imports and warms up everything once, then for each job line read on
    stdin forks a worker that runs it (a fresh process with its own SQLite connection,
    started in milliseconds), reports ``{"ev": "pid"}`` and, when the worker ends,
    ``{"ev": "exit", "status": ...}``. The parent kills workers, never the server.

Jobs: ``{"mode": "intake" | "backup" | "demo" | "pdffile" | "open", "db": path, "seed": n,
...}``; every mode loops until killed or until ``max_ops`` store calls. The database is
encrypted, as the tablet's: unlocked with the tests' passphrase file, or set up first where
none exists yet (as the app's first start does). Two more modes change how it is kept:
``encrypt`` (an unencrypted database, once) and ``rewrap`` (the clinic passphrase changed
back and forth between ``passphrases``, the first one current, again and again).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from mesocheck.forms.registry import default_form
from mesocheck.session import IntakeSession, PatientDetails, rebuild_missing_consent_pdfs
from mesocheck.store import Store
from mesocheck.store.audit import to_json
from tests.support.answers import NAMES
from tests.support.answers import random_strokes as strokes
from tests.support.intakes import fill_step

ZONE = timezone.utc


def value_hash(value: Any) -> str:
    """How the tests name a stored answer: the store keeps ``to_json(value)`` as text."""
    return text_hash(to_json(value))


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def emit(**event: Any) -> None:
    os.write(1, (json.dumps(event, ensure_ascii=True, separators=(",", ":")) + "\n").encode())


class Budget(Exception):
    """The job's ``max_ops`` store calls are done."""


class ReportingSink:
    """The store, with every write announced before it starts and after it returns."""

    def __init__(self, store: Store, max_ops: int | None):
        self.store = store
        self.left = max_ops

    def _call(self, op: str, intake_id: str, fn, details: dict) -> Any:
        if self.left is not None:
            if self.left <= 0:
                raise Budget
            self.left -= 1
        emit(ev="begin", op=op, intake=intake_id, **details)
        result = fn()
        emit(ev="end", op=op, intake=intake_id)
        return result

    def add_understanding_try(self, intake_id, answers, wrong):
        tries = len(self.store.intake(intake_id).understanding) + 1  # this one's number
        return self._call("understand", intake_id,
                          lambda: self.store.add_understanding_try(intake_id, answers, wrong),
                          {"tries": tries})

    def save_answers(self, intake_id, answers):
        hashes = {qid: value_hash(v) for qid, v in answers.items()}
        return self._call("save", intake_id,
                          lambda: self.store.save_answers(intake_id, answers),
                          {"answers": hashes})

    def acknowledge(self, intake_id, disclosure_id, text_hash_, read_at=None):
        return self._call("ack", intake_id,
                          lambda: self.store.acknowledge(intake_id, disclosure_id, text_hash_,
                                                         read_at),
                          {"disclosure": disclosure_id, "hash": text_hash_})

    def withdraw_acknowledgement(self, intake_id, disclosure_id):
        return self._call(
            "withdraw", intake_id,
            lambda: self.store.withdraw_acknowledgement(intake_id, disclosure_id),
            {"disclosure": disclosure_id})

    def set_current_step(self, intake_id, step):
        return self._call("step", intake_id,
                          lambda: self.store.set_current_step(intake_id, step),
                          {"step": step})

    def submit(self, intake_id, *, signature, flags, guardian=None):
        rule_ids = sorted(f["rule_id"] for f in flags)
        return self._call("submit", intake_id,
                          lambda: self.store.submit(intake_id, signature=signature,
                                                    flags=flags, guardian=guardian),
                          {"flags": rule_ids})


# -- answers a patient might give ---------------------------------------------------------


def run_intakes(job: dict, store: Store, rng: random.Random) -> None:
    form = default_form()
    sink = ReportingSink(store, job.get("max_ops"))
    emit(ev="begin", op="recover", intake=None)
    emit(ev="end", op="recover", intake=None, built=rebuild_missing_consent_pdfs(store))
    while True:
        now = datetime.now(ZONE)
        unfinished = store.unfinished_intakes()
        if unfinished and rng.random() < 0.95:
            intake_id = unfinished[0].intake_id
            session = IntakeSession.resume(store, intake_id, form=form, zone=ZONE, sink=sink)
            emit(ev="resumed", intake=intake_id)
        else:
            details = PatientDetails(
                rng.choice(NAMES), date(rng.randint(1940, 2012), rng.randint(1, 12),
                                        rng.randint(1, 28)),
                rng.choice([a.value for a in form.areas]), now + timedelta(hours=1))
            if sink.left is not None:
                if sink.left <= 0:
                    raise Budget
                sink.left -= 1
            emit(ev="begin", op="start", intake=None)
            session = IntakeSession.start(store, form, details, zone=ZONE, device="crash",
                                          sink=sink)
            emit(ev="end", op="start", intake=session.intake_id)
        index = session.resume_index()
        while True:
            pages = session.pages()
            if index >= len(pages):
                break
            page = pages[index]
            session.arrive(page)
            if page.kind == "step":
                fill_step(session, session.step(page.key), rng, now)
            elif page.kind == "disclosure":
                if page.key in session.acknowledged and rng.random() < 0.1:
                    session.withdraw(page.key)
                session.acknowledge(page.key)
            elif page.kind == "understanding":
                if rng.random() < 0.2 and not session.tries:  # a wrong try first, at times
                    session.check_understanding({})
                session.check_understanding(session.form.understood_answers())
            elif page.kind == "consent":
                guardian = {"printed_name": "Pat Parent", "relationship": "mother",
                            "strokes": strokes(rng), "pad_width": 600, "pad_height": 200} \
                    if session.needs_guardian() else None  # a minor: a parent signs too
                submission = session.prepare_signature(session.patient_name, strokes(rng),
                                                       600, 200, guardian=guardian)
                session.submit(submission)
                emit(ev="begin", op="pdf", intake=session.intake_id)
                built = rebuild_missing_consent_pdfs(store)
                emit(ev="end", op="pdf", intake=session.intake_id, built=built)
                break
            index += 1


# -- the other jobs -----------------------------------------------------------------------


def run_backups(job: dict, store: Store, rng: random.Random) -> None:
    """Back up again and again, with a few audited writes in between."""
    dest = Path(job["dest"])
    for _ in range(job.get("max_ops") or 10**9):
        if rng.random() < 0.5:
            name = f"Clinic {rng.randint(0, 10**6)}"
            emit(ev="begin", op="write", name=name)
            store.set_setting("clinic_name", name, "system")
            emit(ev="end", op="write", name=name)
        emit(ev="begin", op="backup")
        store.backup(dest)
        emit(ev="end", op="backup", name=store.setting("clinic_name"))


def run_demo(job: dict, store: Store, rng: random.Random) -> None:
    from mesocheck.demo import create_demo_intakes

    for _ in range(job.get("max_ops") or 10**9):
        count = rng.randint(2, 8)
        emit(ev="begin", op="demo", count=count)
        create_demo_intakes(store, count, seed=rng.randint(0, 10**9), with_pdf=True,
                            batch_size=rng.choice([1, 3, 2000]))
        emit(ev="end", op="demo", count=count)


def run_pdffile(job: dict, store: Store, rng: random.Random) -> None:
    """What ``mesocheck pdf -o FILE`` does, again and again over the same file."""
    from mesocheck.fileio import write_atomic

    data = store.document_bytes(job["document"])
    for _ in range(job.get("max_ops") or 10**9):
        emit(ev="begin", op="write")
        write_atomic(job["dest"], data)
        emit(ev="end", op="write")


def open_key(db: str | Path) -> None:
    """Unlock the database at ``db``, or set it up (its key file) where none exists yet."""
    from mesocheck.store import atrest
    from tests.support import at_rest

    if atrest.is_encrypted(db):
        at_rest.unlock(Path(db))
    else:
        at_rest.set_up(Path(db))


def run_open(job: dict) -> None:
    """Create the database (its key, schema migrations) and stop: kills land in the
    creation."""
    emit(ev="begin", op="open")
    open_key(job["db"])
    Store.open(job["db"]).close()
    emit(ev="end", op="open")


MODES = {"intake": run_intakes, "backup": run_backups, "demo": run_demo,
         "pdffile": run_pdffile}


def run_encrypt(job: dict) -> None:
    """``mesocheck encrypt`` on an unencrypted database, with a cheap key wrapping. Each
    of its steps that changes a file is announced first (an event to kill after): the
    export, the original's second name, the key file, each rename."""
    from mesocheck.store import atrest, encrypt
    from tests.support import at_rest

    def announced(op: str, fn):
        def step(*args, **kwargs):
            emit(ev="begin", op=op)
            return fn(*args, **kwargs)
        return step

    encrypt._export = announced("encrypt: export", encrypt._export)
    encrypt._keep_original = announced("encrypt: keep the original", encrypt._keep_original)
    atrest.write_key_file = announced("encrypt: key file", atrest.write_key_file)
    os.replace = announced("encrypt: rename", os.replace)
    emit(ev="begin", op="encrypt")
    store = encrypt.plain_store(Path(job["db"]))
    try:
        done = encrypt.encrypt(store, job["passphrase"], cost=at_rest.COST)
    finally:
        store.close()
    emit(ev="end", op="encrypt", recovery=done.recovery)


def run_rewrap(job: dict) -> None:
    """``mesocheck passphrase`` again and again: the database's key and the seal's."""
    from mesocheck import keys
    from mesocheck.cli_keys import change_passphrase

    keys.SCRYPT_N = 2**4  # as the tests' key file records it
    old, new = job["passphrases"]
    for _ in range(job.get("max_ops") or 10**9):
        emit(ev="begin", op="rewrap", to=new)
        change_passphrase(Path(job["db"]), new, old=old)
        emit(ev="end", op="rewrap", to=new)
        old, new = new, old


def run_job(job: dict) -> int:
    rng = random.Random(job.get("seed", 0))
    if job["mode"] in ("open", "encrypt", "rewrap"):
        {"open": run_open, "encrypt": run_encrypt, "rewrap": run_rewrap}[job["mode"]](job)
        return 0
    open_key(job["db"])
    store = Store.open(job["db"])
    try:
        MODES[job["mode"]](job, store, rng)
    except Budget:
        pass
    finally:
        store.close()
    emit(ev="done")
    return 0


# -- the fork server ------------------------------------------------------------------------


def warm_up() -> None:
    """Import and exercise everything once, so forked workers start warm."""
    import shutil
    import tempfile

    from mesocheck.cli_keys import change_passphrase  # noqa: F401
    from mesocheck.demo import create_demo_intakes
    from mesocheck.store import backup as _backup, encrypt as _encrypt  # noqa: F401

    folder = tempfile.mkdtemp(prefix="mesocheck-warm-")
    try:
        open_key(Path(folder) / "warm.sqlite3")
        with Store.open(Path(folder) / "warm.sqlite3") as store:
            create_demo_intakes(store, 1, seed=3, with_pdf=True)
            store.verify()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def serve() -> int:
    import gc

    warm_up()
    gc.collect()
    gc.freeze()
    emit(ev="ready")
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(0)
                code = run_job(job)
            finally:
                os._exit(code)
        emit(ev="pid", pid=pid)
        _, status = os.waitpid(pid, 0)
        emit(ev="exit", pid=pid, signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0,
             code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        sys.exit(serve())
    emit(ev="pid", pid=os.getpid())
    sys.exit(run_job(json.loads(sys.argv[2])))
