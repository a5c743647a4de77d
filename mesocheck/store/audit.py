"""The audit log: one hash-chained row per write transaction, naming every row it wrote.

``audit.hash = sha256(hex(prev) + canonical_json({id, at, actor, action, intake_id, rows}))``
where ``prev`` is the hash of the audit row before (32 zero bytes for the first) and ``rows``
lists ``[table, row_id, row_hash]`` (``row_hash`` null for a deletion). Audit hashes are
stored as their 32 bytes; the link to the previous row is not stored, it is that row's hash.

A row hash is the sha256 of the canonical JSON of the whole stored row, its id included,
BLOBs replaced by their sha256. NULL columns are left out, so adding a nullable column in a
later migration does not invalidate the hashes of older rows. An audit entry names it by its
first 16 bytes in hex (128 bits, as many as ``verify`` has always compared; schema 1 wrote
all 32).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from json.encoder import encode_basestring
from typing import Any, Callable, Sequence

from mesocheck.store.db import sqlite
from mesocheck.timeutil import to_iso

GENESIS = bytes(32)
ROW_HASH_BYTES = 16  # of a row's hash, in its audit entry
AUDITED_TABLES = (
    "settings", "forms", "staff", "patients", "intakes", "answers", "acknowledgements",
    "flags", "decisions", "signatures", "documents", "seals", "fhir_pushes",
)
UNHASHED_COLUMNS = {"intakes": frozenset({"current_step"})}  # navigation, not a state change
_ACTOR = re.compile(r"^(patient|system|staff:[1-9][0-9]*)$")
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be stored as JSON")


_VALUE_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
)


def canonical_json(obj: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept: one text per value, so hashes are reproducible."""
    return _ENCODER.encode(obj)


def to_json(value: Any) -> str:
    """Canonical JSON for stored values; dates and datetimes become ISO text."""
    kind = value.__class__
    if kind is str:
        return encode_basestring(value)
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    return _VALUE_ENCODER.encode(value)


_KEYS = {"settings": "key", "forms": "hash"}


def primary_key(table: str) -> str:
    return _KEYS.get(table, "id")


def check_actor(actor: str) -> str:
    if not isinstance(actor, str) or not _ACTOR.match(actor):
        raise ValueError("actor must be 'patient', 'system' or 'staff:<id>'")
    return actor


def staff_actor(staff_id: int) -> str:
    """The audit actor of a staff member: ``staff:<id>``."""
    return f"staff:{int(staff_id)}"


def staff_of(actor: str) -> int | None:
    """The staff id an audit actor names, or None for the patient and the system."""
    return int(actor.split(":", 1)[1]) if actor.startswith("staff:") else None


def _value_text(value: Any) -> str:
    kind = value.__class__
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return int.__repr__(value)
    if kind is bytes:
        return '"' + hashlib.sha256(value).hexdigest() + '"'
    return _ENCODER.encode(value)


def row_digester(columns: Sequence[str]) -> Callable[[Sequence[Any]], bytes]:
    """A function hashing rows of these (sorted) columns: sha256 of
    ``canonical_json({column: value})``, NULLs left out, BLOBs by their sha256.

    Hand-assembled because it runs for millions of rows in bulk inserts and ``verify``;
    ``tests/store/test_audit.py`` checks it against :func:`canonical_json`.
    """
    keys = tuple(encode_basestring(name) + ":" for name in columns)
    sha256 = hashlib.sha256
    quote = encode_basestring
    other = _value_text

    def digest(values: Sequence[Any]) -> bytes:
        return sha256(("{" + ",".join([
            key + (quote(value) if value.__class__ is str else other(value))
            for key, value in zip(keys, values) if value is not None
        ]) + "}").encode()).digest()

    return digest


def row_digest(columns: Sequence[str], values: Sequence[Any]) -> bytes:
    return row_digester(columns)(values)


def row_hash(columns: Sequence[str], values: Sequence[Any]) -> str:
    return row_digest(columns, values).hex()


def entry_hash(digest: bytes) -> str:
    """A row's hash as its audit entry holds it."""
    return digest[:ROW_HASH_BYTES].hex()


