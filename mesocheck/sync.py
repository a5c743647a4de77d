"""A tablet and the clinic's hub: what the tablet wrote goes up, what it needs comes down.

The tablet never waits on the network: every answer is written to its SQLite file as
always, and the write's audit row already lists, in the same transaction, every row it
wrote (the audit log is the outbox). :meth:`Tablet.push` sends the chain from where the
hub's copy of it ends, with the rows it names as they are now, in batches, each stored on
the hub in one transaction (``mesocheck.hub.receive``): a push cut short sends the rest
next time, and one sent twice is stored once. :meth:`Tablet.pull` brings back what the
tablet needs from the hub: staff accounts (PIN hashes, lock-outs), archived forms, the
clinic's seals, and what the hub wrote about this tablet's intakes (decisions, statuses,
countersignatures, amendments, reviewed documents), each pull one local transaction with
its audit row, in this tablet's ids (``mesocheck.hub.ids``).

Batches are cut only where the hub's copy is whole: after an entry past which no intake in
the batch has a row rewritten (answers change until signing), so that every row the hub
holds matches the chain it holds. :class:`SyncWorker` runs push and pull in a thread of the
tablet app; its :meth:`~SyncWorker.status` is the staff's "hub: ..." line.
"""

from __future__ import annotations

import json
import logging
import platform
import re
import threading
import time
import uuid
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator

from msgspec import Struct

from mesocheck.errors import MesocheckError
from mesocheck.hub import errors, ids
from mesocheck.hub.errors import HubError
from mesocheck.i18n import N_
from mesocheck.store import Store
from mesocheck.store.audit import primary_key
from mesocheck.store.db import translated
from mesocheck.timeutil import to_iso, utc_now

log = logging.getLogger(__name__)

PUSHED = ("forms", "staff", "seals", "patients", "intakes", "answers", "acknowledgements",
          "flags", "decisions", "signatures", "documents")
INTAKE_TABLES = ("intakes", "flags", "answers", "acknowledgements", "decisions",
                 "signatures", "documents")  # what the hub writes about a tablet's intakes
PULL_ACTION = "sync_pull"
_REWRITTEN = ("patients", "intakes", "answers", "acknowledgements", "flags")
BATCH_ENTRIES = 5000
BATCH_BYTES = 24 << 20
_IN = 500  # keys per IN list


class ChainMismatch(HubError):
    default_message = (
        N_("This tablet's audit log no longer holds what it sent to the hub (rows deleted, the "
           "file put back from an older copy, or a copy of this database used on another "
           "tablet): nothing more is sent. Run `mesocheck verify --hub URL` and call the "
           "clinic's IT contact."))


class Unstorable(HubError):
    default_message = (
        N_("A record on this tablet cannot be stored on the hub as it is (it holds a character "
           "or a number PostgreSQL would change): nothing more is sent. Run `mesocheck verify` "
           "and call the clinic's IT contact."))


class PushReport(Struct, frozen=True):
    entries: int = 0
    rows: int = 0
    batches: int = 0
    intakes: int = 0


class PullReport(Struct, frozen=True):
    rows: int = 0


# -- the tablet's sync state ------------------------------------------------------------------


def read_state(local: Store) -> dict[str, str]:
    with translated():
        return dict(local.connection.execute("SELECT key, value FROM sync_state").fetchall())


def _write_state(conn: Any, values: dict[str, Any]) -> None:
    conn.executemany("INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) "
                     "DO UPDATE SET value = excluded.value",
                     [(k, str(v)) for k, v in values.items()])


def write_state(local: Store, **values: Any) -> None:
    """Bookkeeping outside the audit chain (see migration ``m005_sync``)."""
    with local.atomic(), translated():
        _write_state(local.connection, values)


def waiting_intakes(local: Store, after: int) -> int:
    """Intakes signed on this tablet that the hub has not received (audit rows after
    ``after``)."""
    with translated():
        return local.connection.execute(
            "SELECT count(*) FROM audit WHERE id > ? AND action = 'submit'",
            (after,)).fetchone()[0]


# -- the link ---------------------------------------------------------------------------------


