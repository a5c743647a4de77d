"""PostgreSQL's answers to what the store's shared code asks of its engine (see
``mesocheck.store.dialect``).

- A write transaction takes one clinic-wide lock (an advisory lock) before anything else:
  the hub's writes commit one after another, like SQLite's, so each station's audit chain
  grows without forks and the counter a tablet pulls by (``hub_seq``) never skips a write
  committed later. It also names the device writing, which the hub records on each row.
- New rows get clinic-wide ids from the hub's sequences (``ids.py``).
- The audit chain of the hub's own writes is the rows of ``audit`` with its device number;
  each write also notifies the stations listening (``LISTEN mesocheck``), delivered when it
  commits.
"""

from __future__ import annotations

from typing import Any, Mapping

from mesocheck.store import audit
from mesocheck.store.dialect import Dialect
from mesocheck.store.records import AuditHead

WRITE_LOCK = 0x4D455357  # "MESW": the hub's one writer at a time
CHANNEL = "mesocheck"  # LISTEN/NOTIFY: a write committed; the payload is the intake or ""
BOOKKEEPING = frozenset({"written_by", "hub_seq", "origin"})  # the hub's own, never hashed


def begin_hub_write(conn: Any, device: int) -> int:
    """Begin a write to the hub as ``device``: the one lock first, then this transaction's
    number (``hub_seq``, in commit order because of the lock). Returns the number."""
    conn.execute("BEGIN")
    conn.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
    return int(conn.execute("SELECT set_config('mesocheck.device', ?, true), "
                            "set_config('mesocheck.seq', nextval('hub_seq')::text, true)",
                            (str(device),)).fetchone()[1])


def as_device(conn: Any, device: int) -> None:
    """Within a hub write: the rows written next are ``device``'s."""
    conn.execute("SELECT set_config('mesocheck.device', ?, true)", (str(device),))


class PostgresDialect(Dialect):
    name = "postgresql"

    def __init__(self, device: int):
        self.device = device  # whose writes these are: the hub's own chain

    def begin_write(self, conn: Any) -> None:
        begin_hub_write(conn, self.device)

    def begin_snapshot(self, conn: Any) -> None:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def columns(self, conn: Any, table: str) -> list[str]:
        return [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = ? ORDER BY ordinal_position", (table,))
            if r[0] not in BOOKKEEPING]

    def insert(self, conn: Any, table: str, values: Mapping[str, Any]) -> Any:
        key = audit.primary_key(table)
        return conn.execute(
            f"INSERT INTO {table} ({', '.join(values)}) VALUES "
            f"({', '.join('?' * len(values))}) RETURNING {key}",
            list(values.values())).fetchone()[0]

    def chain_head(self, conn: Any) -> AuditHead | None:
        row = conn.execute("SELECT id, hash FROM audit WHERE device = ? ORDER BY id DESC "
                           "LIMIT 1", (self.device,)).fetchone()
        return AuditHead(row[0], bytes(row[1])) if row else None

    def append_audit(self, conn: Any, *, at: str, actor: str, action: str,
                     intake_id: str | None, rows: list) -> tuple[int, bytes]:
        head = self.chain_head(conn)
        last_id, prev = (head.audit_id, head.digest) if head else (0, audit.GENESIS)
        audit_id = last_id + 1
        rows_json = audit.canonical_json(rows)
        digest = audit.audit_hash(prev, audit_id, at, actor, action, intake_id, rows_json)
        conn.execute("INSERT INTO audit (device, id, at, actor, action, intake_id, rows, hash) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (self.device, audit_id, at, actor, action, intake_id, rows_json, digest))
        conn.execute("SELECT pg_notify(?, ?)", (CHANNEL, intake_id or ""))
        return audit_id, digest

    def latest(self, *expressions: str) -> str:
        return f"GREATEST({', '.join(expressions)})"

    def contains(self, column: str) -> str:
        return f"strpos({column}, ?) > 0"

    def insertion_order(self, alias: str) -> str:
        return f"{alias}.id"  # intake ids are version 7 UUIDs: in the order they were made

    def not_indexed(self, expression: str) -> str:
        return expression
