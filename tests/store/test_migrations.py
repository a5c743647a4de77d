"""Upgrading a database written at an older schema version keeps everything, and verifies."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from mesocheck.store import Store, migrations
from mesocheck.store.audit import AUDITED_TABLES

from tests.support.store_rows import tamper

SCHEMA1 = Path(__file__).parent / "data" / "schema1.sqlite3"  # see data/make_schema1.py


@pytest.fixture
def schema1(tmp_path: Path) -> Path:
    db = tmp_path / "clinic.sqlite3"
    shutil.copy(SCHEMA1, db)
    return db


def contents(db: Path) -> dict[str, list[tuple]]:
    """Every audited table's rows, in the columns schema 1 had (later schemas add tables,
    and columns that are NULL in older rows)."""
    conn = sqlite3.connect(db)
    try:
        tables = {t: conn.execute(f"SELECT {', '.join(SCHEMA1_COLUMNS[t])} FROM {t} "
                                  "ORDER BY 1").fetchall()
                  for t in SCHEMA1_COLUMNS}
        tables["audit"] = conn.execute(
            "SELECT id, at, actor, action, intake_id, rows, hash FROM audit ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    return tables


def _schema1_columns() -> dict[str, list[str]]:
    conn = sqlite3.connect(SCHEMA1)
    try:
        return {t: cols for t in AUDITED_TABLES
                if (cols := [r[1] for r in conn.execute(f"PRAGMA table_info({t})")])}
    finally:
        conn.close()


SCHEMA1_COLUMNS = _schema1_columns()


def test_the_fixture_is_a_schema_1_database(schema1):
    conn = sqlite3.connect(schema1)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "prev_hash" in [r[1] for r in conn.execute("PRAGMA table_info(audit)")]
    conn.close()


def test_a_schema_1_database_is_upgraded_keeping_every_row(schema1, clock):
    before = contents(schema1)
    with Store.open(schema1, clock=clock) as store:
        assert store.schema_version == migrations.SCHEMA_VERSION
        assert store.verify() == []
        signed = [i for (i,) in store.connection.execute(
            "SELECT DISTINCT intake_id FROM signatures")]
        assert store.intake(signed[0]).signatures[0].strokes[0][0] == [10.5, 20.0, 0, 0.5]
    after = contents(schema1)
    for table in SCHEMA1_COLUMNS:
        assert after[table] == before[table], table
    old_audit = [(*row[:-1], bytes.fromhex(row[-1])) for row in before["audit"]]
    assert after["audit"][:len(old_audit)] == old_audit
    assert [row[3] for row in after["audit"][len(old_audit):]] == [
        f"migrate:{step.__name__}" for step in migrations.MIGRATIONS[1:]]


def test_an_upgraded_database_takes_new_intakes_and_still_catches_tampering(schema1, clock):
    with Store.open(schema1, clock=clock) as store:
        (old_intake,) = store.connection.execute(
            "SELECT intake_id FROM signatures ORDER BY id LIMIT 1").fetchone()
        intake = store.start_intake(
            name="New Patient", birth_date="1990-01-01", form_id="mesotherapy",
            form_version="3", form_hash="f" * 64, language="en", area="face",
            appointment_at="2026-03-03T10:00:00+00:00", device="tablet-1", actor="patient")
        store.save_answer(intake, "pregnant", False)
        store.submit(intake, flags=[], signature={
            "printed_name": "New Patient", "meaning": "I consent", "pad_width": 600,
            "pad_height": 200, "strokes": [[[1.5, 2.0, 0, None], [9.0, 4.5, 20, None]]],
            "tz": "UTC", "content_hash": "c" * 64})
        assert store.intake(intake).signatures[0].strokes == [
            [[1.5, 2.0, 0, None], [9.0, 4.5, 20, None]]]
        assert store.verify() == []
    tamper(schema1, "UPDATE signatures SET strokes = replace(strokes, '10.5', '11.5') "
                    f"WHERE intake_id = '{old_intake}'",
           "UPDATE audit SET actor = 'staff:2' WHERE id = 5")
    with Store.open(schema1, clock=clock) as store:
        found = {(p.kind, p.table, p.row_id) for p in store.verify()}
    assert ("audit_chain", "audit", 5) in found
    assert any(kind == "changed" and table == "signatures" for kind, table, _ in found)


def test_a_failed_upgrade_leaves_the_database_as_it_was(schema1, clock, monkeypatch):
    before = contents(schema1)

    def broken(db, table):
        if table == "signatures":
            raise RuntimeError("power cut")
        original(db, table)

    original = migrations._swap
    monkeypatch.setattr(migrations, "_swap", broken)
    with pytest.raises(RuntimeError):
        Store.open(schema1, clock=clock)
    conn = sqlite3.connect(schema1)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM audit WHERE prev_hash IS NOT NULL").fetchone()[0]
    conn.close()
    assert contents(schema1) == before