def audit_hash(
    prev: bytes, audit_id: int, at: str, actor: str, action: str,
    intake_id: str | None, rows_json: str,
) -> bytes:
    """The chain link; ``rows_json`` is spliced in as stored, so it must be canonical."""
    body = (
        '{"action":' + encode_basestring(action)
        + ',"actor":' + encode_basestring(actor)
        + ',"at":' + encode_basestring(at)
        + ',"id":' + str(audit_id)
        + ',"intake_id":' + ("null" if intake_id is None else encode_basestring(intake_id))
        + ',"rows":' + rows_json + "}"
    )
    return hashlib.sha256((prev.hex() + body).encode()).digest()


def chain_head(conn: sqlite.Connection) -> tuple[int, bytes]:
    """(last audit id, its hash); call inside the write transaction that appends."""
    last = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return (last[0], last[1]) if last else (0, GENESIS)


INSERT_SQL = ("INSERT INTO audit (id, at, actor, action, intake_id, rows, hash) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)")


def append(
    conn: sqlite.Connection, *, at: str, actor: str, action: str,
    intake_id: str | None, rows: list,
) -> tuple[int, bytes]:
    """Chain one audit row on; returns its id and hash (the chain's new head)."""
    last_id, prev = chain_head(conn)
    audit_id = last_id + 1
    rows_json = canonical_json(rows)
    digest = audit_hash(prev, audit_id, at, actor, action, intake_id, rows_json)
    conn.execute(INSERT_SQL, (audit_id, at, actor, action, intake_id, rows_json, digest))
    return audit_id, digest


class Columns:
    """Each audited table's hashed columns, sorted, read from the live schema (through
    ``names(conn, table)``: SQLite's table_info unless another engine's is given)."""

    def __init__(self, conn: sqlite.Connection,
                 names: Callable[[Any, str], list[str]] | None = None):
        self._conn = conn
        self._names = names or _table_info
        self._cache: dict[str, tuple[str, ...]] = {}
        self._digesters: dict[str, Callable[[Sequence[Any]], bytes]] = {}

    def digester(self, table: str) -> Callable[[Sequence[Any]], bytes]:
        if table not in self._digesters:
            self._digesters[table] = row_digester(self[table])
        return self._digesters[table]

    def __getitem__(self, table: str) -> tuple[str, ...]:
        if table not in self._cache:
            skip = UNHASHED_COLUMNS.get(table, frozenset())
            names = self._names(self._conn, table)
            self._cache[table] = tuple(sorted(n for n in names if n not in skip))
        return self._cache[table]


def _table_info(conn: sqlite.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


class Transaction:
    """The rows one write transaction touched, hashed as the database stored them.

    ``insert`` is the store dialect's (how a new row gets its id); everything else is
    plain SQL both engines run."""

    def __init__(self, conn: sqlite.Connection, columns: Columns, at: str, action: str,
                 insert: Callable[[Any, str, dict[str, Any]], Any]):
        self.conn = conn
        self._insert = insert
        self.at = at
        self.action = action  # may be refined before commit, e.g. a failed sign-in
        self.audit_always = False
        self.rows: list[list] = []
        self._columns = columns

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite.Cursor:
        return self.conn.execute(sql, params)

    def insert(self, table: str, values: dict[str, Any]) -> Any:
        key = self._insert(self.conn, table, values)
        self.record(table, key)
        return key

    def update(self, table: str, key: Any, changes: dict[str, Any]) -> None:
        assignments = ", ".join(f"{name} = ?" for name in changes)
        self.conn.execute(
            f"UPDATE {table} SET {assignments} WHERE {primary_key(table)} = ?",
            [*changes.values(), key],
        )
        self.record(table, key)

    def delete(self, table: str, key: Any) -> None:
        self.conn.execute(f"DELETE FROM {table} WHERE {primary_key(table)} = ?", (key,))
        self.rows.append([table, key, None])

    def record(self, table: str, key: Any) -> None:
        """Add the row's current hash to this transaction's audit entry."""
        columns = self._columns[table]
        values = self.conn.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE {primary_key(table)} = ?", (key,)
        ).fetchone()
        self.rows.append([table, key, entry_hash(self._columns.digester(table)(values))])
