"""autosave_p95_ms, db_kib_per_intake, review_first_page_ms_100k, demo_100k_s.

Intakes are completed through the real :class:`~mesocheck.session.IntakeSession` on a real
Store, writing as the app does: each answer is handed over on its own (the wizard flushes a
moment after each tap, and on every move), every page arrival is recorded for resuming,
each disclosure is acknowledged, then the intake is signed and submitted. The time from an
answer change to its durable commit (``synchronous=FULL``) is one autosave sample; the
database's used pages before and after give the growth per intake.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import statistics
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bench.common import Figure, cache_dir, child_env, percentile, run_child_cpu, temp_home
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
        elif page.kind == "consent":
            submission = session.prepare_signature(details.name, strokes, 600, 200)
            session.submit(submission)
            return session.intake_id
        index += 1


def used_bytes(path: Path) -> int:
    """Pages in use (free pages left out), after the WAL has been folded in."""
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        count = conn.execute("PRAGMA page_count").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    return (count - free) * size


def table_bytes(path: Path) -> dict[str, int]:
    """Bytes of pages held by each table with its indexes (SQLite's dbstat)."""
    conn = sqlite3.connect(str(path))
    try:
        return dict(conn.execute(
            "SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d "
            "LEFT JOIN sqlite_schema m ON m.name = d.name GROUP BY 1"
        ).fetchall())
    except sqlite3.OperationalError:  # an SQLite built without dbstat
        return {}
    finally:
        conn.close()


def intake_figures(intakes: int, background: int) -> list[Figure]:
    """Autosave latency and growth per intake, on a database already holding
    ``background`` demo intakes (so indexes and the audit chain are not empty)."""
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
        with Store.open(path) as store:
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
    return [
        Figure("autosave_p95_ms", "ms", 10, [percentile(g, 0.95) for g in groups],
               note=f"{len(autosave)} answer changes -> commit, through IntakeSession on a "
                    f"Store (WAL, synchronous=FULL) holding {background:,} intakes; one p95 "
                    "per 50 changes",
               detail={"p95_all_ms": round(percentile(autosave, 0.95), 2),
                       "p50_all_ms": round(percentile(autosave, 0.5), 2),
                       "max_ms": round(max(autosave), 2)}),
        Figure("db_kib_per_intake", "KiB", 16, growth,
               note=f"used pages (free pages excluded) per completed intake, no PDF; "
                    f"{len(growth)} batches of {per_batch}, one commit per answer as the app "
                    "writes at a patient's pace",
               detail={"per_page_commits_kib_median": round(statistics.median(per_page), 1),
                       "kib_per_intake_by_table": dict(sorted(
                           ((k, v) for k, v in by_table.items() if v >= 0.1),
                           key=lambda item: -item[1]))}),
    ]


# -- the demo command and the 100,000-intake database -----------------------------------


def run_demo(count: int, db: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of ``mesocheck demo --count N --no-pdf`` on a new database."""
    wall, _out, cpu = run_child_cpu(["-m", "mesocheck", "demo", "--count", str(count),
                                     "--no-pdf", "--db", str(db)], child_env(db.parent),
                                    timeout=1800)
    return wall, cpu


def review_db_path(count: int) -> Path:
    from mesocheck.store import SCHEMA_VERSION

    return cache_dir() / f"review-{count}-schema{SCHEMA_VERSION}.sqlite3"


def demo_figure(count: int, runs: int, keep_for_review: bool) -> Figure:
    """``demo --count count``; a count under 100,000 is scaled linearly and says so."""
    seconds, cpu = [], []
    for n in range(runs):
        with temp_home("demo") as home:
            db = home / "mesocheck.sqlite3"
            wall, used = run_demo(count, db)
            if keep_for_review and n == runs - 1:
                _keep(db, review_db_path(count))
        seconds.append(wall)
        cpu.append(used)
    scale = 100_000 / count
    scaled = scale != 1
    return Figure(
        "demo_100k_s", "s", 60, [s * scale for s in seconds], scaled=scaled,
        note=(f"SCALED: `mesocheck demo --count {count:,} --no-pdf` x{scale:g} (linear)"
              if scaled else f"`mesocheck demo --count 100000 --no-pdf`, {runs} run(s), "
                             "new database each"),
        detail={"count": count, "measured_s": [round(s, 2) for s in seconds],
                "cpu_s": [round(s, 2) for s in cpu]},
    )


def _keep(db: Path, dest: Path) -> None:
    """Move a finished demo database into the cache, replacing any of the same size
    built for another schema version."""
    conn = sqlite3.connect(str(db))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for old in dest.parent.glob(dest.name.split("-schema")[0] + "-schema*"):
        old.unlink()
    shutil.move(str(db), dest)


def review_figure(reps: int, build_count: int) -> Figure:
    """Opening the review queue on flagged intakes, as the review screen does: its own
    Store connection, then what ``QueueModel.refresh`` asks for (the count and the first
    page of 50)."""
    from mesocheck.store import Store

    path = review_db_path(100_000)
    if not path.exists():
        path = review_db_path(build_count)
        if not path.exists():
            with temp_home("review") as home:
                run_demo(build_count, home / "mesocheck.sqlite3")
                _keep(home / "mesocheck.sqlite3", path)
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
    return Figure(
        "review_first_page_ms_100k", "ms", 30, samples, scaled=scaled,
        note=(f"NOT AT SIZE: measured on {total:,} intakes (no 100,000 database cached yet; "
              "a full run builds and caches one)" if scaled else
              f"{total:,} intakes ({flagged:,} flagged): open a connection, count, first "
              "page of 50; database cached between runs"),
        detail={**{f"{name}_ms_median": round(statistics.median(v), 2)
                   for name, v in parts.items()}, "database": str(path)},
    )