class Tablet:
    """One tablet's database and the hub it sends to. Not thread-safe: one per thread."""

    def __init__(self, local: Store, url: str, *, name: str | None = None,
                 timeout_s: float = 5.0):
        self.local = local
        self.url = url
        self.name = name or platform.node() or "tablet"
        self.timeout_s = timeout_s
        self._raw: Any = None
        self.device: int | None = None
        self.hub: int | None = None

    # connection ---------------------------------------------------------------------------

    def connection(self) -> Any:
        if self._raw is None or self._raw.closed:
            from mesocheck.hub import migrate
            from mesocheck.hub.connect import connect

            raw = connect(self.url, timeout_s=self.timeout_s, application="mesocheck sync")
            try:
                with translated():
                    migrate.check(raw)
                    self.hub = migrate.hub_device_number(raw)
                    self.device = self._register(raw)
            except BaseException:
                raw.close()
                raise
            self._raw = raw
        return self._raw

    def close(self) -> None:
        if self._raw is not None:
            try:
                self._raw.close()
            except Exception:  # already gone with the network
                pass
            self._raw = None

    def _register(self, raw: Any) -> int:
        from mesocheck.hub.receive import register

        state = read_state(self.local)
        uid = state.get("device_uid")
        if uid is None:
            uid = str(uuid.uuid4())
            write_state(self.local, device_uid=uid)
        number = register(raw, uid, self.name, self.hub)
        if state.get("device_number") != str(number):
            write_state(self.local, device_number=number)
        return number

    def hub_head(self) -> tuple[int, bytes | None]:
        row = self.connection().execute(
            "SELECT head_id, head_hash FROM devices WHERE number = %s", (self.device,)).fetchone()
        return row[0], (bytes(row[1]) if row[1] is not None else None)

    # push ----------------------------------------------------------------------------------

    def push(self, *, batch_entries: int = BATCH_ENTRIES, batch_bytes: int = BATCH_BYTES,
             progress: Callable[[int, int], None] | None = None) -> PushReport:
        """Send everything after the hub's copy of this tablet's chain; see the module."""
        from mesocheck.hub.receive import HeadMoved, store_batch

        with translated():
            raw = self.connection()
            total = PushReport()
            pushed = None
            try:
                for _attempt in range(5):
                    head_id, head_hash = self.hub_head()
                    try:
                        for batch in self._batches(head_id, head_hash, batch_entries,
                                                   batch_bytes):
                            stored = store_batch(raw, batch, self.hub)
                            pushed = stored.head_id
                            total = PushReport(total.entries + len(batch.audit),
                                               total.rows + stored.rows, total.batches + 1,
                                               total.intakes + len(stored.intakes))
                            if progress:
                                progress(stored.head_id, batch.waiting)
                        return total
                    except HeadMoved:
                        continue  # another program of this tablet sent meanwhile
                return total
            finally:
                if pushed is not None:  # after the snapshot: noted for the status line
                    write_state(self.local, pushed_id=pushed)

    def _batches(self, head_id: int, head_hash: bytes | None, batch_entries: int,
                 batch_bytes: int) -> Iterator[Any]:
        """The batches to send, read in one snapshot of the tablet's database."""
        from mesocheck.hub.receive import Batch

        conn = self.local.connection
        self.local.dialect.begin_snapshot(conn)
        try:
            top = conn.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]
            if head_id > top:
                raise ChainMismatch()
            if head_id:
                row = conn.execute("SELECT hash FROM audit WHERE id = ?", (head_id,)).fetchone()
                if row is None or bytes(row[0]) != head_hash:
                    raise ChainMismatch()
            if head_id == top:
                return
            last_rewrite = self._last_rewrites(conn, head_id)
            signed_after = self._signed(conn, head_id)
            pending: list[tuple] = []
            size, reach, start, start_hash = 0, 0, head_id, head_hash
            for entry in conn.execute(
                    "SELECT id, at, actor, action, intake_id, rows, hash FROM audit "
                    "WHERE id > ? ORDER BY id", (head_id,)):
                pending.append(entry)
                size += len(entry[5]) + 200
                if entry[4] is not None:
                    reach = max(reach, last_rewrite.get(entry[4], 0))
                if (entry[0] >= reach and (len(pending) >= batch_entries or size >= batch_bytes)
                        or entry[0] == top):
                    waiting = sum(1 for s in signed_after if s > entry[0])
                    yield self._batch(conn, Batch, start, start_hash, pending, waiting)
                    start, start_hash = entry[0], bytes(entry[6])
                    pending, size = [], 0
        finally:
            conn.execute("ROLLBACK")

    @staticmethod
    def _last_rewrites(conn: Any, after: int) -> dict[str, int]:
        """Per intake, the last entry after ``after`` that rewrote one of its rows (its own
        writes; what a pull wrote is the hub's)."""
        marks = " OR ".join(f"instr(rows, '[\"{t}\"') > 0" for t in _REWRITTEN)
        return dict(conn.execute(
            f"SELECT intake_id, max(id) FROM audit WHERE id > ? AND intake_id IS NOT NULL "
            f"AND action != '{PULL_ACTION}' AND ({marks}) GROUP BY intake_id", (after,)))

    @staticmethod
    def _signed(conn: Any, after: int) -> list[int]:
        return [r[0] for r in conn.execute(
            "SELECT id FROM audit WHERE id > ? AND action = 'submit'", (after,))]

    def _batch(self, conn: Any, batch_type: Any, start: int, start_hash: bytes | None,
               entries: list[tuple], waiting: int) -> Any:
        from mesocheck.hub.receive import hub_rows

        device = self.device
        wanted: dict[str, dict[Any, None]] = {t: {} for t in PUSHED}
        staff: list[tuple[str, Any]] = []
        for entry in entries:
            action = entry[3]
            if action == PULL_ACTION:
                continue  # the hub's own rows, as pulled
            for table, key, _ in json.loads(entry[5]):
                if table == "staff":
                    staff.append((action, key))
                elif table in wanted:
                    wanted[table][key] = None
        rows: dict[str, tuple[list[str], list[tuple]]] = {}
        deleted: dict[str, list[Any]] = {}
        for table, keys in wanted.items():
            if not keys:
                continue
            names, found = _fetch(conn, table, list(keys))
            _check_storable(table, names, found.values())
            rows[table] = (names, hub_rows(device, table, names, found.values()))
            gone = [ids.key_to_hub(device, table, k) for k in keys if k not in found]
            if gone:
                deleted[table] = gone
        changes = []
        if staff:
            names, accounts = _fetch(conn, "staff", list(dict.fromkeys(k for _, k in staff)))
            for action, key in staff:
                if key in accounts:
                    changes.append((action, dict(zip(names, hub_rows(
                        device, "staff", names, [accounts[key]])[0]))))
        audit = [(e[0], e[1], e[2], e[3], e[4], e[5], bytes(e[6])) for e in entries]
        return batch_type(device=device, start=start, start_hash=start_hash, audit=audit,
                          rows=rows, deleted=deleted, staff=changes,
                          device_now=to_iso(self.local.clock()), waiting=waiting)

    # pull ----------------------------------------------------------------------------------

    def pull(self) -> PullReport:
        """Bring what the hub has for this tablet into its database; see the module."""
        with translated():
            raw = self.connection()
            state = read_state(self.local)
            seq_after = int(state.get("pulled_seq", 0))
            audit_after = int(state.get("pulled_hub_audit", 0))
            found: dict[str, list[dict[str, Any]]] = {}
            raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                seq_to, audit_to = seq_after, audit_after
                for table in ("forms", "staff", "seals"):
                    columns = self._columns(table)
                    cursor = raw.execute(
                        f"SELECT {', '.join(columns)}, hub_seq FROM {table} "
                        "WHERE hub_seq > %s AND written_by != %s ORDER BY hub_seq",
                        (seq_after, self.device))
                    for *values, seq in cursor:
                        found.setdefault(table, []).append(dict(zip(columns, values)))
                        seq_to = max(seq_to, seq)
                keys: dict[str, set] = {t: set() for t in INTAKE_TABLES}
                for audit_id, rows_json in raw.execute(
                        "SELECT id, rows FROM audit WHERE device = %s AND id > %s ORDER BY id",
                        (self.hub, audit_after)):
                    audit_to = audit_id
                    for table, key, _ in json.loads(rows_json):
                        if table in keys:
                            keys[table].add(key)
                for table in INTAKE_TABLES:
                    if keys[table]:
                        found[table] = self._mine(raw, table, keys[table])
            finally:
                raw.execute("ROLLBACK")
            count = self._apply(found, seq_to, audit_to, (seq_after, audit_after))
            raw.execute("UPDATE devices SET last_pull_at = now() WHERE number = %s",
                        (self.device,))
            return PullReport(count)

    def _columns(self, table: str) -> list[str]:
        """The columns a pull brings: those a row's hash covers (not where a tablet's own
        intake was left open, which is navigation)."""
        return list(self.local._columns[table])

    def _mine(self, raw: Any, table: str, keys: set) -> list[dict[str, Any]]:
        """Rows of ``table`` with these keys that belong to this tablet's intakes."""
        columns = self._columns(table)
        select = ", ".join(f"t.{c}" for c in columns)
        if table == "intakes":
            join, where = "", "t.origin = %s"
        elif table == "decisions":
            join = "JOIN flags f ON f.id = t.flag_id JOIN intakes i ON i.id = f.intake_id"
            where = "i.origin = %s"
        else:
            join, where = "JOIN intakes i ON i.id = t.intake_id", "i.origin = %s"
        key = primary_key(table)
        if table == "intakes":
            cast = "::uuid[]"
        else:
            cast = "::bigint[]"
        return [dict(zip(columns, r)) for r in raw.execute(
            f"SELECT {select} FROM {table} t {join} WHERE t.{key} = ANY(%s{cast}) AND {where} "
            f"ORDER BY t.{key}", (sorted(keys), self.device))]

    def _apply(self, found: dict[str, list[dict[str, Any]]], seq_to: int, audit_to: int,
               before: tuple[int, int]) -> int:
        """One local transaction: the rows as this tablet numbers them, and the cursors."""
        if not any(found.values()) and (seq_to, audit_to) == before:
            return 0
        device = self.device
        count = 0
        order = ("forms", "staff", "seals", "intakes", "flags", "answers", "acknowledgements",
                 "decisions", "signatures", "documents")
        with self.local.transaction("system", PULL_ACTION) as tx:
            for table in order:
                for row in found.get(table, ()):
                    local = _device_form(device, table, row)
                    key_name = primary_key(table)
                    key = local[key_name]
                    columns = [c for c in local if c != key_name]
                    current = tx.execute(
                        f"SELECT {', '.join(columns)} FROM {table} WHERE {key_name} = ?",
                        (key,)).fetchone()
                    if current is None:
                        tx.insert(table, local)
                        count += 1
                    else:
                        changes = {c: local[c] for c, v in zip(columns, current)
                                   if v != local[c]}
                        if changes:
                            tx.update(table, key, changes)
                            count += 1
            _write_state(tx.conn, {"pulled_seq": seq_to, "pulled_hub_audit": audit_to})
        return count

    def sync_once(self) -> tuple[PushReport, PullReport]:
        pushed = self.push()
        pulled = self.pull()
        if pulled.rows:  # the pull's own audit row, so the hub's copy is the newest
            again = self.push()
            pushed = PushReport(pushed.entries + again.entries, pushed.rows + again.rows,
                                pushed.batches + again.batches, pushed.intakes)
        return pushed, pulled


