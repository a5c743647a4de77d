"""``backup``: an online copy through SQLite's backup API, verified before it takes the name.

The copy is written to a temporary file next to the destination, checked (integrity and the
full ``verify``), switched to a plain rollback journal so it is a single self-contained
file, flushed, and only then renamed over ``dest``: a failed backup never leaves a
half-written file under the destination's name.
"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from pathlib import Path

from mesocheck.fileio import remove_stale, sync_folder
from mesocheck.store.db import BackupFailed, DiskFull, classify, translated
from mesocheck.store.verify import verify

def backup(conn: sqlite3.Connection, source: Path, dest: Path) -> Path:
    dest = Path(dest).expanduser()
    folder = dest.parent
    if not folder.is_dir():
        raise BackupFailed(
            f"The backup folder {folder} does not exist. Create it, or choose another destination."
        )
    if dest.is_dir():
        raise BackupFailed("The backup destination is a folder; give a file name inside it.")
    if dest.exists() and dest.resolve() == Path(source).resolve():
        raise BackupFailed("A backup cannot overwrite the database it copies; choose another file.")
    if not os.access(folder, os.W_OK):
        raise BackupFailed(
            f"The backup folder {folder} is not writable by this user account; "
            "choose another destination."
        )
    _remove_stale_partials(folder, dest.name)
    partial = folder / f".{dest.name}.{uuid.uuid4().hex}.partial"
    try:
        _copy(conn, partial)
        os.replace(partial, dest)
        sync_folder(folder)
    except OSError as error:
        raise BackupFailed(
            f"The backup could not be written to {folder} ({error.strerror or 'error'}). "
            "Check the folder is writable and has free space."
        ) from error
    finally:
        for leftover in (partial, Path(f"{partial}-journal")):
            leftover.unlink(missing_ok=True)
    return dest


def _remove_stale_partials(folder: Path, name: str) -> None:
    """A backup killed mid-way (power cut, SIGKILL) leaves its temporary copy behind: a
    whole copy of patient data, one more per crash. Remove those nobody has written to for
    an hour; a running backup writes all the time and verifies in seconds."""
    remove_stale(folder, re.compile(
        rf"\.{re.escape(name)}\.[0-9a-f]{{32}}\.partial(-journal|-wal|-shm)?"))


def _copy(conn: sqlite3.Connection, partial: Path) -> None:
    # The descriptor that creates the copy (patient data: 0600) stays open until SQLite has
    # closed the copy, and makes it durable: closing a descriptor of a file drops this
    # process's locks on it, so none is ever closed while a connection holds the file.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            target = sqlite3.connect(str(partial), isolation_level=None)
        except sqlite3.Error as error:
            raise _target_error(error) from error
        try:
            with translated():
                conn.backup(target)
            try:
                target.execute("PRAGMA journal_mode = DELETE")
                problems = verify(target)
            except sqlite3.Error as error:
                raise _target_error(error) from error
            if problems:
                raise BackupFailed(
                    f"The copy failed verification ({len(problems)} problem(s)), so no "
                    "backup was written: the database itself is probably damaged or was "
                    "altered. Run `mesocheck verify` for the details."
                )
        finally:
            target.close()
        os.fsync(fd)
    finally:
        os.close(fd)


def _target_error(error: sqlite3.Error) -> BackupFailed:
    mapped = classify(error)
    if isinstance(mapped, DiskFull):
        return BackupFailed("The backup disk is full; free some space or choose another disk.")
    return BackupFailed(
        "The backup file could not be written; check the destination folder is writable."
    )
