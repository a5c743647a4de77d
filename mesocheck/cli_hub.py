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
from mesocheck.i18n import N_, _, ngettext

if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_PROBLEMS = 0, 1
HUB_HELP = N_("the clinic's hub, a PostgreSQL database: postgresql://USER[:PASSWORD]@HOST:PORT/"
            "DATABASE (the password may be left to ~/.pgpass)")


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("hub", parents=[common], help=_("the clinic's hub: set up, upgrade, "
                                                            "status, connect a tablet"))
    hub = p.add_subparsers(dest="hub_command", metavar="ACTION", required=True)
    init = hub.add_parser("init", parents=[common], help=_("set up an empty database as the hub"))
    init.add_argument("--site", type=int, default=1,
                      help=_("this clinic's number in a group of clinics (1 to 2047; default 1)"))
    init.add_argument("--name", default="hub", help=_("the hub's name in `hub status`"))
    init.add_argument("--group", action="store_true",
                      help=_("a group of clinics' database, subscribing to each site's hub"))
    hub.add_parser("upgrade", parents=[common], help=_("bring the hub's tables up to date"))
    hub.add_parser("status", parents=[common],
                   help=_("devices, what each last sent, their backlog and chain heads"))
    connect = hub.add_parser("connect", parents=[common],
                             help=_("give this tablet's database its hub (syncs from then on)"))
    connect.add_argument("--name", help=_("this tablet's name on the hub (default: the "
                                          "computer's name)"))

    p = commands.add_parser("sync", parents=[common],
                            help=_("send this tablet's record to the hub, fetch what it needs"))
    p.add_argument("--once", action="store_true", help=_("one exchange, then exit"))


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
        raise MesocheckError(
            _("give the hub with --hub URL (or once, with `mesocheck hub connect --hub URL`)")
            if tablet_setting else _("give the hub with --hub URL"))
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
        print(_("group database set up at {hub} (schema {version}); subscribe it to each "
                "site's hub (README: a group of clinics)").format(hub=describe(url),
                                                                  version=version))
    elif made:
        print(_("hub set up at {hub} (schema {version}, site {site}); each tablet joins with "
                "`mesocheck hub connect --hub URL`, the practitioner's station opens with "
                "`mesocheck --hub URL`").format(hub=describe(url), version=version,
                                                site=args.site))
    else:
        print(_("{hub} is already a mesocheck hub (schema {version}); nothing was "
                "changed").format(hub=describe(url), version=version))
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
        print(_("hub {hub} upgraded to schema {version} (applied {applied})").format(
            hub=describe(url), version=version, applied=", ".join(map(str, applied))))
    else:
        print(_("hub {hub} is up to date (schema {version})").format(hub=describe(url),
                                                                     version=version))
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
    # The statuses are the record's own words (signed, reviewed...), the same in every language.
    by_status = ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or _("none")
    total = sum(counts.values())
    print(ngettext("hub {hub}: schema {version}; {n} intake ({statuses})",
                   "hub {hub}: schema {version}; {n} intakes ({statuses})", total).format(
        hub=store.where, version=version, n=total, statuses=by_status))
    for d in found:
        head = (_("row {id} ({hash})").format(id=d.head_id, hash=d.head_hash[:16])
                if d.head_hash else _("row {id}").format(id=d.head_id))
        line = _("{kind} #{number} {name}: audit chain head {head}").format(
            kind=d.kind, number=d.number, name=d.name, head=head)
        if d.kind == "tablet":
            last = f"{d.last_push_at:%Y-%m-%d %H:%M:%S} UTC" if d.last_push_at else _("never")
            line += "; " + ngettext("last sent {last}; {n} signed intake waiting",
                                    "last sent {last}; {n} signed intakes waiting",
                                    d.waiting).format(last=last, n=d.waiting)
            minutes = round(abs(d.clock_offset_ms or 0) / 60_000)
            if minutes:
                line += "; " + (_("its clock is {minutes} min behind the hub's")
                                if d.clock_offset_ms > 0 else
                                _("its clock is {minutes} min ahead of the hub's")).format(
                    minutes=minutes)
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
    print(_("{db} now syncs with the hub {hub} as device #{number} ({name}); the tablet app "
            "sends in the background, or run `mesocheck sync`").format(
        db=_db(args), hub=describe(url), number=number, name=tablet.name))
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
                print(_("sent {rows} audit rows ({records} records, {intakes} intakes) in "
                        "{batches}; fetched {fetched} records; {waiting}").format(
                    rows=pushed.entries, records=pushed.rows, intakes=pushed.intakes,
                    batches=ngettext("{n} batch", "{n} batches", pushed.batches).format(
                        n=pushed.batches),
                    fetched=pulled.rows,
                    waiting=ngettext("{n} signed intake waiting", "{n} signed intakes waiting",
                                     left).format(n=left)), flush=True)
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
        print(ngettext("hub {hub}: ok (every device's audit chain ({n} tablet and the hub's "
                       "own), every row against the chain that wrote it, every document's "
                       "hash)",
                       "hub {hub}: ok (every device's audit chain ({n} tablets and the hub's "
                       "own), every row against the chain that wrote it, every document's "
                       "hash)", devices).format(hub=store.where, n=devices))
        if seals is not None and (line := summary(seals)):
            print(line)
        return EXIT_OK
    return _report(problems, _("records on the hub were changed outside mesocheck: keep the "
                               "hub as it is and compare it with its latest backup "
                               "(`mesocheck backup --hub URL`)"))


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
            raise MesocheckError(_("{db} has never sent anything to a hub; nothing to "
                                   "compare").format(db=_db(args)))
        from mesocheck.hub.connect import connect

        raw = connect(url)
        try:
            row = raw.execute("SELECT number, head_id, head_hash FROM devices WHERE uid = %s",
                              (uid,)).fetchone()
        finally:
            raw.close()
        if row is None:
            raise MesocheckError(_("the hub {hub} has never heard of {db}; is it this "
                                   "tablet's hub?").format(hub=describe(url), db=_db(args)))
        number, head_id, head_hash = row
        hub_witness = witness.Witness(_("the hub {hub}").format(hub=describe(url)),
                                      AuditHead(head_id, bytes(head_hash)) if head_id else None)
        problems = store.verify([hub_witness])
    finally:
        store.close()
    if not problems:
        print(_("{db}: ok (integrity, audit chain and documents all hold; it still holds the "
                "audit log up to row {row}, as sent to the hub as device #{number})").format(
            db=_db(args), row=head_id, number=number))
        return EXIT_OK
    return _report(problems, _("this tablet's file no longer holds what it sent to the hub: "
                               "keep it as it is for investigation; the hub holds the record "
                               "as it was sent"))


def _report(problems: list, advice: str) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    from mesocheck.cli import problems_found

    print(f"mesocheck: {problems_found(len(problems))}; {advice}", file=sys.stderr)
    return EXIT_PROBLEMS


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "hub": _hub,
    "sync": _sync,
}
