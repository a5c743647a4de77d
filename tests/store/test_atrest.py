"""The database at rest: its key file, unlocking by passphrase, recovery key or keyring,
changing the passphrase, and what an open that cannot read the file says."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat

import pytest

from mesocheck import keys
from mesocheck.store import (
    DatabaseCorrupt, NotAMesocheckDatabase, Store, StoreError, atrest, unattended,
)

from tests.support import at_rest
from tests.support.store_rows import PATIENT, start


def test_a_new_database_is_encrypted_and_its_key_file_private(store, db_path):
    start(store)
    key = store.connection.key
    store.close()  # never read a file this process holds open through SQLite
    data = db_path.read_bytes()
    assert not data.startswith(b"SQLite format 3\x00")
    assert PATIENT.encode() not in data
    key_file = atrest.key_file(db_path)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    fields = json.loads(key_file.read_text())
    assert set(fields) == {"format", "version", "id", "passphrase", "recovery", "keyring"}
    assert fields["keyring"] is False
    # The key itself is nowhere in clear: each wrapping records its own scrypt cost.
    assert json.loads(fields["passphrase"])["n"] == at_rest.COST
    assert key.hex() not in key_file.read_text()


def test_the_passphrase_or_the_recovery_key_unlock_it_and_nothing_else(tmp_path):
    db = tmp_path / "clinic.sqlite3"
    recovery = at_rest.set_up(db)
    Store.open(db).close()
    atrest.lock_all()
    with pytest.raises(atrest.KeyNeeded, match="encrypted and not unlocked"):
        Store.open(db)
    with pytest.raises(keys.WrongPassphrase, match="the clinic passphrase is wrong"):
        atrest.unlock(db, "not the clinic passphrase")
    with pytest.raises(atrest.WrongRecoveryKey, match="The recovery key is wrong"):
        atrest.unlock_with_recovery(db, atrest.new_recovery_key())
    with pytest.raises(atrest.WrongRecoveryKey, match="32 letters and digits"):
        atrest.unlock_with_recovery(db, "ABCD-EFGH")
    assert not atrest.is_unlocked(db)
    # Typed as people type it: lower case, spaces for dashes, a zero for an O.
    typed = recovery.lower().replace("-", " ").replace("o", "0")
    assert atrest.unlock_with_recovery(db, typed)
    Store.open(db).close()
    atrest.lock_all()
    assert atrest.unlock(db, at_rest.PASSPHRASE)
    Store.open(db).close()


def test_changing_the_passphrase_rewraps_the_key_and_leaves_the_data_alone(store, db_path):
    start(store)
    store.close()
    before = db_path.read_bytes()
    atrest.change_passphrase(db_path, "a new clinic passphrase", old=at_rest.PASSPHRASE,
                             cost=at_rest.COST)
    assert db_path.read_bytes() == before  # nothing re-encrypted
    atrest.lock_all()
    with pytest.raises(keys.WrongPassphrase):
        atrest.unlock(db_path, at_rest.PASSPHRASE)
    atrest.unlock(db_path, "a new clinic passphrase")
    with Store.open(db_path) as again:
        assert again.verify() == []
    with pytest.raises(keys.WrongPassphrase):  # the old one no longer changes it either
        atrest.change_passphrase(db_path, "yet another passphrase", old=at_rest.PASSPHRASE)
    with pytest.raises(keys.MesocheckError, match="at least 10 characters"):
        atrest.change_passphrase(db_path, "short", old="a new clinic passphrase")


def test_a_forgotten_passphrase_is_replaced_with_the_recovery_key(tmp_path):
    db = tmp_path / "clinic.sqlite3"
    recovery = at_rest.set_up(db)
    Store.open(db).close()
    atrest.lock_all()
    atrest.change_passphrase(db, "remembered this time", recovery=recovery, cost=at_rest.COST)
    atrest.lock_all()
    assert atrest.unlock(db, "remembered this time")
    new_recovery = atrest.replace_recovery_key(db, "remembered this time", cost=at_rest.COST)
    atrest.lock_all()
    with pytest.raises(atrest.WrongRecoveryKey):
        atrest.unlock_with_recovery(db, recovery)
    assert atrest.unlock_with_recovery(db, new_recovery)


def test_a_database_copied_elsewhere_opens_with_its_key_file_and_the_passphrase(store, tmp_path,
                                                                               db_path):
    start(store)
    store.close()
    elsewhere = tmp_path / "another computer"
    elsewhere.mkdir()
    shutil.copy(db_path, elsewhere / "clinic.sqlite3")
    atrest.lock_all()  # another computer: nothing unlocked
    with pytest.raises(DatabaseCorrupt) as without:
        Store.open(elsewhere / "clinic.sqlite3")
    assert ("encrypted and its key file (clinic.sqlite3.key) is not beside it"
            in without.value.message)
    shutil.copy(atrest.key_file(db_path), elsewhere / "clinic.sqlite3.key")
    atrest.unlock(elsewhere / "clinic.sqlite3", at_rest.PASSPHRASE)
    with Store.open(elsewhere / "clinic.sqlite3") as copy:
        assert copy.queue()[0].patient_name == PATIENT


def test_a_plain_database_opened_as_encrypted_and_the_reverse_are_named(tmp_path):
    plain = tmp_path / "plain.sqlite3"
    Store.open(plain, plain=True).close()
    encrypted = tmp_path / "encrypted.sqlite3"
    at_rest.set_up(encrypted)
    Store.open(encrypted).close()
    # A key file beside a plain database (an encryption that stopped half-way).
    shutil.copy(atrest.key_file(encrypted), atrest.key_file(plain))
    with pytest.raises(StoreError) as caught:
        Store.open(plain)
    assert "not encrypted, but a key file (plain.sqlite3.key) lies beside it" in str(caught.value)
    assert "`mesocheck encrypt`" in str(caught.value)
    # Another database's key file beside an encrypted one.
    other = tmp_path / "other.sqlite3"
    at_rest.set_up(other)
    shutil.copy(atrest.key_file(other), atrest.key_file(encrypted))
    with pytest.raises(DatabaseCorrupt, match="does not open it: the key file belongs to "
                                              "another database"):
        Store.open(encrypted)


def test_another_programs_file_beside_a_key_file_is_named(tmp_path):
    db = tmp_path / "clinic.sqlite3"
    at_rest.set_up(db)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(NotAMesocheckDatabase, match="another program"):
        Store.open(db)


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"format": "something else"}'])
def test_a_damaged_key_file_is_named_and_the_database_left_alone(store, db_path, damage):
    store.close()
    before = db_path.read_bytes()
    atrest.key_file(db_path).write_bytes(damage)
    with pytest.raises(atrest.KeyFileDamaged, match="key file kept with the latest backup"):
        Store.open(db_path)
    assert db_path.read_bytes() == before


def test_a_new_database_needs_a_key_or_plain(tmp_path):
    with pytest.raises(atrest.NotSetUp, match="`mesocheck setup`"):
        Store.open(tmp_path / "new.sqlite3")
    assert not (tmp_path / "new.sqlite3").exists()
    with Store.open(tmp_path / "new.sqlite3", plain=True) as plain:
        assert plain.connection.key is None
    assert (tmp_path / "new.sqlite3").read_bytes().startswith(b"SQLite format 3\x00")


def test_a_set_up_that_stopped_before_its_database_is_taken_up_again(tmp_path):
    db = tmp_path / "clinic.sqlite3"
    at_rest.set_up(db)
    first = atrest.read_key_file(db)
    atrest.lock_all()
    with pytest.raises(StoreError, match="this passphrase does not open it"):
        atrest.set_up(db, "another clinic's passphrase")
    recovery = atrest.set_up(db, at_rest.PASSPHRASE, cost=at_rest.COST)
    again = atrest.read_key_file(db)
    assert (again.id, again.passphrase) == (first.id, first.passphrase)
    assert again.recovery != first.recovery  # never shown: a new one is
    Store.open(db).close()
    atrest.lock_all()
    assert atrest.unlock_with_recovery(db, recovery)


def test_five_wrong_passphrases_pause_the_unlock_screen_even_after_a_restart(store, db_path,
                                                                           clock):
    store.close()
    atrest.lock_all()
    now = clock()
    for left in (4, 3, 2, 1):
        assert atrest.try_unlock(db_path, "a wrong guess here", now) == atrest.UnlockResult(
            False, left)
    paused = atrest.try_unlock(db_path, "a wrong guess here", now)
    assert not paused.ok and paused.paused_until == now + atrest.PAUSE
    assert not atrest.try_unlock(db_path, at_rest.PASSPHRASE, now).ok  # paused: even right
    assert not atrest.is_unlocked(db_path)
    tries = db_path.with_name("clinic.sqlite3.key.tries")
    assert stat.S_IMODE(tries.stat().st_mode) == 0o600  # kept beside: a restart keeps it
    later = now + atrest.PAUSE
    assert atrest.try_unlock(db_path, at_rest.PASSPHRASE, later).ok
    assert json.loads(tries.read_text()) == {"failed": 0, "until": None}


# -- the keyring (a real backend: keyrings.alt's file keyring, in this test's folder) --------


@pytest.fixture
def file_keyring(tmp_path, monkeypatch):
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_the_key_kept_in_the_keyring_unlocks_without_the_passphrase(store, db_path,
                                                                   file_keyring):
    store.close()
    assert not unattended.unlock_from_keyring(db_path)  # not opted in
    unattended.remember_in_keyring(db_path)
    assert atrest.read_key_file(db_path).keyring
    atrest.lock_all()
    assert unattended.unlock_from_keyring(db_path)
    Store.open(db_path).close()
    unattended.forget_in_keyring(db_path)
    atrest.lock_all()
    assert not unattended.unlock_from_keyring(db_path)
    assert not atrest.read_key_file(db_path).keyring


def test_a_keyring_that_is_missing_refuses_or_lost_the_key_is_named(store, db_path, tmp_path,
                                                                   file_keyring):
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring
    from keyrings.alt.file import PlaintextKeyring

    store.close()
    unattended.remember_in_keyring(db_path)
    atrest.lock_all()
    file_keyring.delete_password(unattended.KEYRING_SERVICE, atrest.read_key_file(db_path).id)
    with pytest.raises(unattended.KeyringProblem, match="no longer holds this database's key"):
        unattended.unlock_from_keyring(db_path)
    keyring.set_keyring(NoKeyring())  # keyring's own backend where the system offers none
    with pytest.raises(unattended.KeyringProblem, match="no keyring for mesocheck to use"):
        unattended.unlock_from_keyring(db_path)
    atrest.unlock(db_path, at_rest.PASSPHRASE)  # the passphrase still works
    with pytest.raises(unattended.KeyringProblem, match="no keyring for mesocheck to use"):
        unattended.remember_in_keyring(db_path)
    broken = PlaintextKeyring()  # a keyring whose store cannot be written
    broken.file_path = str(tmp_path / "unwritable")
    (tmp_path / "unwritable").mkdir()
    keyring.set_keyring(broken)
    with pytest.raises(unattended.KeyringProblem,
                       match=r"The keyring refused \(IsADirectoryError\)"):
        unattended.remember_in_keyring(db_path)
    Store.open(db_path).close()
