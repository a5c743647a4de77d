"""What the store's shared code needs from its SQL engine, and SQLite's answers.

The store's logic (the intake lifecycle, the queries, staff accounts, seals, audited
transactions) is written once over a connection with ``execute(sql, params)`` and ``?``
placeholders. The few things that differ between engines sit here, behind one small
interface: how a write transaction begins and takes its lock, how a new row gets its id,
where the audit chain of this store's writes is kept, a table's columns, and three SQL
spellings. :data:`SQLITE` is the tablet's; the hub's PostgreSQL answers are in
``mesocheck.hub.dialect``.
"""

from __future__ import annotations

from typing import Any, Mapping

from mesocheck.ids import LOCAL_ID_LIMIT
from mesocheck.store import audit
from mesocheck.store.records import AuditHead


class Dialect:
    """The SQLite store's engine; ``mesocheck.hub.dialect.PostgresDialect`` overrides."""

    name = "sqlite"

    # -- transactions ----------------------------------------------------------------------

    def begin_write(self, conn: Any) -> None:
        """Begin the outermost write transaction, holding the write lock from the start
        (two writers never deadlock upgrading a read to a write)."""
        conn.execute("BEGIN IMMEDIATE")

    def begin_snapshot(self, conn: Any) -> None:
        """Begin a read-only transaction that sees one moment of the database."""
        conn.execute("BEGIN")

    # -- rows and the audit chain ----------------------------------------------------------

    def columns(self, conn: Any, table: str) -> list[str]:
        """The table's stored columns (what a row's hash covers, before exclusions)."""
        return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]

    def insert(self, conn: Any, table: str, values: Mapping[str, Any]) -> Any:
        """Insert one row; returns its key. A row without an id gets the next id below
        :data:`LOCAL_ID_LIMIT`: rows copied from the hub may hold larger ones, and SQLite
        by itself would count on from those."""
        key_name = audit.primary_key(table)
        names = list(values)
        marks = ["?"] * len(values)
        params = list(values.values())
        if key_name == "id" and "id" not in values:
            names.insert(0, "id")
            marks.insert(0, f"(SELECT coalesce((SELECT id FROM {table} WHERE id < ? "
                            "ORDER BY id DESC LIMIT 1), 0) + 1)")
            params.insert(0, LOCAL_ID_LIMIT)
        cursor = conn.execute(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(marks)})", params)
        return values.get(key_name, cursor.lastrowid)

    def chain_head(self, conn: Any) -> AuditHead | None:
        """The newest row of this store's own audit chain."""
        row = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        return AuditHead(row[0], bytes(row[1])) if row and isinstance(row[1], bytes) else None

    def append_audit(self, conn: Any, *, at: str, actor: str, action: str,
                     intake_id: str | None, rows: list) -> tuple[int, bytes]:
        return audit.append(conn, at=at, actor=actor, action=action, intake_id=intake_id,
                            rows=rows)

    # -- spellings ---------------------------------------------------------------------------

    def latest(self, *expressions: str) -> str:
        """The greatest of several times (ISO text here), NULLs taken as the earliest."""
        first, *rest = expressions
        return f"max({first}, " + ", ".join(f"coalesce({e}, '')" for e in rest) + ")"

    def contains(self, column: str) -> str:
        """``column`` holds the text of one ``?`` parameter."""
        return f"instr({column}, ?) > 0"

    def insertion_order(self, alias: str) -> str:
        """A tie-breaker in the order rows were made."""
        return f"{alias}.rowid"

    def not_indexed(self, expression: str) -> str:
        """``expression`` kept off the indexes (SQLite's unary plus), so that the planner
        stays on an index already in the wanted order."""
        return f"+{expression}"


SQLITE = Dialect()
