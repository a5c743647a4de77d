"""The hub's figures, on a throwaway PostgreSQL cluster of the benchmark's own (the tests'
``tests/support/postgres.py``):

- ``sync_visible_ms``: a patient signs on a tablet (a process with the app's background
  sync) until the intake is painted as signed ("Awaiting review") in the review queue open
  on the practitioner's station (another process: the review panel on the hub, refreshed
  by NOTIFY alone; the intake was there as in progress since its first answers). Both
  clocks are this machine's; each sample is one intake.
- ``hub_push_100k_s``: a tablet holding 100,000 intakes the hub has never seen sends them
  all (``Tablet.push``: read in one snapshot, batches of 5,000 audit rows, each one hub
  transaction), into a new hub.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.common import PASSPHRASE, REPO, Figure, child_env, percentile, temp_home

_STATION = r'''
import sys, time
from datetime import date, datetime, timedelta, timezone
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from mesocheck.store.records import StaffMember
from mesocheck.ui.review.panel import ReviewPanel
from mesocheck.ui.tasks import Database
db = Database.open_hub(sys.argv[1])
staff = StaffMember(1, "Bench", "practitioner", True, datetime.now(timezone.utc), None)
panel = ReviewPanel(db, staff, timezone.utc)
panel.resize(1280, 800)
panel.show()
panel.queue.set_range(date.today() - timedelta(days=1), date.today() + timedelta(days=2))
seen = set()
class Painted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            model = panel.queue.model
            for row in range(model.rowCount()):
                shown = model.row_at(row)
                if shown.status == "submitted" and shown.intake_id not in seen:
                    seen.add(shown.intake_id)  # painted as signed, awaiting review
                    print(f"painted {shown.intake_id} {time.time():.6f}", flush=True)
        return False
watch = Painted()
panel.queue.table.viewport().installEventFilter(watch)
QTimer.singleShot(500, lambda: print("ready", flush=True))
QTimer.singleShot(int(float(sys.argv[2]) * 1000), app.quit)
app.exec()
'''

_TABLET = r'''
import random, sys, time
from mesocheck.forms.registry import default_form
from mesocheck.store import Store
from mesocheck.sync import SyncWorker
from tests.support.intakes import fill_intake
from tests.support.answers import random_strokes
from mesocheck.store import atrest
db, url, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
atrest.set_up(db, sys.argv[4])  # a new tablet's database, encrypted as every tablet's is
store = Store.open(db)
worker = SyncWorker(lambda: Store.open(db, create=False), url, name="bench tablet")
worker.start()
time.sleep(1.0)
rng = random.Random(7)
form = default_form()
for n in range(count):
    session = fill_intake(store, form, rng, name=f"Visible Patient {n}", submit=False)
    signature = session.prepare_signature(f"Visible Patient {n}", random_strokes(rng), 600, 200)
    session.submit(signature)
    print(f"signed {session.intake_id} {time.time():.6f}", flush=True)
    time.sleep(1.0)
time.sleep(2.0)
worker.stop()
'''


def _hub():
    """A new hub on a PostgreSQL cluster of its own: (cluster, address), as the tests make."""
    sys.path.insert(0, str(REPO))
    from tests.support.postgres import hub_on_own_cluster

    return hub_on_own_cluster("bench")


def sync_visible(samples: int) -> Figure:
    with _hub() as (_cluster, url), temp_home("sync") as home:
        env = child_env(home)
        station = subprocess.Popen([sys.executable, "-c", _STATION, url,
                                    str(samples * 1.0 + 20)], env=env, cwd=REPO,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        assert station.stdout.readline().strip() == "ready", station.stderr.read()
        tablet = subprocess.run([sys.executable, "-c", _TABLET,
                                 str(home / "tablet.sqlite3"), url, str(samples),
                                 PASSPHRASE],
                                env=env, cwd=REPO, capture_output=True, text=True,
                                timeout=samples * 10 + 120)
        if tablet.returncode != 0:
            raise RuntimeError(tablet.stderr[-3000:])
        station.terminate()
        painted_out, _ = station.communicate(timeout=30)
    signed = {line.split()[1]: float(line.split()[2])
              for line in tablet.stdout.splitlines() if line.startswith("signed ")}
    painted = {line.split()[1]: float(line.split()[2])
               for line in painted_out.splitlines() if line.startswith("painted ")}
    missing = set(signed) - set(painted)
    if missing:
        raise RuntimeError(f"{len(missing)} signed intakes were never painted")
    delays = [(painted[i] - signed[i]) * 1000 for i in signed]
    p95 = percentile(delays, 0.95)
    figure = Figure("sync_visible_ms", "ms", 1000, [p95], note=(
        f"p95 of {len(delays)} intakes: signed on a tablet process (its background sync) "
        "to painted in the queue open on the station process (NOTIFY, no refresh)"),
        detail={"median_ms": round(sorted(delays)[len(delays) // 2], 1),
                "min_ms": round(min(delays), 1), "max_ms": round(max(delays), 1)})
    return figure


def hub_push(count: int) -> Figure:
    from bench import store as bench_store
    from mesocheck.store import Store, atrest
    from mesocheck.sync import Tablet

    path = bench_store.review_db_path(count)  # encrypted, as a tablet's is
    if not path.exists():
        with temp_home("push") as home:
            bench_store.run_demo(count, home / "mesocheck.sqlite3")
            bench_store._keep(home / "mesocheck.sqlite3", path)
    atrest.unlock(path, PASSPHRASE)
    with _hub() as (_cluster, url), Store.open(path, create=False) as store:
        tablet = Tablet(store, url, name="bench tablet")
        tablet.connection()
        began = time.perf_counter()
        report = tablet.push()
        seconds = time.perf_counter() - began
        tablet.close()
    scale = 100_000 / count
    return Figure("hub_push_100k_s", "s", 60, [seconds * scale], scaled=count != 100_000,
                  note=(f"SCALED: {count:,} intakes x{scale:g} (linear)" if count != 100_000
                        else "100,000 demo intakes (no PDFs) into a new hub"),
                  detail={"count": count, "measured_s": round(seconds, 2),
                          "audit_rows": report.entries, "rows": report.rows,
                          "batches": report.batches})
