"""Files written whole or not at all, only where writing cannot destroy something else.

A consent PDF or an export written to a USB stick or a shared folder must never be left
half-written (power cut, full disk): the bytes go to a temporary file in the same folder, are
synced to the disk, and only then replace the target in one rename. The file is readable by
its owner only, as befits a patient's record.

A target is refused, before anything is written, when it is the database or one of its
companion files under any name, a symbolic link, a device, a pipe or a folder
(:func:`check_target`): a rename would put the file in its place.

A writer killed half-way (power cut, SIGKILL) leaves its hidden temporary file behind (patient
data). Every writer holds a lock on its temporary file while it works (``flock``: it dies with
the process), so the next mesocheck program writing into that folder, or opening a database
there, removes every temporary file no live writer holds (:func:`remove_abandoned`). Where
the platform has no ``flock`` (Windows), files untouched for an hour are taken as abandoned.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from mesocheck.errors import MesocheckError
from mesocheck.i18n import _

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


class CannotWrite(MesocheckError):
    pass


# Without flock: a temporary file untouched this long belongs to a writer that died (live
# writers write continuously and finish in seconds).
STALE_AFTER_S = 3600

# Every hidden temporary file mesocheck writes: an export's or PDF's ``.part`` (mkstemp),
# a backup's ``.partial`` and a new database's ``.new`` (with what SQLite adds to them),
# and a head file's ``.tmp`` (see store/witness.py; written in microseconds, not marked).
TEMPORARY = re.compile(
    r"\.(?P<base>.+\.(?:[a-z0-9_]{8}\.part|[0-9a-f]{32}\.(?:partial|new)"
    r"|head\.[0-9]+\.[0-9]+\.tmp))(?P<companion>-journal|-wal|-shm)?")
SQLITE_MAGIC = b"SQLite format 3\x00"

_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EACCES: "permission was refused",
    errno.EPERM: "permission was refused",
    errno.EROFS: "the disk is read-only",
    errno.EISDIR: "a folder has that name",
}


@contextmanager
def atomic_writer(path: str | os.PathLike[str], *, database: str | os.PathLike[str] | None = None
                  ) -> Iterator[BinaryIO]:
    """Yield a binary stream; on success the file appears at ``path`` complete and synced.

    Raises :class:`CannotWrite` (with a sentence for the user) when the folder is missing,
    the target is refused by :func:`check_target` (``database`` is the database to protect)
    or the file cannot be written; an existing file is then left as it was.
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise CannotWrite(_("The folder {folder} does not exist; create it or choose "
                            "another.").format(folder=folder))
    check_target(target, database)
    remove_abandoned(folder)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise CannotWrite(_sentence(folder, exc)) from None
    try:
        with os.fdopen(fd, "wb") as stream:
            mark_in_use(fd)
            yield stream
            stream.flush()
            os.fsync(fd)
            os.replace(tmp, target)  # still marked in use: nobody removes it meanwhile
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise CannotWrite(_sentence(target, exc)) from None
        raise
    sync_folder(folder)


class HiddenCopy:
    """A new file, hidden beside its target, that SQLite fills (a backup, an encrypted copy).

    Made 0600 (patient data) and marked in use, so that no other program removes it as
    abandoned. The descriptor that made it stays open until the ``with`` block ends, after
    the caller has closed SQLite's connection to it: closing a descriptor of a file drops
    this process's locks on it, so none is closed while SQLite holds the file. Unless
    :meth:`put_in_place` ran, the file and its journal are removed at the end.
    """

    def __init__(self, folder: Path, name: str):
        self.path = Path(folder) / f".{name}.{uuid.uuid4().hex}.partial"
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        mark_in_use(self._fd)

    def __enter__(self) -> HiddenCopy:
        return self

    def sync(self) -> None:
        """Put what SQLite wrote on the disk (before anything refers to the copy)."""
        os.fsync(self._fd)

    def put_in_place(self, target: Path) -> None:
        """Give the copy its name in one rename, synced with the folder."""
        self.sync()
        os.replace(self.path, target)
        sync_folder(target.parent)

    def __exit__(self, *exc) -> None:
        os.close(self._fd)
        for leftover in (self.path, Path(f"{self.path}-journal")):
            leftover.unlink(missing_ok=True)


