"""Files written whole or not at all.

A consent PDF or an export written to a USB stick or a shared folder must never be left
half-written (power cut, full disk): the bytes go to a temporary file in the same folder, are
synced to the disk, and only then replace the target in one rename. The file is readable by
its owner only, as befits a patient's record. A writer killed half-way (power cut, SIGKILL)
leaves its hidden temporary file behind; the next write to the same name removes those
nobody has touched for an hour.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from mesocheck.errors import MesocheckError


class CannotWrite(MesocheckError):
    pass


# A temporary file untouched this long belongs to a writer that died: live writers write
# continuously and finish in seconds.
STALE_AFTER_S = 3600


_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EACCES: "permission was refused",
    errno.EPERM: "permission was refused",
    errno.EROFS: "the disk is read-only",
    errno.EISDIR: "a folder has that name",
}


@contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a binary stream; on success the file appears at ``path`` complete and synced.

    Raises :class:`CannotWrite` (with a sentence for the user) when the folder is missing or
    the file cannot be written; an existing file is then left as it was.
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise CannotWrite(f"The folder {folder} does not exist; create it or choose another.")
    if target.is_dir():
        raise CannotWrite(f"Cannot write {target}: a folder has that name.")
    remove_stale(folder, re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}\.part"))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise CannotWrite(_sentence(folder, exc)) from None
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise CannotWrite(_sentence(target, exc)) from None
        raise
    sync_folder(folder)


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path written."""
    with atomic_writer(path) as stream:
        stream.write(data)
    return Path(path)


def remove_stale(folder: Path, name: re.Pattern[str], older_than_s: float = STALE_AFTER_S
                 ) -> int:
    """Delete the files in ``folder`` whose whole name matches ``name`` and that nobody has
    modified for ``older_than_s`` seconds; returns how many. Best effort: a file that cannot
    be removed is left for the next time."""
    cutoff = time.time() - older_than_s
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    removed = 0
    for entry in entries:
        if not name.fullmatch(entry.name):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            pass
    return removed


COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")


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