def _local_head(local: Store) -> int:
    return local.connection.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]


def _fetch(conn: Any, table: str, keys: list[Any]) -> tuple[list[str], dict[Any, tuple]]:
    """Rows of a local table by key (every stored column): the columns, and key -> row."""
    key = primary_key(table)
    names = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    at = names.index(key)
    found: dict[Any, tuple] = {}
    for start in range(0, len(keys), _IN):
        chunk = keys[start:start + _IN]
        for row in conn.execute(
                f"SELECT {', '.join(names)} FROM {table} WHERE {key} IN "
                f"({', '.join('?' * len(chunk))})", chunk):
            found[row[at]] = row
    return names, found


_JSON_COLUMNS = {"answers": "value", "flags": "triggers"}
# JSON text that jsonb might give back otherwise: a NUL, a number in exponent form (jsonb
# writes 1e+20 as 1 and twenty zeros), or no number at all (NaN, Infinity).
_DOUBTFUL_JSON = re.compile(r"\\u0000|[0-9][eE]|NaN|Infinity")


def _check_storable(table: str, names: list[str], rows: Iterable[tuple]) -> None:
    """Refuse a value PostgreSQL would not keep exactly as it is (see :class:`Unstorable`)."""
    column = _JSON_COLUMNS.get(table)
    at = names.index(column) if column is not None else None
    for row in rows:
        for value in row:
            if value.__class__ is str and "\x00" in value:
                raise Unstorable()
        if at is not None and _DOUBTFUL_JSON.search(row[at]):
            _check_json(row[at])


