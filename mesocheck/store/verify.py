"""``verify``: SQLite's own checks, the audit chain, and every audited row against the chain.

The audit log is replayed in id order to learn the last hash each (table, row id) should
have; every row of every audited table is then hashed as stored and compared. A row with a
different hash was edited (or its id was swapped with another's), a row the log never
wrote was inserted behind mesocheck's back, and a row the log wrote but cannot be found was
deleted. Expected hashes are kept in flat arrays indexed by row id (16 bytes each) rather
than dicts of strings, so 100,000 intakes (millions of rows) check in seconds and little
memory; 128 bits of SHA-256 are far beyond forging.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from array import array
from typing import Any

from mesocheck.store.audit import (
    AUDITED_TABLES, GENESIS, Columns, audit_hash, primary_key, row_digest,
)
from mesocheck.store.migrations import APPEND_ONLY
from mesocheck.store.records import Problem

_KEEP = 16  # bytes of each expected row hash held in memory


class _Expected:
    """Replayed state of one table: per row id, the last audit id that wrote it (negative
    when that was a deletion) and the first bytes of the hash it wrote."""

    def __init__(self) -> None:
        self.audit_ids = array("q")
        self.digests = bytearray()
        self.sparse: dict[Any, tuple[int, bytes]] = {}  # text keys, implausible ids

    def _dense(self, key: Any) -> bool:
        return key.__class__ is int and 0 <= key < 2 * len(self.audit_ids) + 65536

    def set(self, key: Any, hex_hash: str | None, audit_id: int) -> None:
        digest = bytes.fromhex(hex_hash[: 2 * _KEEP]) if hex_hash is not None else b""
        if len(digest) not in (0, _KEEP):
            raise ValueError("malformed row hash")
        state = audit_id if hex_hash is not None else -audit_id
        if not self._dense(key):
            self.sparse[key] = (state, digest)
            return
        if key >= len(self.audit_ids):
            grow = max(key + 1, 2 * len(self.audit_ids)) - len(self.audit_ids)
            self.audit_ids.frombytes(bytes(8 * grow))
            self.digests.extend(bytes(_KEEP * grow))
        self.audit_ids[key] = state
        if digest:
            self.digests[key * _KEEP:(key + 1) * _KEEP] = digest

    def get(self, key: Any) -> tuple[int, bytes]:
        if key.__class__ is int and 0 <= key < len(self.audit_ids):
            state = self.audit_ids[key]
            if state:
                return state, bytes(self.digests[key * _KEEP:(key + 1) * _KEEP])
        return self.sparse.get(key, (0, b""))

    def written(self):
        """(key, audit id) of every row the log says exists."""
        for key, state in enumerate(self.audit_ids):
            if state > 0:
                yield key, state
        for key, (state, _) in self.sparse.items():
            if state > 0:
                yield key, state


def verify(conn: sqlite3.Connection) -> list[Problem]:
    """Every problem found, each naming its table, row and intake; empty when all holds."""
    problems: list[Problem] = []
    if not _integrity(conn, problems):
        return problems
    _foreign_keys(conn, problems)
    _guards(conn, problems)
    expected = _replay(conn, problems)
    columns = Columns(conn)
    for table in AUDITED_TABLES:
        try:
            _check_table(conn, table, columns[table], expected[table], problems)
        except sqlite3.DatabaseError:
            problems.append(Problem("integrity", table, None, None,
                                    "the table could not be read to the end: the file is damaged"))
    return problems


def _integrity(conn: sqlite3.Connection, problems: list[Problem]) -> bool:
    """SQLite's integrity_check; False when the file is too damaged to go on."""
    try:
        messages = [r[0] for r in conn.execute("PRAGMA integrity_check(100)")]
    except sqlite3.DatabaseError:
        problems.append(Problem("integrity", None, None, None,
                                "the file is too damaged for SQLite to check"))
        return False
    if messages != ["ok"]:
        problems.extend(Problem("integrity", None, None, None, m) for m in messages)
    return True


def _foreign_keys(conn: sqlite3.Connection, problems: list[Problem]) -> None:
    for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check").fetchall():
        key = rowid
        if table == "intakes":
            key = conn.execute("SELECT id FROM intakes WHERE rowid = ?", (rowid,)).fetchone()[0]
        problems.append(Problem("foreign_key", table, key, _row_intake(conn, table, key),
                                f"refers to a {parent} row that does not exist"))


def _guards(conn: sqlite3.Connection, problems: list[Problem]) -> None:
    """The triggers that make tables append-only: missing or foreign ones are reported."""
    ours = {f"{t}_no_{e}": t for t in APPEND_ONLY for e in ("update", "delete")}
    present = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"))
    for name, table in ours.items():
        if name not in present:
            problems.append(Problem("schema", table, None, None,
                                    f"the append-only guard {name} was removed"))
    for name, table in present.items():
        if name not in ours:
            problems.append(Problem("schema", table, None, None,
                                    f"an unknown trigger {name} was added"))


