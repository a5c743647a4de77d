"""``verify``: SQLite's own checks, the audit chain, and every audited row against the chain.

The audit log is replayed in id order to learn the last hash each (table, row id) should
have; every row of every audited table is then hashed as stored and compared. A row with a
different hash was edited (or its id was swapped with another's), a row the log never
wrote was inserted behind mesocheck's back, and a row the log wrote but cannot be found was
deleted.

Built to take seconds on 100,000 intakes (millions of rows): expected hashes live in flat
arrays indexed by row id (their first 16 bytes, as audit entries hold them: 128 bits of
SHA-256 are far beyond forging), SQLite writes each row's JSON in C (a row whose hash then
disagrees is re-hashed by the Python definition before it is reported, so SQLite's JSON
quoting can only cost time, never a wrong finding), and SQLite's integrity and foreign-key
checks run meanwhile on a second connection in a thread.
"""

from __future__ import annotations

import hashlib
import json
import threading
from array import array
from typing import Any, Iterator

from mesocheck.i18n import _
from mesocheck.store.audit import (
    AUDITED_TABLES, GENESIS, ROW_HASH_BYTES, Columns, audit_hash, canonical_json, primary_key,
)
from mesocheck.store.db import connect, sqlite
from mesocheck.store.migrations import GUARDED_TABLES
from mesocheck.store.records import Problem

_KEEP = ROW_HASH_BYTES  # bytes of each expected row hash compared
_HEX_LENGTHS = (2 * ROW_HASH_BYTES, 64)  # an entry's row hash; schema 1 wrote all 64 digits


class _Expected:
    """Replayed state of one table: per row id, the last audit id that wrote it (negative
    when that was a deletion) and the first bytes of the hash it wrote."""

    def __init__(self, size: int = 0) -> None:
        self.audit_ids = array("q", bytes(8 * size))
        self.digests = bytearray(_KEEP * size)
        self.sparse: dict[Any, tuple[int, bytes]] = {}  # text keys, implausible ids

    def set(self, key: Any, hex_hash: str | None, audit_id: int) -> None:
        if hex_hash is not None and not (isinstance(hex_hash, str)
                                         and len(hex_hash) in _HEX_LENGTHS):
            raise ValueError("malformed row hash")
        digest = bytes.fromhex(hex_hash[: 2 * _KEEP]) if hex_hash is not None else b""
        state = audit_id if hex_hash is not None else -audit_id
        size = len(self.audit_ids)
        if not (key.__class__ is int and 0 <= key < 2 * size + 65536):
            self.sparse[key] = (state, digest)
            return
        if key >= size:
            grow = max(key + 1, 2 * size) - size
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

    def written(self) -> Iterator[tuple[Any, int]]:
        """(key, audit id) of every row the log says exists."""
        for key, state in enumerate(self.audit_ids):
            if state > 0:
                yield key, state
        for key, (state, _) in self.sparse.items():
            if state > 0:
                yield key, state


def verify(conn: sqlite.Connection) -> list[Problem]:
    """Every problem found, each naming its table, row and intake; empty when all holds."""
    sqlite_checks = _SqliteChecks(conn)
    problems: list[Problem] = []
    try:
        _guards(conn, problems)
        expected = _replay(conn, problems)
        columns = Columns(conn)
        sql_json = _sqlite_quotes_like_python(conn)
        for table in AUDITED_TABLES:
            try:
                _check_table(conn, table, columns, expected[table], problems, sql_json)
            except sqlite.DatabaseError:
                problems.append(Problem("integrity", table, None, None,
                                        _("the table could not be read to the end (damaged, "
                                          "or edited outside mesocheck)")))
    except sqlite.DatabaseError:
        problems.append(Problem("integrity", None, None, None, _("the file could not be read")))
    found, damaged = sqlite_checks.result()
    return found if damaged else found + problems


class _SqliteChecks:
    """integrity_check and foreign_key_check on their own connection, in a thread: they run
    in C with the GIL released, alongside the hashing."""

    def __init__(self, conn: sqlite.Connection):
        path = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
        self._problems: list[Problem] = []
        self._damaged = False
        self._error: BaseException | None = None
        self._thread = None
        if path:
            key = getattr(conn, "key", None)  # an encrypted database's, for a second connection
            self._thread = threading.Thread(target=self._run, args=(path, key), daemon=True)
            self._thread.start()
        else:
            self._check(conn)

    def _run(self, path: str, key: bytes | None) -> None:
        try:
            conn = connect(path, key)
            try:
                self._check(conn)
            finally:
                conn.close()
        except BaseException as error:  # handed to the caller in result()
            self._error = error

    def _check(self, conn: sqlite.Connection) -> None:
        self._damaged = not _integrity(conn, self._problems)
        if not self._damaged:
            _foreign_keys(conn, self._problems)

    def result(self) -> tuple[list[Problem], bool]:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._problems, self._damaged


