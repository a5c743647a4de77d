"""Files written whole or not at all: a temporary file in the same folder, then a rename."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from mesocheck.errors import MesocheckError


class CannotWrite(MesocheckError):
    pass


@contextmanager
def atomic_writer(path: str | Path) -> Iterator[BinaryIO]:
    """Yield a binary stream; on success the file appears at ``path`` complete and synced."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise CannotWrite(f"the folder {folder} does not exist; create it or choose another")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise CannotWrite(_why(folder, exc)) from None
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise CannotWrite(_why(path, exc)) from None
    except BaseException:
        _discard(tmp)
        raise


def write_atomic(path: str | Path, data: bytes) -> None:
    with atomic_writer(path) as stream:
        stream.write(data)


def _discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def _why(where: Path, exc: OSError) -> str:
    import errno

    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EACCES: "permission denied",
        errno.EROFS: "the disk is read-only",
        errno.EISDIR: "that is a folder",
    }
    reason = reasons.get(exc.errno or 0, exc.strerror or "the system refused")
    return f"cannot write {where}: {reason}; nothing was changed"
