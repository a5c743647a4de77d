"""The hand-assembled hashes agree with the definitions in audit.py's docstring."""

import hashlib
import json

from hypothesis import given, strategies as st

from mesocheck.store.audit import GENESIS, audit_hash, canonical_json, row_hash

values = st.one_of(st.none(), st.integers(min_value=-2**63, max_value=2**63 - 1),
                   st.text(), st.binary(max_size=64))


@given(st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), values, max_size=8))
def test_row_hash_is_sha256_of_canonical_json(row):
    columns = sorted(row)
    expected = {k: (hashlib.sha256(v).hexdigest() if isinstance(v, bytes) else v)
                for k, v in row.items() if v is not None}
    text = json.dumps(expected, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert row_hash(columns, [row[c] for c in columns]) == hashlib.sha256(text.encode()).hexdigest()


def test_audit_hash_follows_the_definition():
    rows = [["answers", 7, "ab" * 32], ["acknowledgements", 3, None]]
    body = {"id": 12, "at": "2026-03-02T09:00:00.000+00:00", "actor": "staff:2",
            "action": "amend_answer", "intake_id": "9a7e", "rows": rows}
    expected = hashlib.sha256(("0" * 64 + json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)).encode()).digest()
    assert audit_hash(GENESIS, 12, body["at"], "staff:2", "amend_answer", "9a7e",
                      canonical_json(rows)) == expected


def test_audit_rows_chain_from_genesis(store):
    rows = store.connection.execute(
        "SELECT id, at, actor, action, intake_id, rows, hash FROM audit ORDER BY id").fetchall()
    assert [row[0] for row in rows] == list(range(1, len(rows) + 1))
    prev = GENESIS
    for row in rows:
        assert audit_hash(prev, *row[:-1]) == row[-1]
        prev = row[-1]


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(st.lists(st.tuples(st.one_of(st.none(), texts), st.one_of(st.none(), st.integers(
    min_value=-2**63, max_value=2**63 - 1)), texts), min_size=1, max_size=20))
def test_sqlite_builds_the_same_canonical_json(rows):
    """verify lets SQLite write each row's canonical JSON; it must be the Python one."""
    import sqlite3

    from mesocheck.store.verify import _canonical_sql, _sqlite_quotes_like_python

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a TEXT, b INTEGER, c TEXT NOT NULL)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    assert _sqlite_quotes_like_python(conn)
    sql, edits = _canonical_sql(conn, "t", ("a", "b", "c"))
    for row, (text,) in zip(rows, conn.execute(f"SELECT {sql} FROM t ORDER BY rowid")):
        if "\x00" in "".join(v for v in row if isinstance(v, str)):
            continue  # SQLite's JSON functions stop at NUL; verify re-checks such rows
        for old, new in edits:
            text = text.replace(old, new)
        assert text == canonical_json({k: v for k, v in zip("abc", row) if v is not None})