def _integrity(conn: sqlite.Connection, problems: list[Problem]) -> bool:
    """SQLite's integrity_check; False when the file is too damaged to go on."""
    try:
        messages = [r[0] for r in conn.execute("PRAGMA integrity_check(100)")]
    except sqlite.DatabaseError:
        problems.append(Problem("integrity", None, None, None,
                                _("the file is too damaged for SQLite to check")))
        return False
    if messages != ["ok"]:
        problems.extend(Problem("integrity", None, None, None, m) for m in messages)
    return True


def _foreign_keys(conn: sqlite.Connection, problems: list[Problem]) -> None:
    for table, rowid, parent, __ in conn.execute("PRAGMA foreign_key_check").fetchall():
        key = rowid
        if table == "intakes":
            key = conn.execute("SELECT id FROM intakes WHERE rowid = ?", (rowid,)).fetchone()[0]
        problems.append(Problem("foreign_key", table, key, _row_intake(conn, table, key),
                                _("refers to a {table} row that does not exist").format(
                                    table=parent)))


def _guards(conn: sqlite.Connection, problems: list[Problem]) -> None:
    """The triggers that make tables append-only: missing or foreign ones are reported."""
    ours = {f"{t}_no_{e}": t for t in GUARDED_TABLES for e in ("update", "delete")}
    present = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"))
    for name, table in ours.items():
        if name not in present:
            problems.append(Problem("schema", table, None, None,
                                    _("the append-only guard {name} was removed").format(
                                        name=name)))
    for name, table in present.items():
        if name not in ours:
            problems.append(Problem("schema", table, None, None,
                                    _("an unknown trigger {name} was added").format(
                                        name=name)))


def _replay(conn: sqlite.Connection, problems: list[Problem]) -> dict[str, _Expected]:
    """Check the chain link by link, and collect the hash each row should have now."""
    expected = {}
    for table in AUDITED_TABLES:
        top, count = conn.execute(
            f"SELECT max({primary_key(table)}), count(*) FROM {table}").fetchone()
        size = min(top, 2 * count + 65536) + 1 if isinstance(top, int) else 0
        expected[table] = _Expected(max(size, 0))
    loads, fromhex = json.loads, bytes.fromhex
    prev, next_id = GENESIS, 1
    for audit_id, at, actor, action, intake_id, rows_json, digest in conn.execute(
        "SELECT id, at, actor, action, intake_id, rows, hash FROM audit ORDER BY id"
    ):
        def report(detail: str) -> None:
            problems.append(Problem("audit_chain", "audit", audit_id, intake_id, detail))

        if audit_id != next_id:
            report(_("audit rows {first} to {last} are missing (deleted)").format(
                first=next_id, last=audit_id - 1)
                   if audit_id > next_id else _("audit ids are out of order"))
        if audit_hash(prev, audit_id, at, actor, action, intake_id, rows_json) != digest:
            report(_("does not match its hash: it was edited or moved, or a row before it "
                     "was deleted, inserted, edited or moved"))
        if not isinstance(digest, bytes):
            digest = b""
        prev, next_id = digest, audit_id + 1
        try:
            for table, key, row_hash in loads(rows_json):
                state = expected[table]
                ids = state.audit_ids
                if (key.__class__ is int and 0 <= key < len(ids) and row_hash.__class__ is str
                        and len(row_hash) in _HEX_LENGTHS):
                    state.digests[key * _KEEP:(key + 1) * _KEEP] = fromhex(row_hash[:2 * _KEEP])
                    ids[key] = audit_id
                else:
                    state.set(key, row_hash, audit_id)
        except (ValueError, TypeError, KeyError, AttributeError):
            report(_("its list of written rows is unreadable"))
    return expected


def _sqlite_quotes_like_python(conn: sqlite.Connection) -> bool:
    """Whether this SQLite's json_object writes text exactly as canonical_json does."""
    probe = "".join(map(chr, range(1, 128))) + "\u00e9\u2028\u2029\ufeff\U0001f600"
    built = conn.execute("SELECT json_object('a', ?, 'b', ?)", (probe, -(2**63))).fetchone()[0]
    return built == canonical_json({"a": probe, "b": -(2**63)})


def _canonical_sql(
    conn: sqlite.Connection, table: str, columns: tuple[str, ...]
) -> tuple[str, list[tuple[str, str]]] | None:
    """SQL writing a row's JSON, and the edits making it canonical (NULL members cut), or
    None for tables with columns that may hold BLOBs.

    The edits are plain text replacements, and cannot touch string contents: inside a JSON
    string every ``"`` is escaped, so ``,"name":null`` only ever matches between members.
    """
    info = {r[1]: (r[2].upper(), r[3]) for r in conn.execute(f"PRAGMA table_info({table})")}
    if any(info[c][0] not in ("TEXT", "INTEGER") for c in columns):
        return None
    edits = []
    may_lead = True  # every column before this one may have been cut
    for column in columns:
        if info[column][1]:
            may_lead = False
            continue
        edits.append((f',"{column}":null', ""))
        if may_lead:
            edits += [(f'{{"{column}":null,', "{"), (f'{{"{column}":null}}', "{}")]
    return "json_object(" + ", ".join(f"'{c}', {c}" for c in columns) + ")", edits


