"""The hub's side of a tablet's push: one batch of its audit chain and the rows it names,
stored in one hub transaction, or nothing.

- The batch must start where the hub's copy of the device's chain ends (checked under the
  hub's write lock), so a batch sent twice, or by two programs of one tablet at once, is
  stored once: the second finds the head moved and sends only what is still new.
- Rows are copied into temporary tables and inserted from there, ``ON CONFLICT DO NOTHING``
  for what is only ever added (signatures, decisions, documents, forms, seals), and for what
  a tablet rewrites before signing (patients, intakes, answers, acknowledgements, flags)
  ``DO UPDATE`` only while this device is the row's last writer: once the hub has written a
  row (a review), a tablet's older copy never overwrites it.
- Staff accounts are the clinic's: what a tablet did to one (a wrong PIN, a lock-out, a
  sign-in, a new PIN, an activation) is done again on the hub's account, in the hub's own
  audit chain, so wrong PINs on several stations add up and a lock-out anywhere locks
  everywhere.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from msgspec import Struct
from psycopg.errors import UniqueViolation

from mesocheck.hub.connect import PgConnection
from mesocheck.hub.dialect import CHANNEL, PostgresDialect, as_device, begin_hub_write
from mesocheck.ids import site_base
from mesocheck.store.audit import Columns, Transaction, primary_key
from mesocheck.store.staff import LOCKOUT, MAX_ATTEMPTS
from mesocheck.timeutil import from_iso, to_iso

APPEND_ONLY = ("forms", "seals", "decisions", "signatures", "documents")
REWRITTEN = ("patients", "intakes", "answers", "acknowledgements", "flags")
ORDER = ("forms", "patients", "intakes", "answers", "acknowledgements", "flags", "decisions",
         "signatures", "documents", "seals")  # references before what refers to them


class HeadMoved(Exception):
    """The hub's copy of the chain no longer ends where this batch starts."""

    def __init__(self, head_id: int, head_hash: bytes | None):
        super().__init__("head moved")
        self.head_id = head_id
        self.head_hash = head_hash


class Batch(Struct):
    """What one hub transaction stores for a device: audit rows after ``start``, the rows
    they name in hub form (table -> list of column dicts), rows deleted since, and what was
    done to staff accounts (action, the account as the device has it now)."""

    device: int
    start: int
    start_hash: bytes | None
    audit: list[tuple]  # (id, at, actor, action, intake_id, rows, hash)
    rows: dict[str, tuple[list[str], list[tuple]]]  # table -> (columns, rows)
    deleted: dict[str, list[Any]]
    staff: list[tuple[str, dict[str, Any]]]
    device_now: str
    waiting: int


class Stored(Struct, frozen=True):
    head_id: int
    head_hash: bytes
    rows: int
    intakes: tuple[str, ...]


def store_batch(raw: Any, batch: Batch, hub: int) -> Stored:
    """Store ``batch`` in one transaction on the hub connection ``raw``; raises
    :class:`HeadMoved` (nothing stored) when the batch does not continue the hub's copy."""
    conn = PgConnection(raw)
    begin_hub_write(conn, batch.device)
    try:
        head_id, head_hash = conn.execute(
            "SELECT head_id, head_hash FROM devices WHERE number = ? FOR UPDATE",
            (batch.device,)).fetchone()
        head_hash = bytes(head_hash) if head_hash is not None else None
        if head_id != batch.start or (head_id and head_hash != batch.start_hash):
            raise HeadMoved(head_id, head_hash)
        with raw.cursor().copy("COPY audit (device, id, at, actor, action, intake_id, rows, "
                               "hash) FROM STDIN") as copy:
            for entry in batch.audit:
                copy.write_row((batch.device, *entry))
        count = 0
        for table in ORDER:
            names, rows = batch.rows.get(table, ((), ()))
            if rows:
                count += _upsert(conn, raw, table, list(names), rows, batch.device)
        for table, keys in batch.deleted.items():
            if keys:
                conn.execute(f"DELETE FROM {table} WHERE {primary_key(table)} = ANY(?) "
                             "AND written_by = ?", (list(keys), batch.device))
        now = conn.execute("SELECT now()").fetchone()[0]
        if batch.staff:
            _replay_staff(conn, batch.staff, batch.device, hub, now)
        last = batch.audit[-1]
        offset = int((from_iso(now) - from_iso(batch.device_now)).total_seconds() * 1000)
        conn.execute("UPDATE devices SET head_id = ?, head_hash = ?, last_push_at = now(), "
                     "clock_offset_ms = ?, waiting = ? WHERE number = ?",
                     (last[0], last[-1], offset, batch.waiting, batch.device))
        intakes = tuple(dict.fromkeys(e[4] for e in batch.audit if e[4]))
        for intake_id in intakes[:100]:
            conn.execute("SELECT pg_notify(?, ?)", (CHANNEL, intake_id))
        if len(intakes) > 100:
            conn.execute("SELECT pg_notify(?, '')", (CHANNEL,))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except Exception:  # the connection itself is gone: nothing was committed
                pass
        raise
    return Stored(last[0], last[-1], count, intakes)


