import sqlite3

import pytest

from mesocheck.store import (
    DatabaseCorrupt, DatabaseLocked, DatabaseMissing, NotAMesocheckDatabase, SchemaTooNew, Store,
)
from mesocheck.store.migrations import MIGRATIONS, SCHEMA_VERSION

from tests.support.at_rest import raw_connect
from tests.support.store_rows import start


def test_open_creates_the_folder_and_sets_safe_pragmas(db_path, clock):
    with Store.open(db_path, clock=clock) as store:
        assert db_path.is_file()
        assert store.pragmas() == {
            "journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 5000,
            "user_version": SCHEMA_VERSION,
        }


def test_a_new_database_is_private_to_its_user(store, db_path):
    assert db_path.stat().st_mode & 0o077 == 0


def test_a_folder_is_not_a_database(tmp_path, clock):
    with pytest.raises(DatabaseMissing, match="--db path"):
        Store.open(tmp_path, clock=clock)


def test_pragmas_hold_for_a_second_connection_too(store, db_path):
    conn = raw_connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_migrations_are_applied_once(db_path, clock):
    Store.open(db_path, clock=clock).close()
    with Store.open(db_path, clock=clock) as again:
        assert again.schema_version == SCHEMA_VERSION
        actions = [a for (a,) in again.connection.execute("SELECT action FROM audit")]
        assert actions == [f"migrate:{step.__name__}" for step in MIGRATIONS]


def test_a_newer_schema_is_refused(db_path, clock):
    Store.open(db_path, clock=clock).close()
    conn = raw_connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="newer version of mesocheck; update the app"):
        Store.open(db_path, clock=clock)


def test_missing_file_without_create(db_path, clock):
    with pytest.raises(DatabaseMissing):
        Store.open(db_path, clock=clock, create=False)
    assert not db_path.exists()


def test_a_file_that_is_not_sqlite_is_corrupt(tmp_path, clock):
    path = tmp_path / "mesocheck.sqlite3"
    path.write_bytes(b"this is a note, not a database\n" * 20)
    with pytest.raises(DatabaseCorrupt, match="mesocheck backup"):
        Store.open(path, clock=clock)


def test_damaged_pages_are_corrupt(db_path, clock):
    with Store.open(db_path, clock=clock) as store:
        start(store)
    data = bytearray(db_path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema page, header kept
    db_path.write_bytes(bytes(data))
    with pytest.raises(DatabaseCorrupt):
        Store.open(db_path, clock=clock)


def test_another_programs_database_is_refused(tmp_path, clock):
    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(NotAMesocheckDatabase):
        Store.open(path, clock=clock)


def test_a_write_lock_held_elsewhere_gives_a_clear_error(db_path, clock):
    Store.open(db_path, clock=clock).close()
    other = raw_connect(db_path)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with Store.open(db_path, clock=clock, busy_timeout_ms=50) as store:
            with pytest.raises(DatabaseLocked) as caught:
                start(store)
            assert "another mesocheck" in str(caught.value)
            assert not store.connection.in_transaction
    finally:
        other.execute("ROLLBACK")
        other.close()
    with Store.open(db_path, clock=clock) as store:
        start(store)
