"""``backup``: an online copy through SQLite's backup API, verified before it takes the name.

The copy is written to a temporary file next to the destination, checked (integrity and the
full ``verify``), switched to a plain rollback journal so it is a single self-contained
file, flushed, and only then renamed over ``dest``: a failed backup never leaves a
half-written file under the destination's name.

A copy of an encrypted database is encrypted with the same data key, from its first page
(the temporary file too), and the database's key file is copied beside it (``DEST.key``)
before the copy takes its name: a backup is restored by putting both files back.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from mesocheck.fileio import (
    CannotWrite, HiddenCopy, check_target, is_database_file, remove_abandoned,
)
from mesocheck.i18n import N_, _
from mesocheck.store import atrest
from mesocheck.store.db import (
    BackupFailed, DiskFull, StoreError, classify, connect, disk_is_full, sqlite, translated,
)
from mesocheck.store.verify import verify

_FULL = N_("The backup's disk is full, so no backup was written (the database itself is "
           "unchanged); free some space there or choose another disk.")


def backup(conn: sqlite.Connection, source: Path, dest: Path) -> Path:
    dest = Path(dest).expanduser()
    folder = dest.parent
    if not folder.is_dir():
        raise BackupFailed(
            _("The backup folder {folder} does not exist. Create it, or choose another "
              "destination.").format(folder=folder)
        )
    if dest.is_dir():
        raise BackupFailed(_("The backup destination is a folder; give a file name inside it."))
    if is_database_file(dest, source):
        raise BackupFailed(_("A backup cannot overwrite the database it copies (or one of its "
                             "companion files, or a link to it); choose another file."))
    try:
        check_target(dest, source, sqlite_ok=True)  # an older backup may be replaced
    except CannotWrite as refused:
        raise BackupFailed(refused.message) from None
    if not os.access(folder, os.W_OK):
        raise BackupFailed(
            _("The backup folder {folder} is not writable by this user account; choose another "
              "destination.").format(folder=folder)
        )
    key = getattr(conn, "key", None)
    key_file = atrest.read_key_file(source) if key is not None else None
    try:
        theirs = atrest.read_key_file(dest)
    except atrest.KeyFileDamaged:
        theirs = None
    if theirs is not None and (key_file is None or theirs.id != key_file.id):
        raise BackupFailed(
            _("{dest} is a backup of another database (its key file {name} holds another key); "
              "choose another file name.").format(dest=dest, name=atrest.key_file(dest).name))
    remove_abandoned(folder)
    try:
        copy = HiddenCopy(folder, dest.name)
    except OSError as error:
        raise _folder_error(folder, error) from error
    try:
        with copy:
            _copy(conn, copy.path, folder, key)
            copy.sync()
            if key_file is not None:  # before the copy has its name: never one without its key
                try:
                    atrest.write_key_file(dest, key_file)
                except StoreError as refused:
                    raise BackupFailed(_FULL if disk_is_full(folder) else refused.message) \
                        from None
            copy.put_in_place(dest)
            if key_file is None:
                atrest.key_file(dest).unlink(missing_ok=True)  # an older encrypted backup's
    except OSError as error:
        raise _folder_error(folder, error) from error
    return dest


def _folder_error(folder: Path, error: OSError) -> BackupFailed:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return BackupFailed(_(_FULL))
    return BackupFailed(
        _("The backup could not be written to {folder} ({reason}). Check the folder is writable "
          "and has free space.").format(folder=folder, reason=error.strerror or _("error"))
    )


def _copy(conn: sqlite.Connection, partial: Path, folder: Path, key: bytes | None) -> None:
    try:
        target = connect(partial, key)
    except sqlite.Error as error:
        raise _target_error(error, folder) from error
    try:
        try:
            conn.backup(target)
        except sqlite.Error as error:
            # The copy's disk filling up fails the backup call too; only then is the
            # source to blame for the rest.
            if disk_is_full(folder):
                raise BackupFailed(_(_FULL)) from error
            with translated():
                raise
        try:
            target.execute("PRAGMA journal_mode = DELETE")
            problems = verify(target)
        except sqlite.Error as error:
            raise _target_error(error, folder) from error
        if problems:
            raise BackupFailed(
                _("The copy failed verification ({n} problem(s)), so no backup was written: the "
                  "database itself is probably damaged or was altered. Run `mesocheck verify` "
                  "for the details.").format(n=len(problems))
            )
    finally:
        target.close()


def _target_error(error: sqlite.Error, folder: Path) -> BackupFailed:
    if isinstance(classify(error), DiskFull) or disk_is_full(folder):
        return BackupFailed(_(_FULL))
    return BackupFailed(
        _("The backup file could not be written; check the destination folder is writable.")
    )
