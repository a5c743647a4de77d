"""autosave_p95_ms, db_kib_per_intake, review_first_page_ms_100k, demo_100k_s, unlock_ms.

Intakes are completed through the real :class:`~mesocheck.session.IntakeSession` on a real
Store, writing as the app does: each answer is handed over on its own (the wizard flushes a
moment after each tap, and on every move), every page arrival is recorded for resuming,
each disclosure is acknowledged, then the intake is signed and submitted. The time from an
answer change to its durable commit (``synchronous=FULL``) is one autosave sample; the
database's used pages before and after give the growth per intake.

The tablet's database is encrypted (SQLCipher), so autosave and the review queue are
measured on an encrypted store, and again on a plain one (``_plain``) for the cost of the
encryption; ``unlock_ms`` is the clinic passphrase to a usable store.
"""

from __future__ import annotations

import random
import shutil
import statistics
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bench.common import (
    PASSPHRASE, Figure, cache_dir, child_env, passphrase_file, percentile, run_child_cpu,
    temp_home,
)
from tests.support.answers import signature_strokes, typical_answer


def complete_intake(store, form, rng: random.Random, strokes: list, autosave_ms: list[float],
                    *, commit_each_answer: bool = True) -> str:
    """One walk-in intake from the first step to submission, as the app writes it: each
    answer committed on its own (a patient taking more than the wizard's 400 ms save delay
    per answer), or, with ``commit_each_answer=False``, a page's answers together (a fast
    tapper: the wizard saves them all when Next is pressed)."""
    from mesocheck.session import IntakeSession, PatientDetails

    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    details = PatientDetails(f"Bench Patient {rng.randrange(10**6)}",
                             date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1),
                             form.areas[0].value, now + timedelta(minutes=30))
    session = IntakeSession.start(store, form, details, device="bench", zone=timezone.utc)
    index = 0
    while True:
        page = session.pages()[index]
        session.arrive(page)
        if page.kind == "step":
            step = session.step(page.key)
            done: set[str] = set()
            while todo := [q for q in session.shown_questions(step) if q.id not in done]:
                for question in todo:
                    done.add(question.id)
                    value = typical_answer(question, rng)
                    if value is None:
                        continue
                    began = time.perf_counter()
                    checked = session.answer(question.id, value)
                    if commit_each_answer:
                        session.flush()
                        autosave_ms.append((time.perf_counter() - began) * 1000)
                    assert checked.ok, (question.id, checked.error)
        elif page.kind == "disclosure":
            session.acknowledge(page.key)
        elif page.kind == "understanding":
            session.check_understanding(session.form.understood_answers())
        elif page.kind == "consent":
            submission = session.prepare_signature(details.name, strokes, 600, 200)
            session.submit(submission)
            return session.intake_id
        index += 1


def _connect(path: Path):
    """A second connection, through the one SQLite library (the store's), with the key."""
    from mesocheck.store import atrest
    from mesocheck.store.db import connect

    return connect(path, atrest.key_for(path))


def new_store(path: Path, *, encrypted: bool):
    """A new database at ``path``, encrypted with the benchmarks' passphrase or plain."""
    from mesocheck.store import Store, atrest

    if encrypted:
        atrest.set_up(path, PASSPHRASE)
    return Store.open(path, plain=not encrypted)


def used_bytes(path: Path) -> int:
    """Pages in use (free pages left out), after the WAL has been folded in."""
    conn = _connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        count = conn.execute("PRAGMA page_count").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    return (count - free) * int(size)  # SQLCipher answers page_size as text


def table_bytes(path: Path) -> dict[str, int]:
    """Bytes of pages held by each table with its indexes (SQLite's dbstat)."""
    from mesocheck.store.db import sqlite

    conn = _connect(path)
    try:
        return dict(conn.execute(
            "SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d "
            "LEFT JOIN sqlite_schema m ON m.name = d.name GROUP BY 1"
        ).fetchall())
    except sqlite.OperationalError:  # an SQLite built without dbstat (SQLCipher's wheel)
        return {}
    finally:
        conn.close()


def intake_figures(intakes: int, background: int) -> list[Figure]:
    """Autosave latency and growth per intake, on an encrypted database (the tablet's) and
    a plain one, each already holding ``background`` demo intakes (so indexes and the
    audit chain are not empty)."""
    encrypted = _intake_run(intakes, background, encrypted=True)
    plain = _intake_run(intakes, background, encrypted=False)
    note = (f"{{changes}} answer changes -> commit, through IntakeSession on a Store (WAL, "
            f"synchronous=FULL) holding {background:,} intakes, {{kind}}; one p95 per 50 "
            "changes")
    return [
        Figure("autosave_p95_ms", "ms", 10, encrypted["p95s"],
               note=note.format(changes=len(encrypted["autosave"]),
                                kind="encrypted (SQLCipher), as the tablet's"),
               detail=encrypted["detail"]),
        Figure("autosave_p95_ms_plain", "ms", 10, plain["p95s"],
               note=note.format(changes=len(plain["autosave"]), kind="plain (unencrypted)"),
               detail=plain["detail"]),
        Figure("db_kib_per_intake", "KiB", 16, encrypted["growth"],
               note=f"used pages (free pages excluded) per completed intake, no PDF, "
                    f"encrypted; {len(encrypted['growth'])} batches of 10, one commit per "
                    "answer as the app writes at a patient's pace",
               detail={"per_page_commits_kib_median": encrypted["per_page"],
                       "plain_kib_median": round(statistics.median(plain["growth"]), 2),
                       "kib_per_intake_by_table": plain["by_table"]}),
    ]