def _replay(conn: sqlite3.Connection, problems: list[Problem]) -> dict[str, _Expected]:
    """Check the chain link by link, and collect the hash each row should have now."""
    expected = {table: _Expected() for table in AUDITED_TABLES}
    prev, next_id = GENESIS, 1
    for audit_id, at, actor, action, intake_id, rows_json, prev_hash, digest in conn.execute(
        "SELECT id, at, actor, action, intake_id, rows, prev_hash, hash FROM audit ORDER BY id"
    ):
        def report(detail: str) -> None:
            problems.append(Problem("audit_chain", "audit", audit_id, intake_id, detail))

        if audit_id != next_id:
            report(f"audit rows {next_id} to {audit_id - 1} are missing (deleted)"
                   if audit_id > next_id else "audit ids are out of order")
        if prev_hash != prev:
            report("does not link to the previous audit row (a row before it was deleted, "
                   "inserted, edited or moved)")
        if audit_hash(prev_hash, audit_id, at, actor, action, intake_id, rows_json) != digest:
            report("its content does not match its hash (edited, or moved from another id)")
        prev, next_id = digest, audit_id + 1
        try:
            for table, key, row_hash in json.loads(rows_json):
                expected[table].set(key, row_hash, audit_id)
        except (ValueError, TypeError, KeyError, AttributeError):
            report("its list of written rows is unreadable")
    return expected


def _check_table(
    conn: sqlite3.Connection, table: str, columns: tuple[str, ...], expected: _Expected,
    problems: list[Problem],
) -> None:
    key_at = columns.index(primary_key(table))
    pdf_at = columns.index("pdf") if table == "documents" else None
    seen = bytearray(len(expected.audit_ids))
    seen_sparse: set[Any] = set()

    def report(kind: str, key: Any, row: Any, audit_id: int, detail: str) -> None:
        intake = _audit_intake(conn, audit_id) if audit_id else None
        if intake is None:
            intake = _row_intake(conn, table, key, dict(zip(columns, row)) if row else None)
        problems.append(Problem(kind, table, key, intake, detail))

    for row in conn.execute(f"SELECT {', '.join(columns)} FROM {table}"):
        key = row[key_at]
        if pdf_at is not None:
            row = _document_row(row, columns, pdf_at, lambda d: report(
                "document_hash", key, row, 0, d))
        digest = row_digest(columns, row)[:_KEEP]
        state, wanted = expected.get(key)
        if state > 0:
            if digest != wanted:
                report("changed", key, row, state, "does not match what the audit log "
                       "recorded (edited, or its id was swapped with another row's)")
        elif state < 0:
            report("unaudited", key, row, -state, "the audit log recorded its deletion, "
                   "yet it is present (inserted outside mesocheck)")
        else:
            report("unaudited", key, row, 0, "no audit row wrote it (inserted outside mesocheck)")
        if key.__class__ is int and 0 <= key < len(seen):
            seen[key] = 1
        else:
            seen_sparse.add(key)
    for key, audit_id in expected.written():
        if key.__class__ is int and 0 <= key < len(seen):
            if seen[key]:
                continue
        elif key in seen_sparse:
            continue
        report("missing", key, None, audit_id,
               "the audit log wrote it, but it is gone (deleted outside mesocheck)")


def _document_row(row: tuple, columns: tuple[str, ...], pdf_at: int, report) -> tuple:
    """Check the PDF against its stored SHA-256; hash it only once for both uses."""
    pdf = row[pdf_at]
    if not isinstance(pdf, bytes):
        return row
    actual = hashlib.sha256(pdf).hexdigest()
    if actual != row[columns.index("sha256")]:
        report("the PDF's bytes do not match its recorded SHA-256")
    return row[:pdf_at] + (actual,) + row[pdf_at + 1:]


def _audit_intake(conn: sqlite3.Connection, audit_id: int) -> str | None:
    row = conn.execute("SELECT intake_id FROM audit WHERE id = ?", (audit_id,)).fetchone()
    return row[0] if row else None


def _row_intake(conn: sqlite3.Connection, table: str, key: Any,
                row: dict[str, Any] | None = None) -> str | None:
    """The intake a row belongs to, as far as the database still says."""
    if table == "intakes":
        return key
    if row is None and table not in ("staff", "settings"):
        pk = primary_key(table)
        found = conn.execute(f"SELECT * FROM {table} WHERE {pk} = ?", (key,)).fetchone()
        if found is None:
            return None
        names = [d[0] for d in conn.execute(f"SELECT * FROM {table} LIMIT 0").description]
        row = dict(zip(names, found))
    if row is None:
        return None
    if "intake_id" in row:
        return row["intake_id"]
    if table == "decisions":
        found = conn.execute("SELECT intake_id FROM flags WHERE id = ?",
                             (row["flag_id"],)).fetchone()
        return found[0] if found else None
    if table == "patients":
        found = conn.execute("SELECT id FROM intakes WHERE patient_id = ? LIMIT 1",
                             (key,)).fetchone()
        return found[0] if found else None
    return None
