"""A tablet as a process of its own, for the hub's end-to-end and kill tests: its database,
the app's background sync (``SyncWorker``) to the hub, and patients' intakes taken through
the real session one after another (random valid answers, signed, consent PDF made).

    python -m tests.support.hub_tablet DB URL --count N [--staff] [--pace S] [--name NAME]
                                       [--until FILE] [--seed N]

Prints ``intake ID`` as each intake is signed, then ``done``; keeps syncing until FILE
exists (the parent's word that what it needed has come back), then stops the sync and
exits 0.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("url")
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--staff", action="store_true", help="add the clinic's staff first")
    parser.add_argument("--pace", type=float, default=0.2)
    parser.add_argument("--name", default="tablet")
    parser.add_argument("--until", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    from mesocheck.forms.registry import default_form
    from mesocheck.store import Store
    from mesocheck.sync import SyncWorker
    from tests.support.intakes import add_staff, fill_intake

    from tests.support import at_rest

    store = Store.open(at_rest.ready(args.db))
    if args.staff:
        add_staff(store)
    store.set_settings({"hub_url": args.url, "device_name": args.name}, "system")
    worker = SyncWorker(lambda: Store.open(args.db, create=False), args.url, name=args.name,
                        pull_every_s=0.5, poll_s=0.1)
    worker.start()
    rng = random.Random(args.seed)
    form = default_form()
    for n in range(args.count):
        session = fill_intake(store, form, rng, name=f"{args.name.title()} Patient {n + 1}")
        print(f"intake {session.intake_id}", flush=True)
        time.sleep(args.pace)
    print("done", flush=True)
    while args.until is not None and not args.until.exists():
        time.sleep(0.1)
    worker.stop()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
