"""The Store: one SQLite file, opened safely, written only through audited transactions."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from mesocheck.store import audit, db as dbmod, witness
from mesocheck.store.db import sqlite
from mesocheck.store.audit import Columns, Transaction
from mesocheck.store.dialect import SQLITE, Dialect
from mesocheck.store.intakes import IntakeLifecycle
from mesocheck.store.patients import PatientLookup
from mesocheck.store.migrations import SCHEMA_VERSION, migrate, pending
from mesocheck.store.queries import IntakeQueries
from mesocheck.store.records import AuditHead, Problem
from mesocheck.store.seals import SealRecords
from mesocheck.store.settings import COURSE_DEFAULTS, check_setting
from mesocheck.store.staff import StaffAccounts, require_administrator
from mesocheck.timeutil import to_iso, utc_now

if TYPE_CHECKING:
    from sqlite_utils import Database

DEFAULT_SETTINGS: dict[str, Any] = {
    "clinic_name": "",
    "clinic_address": "",
    "logo_path": None,
    "idle_timeout_s": 120,
    "time_zone": None,
    "full_screen": True,  # a kiosk tablet; `mesocheck --window` opens a window for one run
    "clinic_language": "en",
    "patient_languages": [],  # translations offered to patients; the form's source always
    **COURSE_DEFAULTS,  # the course a signed consent covers
}


class Store(IntakeLifecycle, IntakeQueries, PatientLookup, StaffAccounts, SealRecords):
    """Persistence for mesocheck. Use one Store per thread (sqlite3's default rule).

    The shared logic runs on any connection whose ``dialect`` answers what differs between
    SQL engines (``mesocheck.store.dialect``); this class opens, checks, verifies and backs
    up an SQLite file, and ``mesocheck.hub.store.HubStore`` does the same for the hub."""

    def __init__(self, conn: sqlite.Connection, path: Path | None,
                 clock: Callable[[], datetime], dialect: Dialect = SQLITE):
        self._conn = conn
        self.path = path
        self.clock = clock
        self.dialect = dialect
        self._columns = Columns(conn, dialect.columns)
        self._depth = 0  # atomic blocks open on this connection
        self._head: AuditHead | None = None  # the newest audit row written, not yet committed

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        clock: Callable[[], datetime] = utc_now,
        create: bool = True,
        busy_timeout_ms: int = dbmod.BUSY_TIMEOUT_MS,
        plain: bool = False,
        key: object = dbmod.FROM_KEY_FILE,
    ) -> "Store":
        """Open (or create) the database, check its settings and bring its schema up to date.

        An encrypted database must have been unlocked in this process (or, to be made, set
        up: :mod:`~mesocheck.store.atrest`); ``plain`` lets a new one be made unencrypted.
        ``key`` None opens a plain file even with a key file beside it (``encrypt``)."""
        path = Path(path)

        def build(conn: sqlite.Connection) -> None:
            from sqlite_utils import Database

            migrate(Database(conn), to_iso(clock()))

        conn, created = dbmod.open_database(path, create=create, build=build,
                                            busy_timeout_ms=busy_timeout_ms, plain=plain,
                                            key=key)
        try:
            store = cls(conn, path, clock)
            with dbmod.translated():
                if pending(conn):
                    migrate(store.db, store.now())
                    witness.record(conn, path)
            if created:  # a new database: any head file there was another's
                witness.record(conn, path, replace=True)
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        try:
            self._conn.execute("PRAGMA optimize")
        except sqlite.Error:
            pass
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @cached_property
    def db(self) -> Database:
        """sqlite-utils over the same connection, for schema changes. Imported only when a
        migration runs: it costs the tablet app more start-up time than the whole store."""
        from sqlite_utils import Database

        return Database(self._conn)

    @property
    def connection(self) -> sqlite.Connection:
        return self._conn

    @property
    def schema_version(self) -> int:
        return self._conn.execute("PRAGMA user_version").fetchone()[0]

    def check_quickly(self) -> None:
        """Raise :class:`~mesocheck.store.db.DatabaseCorrupt` if any page is damaged."""
        dbmod.quick_check(self._conn)

    def pragmas(self) -> dict[str, object]:
        return dbmod.pragmas(self._conn)

    def now(self) -> str:
        return to_iso(self.clock())

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Several writes as one: all of them are kept, or none.

        The outermost block is one ``BEGIN IMMEDIATE`` transaction (the write lock is taken
        up front, so two processes never deadlock upgrading a read to a write); a block or
        :meth:`transaction` inside it is a savepoint, so store writes compose, as
        sqlite-utils' ``atomic()`` does. Each write inside keeps its own audit row. Any error
        rolls back everything since the block began. Once the outermost block has committed,
        the head file names its newest audit row (``witness``).
        """
        conn = self._conn
        depth = self._depth
        if depth == 0 and conn.in_transaction:
            raise RuntimeError("a store transaction cannot join one begun outside the store")
        head_before = self._head
        with dbmod.translated():
            if depth == 0:
                self.dialect.begin_write(conn)
            else:
                conn.execute(f"SAVEPOINT s{depth}")
            self._depth = depth + 1
            try:
                yield
                conn.execute("COMMIT" if depth == 0 else f"RELEASE s{depth}")
            except BaseException:
                self._head = head_before  # the audit rows written since are gone
                if conn.in_transaction:
                    if depth == 0:
                        conn.execute("ROLLBACK")
                    else:
                        conn.execute(f"ROLLBACK TO s{depth}")
                        conn.execute(f"RELEASE s{depth}")
                raise
            finally:
                self._depth = depth
        if depth == 0 and self._head is not None:
            head, self._head = self._head, None
            self._committed(head)

    def _committed(self, head: AuditHead) -> None:
        """After the outermost commit that appended ``head``: the head file names it (only
        now durable: never witness earlier)."""
        witness.record(self._conn, self.path, head)

    @contextmanager
    def transaction(
        self, actor: str, action: str, intake_id: str | None = None
    ) -> Iterator[Transaction]:
        """One write ending with exactly one audit row, in a transaction of its own or, inside
        :meth:`atomic`, as part of the one around it.

        A transaction that wrote nothing leaves no audit row unless ``tx.audit_always`` is
        set (sign-in attempts). Any error rolls everything back.
        """
        audit.check_actor(actor)
        with self.atomic():
            tx = Transaction(self._conn, self._columns, self.now(), action,
                             self.dialect.insert)
            yield tx
            if tx.rows or tx.audit_always:
                with dbmod.translated():
                    self._head = AuditHead(*self.dialect.append_audit(
                        self._conn, at=tx.at, actor=actor, action=tx.action,
                        intake_id=intake_id, rows=tx.rows,
                    ))

    def settings(self) -> dict[str, Any]:
        """Clinic settings: stored values over the defaults."""
        values = dict(DEFAULT_SETTINGS)
        with dbmod.translated():
            for key, value in self._conn.execute("SELECT key, value FROM settings"):
                values[key] = json.loads(value)
        return values

    def setting(self, key: str, default: Any = None) -> Any:
        return self.settings().get(key, default)

    def set_settings(self, values: Mapping[str, Any], actor: str) -> None:
        """Store settings, each checked (:func:`~mesocheck.store.settings.check_setting`);
        by the system or an active practitioner."""
        checked = {key: check_setting(key, value) for key, value in values.items()}
        with self.transaction(actor, "settings") as tx:
            require_administrator(tx, actor)
            for key, value in checked.items():
                text = audit.to_json(value)
                row = tx.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
                if row is None:
                    tx.insert("settings", {"key": key, "value": text})
                elif row[0] != text:
                    tx.update("settings", key, {"value": text})

    def set_setting(self, key: str, value: Any, actor: str) -> None:
        self.set_settings({key: value}, actor)

    def verify(self, against: Iterable[witness.Witness] = ()) -> list[Problem]:
        """Integrity check, foreign keys, the audit chain and every audited row (see
        verify.py), and the chain against the head file and every copy in ``against``
        (see witness.py).

        Everything is read in one snapshot: rows another process commits between reading
        the audit log and reading the tables would otherwise look inserted or edited. The
        head file is read before it: a head written after the snapshot began could name a
        row the snapshot cannot see."""
        from mesocheck.store.verify import verify

        witnesses = [w for w in (witness.head_file_witness(self.path), *against) if w]
        with dbmod.translated():
            self._conn.execute("BEGIN")
            try:
                problems = verify(self._conn)
                if not any(p.kind == "integrity" for p in problems):
                    for seen in witnesses:
                        problems += witness.check(self._conn, seen)
                return problems
            finally:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")

    def backup(self, dest: str | Path) -> Path:
        """A verified copy at ``dest``, written through a temporary file and renamed."""
        from mesocheck.store.backup import backup

        return backup(self._conn, self.path, Path(dest))

    def bulk_insert_intakes(
        self, intakes: Iterable[Mapping[str, Any]], *, actor: str = "system",
        batch_size: int = 2000, progress: Callable[[int], None] | None = None,
    ) -> list[str]:
        """Write many complete intakes fast; see :func:`mesocheck.store.bulk.bulk_insert`."""
        from mesocheck.store.bulk import bulk_insert

        return bulk_insert(self, intakes, actor=actor, batch_size=batch_size,
                           progress=progress)


__all__ = ["Store", "DEFAULT_SETTINGS", "SCHEMA_VERSION"]