def write_atomic(path: str | os.PathLike[str], data: bytes, *,
                 database: str | os.PathLike[str] | None = None) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path written."""
    with atomic_writer(path, database=database) as stream:
        stream.write(data)
    return Path(path)


def check_target(target: Path, database: str | os.PathLike[str] | None = None, *,
                 sqlite_ok: bool = False) -> None:
    """Refuse, in one sentence and before anything is written, a target that is not a new
    name or a plain file: the database or one of its companion files (under any name), a
    symbolic link, a folder, a device, a pipe or a socket; or a database in use (one with
    a -wal or -shm file beside it); or, unless ``sqlite_ok``, any SQLite file."""
    target = Path(target)
    if database is not None and is_database_file(target, database):
        raise CannotWrite(
            _("{target} is the database itself (or one of its companion files, or a link to it): "
              "writing there would destroy the data. Choose another file name.").format(
                  target=target))
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise CannotWrite(_sentence(target, exc)) from None
    if stat.S_ISLNK(info.st_mode):
        raise CannotWrite(_("{target} is a symbolic link; give the path of the file itself, or a "
                            "new file name.").format(target=target))
    if stat.S_ISDIR(info.st_mode):
        raise CannotWrite(_("Cannot write {target}: a folder has that name.").format(target=target))
    if not stat.S_ISREG(info.st_mode):
        raise CannotWrite(_("{target} is not a file but a device, a pipe or a socket; give a "
                            "file name.").format(target=target))
    if any(target.with_name(target.name + s).exists() for s in ("-wal", "-shm")):
        raise CannotWrite(_("{target} is a database in use (it has a -wal or -shm file beside "
                            "it): writing there would destroy it. Choose another file "
                            "name.").format(target=target))
    if not sqlite_ok and (_starts_like_sqlite(target)
                          or target.with_name(target.name + ".key").exists()):
        raise CannotWrite(_("{target} is an SQLite database (an encrypted one, when its key file "
                            "is beside it); an export or a PDF never replaces one. Choose "
                            "another file name.").format(target=target))


def _starts_like_sqlite(path: Path) -> bool:
    # Safe to open: not this process's database (checked by identity before).
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def mark_in_use(fd: int) -> None:
    """Mark a temporary file as being written, for as long as this process holds ``fd``."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pass


def remove_abandoned(folder: Path) -> int:
    """Delete the hidden temporary files in ``folder`` that no live writer holds (see the
    module's docstring); returns how many. Best effort: what cannot be removed is left for
    the next time."""
    try:
        entries = [entry for entry in os.scandir(folder) if TEMPORARY.fullmatch(entry.name)]
    except OSError:
        return 0
    removed = 0
    abandoned: dict[str, bool] = {}
    for entry in entries:
        base = TEMPORARY.fullmatch(entry.name)["base"]
        if base not in abandoned:
            abandoned[base] = _abandoned(Path(folder) / f".{base}")
        if abandoned[base]:
            try:
                os.unlink(entry.path)
                removed += 1
            except OSError:
                pass
    return removed


def _abandoned(path: Path) -> bool:
    if fcntl is None:
        try:
            return os.stat(path).st_mtime < time.time() - STALE_AFTER_S
        except FileNotFoundError:
            return True
        except OSError:
            return False
    try:
        # Never one of this process's databases: a temporary name, held by its writer only.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return True  # a companion whose file is gone
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a live writer holds it
    finally:
        os.close(fd)
    return True


COMPANION_SUFFIXES = ("-wal", "-shm", "-journal", ".head", ".key")


def database_files(db: str | os.PathLike[str]) -> list[Path]:
    """The database file and the companion files SQLite keeps beside it."""
    db = Path(db)
    return [db] + [db.with_name(db.name + suffix) for suffix in COMPANION_SUFFIXES]


def is_database_file(path: str | os.PathLike[str], db: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names the database at ``db`` or one of its companion files, under
    any name (a hard or symbolic link, another path to it). Decided from names and file
    identities only: these files are never opened here (closing a descriptor of a file
    drops the locks SQLite holds on it for this process)."""
    def identity(p: Path) -> tuple[int, int] | None:
        try:
            info = os.stat(p)
        except (OSError, ValueError):
            return None
        return info.st_dev, info.st_ino

    path = Path(path)
    try:
        where = path.resolve()
    except (OSError, RuntimeError):
        where = path.absolute()
    mine = identity(path)
    for candidate in database_files(db):
        try:
            if candidate.resolve() == where:
                return True
        except (OSError, RuntimeError):
            pass
        if mine is not None and identity(candidate) == mine:
            return True
    return False


def _sentence(where: Path, exc: OSError) -> str:
    reason = _REASONS.get(exc.errno or 0, exc.strerror or "the system refused")
    return f"Cannot write {where}: {reason}."


def sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the platform allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
