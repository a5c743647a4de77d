import os

import pytest

from mesocheck.store import BackupFailed, Store

from mesocheck.store.atrest import key_file
from tests.support import at_rest
from tests.support.at_rest import raw_connect
from tests.support.store_rows import submitted, tamper


def test_backup_round_trip_verifies(staffed, db_path, tmp_path, clock):
    intake_id = submitted(staffed)
    staffed.add_document(intake_id, "consent", b"%PDF-1.7 signed copy")
    dest = tmp_path / "backups" / "mesocheck-2026-03-02.sqlite3"
    dest.parent.mkdir()
    assert staffed.backup(dest) == dest
    # No temporary or journal files left; the key file beside it, private too.
    assert sorted(os.listdir(dest.parent)) == [dest.name, f"{dest.name}.key"]
    assert dest.stat().st_mode & 0o077 == 0 and key_file(dest).stat().st_mode & 0o077 == 0
    assert key_file(dest).read_bytes() == key_file(db_path).read_bytes()
    assert not dest.read_bytes().startswith(b"SQLite format 3\x00")  # encrypted
    conn = raw_connect(dest)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    with Store.open(dest, clock=clock, create=False) as copy:
        assert copy.verify() == []
        assert copy.intake(intake_id).answers == staffed.intake(intake_id).answers
        assert copy.document_bytes(copy.latest_document(intake_id).id) == b"%PDF-1.7 signed copy"


def test_backup_overwrites_an_older_backup(store, tmp_path):
    dest = tmp_path / "backup.sqlite3"
    dest.write_bytes(b"old")
    store.backup(dest)
    with Store.open(dest, create=False) as copy:
        assert copy.verify() == []


def test_a_backup_of_another_database_is_not_overwritten(store, tmp_path):
    other = tmp_path / "other" / "clinic.sqlite3"
    at_rest.set_up(other)
    dest = tmp_path / "backup.sqlite3"
    with Store.open(other) as elsewhere:
        elsewhere.backup(dest)
    before = dest.read_bytes(), key_file(dest).read_bytes()
    with pytest.raises(BackupFailed, match="a backup of another database"):
        store.backup(dest)
    assert (dest.read_bytes(), key_file(dest).read_bytes()) == before


def test_a_plain_database_makes_a_plain_backup(tmp_path):
    db = tmp_path / "plain.sqlite3"
    dest = tmp_path / "backup.sqlite3"
    with Store.open(db, plain=True) as plain:
        plain.backup(dest)
    assert dest.read_bytes().startswith(b"SQLite format 3\x00")
    assert not key_file(dest).exists()


def test_missing_destination_folder(store, tmp_path):
    with pytest.raises(BackupFailed, match="does not exist"):
        store.backup(tmp_path / "no-such-folder" / "backup.sqlite3")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_destination_folder(store, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    with pytest.raises(BackupFailed, match="not writable"):
        store.backup(folder / "backup.sqlite3")


def test_a_tampered_database_is_not_backed_up(staffed, db_path, tmp_path):
    submitted(staffed)
    tamper(db_path, "UPDATE answers SET value = 'null'")
    dest = tmp_path / "backup.sqlite3"
    with pytest.raises(BackupFailed, match="mesocheck verify"):
        staffed.backup(dest)
    assert not dest.exists() and os.listdir(tmp_path) == ["data"]