def _intake_run(intakes: int, background: int, *, encrypted: bool) -> dict:
    from mesocheck.demo import create_demo_intakes
    from mesocheck.forms.registry import default_form
    from mesocheck.store import Store

    strokes = signature_strokes()
    rng = random.Random(11)
    autosave: list[float] = []
    growth: list[float] = []
    per_page: list[float] = []
    per_batch = 10
    batches = max(1, intakes // per_batch)
    with temp_home("intakes") as home:
        path = home / "mesocheck.sqlite3"
        form = default_form()
        with new_store(path, encrypted=encrypted) as store:
            create_demo_intakes(store, background, with_pdf=False, seed=7)
        with Store.open(path) as store:
            complete_intake(store, form, rng, strokes, [])  # warm
            used_bytes(path)
            tables_before = table_bytes(path)
            for _ in range(batches):
                before = used_bytes(path)
                for _ in range(per_batch):
                    complete_intake(store, form, rng, strokes, autosave)
                growth.append((used_bytes(path) - before) / per_batch / 1024)
            tables_after = table_bytes(path)
            for _ in range(max(1, batches // 2)):
                before = used_bytes(path)
                for _ in range(per_batch):
                    complete_intake(store, form, rng, strokes, [], commit_each_answer=False)
                per_page.append((used_bytes(path) - before) / per_batch / 1024)
    groups = [autosave[i:i + 50] for i in range(0, len(autosave) - 49, 50)] or [autosave]
    made = batches * per_batch
    by_table = {name: round((size - tables_before.get(name, 0)) / 1024 / made, 2)
                for name, size in tables_after.items()}
    return {
        "autosave": autosave, "growth": growth,
        "p95s": [percentile(g, 0.95) for g in groups],
        "per_page": round(statistics.median(per_page), 1),
        "by_table": dict(sorted(((k, v) for k, v in by_table.items() if v >= 0.1),
                                key=lambda item: -item[1])),
        "detail": {"p95_all_ms": round(percentile(autosave, 0.95), 2),
                   "p50_all_ms": round(percentile(autosave, 0.5), 2),
                   "max_ms": round(max(autosave), 2)},
    }


# -- the demo command and the 100,000-intake database -----------------------------------


def run_demo(count: int, db: Path, *, encrypted: bool = True) -> tuple[float, float]:
    """(wall, CPU) seconds of ``mesocheck demo --count N --no-pdf`` on a new database,
    encrypted (set up with the benchmarks' passphrase, as a new install is) or plain."""
    how = ["--passphrase-file", str(passphrase_file())] if encrypted else ["--plain"]
    wall, _out, cpu = run_child_cpu(["-m", "mesocheck", "demo", "--count", str(count),
                                     "--no-pdf", "--db", str(db), *how],
                                    child_env(db.parent), timeout=1800)
    return wall, cpu


def review_db_path(count: int, *, encrypted: bool = True) -> Path:
    from mesocheck.store import SCHEMA_VERSION

    kind = "-encrypted" if encrypted else ""
    return cache_dir() / f"review-{count}-schema{SCHEMA_VERSION}{kind}.sqlite3"


def demo_figure(count: int, runs: int, keep_for_review: bool) -> Figure:
    """``demo --count count`` on an encrypted database, and once on a plain one; a count
    under 100,000 is scaled linearly and says so. With ``keep_for_review``, the databases
    are kept for the review figures."""
    seconds, cpu, plain = [], [], []
    for encrypted in [False] + [True] * runs:
        with temp_home("demo") as home:
            db = home / "mesocheck.sqlite3"
            wall, used = run_demo(count, db, encrypted=encrypted)
            if keep_for_review:
                _keep(db, review_db_path(count, encrypted=encrypted))
        if encrypted:
            seconds.append(wall)
            cpu.append(used)
        else:
            plain.append(wall)
    scale = 100_000 / count
    scaled = scale != 1
    return Figure(
        "demo_100k_s", "s", 60, [s * scale for s in seconds], scaled=scaled,
        note=(f"SCALED: `mesocheck demo --count {count:,} --no-pdf` x{scale:g} (linear), "
              "encrypted" if scaled else f"`mesocheck demo --count 100000 --no-pdf`, {runs} "
                                        "run(s), new encrypted database each"),
        detail={"count": count, "measured_s": [round(s, 2) for s in seconds],
                "cpu_s": [round(s, 2) for s in cpu],
                "plain_s": round(statistics.median(plain) * scale, 1)},
    )


def _keep(db: Path, dest: Path) -> None:
    """Move a finished demo database (and its key file) into the cache, replacing any of
    the same size and kind built for an earlier schema version."""
    from mesocheck.store import atrest

    atrest.unlock(db, PASSPHRASE)
    conn = _connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    prefix, _, rest = dest.name.partition("-schema")
    version, _, kind = rest.partition(".")[0].partition("-")
    for old in dest.parent.glob(f"{prefix}-schema*.sqlite3"):
        old_version, _, old_kind = old.name.partition("-schema")[2].partition(".")[0] \
            .partition("-")
        if old_kind == kind and old_version.isdigit() and int(old_version) < int(version):
            old.unlink()
            atrest.key_file(old).unlink(missing_ok=True)
    if atrest.key_file(db).exists():
        shutil.move(str(atrest.key_file(db)), atrest.key_file(dest))
    else:
        atrest.key_file(dest).unlink(missing_ok=True)
    shutil.move(str(db), dest)


def review_figures(reps: int, build_count: int) -> list[Figure]:
    """Opening the review queue on flagged intakes, as the review screen does: its own
    Store connection, then what ``QueueModel.refresh`` asks for (the count and the first
    page of 50); on the encrypted database and on a plain one."""
    return [_review_figure(reps, build_count, encrypted=True),
            _review_figure(reps, build_count, encrypted=False)]


def _review_figure(reps: int, build_count: int, *, encrypted: bool) -> Figure:
    from mesocheck.store import Store, atrest

    path = review_db_path(100_000, encrypted=encrypted)
    if not path.exists():
        path = review_db_path(build_count, encrypted=encrypted)
        if not path.exists():
            with temp_home("review") as home:
                run_demo(build_count, home / "mesocheck.sqlite3", encrypted=encrypted)
                _keep(home / "mesocheck.sqlite3", path)
    atrest.unlock(path, PASSPHRASE)  # once, as the tablet does at its start
    with Store.open(path) as store:
        total = store.queue_count()
    samples: list[float] = []
    parts: dict[str, list[float]] = {"open": [], "count": [], "page": []}
    for _ in range(reps):
        began = time.perf_counter()
        store = Store.open(path, create=False)
        opened = time.perf_counter()
        flagged = store.queue_count(flagged_only=True)
        counted = time.perf_counter()
        rows = store.queue(flagged_only=True, limit=50)
        done = time.perf_counter()
        store.close()
        assert len(rows) == 50
        samples.append((done - began) * 1000)
        for name, a, b in (("open", began, opened), ("count", opened, counted),
                           ("page", counted, done)):
            parts[name].append((b - a) * 1000)
    scaled = total < 100_000
    kind = "encrypted" if encrypted else "plain"
    return Figure(
        "review_first_page_ms_100k" + ("" if encrypted else "_plain"), "ms", 30, samples,
        scaled=scaled,
        note=(f"NOT AT SIZE: measured on {total:,} intakes, {kind} (no 100,000 database "
              "cached yet; a full run builds and caches one)" if scaled else
              f"{total:,} intakes ({flagged:,} flagged), {kind}: open a connection, count, "
              "first page of 50; database cached between runs"),
        detail={**{f"{name}_ms_median": round(statistics.median(v), 2)
                   for name, v in parts.items()}, "database": str(path)},
    )


def unlock_figure(reps: int) -> Figure:
    """The clinic passphrase to a usable store, as the unlock screen's tap leads to: the
    key unwrapped (scrypt at the product's cost, N=2**17), the database opened and what
    the app reads first (its settings, whether a practitioner exists)."""
    from mesocheck.store import Store, atrest

    samples: list[float] = []
    derive: list[float] = []
    with temp_home("unlock") as home:
        path = home / "mesocheck.sqlite3"
        with new_store(path, encrypted=True) as store:
            store.add_staff("Dr Bench", "practitioner", "582047", "system")
        for _ in range(reps):
            atrest.lock_all()
            began = time.perf_counter()
            atrest.unlock(path, PASSPHRASE)
            unwrapped = time.perf_counter()
            with Store.open(path, create=False) as store:
                store.settings()
                store.has_practitioner()
            samples.append((time.perf_counter() - began) * 1000)
            derive.append((unwrapped - began) * 1000)
    return Figure(
        "unlock_ms", "ms", 500, samples,
        note=f"{reps} unlocks: the clinic passphrase -> the key unwrapped (scrypt N=2**17, "
             "r=8, p=1, then AES-GCM) -> the database opened and first read",
        detail={"unwrap_ms_median": round(statistics.median(derive), 1)},
    )