def _check_json(text: str) -> None:
    """jsonb keeps JSON's meaning, not its text: the text read back must be the same."""
    from mesocheck.store.audit import to_json

    def plain(value: Any) -> bool:
        if isinstance(value, float):
            return abs(value) < 1e16 and value == value and abs(value) != float("inf")
        if isinstance(value, str):
            return "\x00" not in value
        if isinstance(value, list):
            return all(plain(v) for v in value)
        if isinstance(value, dict):
            return all(plain(v) for v in value.values())
        return True

    try:
        parsed = json.loads(text)
    except ValueError:
        raise Unstorable() from None
    if to_json(parsed) != text or not plain(parsed):
        raise Unstorable()


def _device_form(device: int, table: str, row: dict[str, Any]) -> dict[str, Any]:
    out = ids.to_device(device, table, row)
    strokes = out.get("strokes")
    if isinstance(strokes, (bytes, memoryview)) and bytes(strokes)[:1] == b"[":
        out["strokes"] = bytes(strokes).decode()
    return out


# -- the tablet app's background sync ---------------------------------------------------------


class Status(Struct, frozen=True):
    """What staff see of the hub on a tablet (never shown to patients)."""

    hub: str  # user@host:port/database, no password
    connected: bool
    last_ok_at: datetime | None
    failing_since: datetime | None
    problem: str | None
    waiting: int  # signed intakes the hub has not received


