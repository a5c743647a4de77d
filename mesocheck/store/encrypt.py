"""``mesocheck encrypt``: an unencrypted database made an encrypted one, the original kept.

SQLCipher's export copies every table, index and trigger into a new encrypted file beside
the database (hidden, marked in use, so a clean-up elsewhere leaves it alone); the copy is
checked (SQLite's integrity check, the full ``verify``, every table's row count against the
original) and synced before anything else changes. Then three steps, each a link or a
rename that a kill leaves done or not done:

1. the original gets a second name, ``NAME-unencrypted-DATE.sqlite3`` (a hard link: no copy
   and no file read outside SQLite; where the disk has no hard links, SQLite copies it), kept
   until the user deletes it;
2. the key file takes its name beside the database;
3. the encrypted copy takes the database's name.

A kill before 2 leaves the plain database as it was (the hidden copy is removed at the next
start). A kill between 2 and 3 leaves the plain database with a key file beside it: opening
it says so, and ``encrypt`` run again finishes (with a new key and recovery key). Meanwhile
the database must be unused: it is switched to a rollback journal (which SQLite refuses
while another program holds it) and locked exclusively until the copy has its name.
"""

from __future__ import annotations

import errno
import os
from datetime import date
from pathlib import Path

from msgspec import Struct

from mesocheck.fileio import HiddenCopy
from mesocheck.i18n import N_, _
from mesocheck.store import atrest
from mesocheck.store.db import (
    DatabaseCorrupt, DatabaseLocked, StoreError, classify, connect, disk_is_full, quick_check,
    sqlite, translated,
)

_FULL = N_("The disk is full, so the encrypted copy could not be written; the database is "
           "unchanged and still unencrypted. Free as much space as the database takes, then "
           "try again.")
_IN_USE = N_("The database is in use by another program (the tablet app, or another mesocheck "
             "command): close it, then run `mesocheck encrypt` again. Nothing was changed.")


class Encrypted(Struct, frozen=True):
    kept: Path  # the unencrypted original, under its second name
    key_file: Path
    recovery: str


class AlreadyEncrypted(StoreError):
    default_message = (N_("This database is already encrypted (its key file is beside it); "
                          "nothing was changed. If its recovery key was never shown, `mesocheck "
                          "recovery-key` makes a new one."))


def plain_store(db: Path):
    """The unencrypted database at ``db``, even with a key file beside it (an encryption a
    kill interrupted); :class:`AlreadyEncrypted` when it is encrypted."""
    from mesocheck.store import Store

    try:
        return Store.open(db, create=False, key=None)
    except DatabaseCorrupt:
        if atrest.read_key_file(db) is not None:
            raise AlreadyEncrypted() from None
        raise


def encrypt(store, passphrase: str, *, cost: int | None = None,
            today: date | None = None) -> Encrypted:
    """Encrypt the database ``store`` holds (opened by :func:`plain_store`) with a new data
    key, wrapped by ``passphrase`` and a new recovery key. ``store`` is unusable after."""
    conn, db = store.connection, Path(store.path)
    with translated(db):
        quick_check(conn)
        _take_alone(conn)
        counts = _counts(conn, "main")
        version, app_id = (conn.execute(f"PRAGMA {name}").fetchone()[0]
                           for name in ("user_version", "application_id"))
    data_key = os.urandom(32)
    found, recovery = atrest.new_key_file(data_key, passphrase, cost=cost)
    folder = db.parent
    try:
        with HiddenCopy(folder, db.name) as copy:
            _export(conn, copy.path, data_key, version, app_id, folder)
            _check(copy.path, data_key, counts)
            copy.sync()
            kept = _keep_original(conn, db, today or date.today())
            atrest.write_key_file(db, found)
            copy.put_in_place(db)
    except OSError as error:
        raise _os_error(error, folder) from None
    conn.close()  # on the original, now under its second name only: nothing more is written
    atrest.remember(found, data_key)
    return Encrypted(kept, atrest.key_file(db), recovery)


def _take_alone(conn) -> None:
    """One self-contained file (its -wal folded in and gone), locked against every other
    program until this connection closes."""
    try:
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite.OperationalError as error:
        if isinstance(classify(error), DatabaseLocked):
            raise StoreError(_(_IN_USE)) from None
        raise
    if mode != "delete":
        raise StoreError(_(_IN_USE))
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")  # the lock stays after COMMIT, in this locking mode
    conn.execute("COMMIT")


def _counts(conn, schema: str) -> dict[str, int]:
    names = [name for (name,) in conn.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' ORDER BY name")]
    return {name: conn.execute(f'SELECT count(*) FROM {schema}."{name}"').fetchone()[0]
            for name in names}


def _export(conn, copy: Path, data_key: bytes, version: int, app_id: int,
            folder: Path) -> None:
    try:
        conn.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{data_key.hex()}'\"",
                     (str(copy),))
        try:
            conn.execute("SELECT sqlcipher_export('encrypted')")
            conn.execute(f"PRAGMA encrypted.user_version = {int(version)}")
            conn.execute(f"PRAGMA encrypted.application_id = {int(app_id)}")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("DETACH DATABASE encrypted")
    except sqlite.Error as error:
        if disk_is_full(folder) or _is_full(error):
            raise StoreError(_(_FULL)) from None
        with translated(folder):
            raise


def _is_full(error: sqlite.Error) -> bool:
    return ((getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF) == 13  # SQLITE_FULL


def _check(copy: Path, data_key: bytes, counts: dict[str, int]) -> None:
    """The encrypted copy holds what the original does, or nothing goes further."""
    from mesocheck.store.verify import verify

    conn = connect(copy, data_key)
    try:
        problems = verify(conn)
        same = _counts(conn, "main") == counts
    except sqlite.Error:
        problems, same = ["unreadable"], False
    finally:
        conn.close()
    if problems or not same:
        raise StoreError(_("The encrypted copy did not check out the same as the database ({n} "
                           "problem(s)); nothing was changed. Run `mesocheck verify` on the "
                           "database.").format(n=len(problems)))


def _keep_original(conn, db: Path, today: date) -> Path:
    """A second name for the original file: a hard link, or a copy SQLite makes where the
    disk has none. A name left by an interrupted run for this same file is used again."""
    stem, suffix = (db.stem, db.suffix) if db.suffix else (db.name, "")
    for n in range(1, 100):
        kept = db.with_name(f"{stem}-unencrypted-{today:%Y-%m-%d}{f'-{n}' if n > 1 else ''}"
                            f"{suffix}")
        if not os.path.lexists(kept):
            break
        if os.path.samefile(kept, db):
            return kept
    else:
        raise StoreError(_("Too many earlier unencrypted copies lie beside the database; delete "
                           "those no longer needed, then try again."))
    try:
        os.link(db, kept)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
            raise
        _copy_with_sqlite(conn, kept)
    return kept


def _copy_with_sqlite(conn, kept: Path) -> None:
    fd = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        target = connect(kept, None)
        try:
            conn.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
        os.fsync(fd)
    finally:
        os.close(fd)


def _os_error(error: OSError, folder: Path) -> StoreError:
    if error.errno in (errno.ENOSPC, errno.EDQUOT) or disk_is_full(folder):
        return StoreError(_(_FULL))
    return StoreError(_("The database's folder {folder} refused a file ({reason}); nothing was "
                        "changed. Check it is writable.").format(
                            folder=folder, reason=error.strerror or _("error")))
