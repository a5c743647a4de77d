"""A tablet's sync as a process of its own, to be killed: ``push``, ``pull`` or ``both``,
again and again in small batches, until killed.

    python -m tests.support.sync_child DB URL DIRECTION [--batch N]

Prints ``ready`` once connected, then one line per exchange.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("url")
    parser.add_argument("direction", choices=("push", "pull", "both"))
    parser.add_argument("--batch", type=int, default=3)
    args = parser.parse_args(argv)

    from mesocheck.store import Store
    from mesocheck.sync import Tablet

    from tests.support import at_rest

    store = Store.open(at_rest.ready(args.db), create=False)
    tablet = Tablet(store, args.url, name="killed tablet")
    tablet.connection()
    print("ready", flush=True)
    while True:
        if args.direction in ("push", "both"):
            print(f"pushed {tablet.push(batch_entries=args.batch).entries}", flush=True)
        if args.direction in ("pull", "both"):
            print(f"pulled {tablet.pull().rows}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