class SyncWorker:
    """Push and pull in a thread of their own, with their own connections: the patient's
    screen never waits on them. Sends soon after each local write (it looks at the audit
    log's end four times a second), fetches when the hub says something changed (LISTEN)
    or every ``pull_every_s``, and after a failure tries again after 1, 2, 5, 10, then
    every 30 seconds."""

    BACKOFF = (1, 2, 5, 10, 30)

    def __init__(self, open_local: Callable[[], Store], url: str, *, name: str | None = None,
                 pull_every_s: float = 10.0, poll_s: float = 0.25):
        self._open_local = open_local
        self.url = url
        self.name = name
        self.pull_every_s = pull_every_s
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._status = Status(errors.describe(url), False, None, None, None, 0)
        self._thread: threading.Thread | None = None
        self._listening_on: Any = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mesocheck-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """Something was written: send it now rather than at the next look."""
        self._wake.set()

    def status(self) -> Status:
        with self._lock:
            return self._status

    def _set(self, **changes: Any) -> None:
        with self._lock:
            values = {f: getattr(self._status, f) for f in self._status.__struct_fields__}
            values.update(changes)
            self._status = Status(**values)

    def _run(self) -> None:
        try:
            local = self._open_local()
        except MesocheckError as exc:
            self._set(problem=exc.message, failing_since=utc_now())
            return
        tablet = Tablet(local, self.url, name=self.name)
        failures = 0
        sent_head = -1
        next_pull = 0.0
        try:
            while not self._stop.is_set():
                try:
                    with translated():
                        head = _local_head(local)
                        if head != sent_head or time.monotonic() >= next_pull:
                            tablet.push()
                            if tablet.pull().rows:
                                tablet.push()
                            sent_head = _local_head(local)
                            next_pull = time.monotonic() + self.pull_every_s
                            self._set(connected=True, last_ok_at=utc_now(),
                                      failing_since=None, problem=None,
                                      waiting=waiting_intakes(local, tablet.hub_head()[0]))
                        failures = 0
                        if self._listen(tablet):
                            next_pull = 0.0
                except MesocheckError as exc:
                    tablet.close()
                    failures += 1
                    status = self.status()
                    pushed = int(read_state(local).get("pushed_id", 0) or 0)
                    self._set(connected=False, problem=exc.message,
                              failing_since=status.failing_since or utc_now(),
                              waiting=waiting_intakes(local, pushed))
                    log.warning("hub sync failed: %s", type(exc).__name__)
                    self._sleep(self.BACKOFF[min(failures, len(self.BACKOFF)) - 1])
                except Exception as exc:  # a bug: logged, and tried again later
                    from mesocheck.logs import log_bug

                    tablet.close()
                    failures += 1
                    log_bug(exc, "syncing with the hub")
                    self._set(connected=False, problem="The hub sync failed unexpectedly; "
                              "the details are in the log.",
                              failing_since=self.status().failing_since or utc_now())
                    self._sleep(self.BACKOFF[-1])
        finally:
            tablet.close()
            local.close()

    def _listen(self, tablet: Tablet) -> bool:
        """Wait up to ``poll_s`` for the hub to say something changed; True if it did."""
        raw = tablet.connection()
        if self._listening_on is not raw:
            raw.execute("LISTEN mesocheck")
            self._listening_on = raw
        if self._wake.is_set():
            self._wake.clear()
            return False
        return any(True for _ in raw.notifies(timeout=self.poll_s, stop_after=1))

    def _sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)
