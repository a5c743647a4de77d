"""Store figures on many intakes (not a test): bulk insert, first queue page, verify.

    python tests/store/bench_store.py [COUNT] [DB_PATH]

Each synthetic intake is shaped like ``mesocheck demo`` makes them: 30 answers,
11 acknowledgements, a patient signature of about 180 points, 0-3 flags, decisions on a
reviewed share.
"""

from __future__ import annotations

import math
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from mesocheck.store import Store, atrest

FLAGS = [
    {"rule_id": "anticoagulant", "severity": "stop", "practitioner_message": "Anticoagulant",
     "patient_message": "Please talk to the practitioner", "triggers": [["anticoagulant", True]]},
    {"rule_id": "sun_recent", "severity": "review", "practitioner_message": "Recent sun",
     "patient_message": "", "triggers": [["sun_recent", True]]},
    {"rule_id": "medicines", "severity": "info", "practitioner_message": "Takes medicines",
     "patient_message": "", "triggers": [["medicines_any", True]]},
]


def strokes(rng: random.Random) -> list:
    return [[[round(40 + 150 * s + i * 2.5, 1), round(100 + 45 * math.sin(i / 4), 1),
              i * 12, round(0.4 + 0.3 * abs(math.sin(i)), 2)] for i in range(60)]
            for s in range(3)]


def intakes(count: int, staff_id: int, seed: int = 1):
    rng = random.Random(seed)
    signatures = [strokes(rng) for _ in range(40)]
    today = datetime(2026, 3, 2, tzinfo=timezone.utc)
    for n in range(count):
        appointment = today + timedelta(days=rng.randint(-60, 14), hours=rng.randint(8, 17))
        started = appointment - timedelta(minutes=30)
        flags = [f for f in FLAGS if rng.random() < (0.05, 0.15, 0.3)[FLAGS.index(f)]]
        reviewed = appointment < today and rng.random() < 0.8
        decisions = [{"flag_index": i, "decision": "proceed", "reason": "Discussed; safe.",
                      "staff_id": staff_id} for i, f in enumerate(flags)
                     if reviewed and f["severity"] != "info"]
        name = f"Person{n} Surname{rng.randint(1, 5000)}"
        yield {
            "patient": {"name": name, "birth_date": date(1950, 1, 1) + timedelta(days=n % 20000)},
            "form_id": "mesotherapy", "form_version": "3", "form_hash": "f" * 64,
            "form_content": "{}", "language": "en", "area": "face", "device": "demo",
            "appointment_at": appointment, "created_at": started,
            "submitted_at": started + timedelta(minutes=12),
            "status": "cleared" if reviewed else "submitted",
            "answers": {f"question_{k:02d}": rng.choice([True, False, "never", "2026-02-20"])
                        for k in range(30)},
            "acknowledgements": [(f"disclosure_{k:02d}", "a" * 64, None) for k in range(11)],
            "signature": {"printed_name": name, "meaning": "I consent", "tz": "UTC",
                          "strokes": rng.choice(signatures), "pad_width": 600,
                          "pad_height": 200, "content_hash": "c" * 64},
            "flags": flags, "decisions": decisions,
        }


def timed(label: str, fn):
    began, cpu = time.perf_counter(), time.process_time()
    result = fn()
    print(f"{label}: {time.perf_counter() - began:.3f} s ({time.process_time() - cpu:.3f} s CPU)",
          flush=True)
    return result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    path = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp()) / "bench.sqlite3"
    if not path.exists():  # encrypted, as the tablet's (a cheap key wrapping: not measured)
        atrest.set_up(path, "bench clinic passphrase", cost=2**4)
    store = Store.open(path)
    staff_id = store.add_staff("Dr Bench", "practitioner", "264819", "system")
    spent = cpu = 0.0
    batch: list[dict] = []
    began = time.perf_counter()
    for number, intake in enumerate(intakes(count, staff_id), start=1):
        batch.append(intake)
        if len(batch) == 2000 or number == count:
            t, c = time.perf_counter(), time.process_time()
            store.bulk_insert_intakes(batch)
            spent += time.perf_counter() - t
            cpu += time.process_time() - c
            batch = []
    total = time.perf_counter() - began
    print(f"bulk insert of {count}: {spent:.1f} s in the store ({cpu:.1f} s CPU), {total:.1f} s "
          f"with generation; file {path.stat().st_size / 1e6:.0f} MB", flush=True)
    store.close()
    store = Store.open(path)
    timed("queue first page", lambda: store.queue(limit=50))
    timed("queue first page, submitted", lambda: store.queue(statuses=["submitted"], limit=50))
    timed("queue first page, stop only", lambda: store.queue(severity="stop", limit=50))
    timed("queue one day", lambda: store.queue(date_from=date(2026, 3, 2),
                                               date_to=date(2026, 3, 3), limit=50))
    timed("queue name search", lambda: store.queue(name="surname42", limit=50))
    timed("queue_count", store.queue_count)
    problems = timed("verify", store.verify)
    print(f"verify problems: {len(problems)}")
    store.close()


if __name__ == "__main__":
    main()
