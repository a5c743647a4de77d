"""The admin commands of a clinic's hub: ``hub init|upgrade|status|connect``, ``sync``,
and ``verify --hub`` (the hub's record, or a tablet's file against what it sent).

``export``, ``pdf``, ``backup`` and the record's commands work on the hub through the same
``--hub URL`` (``cli._open_store``). The address may hold the password
(``postgresql://user:password@host:5432/database``) or leave it to ``~/.pgpass``; it is
never printed with it. A tablet given its hub once (``hub connect``) syncs with no flags.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, Callable

from mesocheck.errors import MesocheckError

if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_PROBLEMS = 0, 1
HUB_HELP = ("the clinic's hub, a PostgreSQL database: postgresql://USER[:PASSWORD]@HOST:PORT/"
            "DATABASE (the password may be left to ~/.pgpass)")


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("hub", parents=[common], help="the clinic's hub: set up, upgrade, "
                                                          "status, connect a tablet")
    hub = p.add_subparsers(dest="hub_command", metavar="ACTION", required=True)
    init = hub.add_parser("init", parents=[common], help="set up an empty database as the hub")
    init.add_argument("--site", type=int, default=1,
                      help="this clinic's number in a group of clinics (1 to 2047; default 1)")
    init.add_argument("--name", default="hub", help="the hub's name in `hub status`")
    init.add_argument("--group", action="store_true",
                      help="a group of clinics' database, subscribing to each site's hub")
    hub.add_parser("upgrade", parents=[common], help="bring the hub's tables up to date")
    hub.add_parser("status", parents=[common],
                   help="devices, what each last sent, their backlog and chain heads")
    connect = hub.add_parser("connect", parents=[common],
                             help="give this tablet's database its hub (syncs from then on)")
    connect.add_argument("--name", help="this tablet's name on the hub (default: the "
                                        "computer's name)")

    p = commands.add_parser("sync", parents=[common],
                            help="send this tablet's record to the hub, fetch what it needs")
    p.add_argument("--once", action="store_true", help="one exchange, then exit")


def _hub_url(args: argparse.Namespace, *, tablet_setting: bool = False) -> str:
    url = getattr(args, "hub", None)
    if not url and tablet_setting:
        from mesocheck.cli import _open_store

        store = _open_store(args, create=False)
        try:
            url = store.setting("hub_url")
        finally:
            store.close()
    if not url:
        raise MesocheckError("give the hub with --hub URL" + (
            " (or once, with `mesocheck hub connect --hub URL`)" if tablet_setting else ""))
    return url


def _hub(args: argparse.Namespace) -> int:
    return {"init": _init, "upgrade": _upgrade, "status": _status,
            "connect": _connect}[args.hub_command](args)


def _raw(url: str):
    from mesocheck.hub.connect import connect

    return connect(url)


def _init(args: argparse.Namespace) -> int:
    from mesocheck.hub import migrate
    from mesocheck.hub.errors import describe
    from mesocheck.store.db import translated

    url = _hub_url(args)
    conn = _raw(url)
    try:
        with translated():
            made = migrate.init(conn, site=args.site, name=args.name, group=args.group)
            version = migrate.check(conn)
    finally:
        conn.close()
    if made and args.group:
        print(f"group database set up at {describe(url)} (schema {version}); subscribe it "
              "to each site's hub (README: a group of clinics)")
    elif made:
        print(f"hub set up at {describe(url)} (schema {version}, site {args.site}); each "
              "tablet joins with `mesocheck hub connect --hub URL`, the practitioner's "
              "station opens with `mesocheck --hub URL`")
    else:
        print(f"{describe(url)} is already a mesocheck hub (schema {version}); nothing "
              "was changed")
    return EXIT_OK


def _upgrade(args: argparse.Namespace) -> int:
    from mesocheck.hub import migrate
    from mesocheck.hub.errors import describe
    from mesocheck.store.db import translated

    url = _hub_url(args)
    conn = _raw(url)
    try:
        with translated():
            applied = migrate.upgrade(conn)
            version = migrate.check(conn)
    finally:
        conn.close()
    if applied:
        print(f"hub {describe(url)} upgraded to schema {version} (applied "
              f"{', '.join(map(str, applied))})")
    else:
        print(f"hub {describe(url)} is up to date (schema {version})")
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    from mesocheck.hub.admin import devices
    from mesocheck.hub.store import HubStore

    store = HubStore.open(_hub_url(args))
    try:
        found = devices(store)
        version = store.schema_version
        counts = dict(store.connection.execute(
            "SELECT status, count(*) FROM intakes GROUP BY status").fetchall())
    finally:
        store.close()
    by_status = ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "none"
    print(f"hub {store.where}: schema {version}; {sum(counts.values())} intakes ({by_status})")
    for d in found:
        head = f"row {d.head_id}" + (f" ({d.head_hash[:16]})" if d.head_hash else "")
        line = f"{d.kind} #{d.number} {d.name}: audit chain head {head}"
        if d.kind == "tablet":
            last = f"{d.last_push_at:%Y-%m-%d %H:%M:%S} UTC" if d.last_push_at else "never"
            line += (f"; last sent {last}; {d.waiting} signed intake"
                     f"{'s' if d.waiting != 1 else ''} waiting")
            minutes = round(abs(d.clock_offset_ms or 0) / 60_000)
            if minutes:
                side = "behind" if d.clock_offset_ms > 0 else "ahead of"
                line += f"; its clock is {minutes} min {side} the hub's"
        print(line)
    return EXIT_OK


def _connect(args: argparse.Namespace) -> int:
    from mesocheck.cli import _db, _open_store
    from mesocheck.hub.errors import describe
    from mesocheck.sync import Tablet

    url = _hub_url(args)
    store = _open_store(args, create=True)
    try:
        tablet = Tablet(store, url, name=args.name)
        try:
            tablet.connection()  # the hub answers, is a hub of this version; registered
            number = tablet.device
        finally:
            tablet.close()
        store.set_settings({"hub_url": url, "device_name": tablet.name}, "system")
    finally:
        store.close()
    print(f"{_db(args)} now syncs with the hub {describe(url)} as device #{number} "
          f"({tablet.name}); the tablet app sends in the background, or run `mesocheck sync`")
    return EXIT_OK


def _sync(args: argparse.Namespace) -> int:
    from mesocheck.cli import _open_store
    from mesocheck.hub.errors import HubError
    from mesocheck.sync import Tablet, waiting_intakes

    url = _hub_url(args, tablet_setting=True)
    store = _open_store(args, create=False)
    tablet = Tablet(store, url, name=store.setting("device_name"))
    try:
        while True:
            try:
                pushed, pulled = tablet.sync_once()
                left = waiting_intakes(store, tablet.hub_head()[0])
                print(f"sent {pushed.entries} audit rows ({pushed.rows} records, "
                      f"{pushed.intakes} intakes) in {pushed.batches} batch"
                      f"{'es' if pushed.batches != 1 else ''}; fetched {pulled.rows} records; "
                      f"{left} signed intake{'s' if left != 1 else ''} waiting", flush=True)
            except HubError as exc:
                if args.once:
                    raise
                print(f"mesocheck: {exc.message}", file=sys.stderr, flush=True)
                tablet.close()
            if args.once:
                return EXIT_OK
            time.sleep(5)
    finally:
        tablet.close()
        store.close()


def verify(args: argparse.Namespace) -> int:
    """``verify --hub URL``: the hub's record; with ``--db FILE``: that tablet's file, and
    that it still holds the newest audit row it sent to the hub."""
    from mesocheck.hub.store import HubStore

    url = _hub_url(args)
    if getattr(args, "db", None) is not None:
        return _verify_tablet(args, url)
    store = HubStore.open(url)
    try:
        problems = store.verify()
        from mesocheck.documents.verify_seals import check_seals, summary

        seals = check_seals(store) if not problems else None
        if seals is not None:
            problems += seals.problems
        devices = store.connection.execute(
            "SELECT count(*) FROM devices WHERE kind = 'tablet'").fetchone()[0]
    finally:
        store.close()
    if not problems:
        print(f"hub {store.where}: ok (every device's audit chain ({devices} tablet"
              f"{'s' if devices != 1 else ''} and the hub's own), every row against the chain "
              "that wrote it, every document's hash)")
        if seals is not None and (line := summary(seals)):
            print(line)
        return EXIT_OK
    return _report(problems, "records on the hub were changed outside mesocheck: keep the "
                             "hub as it is and compare it with its latest backup (`mesocheck "
                             "backup --hub URL`)")


def _verify_tablet(args: argparse.Namespace, url: str) -> int:
    from mesocheck.cli import _db, _open_store
    from mesocheck.hub.errors import describe
    from mesocheck.store import witness
    from mesocheck.store.records import AuditHead
    from mesocheck.sync import read_state

    store = _open_store(args, create=False)
    try:
        state = read_state(store)
        uid = state.get("device_uid")
        if uid is None:
            raise MesocheckError(f"{_db(args)} has never sent anything to a hub; nothing to "
                                 "compare")
        from mesocheck.hub.connect import connect

        raw = connect(url)
        try:
            row = raw.execute("SELECT number, head_id, head_hash FROM devices WHERE uid = %s",
                              (uid,)).fetchone()
        finally:
            raw.close()
        if row is None:
            raise MesocheckError(f"the hub {describe(url)} has never heard of {_db(args)}; "
                                 "is it this tablet's hub?")
        number, head_id, head_hash = row
        hub_witness = witness.Witness(f"the hub {describe(url)}",
                                      AuditHead(head_id, bytes(head_hash)) if head_id else None)
        problems = store.verify([hub_witness])
    finally:
        store.close()
    if not problems:
        print(f"{_db(args)}: ok (integrity, audit chain and documents all hold; it still holds "
              f"the audit log up to row {head_id}, as sent to the hub as device #{number})")
        return EXIT_OK
    return _report(problems, "this tablet's file no longer holds what it sent to the hub: "
                             "keep it as it is for investigation; the hub holds the record as "
                             "it was sent")


def _report(problems: list, advice: str) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found"
    print(f"mesocheck: {count}; {advice}", file=sys.stderr)
    return EXIT_PROBLEMS


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "hub": _hub,
    "sync": _sync,
}
