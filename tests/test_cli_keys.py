"""The database at rest at the command line: ``setup``, ``encrypt``, ``passphrase``,
``recovery-key``, ``keyring``, what ``verify`` and ``export`` say, and each way a passphrase,
a recovery key or a keyring can be wrong (one sentence, nothing changed)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mesocheck import cli
from mesocheck.cli_keys import PASSPHRASE_FILE_ENV
from mesocheck.store import Store, atrest
from mesocheck.store.staff import SCRYPT_N as PIN_COST

from tests.support import at_rest, pki
from tests.support.store_rows import PATIENT, start

RECOVERY = re.compile(r"^    ([A-Z2-7]{4}(?:-[A-Z2-7]{4}){7})$", re.MULTILINE)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def run_cli(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "MESOCHECK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
                   **env}
    return subprocess.run([sys.executable, "-m", "mesocheck", *args], capture_output=True,
                          text=True, env=environment, timeout=300, stdin=subprocess.DEVNULL)


def file_with(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text + "\n")
    return path


@pytest.fixture
def plain_db(tmp_path) -> Path:
    """An unencrypted database with an intake, as an older mesocheck left it."""
    db = tmp_path / "data" / "clinic.sqlite3"
    with Store.open(db, plain=True) as store:
        start(store)
    return db


# -- a new database --------------------------------------------------------------------------


def test_setup_makes_an_encrypted_database_and_shows_its_recovery_key_once(tmp_path):
    """Through a real process: the key is wrapped at the product's full cost."""
    db = tmp_path / "new" / "clinic.sqlite3"
    done = run_cli("setup", "--db", str(db), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"made the database {db} (encrypted)" in done.stdout
    [recovery] = RECOVERY.findall(done.stdout)
    wrapping = json.loads(json.loads(atrest.key_file(db).read_text())["passphrase"])
    assert wrapping["n"] == 2**17 >= PIN_COST  # at least as hard as a PIN to guess
    assert not db.read_bytes().startswith(b"SQLite format 3\x00")
    assert atrest.unlock_with_recovery(db, recovery)
    again = run_cli("setup", "--db", str(db), home=tmp_path)
    assert again.returncode == 1 and "a database already exists" in again.stderr
    verified = run_cli("verify", "--db", str(db), home=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert "encrypted (SQLCipher, AES-256; the key file clinic.sqlite3.key" in verified.stdout


def test_setup_plain_stays_plain_and_verify_says_so(tmp_path, capsys):
    db = tmp_path / "plain.sqlite3"
    code, out, err = run(capsys, "setup", "--plain", "--db", db)
    assert code == 0, err
    assert "(unencrypted (--plain))" in out and not RECOVERY.search(out)
    assert db.read_bytes().startswith(b"SQLite format 3\x00")
    assert not atrest.key_file(db).exists()
    code, out, _err = run(capsys, "verify", "--db", db)
    assert code == 0 and "not encrypted: `mesocheck encrypt` encrypts it" in out


def test_a_new_database_without_a_passphrase_is_a_sentence(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(PASSPHRASE_FILE_ENV)
    code, _out, err = run(capsys, "demo", "--count", "1", "--db", tmp_path / "x.sqlite3")
    assert code == 1
    assert err == ("mesocheck: the clinic passphrase is needed: give --passphrase-file FILE, "
                   "or run the command in a terminal to be asked for it (a new database is "
                   "encrypted with the clinic passphrase; give --plain to make it "
                   "unencrypted)\n")
    assert list(tmp_path.iterdir()) == []


def test_a_wrong_passphrase_is_one_sentence_for_every_command(store, db_path, tmp_path, capsys):
    start(store)
    store.close()
    atrest.lock_all()
    wrong = file_with(tmp_path, "wrong", "not the clinic passphrase")
    before = db_path.read_bytes()
    for args in (["verify"], ["export", "-o", tmp_path / "e.json"], ["backup",
                 tmp_path / "b.sqlite3"], ["demo", "--count", "1"], ["passphrase",
                 "--new-passphrase-file", wrong], ["recovery-key"], ["keyring", "on"]):
        code, out, err = run(capsys, *args, "--db", db_path, "--passphrase-file", wrong)
        assert (code, err) == (1, "mesocheck: the clinic passphrase is wrong; nothing was "
                                  "changed\n"), args
    assert db_path.read_bytes() == before
    assert not (tmp_path / "e.json").exists() and not (tmp_path / "b.sqlite3").exists()


# -- encrypt -----------------------------------------------------------------------------------


def test_encrypt_turns_a_plain_database_into_an_encrypted_one_and_keeps_the_original(
        plain_db, tmp_path, capsys):
    original = plain_db.read_bytes()
    assert PATIENT.encode() in original
    new = file_with(tmp_path, "new", "our new clinic passphrase")
    code, out, err = run(capsys, "encrypt", "--db", plain_db, "--passphrase-file", new)
    assert code == 0, err
    [recovery] = RECOVERY.findall(out)
    kept = next(plain_db.parent.glob("clinic-unencrypted-*.sqlite3"))
    assert f"the unencrypted original is kept as {kept}" in out
    # The same file by a second name (switched to a rollback journal, so that it stands
    # alone): every page as it was.
    assert len(kept.read_bytes()) == len(original)
    with Store.open(kept, create=False) as old:
        assert old.queue()[0].patient_name == PATIENT and old.verify() == []
    assert PATIENT.encode() not in plain_db.read_bytes()
    atrest.lock_all()
    assert run(capsys, "verify", "--db", plain_db, "--passphrase-file", new)[0] == 0
    atrest.lock_all()
    assert atrest.unlock_with_recovery(plain_db, recovery)
    with Store.open(plain_db) as store:
        assert store.queue()[0].patient_name == PATIENT and store.verify() == []
    code, _out, err = run(capsys, "encrypt", "--db", plain_db, "--passphrase-file", new)
    assert code == 1 and "already encrypted" in err


def test_encrypt_takes_the_seals_passphrase(plain_db, tmp_path, capsys, clinic_key):
    from datetime import datetime, timezone

    from mesocheck.documents.certificate import store_seal

    with Store.open(plain_db) as store:
        store_seal(store, *clinic_key, pki.PASSPHRASE, now=datetime.now(timezone.utc))
    other = file_with(tmp_path, "other", "another passphrase entirely")
    code, _out, err = run(capsys, "encrypt", "--db", plain_db, "--passphrase-file", other)
    assert (code, err) == (1, "mesocheck: the clinic passphrase is wrong; nothing was "
                              "changed\n")
    assert not atrest.key_file(plain_db).exists()
    code, _out, err = run(capsys, "encrypt", "--db", plain_db)  # the clinic's, from the env
    assert code == 0, err


def test_encrypt_refuses_a_database_in_use(plain_db, tmp_path, capsys):
    new = file_with(tmp_path, "new", "our new clinic passphrase")
    before = plain_db.read_bytes()
    with Store.open(plain_db) as app:  # the tablet app, open on it
        code, _out, err = run(capsys, "encrypt", "--db", plain_db, "--passphrase-file", new)
        assert code == 1 and "in use by another program" in err and "Nothing was changed" in err
        start(app)  # and the app goes on saving
    assert not atrest.key_file(plain_db).exists()
    assert not list(plain_db.parent.glob("*unencrypted*"))
    with Store.open(plain_db) as store:
        assert len(store.queue()) == 2 and store.verify() == []
    assert plain_db.read_bytes() != before


def test_an_interrupted_encryption_is_named_and_finished_by_running_it_again(plain_db, tmp_path,
                                                                            capsys):
    """The state a kill between the key file and the swap leaves (see the kill test)."""
    new = file_with(tmp_path, "new", "our new clinic passphrase")
    atrest.set_up(plain_db.with_name("elsewhere.sqlite3"), "our new clinic passphrase")
    atrest.key_file(plain_db).write_bytes(
        atrest.key_file(plain_db.with_name("elsewhere.sqlite3")).read_bytes())
    code, _out, err = run(capsys, "verify", "--db", plain_db, "--passphrase-file", new)
    assert code == 1 and "not encrypted, but a key file (clinic.sqlite3.key)" in err
    code, _out, err = run(capsys, "encrypt", "--db", plain_db, "--passphrase-file", new)
    assert code == 0, err
    atrest.lock_all()
    assert run(capsys, "verify", "--db", plain_db, "--passphrase-file", new)[0] == 0


# -- passphrase, recovery key, keyring ------------------------------------------------------------


def test_changing_the_passphrase_changes_it_for_the_database_and_the_seal(
        db_path, clinic_seal, tmp_path, capsys):
    from mesocheck.documents.certificate import lock_all, unlock

    with Store.open(db_path) as store:
        start(store)
    salt, key_id = db_path.read_bytes()[:16], atrest.read_key_file(db_path).id
    new = file_with(tmp_path, "new", "a better clinic passphrase")
    code, out, err = run(capsys, "passphrase", "--db", db_path, "--new-passphrase-file", new)
    assert (code, out) == (0, "the clinic passphrase is changed\n"), err
    # Re-wrapped, not re-encrypted: the same key, the same file (SQLCipher's salt); the
    # seal's key is stored again, wrapped anew, in an audited row.
    assert (db_path.read_bytes()[:16], atrest.read_key_file(db_path).id) == (salt, key_id)
    atrest.lock_all()
    lock_all()
    code, _out, err = run(capsys, "verify", "--db", db_path)  # the old one, from the env
    assert code == 1 and "the clinic passphrase is wrong" in err
    assert run(capsys, "verify", "--db", db_path, "--passphrase-file", new)[0] == 0
    with Store.open(db_path) as store:
        assert unlock(store, "a better clinic passphrase")  # one passphrase for both
        code, out, _err = run(capsys, "seal", "show", "--db", db_path)
        assert out.count("current:") == 1 and "earlier:" not in out  # the same one, once


def test_a_forgotten_passphrase_is_replaced_with_the_recovery_key(tmp_path, capsys):
    db = tmp_path / "clinic.sqlite3"
    recovery = at_rest.set_up(db)
    Store.open(db).close()
    atrest.lock_all()
    wrong = file_with(tmp_path, "wrong-recovery", atrest.new_recovery_key())
    new = file_with(tmp_path, "new", "a remembered passphrase")
    code, _out, err = run(capsys, "passphrase", "--db", db, "--recovery-key-file", wrong,
                          "--new-passphrase-file", new)
    assert code == 1 and "The recovery key is wrong" in err
    typo = file_with(tmp_path, "typo", recovery[:-2])
    code, _out, err = run(capsys, "passphrase", "--db", db, "--recovery-key-file", typo,
                          "--new-passphrase-file", new)
    assert code == 1 and "32 letters and digits, in 8 groups of 4" in err
    good = file_with(tmp_path, "recovery", recovery)
    assert run(capsys, "passphrase", "--db", db, "--recovery-key-file", good,
               "--new-passphrase-file", new)[0] == 0
    atrest.lock_all()
    assert run(capsys, "verify", "--db", db, "--passphrase-file", new)[0] == 0
    code, out, _err = run(capsys, "recovery-key", "--db", db, "--passphrase-file", new)
    [fresh] = RECOVERY.findall(out)
    assert "the earlier recovery key no longer works" in out
    atrest.lock_all()
    with pytest.raises(atrest.WrongRecoveryKey):
        atrest.unlock_with_recovery(db, recovery)
    assert atrest.unlock_with_recovery(db, fresh)


def test_the_keyring_opt_in_and_what_goes_wrong_with_it(store, db_path, tmp_path):
    """Through real processes and keyring's own backends: keyrings.alt's file keyring (in
    this test's folder), the fail backend of a computer without one."""
    store.close()
    home = tmp_path / "home"
    keyring_env = {"PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
                   "XDG_DATA_HOME": str(tmp_path / "xdg")}
    done = run_cli("keyring", "on", "--db", str(db_path), home=home, **keyring_env)
    assert done.returncode == 0, done.stderr
    assert "kept in this computer's keyring" in done.stdout
    assert atrest.read_key_file(db_path).keyring
    # No passphrase at all: the keyring's key opens it.
    unattended = {**keyring_env, PASSPHRASE_FILE_ENV: ""}
    done = run_cli("verify", "--db", str(db_path), home=home, **unattended)
    assert done.returncode == 0, done.stderr
    assert "also kept in this computer's keyring" in done.stdout
    # A computer without a keyring: said once, then the passphrase is asked for.
    done = run_cli("verify", "--db", str(db_path), home=home, **{
        **unattended, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "mesocheck: This computer has no keyring for mesocheck to use (no secret service is "
        "running); the passphrase is asked at every start instead.",
        "mesocheck: the clinic passphrase is needed: give --passphrase-file FILE, or run the "
        "command in a terminal to be asked for it"]
    done = run_cli("keyring", "off", "--db", str(db_path), home=home, **keyring_env)
    assert done.returncode == 0, done.stderr
    assert not atrest.read_key_file(db_path).keyring
    done = run_cli("verify", "--db", str(db_path), home=home, **unattended)
    assert done.returncode == 1 and "the clinic passphrase is needed" in done.stderr


# -- backups and exports ---------------------------------------------------------------------------


def test_a_backup_is_encrypted_and_restored_with_its_key_file(store, db_path, tmp_path, capsys):
    start(store)
    store.close()
    dest = tmp_path / "usb" / "backup.sqlite3"
    dest.parent.mkdir()
    code, out, err = run(capsys, "backup", dest, "--db", db_path)
    assert code == 0, err
    assert PATIENT.encode() not in dest.read_bytes()
    assert atrest.key_file(dest).read_bytes() == atrest.key_file(db_path).read_bytes()
    restored = tmp_path / "restored" / "clinic.sqlite3"
    restored.parent.mkdir()
    os.link(dest, restored)
    os.link(atrest.key_file(dest), atrest.key_file(restored))
    atrest.lock_all()
    assert run(capsys, "verify", "--db", restored)[0] == 0


def test_export_writes_clear_text_and_says_so_with_its_path(store, db_path, tmp_path, capsys):
    start(store)
    store.close()
    out = tmp_path / "export.json"
    code, _out, err = run(capsys, "export", "-o", out, "--db", db_path)
    assert code == 0
    assert err == (f"exported 1 intake to {out}: that file is not encrypted (it holds "
                   "patients' data in clear); keep it safe and delete it when done\n")
    assert PATIENT in out.read_text()


def test_a_plain_sqlite_file_is_never_opened_by_the_standard_library_beside_sqlcipher():
    """One SQLite library opens database files (two in one process drop each other's
    locks): the product never imports the standard library's sqlite3 to open one."""
    root = Path(__file__).resolve().parents[1] / "mesocheck"
    users = [p for p in root.rglob("*.py")
             if re.search(r"^\s*(import sqlite3|from sqlite3 )", p.read_text(), re.MULTILINE)]
    assert users == []
    assert sqlite3  # the tests may: for other programs' files
