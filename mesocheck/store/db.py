"""Opening the SQLite file with safe settings, and the errors a person can meet while using it.

Every connection to a database file, plain or encrypted, is made by :func:`connect` through
SQLCipher (``sqlcipher3``: SQLite with encrypted pages). The standard library's sqlite3 opens
none: two SQLite libraries in one process must never hold the same file, since closing one's
descriptor drops the locks the other holds. An encrypted database's key comes from
:mod:`mesocheck.store.atrest` (the key file beside it, unlocked once per process).

SQLite failures are sorted qutebrowser-style: the environment's fault (a locked, damaged,
full or read-only database) becomes a :class:`StoreError` with one sentence saying what to do;
anything else is our bug and propagates unchanged. No message carries patient data. (About
470 lines: the sentences stay beside the one place that opens the file and sorts its errors.)
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from sqlcipher3 import dbapi2 as sqlite

from mesocheck.errors import MesocheckError
from mesocheck.fileio import mark_in_use, remove_abandoned, sync_folder
from mesocheck.i18n import N_, _

BUSY_TIMEOUT_MS = 5000
FULL_BELOW_BYTES = 1 << 20  # a disk with less free space than this is full for SQLite
APPLICATION_ID = 0x4D455343  # "MESC" in the file header: tells our files from other SQLite files


class StoreError(MesocheckError):
    """A database problem the user can act on."""

    default_message = N_("The database could not be used.")

    def __init__(self, message: str | None = None):
        super().__init__(message or _(self.default_message))


class DatabaseLocked(StoreError):
    default_message = (
        N_("The database is busy: another mesocheck window or command is writing to it. Wait a "
           "moment and try again; if this persists, close the other mesocheck programs.")
    )


class DatabaseCorrupt(StoreError):
    default_message = (
        N_("The database file is damaged and cannot be read. Stop using it and restore the "
           "latest copy made with `mesocheck backup`.")
    )


class DiskFull(StoreError):
    default_message = (
        N_("The disk is full, so the last change was not saved (everything saved before is "
           "intact). Free some disk space and try again.")
    )


_FULL_AT_OPEN = N_(
    "The database's disk is full, so mesocheck cannot open it (nothing in it was changed). "
    "Free some disk space and try again."
)


class DiskError(StoreError):
    default_message = (
        N_("The disk reported an error while reading or writing the database. Check the drive, "
           "then run `mesocheck verify`; if it reports problems, restore the latest copy made "
           "with `mesocheck backup`.")
    )


class ReadOnlyDatabase(StoreError):
    default_message = (
        N_("The database file or its folder is read-only, so nothing can be saved. Give this "
           "user account write access to both, or choose another --db path.")
    )


class DatabaseMissing(StoreError):
    default_message = (
        N_("The database file does not exist. Check the --db path, or restore the latest copy "
           "made with `mesocheck backup`.")
    )


class EmptyDatabase(DatabaseCorrupt):
    default_message = (
        N_("The database file is empty (0 bytes): what it held is gone, perhaps through a copy "
           "that failed. Stop using it and restore the latest copy made with `mesocheck "
           "backup`; a new database is only ever made where no file exists.")
    )


class NotAFile(DatabaseMissing):
    default_message = (
        N_("The --db path is not a file but a device, a pipe or a socket; give the path of a "
           "database file.")
    )


class NotAMesocheckDatabase(StoreError):
    default_message = (
        N_("This file is an SQLite database of another program, not a mesocheck database. Check "
           "the --db path.")
    )


class SchemaTooNew(StoreError):
    default_message = (
        N_("This database was written by a newer version of mesocheck; update the app or restore "
           "from a backup.")
    )


class UnsafeDatabase(StoreError):
    default_message = (
        N_("The database refused the settings that protect saved data from power cuts (WAL "
           "journal, full sync, foreign keys). Keep the database on a local disk, not a network "
           "share.")
    )


class NotFound(StoreError):
    default_message = N_("The record asked for does not exist; refresh the list and try again.")


class IntakeLocked(StoreError):
    default_message = (
        N_("This intake was signed and is locked: its answers can only be changed by staff as an "
           "amendment, with a reason.")
    )


class InvalidState(StoreError):
    default_message = N_("This action is not possible in the intake's current state.")


class BackupFailed(StoreError):
    default_message = N_("The backup could not be written.")


class DocumentDamaged(StoreError):
    default_message = (
        N_("This document's stored copy no longer matches the checksum taken when it was "
           "made, so it is not shown or printed. Run `mesocheck verify`, then restore the "
           "latest copy made with `mesocheck backup`.")
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
_CANT_OPEN = N_(
    "The database file cannot be opened. Check that the --db path names a file in a folder "
    "this user account can write to, or restore the latest copy made with `mesocheck backup`."
)


def classify(error: sqlite.Error, where: Path | None = None) -> StoreError | None:
    """The user-facing error for an SQLite failure, or None when it is our bug. ``where``
    (the database's path) lets a disk error on a disk with no space left be named as that."""
    code = getattr(error, "sqlite_errorcode", None)
    kind = _CODES.get(code & 0xFF) if code is not None else None
    if kind is None:
        text = str(error).lower()
        kind = next((k for phrase, k in _PHRASES if phrase in text), None)
    if kind is None:
        return None
    if kind in (DiskError, DatabaseMissing) and where is not None and disk_is_full(where):
        return DiskFull()
    if kind is DatabaseMissing:
        return DatabaseMissing(_(_CANT_OPEN))
    return kind()


def disk_is_full(where: Path) -> bool:
    """Whether the disk holding ``where`` (a file or a folder) has next to no space left:
    then SQLite's "disk I/O error" (e.g. growing its -shm file) means just that."""
    where = Path(where)
    folder = where if where.is_dir() else where.parent
    try:
        return shutil.disk_usage(folder).free < FULL_BELOW_BYTES
    except OSError:
        return False


_ENGINES: list[Callable[[BaseException], StoreError | None]] = []


def register_engine_errors(classify_error: Callable[[BaseException], StoreError | None]) -> None:
    """Let :func:`translated` sort another SQL engine's failures too (the hub's
    PostgreSQL: ``mesocheck.hub.errors``), without the store importing its driver."""
    if classify_error not in _ENGINES:
        _ENGINES.append(classify_error)


@contextmanager
def translated(where: Path | None = None) -> Iterator[None]:
    """Re-raise environmental SQLite failures (or a registered engine's) as StoreError;
    let bugs through."""
    try:
        yield
    except sqlite.Error as error:
        mapped = classify(error, where)
        if mapped is None:
            raise
        raise mapped from error
    except Exception as error:
        for classify_error in _ENGINES:
            mapped = classify_error(error)
            if mapped is not None:
                raise mapped from error
        raise


def quick_check(conn: Connection) -> None:
    """Raise :class:`DatabaseCorrupt` unless SQLite's quick_check reads every page cleanly.

    For commands about to write many rows or read them all: SQLite only notices a damaged
    page when it touches it, so without this a write could land beside damage it never
    read, and an export could end short. About a second per gigabyte, cached.
    """
    try:
        with translated():
            result = conn.execute("PRAGMA quick_check(1)").fetchall()
    except sqlite.DatabaseError:  # not one SQLite names: the check itself hit the damage
        raise DatabaseCorrupt() from None
    if result != [("ok",)]:
        raise DatabaseCorrupt()


class Connection(sqlite.Connection):
    """A connection that knows the key it was opened with (None: a plain file), so that a
    second connection to the same file can be made alike (verify's checks, a backup)."""

    key: bytes | None = None


_quiet = False


def connect(path: str | Path, key: bytes | None, *,
            busy_timeout_ms: int = BUSY_TIMEOUT_MS, uri: bool = False) -> Connection:
    """A connection in autocommit mode (we issue BEGIN ourselves) to the file at ``path``,
    encrypted with the raw 256-bit ``key`` (no key derivation per connection) or plain.
    The one place a database file is opened; nothing is read from it yet."""
    global _quiet
    conn = sqlite.connect(str(path), isolation_level=None, timeout=busy_timeout_ms / 1000,
                          factory=Connection, uri=uri)
    if not _quiet:  # SQLCipher's own log would print a wrong key's details on stderr
        conn.execute("PRAGMA cipher_log_level = NONE")
        _quiet = True
    if key is not None:
        conn.key = key
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


FROM_KEY_FILE = object()  # open_database's default key: the one its key file holds


def open_database(
    path: Path, *, create: bool, build: Callable[[Connection], None],
    busy_timeout_ms: int = BUSY_TIMEOUT_MS, plain: bool = False, key: object = FROM_KEY_FILE,
) -> tuple[Connection, bool]:
    """A connection to the database at ``path`` with checked pragmas, and whether this
    call made the database: with ``create``, a new one is made (``build`` writes its
    schema) if, and only if, no file exists there; encrypted with the key its key file
    holds (:mod:`~mesocheck.store.atrest`: set up and unlocked before), or, with ``plain``
    and no key file, unencrypted. ``key`` None opens a plain file whatever lies beside it
    (the encryption that a kill interrupted, taken up again).

    The file itself is never opened with plain file calls: on POSIX, closing any descriptor
    of a file drops every lock this process holds on it, including those SQLite holds for
    the process's other connections (SQLite's "How To Corrupt An SQLite Database File",
    2.2). Without them another program takes the database for unused, checkpoints it and
    deletes the -wal and -shm files this process is still writing into. What kind of file
    it is comes from its metadata (``stat``); whether its content is SQLite, and whose,
    from SQLite itself (:func:`_check_identity`), before any setting is written into it.
    """
    from mesocheck.store import atrest

    path = Path(path)
    created = False
    for _attempt in range(3):
        try:
            info = os.stat(path)
            break
        except FileNotFoundError:
            if not create:
                raise DatabaseMissing() from None
            created = _create(path, build, atrest.key_for_new(path, plain=plain))
        except OSError:  # e.g. a path through a file
            raise DatabaseMissing(_(_CANT_OPEN)) from None
    else:
        raise DatabaseMissing(_(_CANT_OPEN))
    if stat.S_ISDIR(info.st_mode):
        raise DatabaseMissing(_(_CANT_OPEN))
    if not stat.S_ISREG(info.st_mode):
        raise NotAFile()
    if info.st_size == 0:
        raise EmptyDatabase()
    if not os.access(path, os.R_OK):
        raise ReadOnlyDatabase(
            _("The database file cannot be read by this user account. Fix its permissions, or "
              "choose another --db path.")
        )
    if key is FROM_KEY_FILE:
        key = atrest.key_for(path)
    try:
        with translated(path):
            conn = connect(path, key, busy_timeout_ms=busy_timeout_ms)
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
                _check_identity(conn)
                configure(conn, busy_timeout_ms)
            except BaseException:
                conn.close()
                raise
    except _Unreadable:
        raise atrest.unreadable(path, key) from None
    except DiskFull:
        raise DiskFull(_(_FULL_AT_OPEN)) from None
    except DatabaseMissing:
        # SQLite says only "unable to open" when a WAL database sits on a read-only disk
        # or in a folder it cannot add its -shm file to.
        if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            raise ReadOnlyDatabase() from None
        raise
    _tidy(path.parent)
    return conn, created


class _Unreadable(Exception):
    """SQLite found no database in the file with the key given (or without one)."""


def read_identity(conn: Connection) -> int:
    """The file's application id: the first read, which tells whether the key (or no key)
    opens it; :class:`_Unreadable` when it does not."""
    try:
        return conn.execute("PRAGMA application_id").fetchone()[0]
    except sqlite.DatabaseError as error:
        if (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF == 26:  # SQLITE_NOTADB
            raise _Unreadable() from None
        raise


def _check_identity(conn: Connection) -> None:
    """Refuse any SQLite file but a mesocheck database before a setting is written into it
    (switching another program's file to WAL would change it for good). A file that the
    key (or no key) does not open fails here (:class:`_Unreadable`)."""
    app_id = read_identity(conn)
    if app_id == APPLICATION_ID:
        return
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if app_id or version or tables:
        raise NotAMesocheckDatabase()
    raise NotAMesocheckDatabase(
        _("This file is an empty SQLite database, not a mesocheck one: mesocheck makes a new "
          "database only where no file exists. Check the --db path (to start a new database at "
          "this path, remove the empty file first).")
    )


def _create(path: Path, build: Callable[[Connection], None], key: bytes | None) -> bool:
    """Make a new database at ``path`` whole or not at all, encrypted with ``key`` (or
    plain): its schema is written into a hidden file beside it, which then takes the name
    only if it is still free (a hard link: another program making the same database at the
    same moment keeps its own). Returns whether this one took the name."""
    folder = path.parent
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # patient data: this user only
        tmp = folder / f".{path.name}.{uuid.uuid4().hex}.new"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull(_(_FULL_AT_OPEN)) from None
        raise ReadOnlyDatabase(
            _("The database file cannot be created. Choose a --db path in a folder this user "
              "account can write to.")
        ) from None
    try:
        mark_in_use(fd)
        try:
            with translated(tmp):
                conn = connect(tmp, key)
                try:
                    conn.execute("PRAGMA synchronous = FULL")  # each commit on the disk
                    build(conn)
                finally:
                    conn.close()
            os.fsync(fd)
        finally:
            os.close(fd)  # before the file takes its name: no connection holds it yet
        took = True
        try:
            os.link(tmp, path)
        except FileExistsError:
            took = False  # made meanwhile by another program: that one is used
        except FileNotFoundError:
            return False  # taken for abandoned by another's clean-up: the caller retries
        except OSError:  # no hard links here (FAT, some network shares)
            took = not path.exists()
            if took:
                os.replace(tmp, path)
        sync_folder(folder)
        return took
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull(_(_FULL_AT_OPEN)) from None
        raise
    finally:
        for leftover in (tmp, Path(f"{tmp}-journal")):
            try:
                leftover.unlink()
            except OSError:
                pass


_tidied: set[Path] = set()


def _tidy(folder: Path) -> None:
    """Once per process and folder: remove what killed mesocheck writers left there."""
    if folder not in _tidied:
        _tidied.add(folder)
        remove_abandoned(folder)


def configure(conn: Connection, busy_timeout_ms: int) -> None:
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


def pragmas(conn: Connection) -> dict[str, object]:
    """The settings as SQLite reports them, for start-up checks and diagnostics."""
    names = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "user_version")
    return {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in names}


class InvalidPin(StoreError):
    default_message = N_("A PIN is digits only, at most 12 (a new one at least 6).")


class InvalidName(StoreError):
    default_message = (
        N_("A staff member's name needs at least one letter or digit, and at most 200 characters.")
    )


class UnreadableRecord(StoreError):
    default_message = (
        N_("A stored value cannot be read (a time, an answer or a signature changed outside "
           "mesocheck, or damaged). Run `mesocheck verify` for the details.")
    )