def _upsert(conn: PgConnection, raw: Any, table: str, names: list[str], rows: list[tuple],
            device: int) -> int:
    """Store rows of one table; the count stored or changed. Rows the hub has never seen
    (all of a backlog's) are copied straight in; when one is already there, the batch goes
    through a temporary table and ``INSERT ... ON CONFLICT``."""
    columns = ", ".join(names)
    conn.execute("SAVEPOINT straight_in")
    try:
        with raw.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.execute("RELEASE SAVEPOINT straight_in")
        return len(rows)
    except UniqueViolation:
        conn.execute("ROLLBACK TO SAVEPOINT straight_in")
        conn.execute("RELEASE SAVEPOINT straight_in")
    stage = f"stage_{table}"
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table} INCLUDING DEFAULTS) "
                 "ON COMMIT DELETE ROWS")
    with raw.cursor().copy(f"COPY {stage} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    key = primary_key(table)
    if table in APPEND_ONLY:
        conflict = "DO NOTHING"
    else:
        rest = [n for n in names if n != key]
        mine = ", ".join(f"{table}.{n}" for n in rest)
        theirs = ", ".join(f"EXCLUDED.{n}" for n in rest)
        conflict = (f"DO UPDATE SET ({', '.join(rest)}) = ROW({theirs}) "
                    f"WHERE {table}.written_by = {int(device)} AND ROW({mine}) IS DISTINCT "
                    f"FROM ROW({theirs})")
    done = conn.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} "
                        f"ON CONFLICT ({key}) {conflict}")
    return done.rowcount


def _replay_staff(conn: PgConnection, changes: Iterable[tuple[str, Mapping[str, Any]]],
                  device: int, hub: int, now: str) -> None:
    """Each account change a tablet made, made again on the hub's account by the hub."""
    as_device(conn, hub)
    dialect = PostgresDialect(hub)
    columns = Columns(conn, dialect.columns)
    moment = from_iso(now)
    lockout_end = to_iso(moment + LOCKOUT)
    new: set[int] = set()  # accounts first seen in this batch: stored as the tablet has them
    for action, theirs in changes:
        staff_id = theirs["id"]
        if staff_id in new:
            continue
        row = conn.execute("SELECT name, role, pin_hash, failed_attempts, locked_until, "
                           "active FROM staff WHERE id = ?", (staff_id,)).fetchone()
        tx = Transaction(conn, columns, now, f"{action} (device {device})", dialect.insert)
        if row is None:
            values = dict(theirs)
            if values.get("locked_until") and values["locked_until"] > lockout_end:
                values["locked_until"] = lockout_end  # a lock-out lasts by the hub's clock
            tx.insert("staff", values)
            new.add(staff_id)
        else:
            name, role, pin_hash, attempts, locked_until, active = row
            locked = locked_until is not None and from_iso(locked_until) > moment
            changes_: dict[str, Any] = {}
            if action == "sign_in_failed" and not locked:
                if attempts + 1 >= MAX_ATTEMPTS:
                    changes_ = {"failed_attempts": 0, "locked_until": lockout_end}
                    tx.action = f"sign_in_locked_out (device {device})"
                else:
                    changes_ = {"failed_attempts": attempts + 1}
            elif action == "sign_in_locked_out" and not locked:
                changes_ = {"failed_attempts": 0, "locked_until": lockout_end}
            elif action == "sign_in" and not locked and (attempts or locked_until):
                changes_ = {"failed_attempts": 0, "locked_until": None}
            elif action not in ("sign_in", "sign_in_failed", "sign_in_locked_out",
                                "sign_in_refused", "add_staff"):
                # A new PIN, an activation or any other change: the tablet's values.
                hub_has = {"name": name, "role": role, "pin_hash": pin_hash, "active": active}
                changes_ = {k: theirs[k] for k in hub_has if theirs.get(k) != hub_has[k]}
                if action == "change_pin":
                    changes_.update(failed_attempts=0, locked_until=None)
            if changes_:
                tx.update("staff", staff_id, changes_)
        if tx.rows:
            dialect.append_audit(conn, at=now, actor="system", action=tx.action,
                                 intake_id=None, rows=tx.rows)
    as_device(conn, device)


def register(raw: Any, uid: str, name: str, hub: int) -> int:
    """This device's clinic-wide number, given on its first contact."""
    conn = PgConnection(raw)
    found = conn.execute("SELECT number, kind FROM devices WHERE uid = ?", (uid,)).fetchone()
    if found is not None:
        return int(found[0])
    begin_hub_write(conn, hub)
    try:
        found = conn.execute("SELECT number FROM devices WHERE uid = ?", (uid,)).fetchone()
        if found is None:
            found = conn.execute(
                "INSERT INTO devices (number, uid, name, kind) VALUES "
                "(? + nextval('device_numbers'), ?, ?, 'tablet') RETURNING number",
                (site_base(hub), uid, name)).fetchone()
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return int(found[0])


def hub_rows(device: int, table: str, names: list[str], rows: Iterable[tuple]
             ) -> list[tuple]:
    """A tablet's rows (in ``names`` order, as SQLite holds them) as the hub stores them:
    its ids clinic-wide, signature strokes of schema 1 (JSON text) as their UTF-8 bytes."""
    from mesocheck.hub.ids import ID_COLUMNS
    from mesocheck.ids import LOCAL_BITS, LOCAL_ID_LIMIT

    at = [names.index(c) for c in ID_COLUMNS.get(table, ()) if c in names]
    strokes = names.index("strokes") if "strokes" in names else None
    prefix = device << LOCAL_BITS
    out = []
    for row in rows:
        if at or strokes is not None:
            row = list(row)
            for i in at:
                value = row[i]
                if value is not None and value < LOCAL_ID_LIMIT:
                    row[i] = prefix | value
            if strokes is not None and row[strokes].__class__ is str:
                row[strokes] = row[strokes].encode()
        out.append(tuple(row))
    return out

