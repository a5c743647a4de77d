"""Opening the SQLite file with safe settings, and the errors a person can meet while using it.

SQLite failures are sorted qutebrowser-style: the environment's fault (a locked, damaged,
full or read-only database) becomes a :class:`StoreError` with one sentence saying what to do;
anything else is our bug and propagates unchanged. No message carries patient data.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from mesocheck.errors import MesocheckError

BUSY_TIMEOUT_MS = 5000
APPLICATION_ID = 0x4D455343  # "MESC" in the file header: tells our files from other SQLite files
_RESTORE = "restore the latest copy made with `mesocheck backup`"


class StoreError(MesocheckError):
    """A database problem the user can act on."""

    default_message = "The database could not be used."

    def __init__(self, message: str | None = None):
        super().__init__(message or self.default_message)


class DatabaseLocked(StoreError):
    default_message = (
        "The database is busy: another mesocheck window or command is writing to it. "
        "Wait a moment and try again; if this persists, close the other mesocheck programs."
    )


class DatabaseCorrupt(StoreError):
    default_message = (
        f"The database file is damaged and cannot be read. Stop using it and {_RESTORE}."
    )


class DiskFull(StoreError):
    default_message = (
        "The disk is full, so the last change was not saved (everything saved before is "
        "intact). Free some disk space and try again."
    )


class DiskError(StoreError):
    default_message = (
        "The disk reported an error while reading or writing the database. Check the drive, "
        f"then run `mesocheck verify`; if it reports problems, {_RESTORE}."
    )


class ReadOnlyDatabase(StoreError):
    default_message = (
        "The database file or its folder is read-only, so nothing can be saved. "
        "Give this user account write access to both, or choose another --db path."
    )


class DatabaseMissing(StoreError):
    default_message = (
        f"The database file does not exist. Check the --db path, or {_RESTORE}."
    )


class NotAMesocheckDatabase(StoreError):
    default_message = (
        "This file is an SQLite database of another program, not a mesocheck database. "
        "Check the --db path."
    )


class SchemaTooNew(StoreError):
    default_message = (
        "This database was written by a newer version of mesocheck; "
        "update the app or restore from a backup."
    )


class UnsafeDatabase(StoreError):
    default_message = (
        "The database refused the settings that protect saved data from power cuts "
        "(WAL journal, full sync, foreign keys). Keep the database on a local disk, "
        "not a network share."
    )


class NotFound(StoreError):
    default_message = "The record asked for does not exist; refresh the list and try again."


class IntakeLocked(StoreError):
    default_message = (
        "This intake was signed and is locked: its answers can only be changed by staff "
        "as an amendment, with a reason."
    )


class InvalidState(StoreError):
    default_message = "This action is not possible in the intake's current state."


class BackupFailed(StoreError):
    default_message = "The backup could not be written."


class DocumentDamaged(StoreError):
    default_message = (
        "This document's stored copy no longer matches the checksum taken when it was "
        f"made, so it is not shown or printed. Run `mesocheck verify`, then {_RESTORE}."
    )


_CODES = {
    5: DatabaseLocked,  # SQLITE_BUSY
    6: DatabaseLocked,  # SQLITE_LOCKED
    8: ReadOnlyDatabase,  # SQLITE_READONLY
    10: DiskError,  # SQLITE_IOERR
    11: DatabaseCorrupt,  # SQLITE_CORRUPT
    13: DiskFull,  # SQLITE_FULL
    14: DatabaseMissing,  # SQLITE_CANTOPEN
    26: DatabaseCorrupt,  # SQLITE_NOTADB
}
_PHRASES = (
    ("database is locked", DatabaseLocked),
    ("database table is locked", DatabaseLocked),
    ("readonly database", ReadOnlyDatabase),
    ("disk i/o error", DiskError),
    ("malformed", DatabaseCorrupt),
    ("not a database", DatabaseCorrupt),
    ("database or disk is full", DiskFull),
    ("unable to open database", DatabaseMissing),
)
_CANT_OPEN = (
    "The database file cannot be opened. Check that the --db path names a file in a folder "
    f"this user account can write to, or {_RESTORE}."
)


def classify(error: sqlite3.Error) -> StoreError | None:
    """The user-facing error for an SQLite failure, or None when it is our bug."""
    code = getattr(error, "sqlite_errorcode", None)
    kind = _CODES.get(code & 0xFF) if code is not None else None
    if kind is None:
        text = str(error).lower()
        kind = next((k for phrase, k in _PHRASES if phrase in text), None)
    if kind is None:
        return None
    if kind is DatabaseMissing:
        return DatabaseMissing(_CANT_OPEN)
    return kind()


@contextmanager
def translated() -> Iterator[None]:
    """Re-raise environmental SQLite failures as StoreError; let bugs through."""
    try:
        yield
    except sqlite3.Error as error:
        mapped = classify(error)
        if mapped is None:
            raise
        raise mapped from error


def quick_check(conn: sqlite3.Connection) -> None:
    """Raise :class:`DatabaseCorrupt` unless SQLite's quick_check reads every page cleanly.

    For commands about to write many rows or read them all: SQLite only notices a damaged
    page when it touches it, so without this a write could land beside damage it never
    read, and an export could end short. About a second per gigabyte, cached.
    """
    try:
        with translated():
            result = conn.execute("PRAGMA quick_check(1)").fetchall()
    except sqlite3.DatabaseError:  # not one SQLite names: the check itself hit the damage
        raise DatabaseCorrupt() from None
    if result != [("ok",)]:
        raise DatabaseCorrupt()


def _check_readable(path: Path) -> None:
    """Refuse a folder or an unreadable file, by their metadata alone.

    The file itself is never opened here: on POSIX, closing any descriptor of a file drops
    every lock this process holds on it, including those SQLite holds for the process's
    other connections (SQLite's "How To Corrupt An SQLite Database File", 2.2). Without
    them another program takes the database for unused, checkpoints it and deletes the
    -wal and -shm files this process is still writing into. Whether the content is
    SQLite, and whose, is asked of SQLite itself (:func:`_check_identity`).
    """
    if path.is_dir():
        raise DatabaseMissing(_CANT_OPEN)
    if not os.access(path, os.R_OK):
        raise ReadOnlyDatabase(
            "The database file cannot be read by this user account. Fix its permissions, "
            "or choose another --db path."
        )


def connect(
    path: Path, *, create: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS
) -> sqlite3.Connection:
    """A connection in autocommit mode (we issue BEGIN ourselves) with checked pragmas."""
    path = Path(path)
    if path.exists():
        _check_readable(path)
    elif not create:
        raise DatabaseMissing()
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Patient data: readable by this user account only (SQLite gives its WAL and
            # shared-memory files the same mode). A new file: nobody holds a lock on it.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
        except OSError:
            raise ReadOnlyDatabase(
                "The database file cannot be created. Choose a --db path in a folder this "
                "user account can write to."
            ) from None
    try:
        with translated():
            conn = sqlite3.connect(
                str(path), isolation_level=None, timeout=busy_timeout_ms / 1000
            )
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
                _check_identity(conn)
                configure(conn, busy_timeout_ms)
            except BaseException:
                conn.close()
                raise
    except DatabaseMissing:
        # SQLite says only "unable to open" when a WAL database sits on a read-only disk
        # or in a folder it cannot add its -shm file to.
        if path.is_file() and not (os.access(path, os.W_OK)
                                   and os.access(path.parent, os.W_OK)):
            raise ReadOnlyDatabase() from None
        raise
    return conn


def _check_identity(conn: sqlite3.Connection) -> None:
    """Refuse another program's SQLite file before any setting is written into it.

    Reading the header through SQLite: a file that is not SQLite at all fails here with
    SQLite's own "not a database" (:class:`DatabaseCorrupt`).
    """
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id not in (0, APPLICATION_ID):
        raise NotAMesocheckDatabase()


def configure(conn: sqlite3.Connection, busy_timeout_ms: int) -> None:
    """Set the durability pragmas, then read each back: a silent refusal is an error."""
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = wal")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    wanted = {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": int(busy_timeout_ms),
    }
    for name, value in wanted.items():
        actual = conn.execute(f"PRAGMA {name}").fetchone()[0]
        if actual != value:
            raise UnsafeDatabase()


def pragmas(conn: sqlite3.Connection) -> dict[str, object]:
    """The settings as SQLite reports them, for start-up checks and diagnostics."""
    names = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "user_version")
    return {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in names}


class InvalidPin(StoreError):
    default_message = "A PIN is 4 to 12 digits, nothing else."