def _sql_digests(conn: sqlite.Connection, table: str, sql: str,
                 edits: list[tuple[str, str]]) -> Iterator[tuple[Any, bytes]]:
    sha256 = hashlib.sha256
    for key, text in conn.execute(f"SELECT {primary_key(table)}, {sql} FROM {table}"):
        for old, new in edits:
            text = text.replace(old, new)
        yield key, sha256(text.encode()).digest()


def _check_table(
    conn: sqlite.Connection, table: str, columns: Columns, expected: _Expected,
    problems: list[Problem], sql_json: bool,
) -> None:
    names = columns[table]
    digest_row = columns.digester(table)
    pk = primary_key(table)
    row_sql = f"SELECT {', '.join(names)} FROM {table} WHERE {pk} = ?"

    def stored(key: Any) -> tuple | None:
        return conn.execute(row_sql, (key,)).fetchone()

    def report(kind: str, key: Any, audit_id: int, detail: str) -> None:
        intake = _audit_intake(conn, audit_id) if audit_id else None
        if intake is None:
            row = stored(key)
            intake = _row_intake(conn, table, key, dict(zip(names, row)) if row else None)
        problems.append(Problem(kind, table, key, intake, detail))

    canonical = _canonical_sql(conn, table, names) if sql_json else None
    if canonical is not None:
        rows = _sql_digests(conn, table, *canonical)
    else:
        rows = _python_digests(conn, table, names, digest_row, report)

    ids, digests, size = expected.audit_ids, expected.digests, len(expected.audit_ids)
    seen = bytearray(size)
    seen_sparse: set[Any] = set()
    doubtful: list[tuple[Any, int]] = []
    unaudited: list[tuple[Any, int]] = []
    for key, digest in rows:
        if key.__class__ is int and 0 <= key < size:
            seen[key] = 1
            state = ids[key]
            if state > 0:
                if digests[key * _KEEP:(key + 1) * _KEEP] != digest[:_KEEP]:
                    doubtful.append((key, state))
                continue
        else:
            seen_sparse.add(key)
            state, wanted = expected.sparse.get(key, (0, b""))
            if state > 0:
                if wanted != digest[:_KEEP]:
                    doubtful.append((key, state))
                continue
        unaudited.append((key, state))

    for key, audit_id in doubtful:
        row = stored(key)
        if row is None or digest_row(row)[:_KEEP] != expected.get(key)[1]:
            report("changed", key, audit_id, _("does not match what the audit log recorded "
                                               "(edited, or its id was swapped with another "
                                               "row's)"))
    for key, state in unaudited:
        if state < 0:
            report("unaudited", key, -state, _("the audit log recorded its deletion, yet it "
                                               "is present (inserted outside mesocheck)"))
        else:
            report("unaudited", key, 0, _("no audit row wrote it (inserted outside "
                                          "mesocheck)"))
    for key, audit_id in expected.written():
        present = seen[key] if key.__class__ is int and 0 <= key < size else key in seen_sparse
        if not present:
            report("missing", key, audit_id,
                   _("the audit log wrote it, but it is gone (deleted outside mesocheck)"))


def _python_digests(conn, table, names, digest_row, report) -> Iterator[tuple[Any, bytes]]:
    """Row hashes by the Python definition; documents also get their PDF checked."""
    key_at = names.index(primary_key(table))
    pdf_at = names.index("pdf") if "pdf" in names else None
    sha_at = names.index("sha256") if "sha256" in names else None
    for row in conn.execute(f"SELECT {', '.join(names)} FROM {table}"):
        if pdf_at is not None and isinstance(row[pdf_at], bytes):
            actual = hashlib.sha256(row[pdf_at]).hexdigest()
            if sha_at is not None and actual != row[sha_at]:
                report("document_hash", row[key_at], 0,
                       _("the PDF's bytes do not match its recorded SHA-256"))
            row = row[:pdf_at] + (actual,) + row[pdf_at + 1:]
        yield row[key_at], digest_row(row)


def _audit_intake(conn: sqlite.Connection, audit_id: int) -> str | None:
    row = conn.execute("SELECT intake_id FROM audit WHERE id = ?", (audit_id,)).fetchone()
    return row[0] if row else None


def _row_intake(conn: sqlite.Connection, table: str, key: Any,
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
