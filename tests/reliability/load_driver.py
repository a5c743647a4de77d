"""One side of a two-process run on one database: the tablet's wizard, or the review screen.

``python -m tests.reliability.load_driver wizard DB WRITES SEED``
    fills in and submits intakes through the session (each answer saved at once) and
    stores their consent PDFs, until WRITES store writes are done;
``python -m tests.reliability.load_driver review DB STOPFILE SEED``
    until STOPFILE exists: reads the queue and intakes, decides flags, countersigns, clears
    and stores the reviewed PDF, as the practitioner's screen does.

Each prints one JSON line at the end: writes, reads, the slowest and 99th-percentile
write in seconds, and every StoreError (by class name) a person would have seen.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from mesocheck.forms.registry import default_form
from mesocheck.store import Store, StoreError

from tests.support.intakes import fill_intake
from tests.support.at_rest import unlock
from tests.support.intakes import review_intake as review


class Timed:
    """The store, every write timed and every user-facing error counted."""

    WRITES = {"save_answers", "acknowledge", "withdraw_acknowledgement", "set_current_step",
              "submit", "start_intake", "add_document", "decide", "add_signature",
              "set_status"}

    def __init__(self, store: Store):
        self._store = store
        self.times: list[float] = []
        self.errors: list[str] = []

    def __getattr__(self, name):
        attr = getattr(self._store, name)
        if name not in self.WRITES:
            return attr

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            except StoreError as exc:
                self.errors.append(type(exc).__name__)
                raise
            finally:
                self.times.append(time.perf_counter() - start)

        return timed

    def summary(self, **more) -> str:
        times = sorted(self.times) or [0.0]
        return json.dumps({"writes": len(self.times), "max_s": times[-1],
                           "p99_s": times[int(0.99 * (len(times) - 1))],
                           "errors": self.errors, **more})


def wizard(db: str, writes: int, seed: int) -> None:
    rng = random.Random(seed)
    form = default_form()
    unlock(Path(db))
    with Store.open(db) as raw:
        store = Timed(raw)
        intakes = 0
        while len(store.times) < writes:
            try:
                fill_intake(store, form, rng, name=f"Patient {seed}-{intakes}", sink=store)
            except StoreError:
                pass  # counted; the tablet would retry
            intakes += 1
        print(store.summary(intakes=intakes), flush=True)


def reviewer(db: str, stop: str, seed: int) -> None:
    rng = random.Random(seed)
    unlock(Path(db))
    with Store.open(db) as raw:
        store = Timed(raw)
        practitioner = raw.staff_members()[0].id
        reviewed = reads = 0
        while not Path(stop).exists():
            try:
                rows = store.queue(statuses=["submitted"], limit=20)
                reads += 1
                if not rows:
                    time.sleep(0.01)
                    continue
                for row in rows[:2]:
                    store.intake(row.intake_id)
                    reads += 1
                    review(store, row.intake_id, practitioner, rng)
                    reviewed += 1
            except StoreError:
                pass
        print(store.summary(reads=reads, reviewed=reviewed), flush=True)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "wizard":
        wizard(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        reviewer(sys.argv[2], sys.argv[3], int(sys.argv[4]))
