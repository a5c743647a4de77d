"""The database at rest: its data key, the key file beside it, and unlocking.

An encrypted database (SQLCipher: every page AES-256 encrypted, with its own HMAC) is opened
with a random 256-bit data key used raw, so a connection costs no key derivation. The data
key is never stored in clear: the key file beside the database (``NAME.key``, readable by
this user only) holds it wrapped twice, by the clinic passphrase and by the recovery key
printed once at set-up (scrypt and AES-GCM, :mod:`mesocheck.keys`), and, where the clinic
opted in, the operating system's keyring holds it for unattended starts
(:mod:`~mesocheck.store.unattended`). Unlocking puts the
data key in this process's memory until it ends; every later connection finds it there.

The key file must be readable before the database opens, so it is a file of its own. It is
replaced whole (written beside it, synced, renamed): a kill while it changes leaves the old
one or the new one, and both unwrap to the same data key, since changing the passphrase
re-wraps the key and never re-encrypts the data. A database without a key file is plain.
A database copied without its key file cannot be opened by anyone (not with the passphrase,
not with the recovery key): every backup gets a copy of the key file beside it.
"""

from __future__ import annotations

import base64
import errno
import json
import os
import re
import threading
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from msgspec import Struct

from mesocheck import keys
from mesocheck.fileio import mark_in_use, sync_folder
from mesocheck.i18n import N_, _
from mesocheck.store.db import (
    APPLICATION_ID, DatabaseCorrupt, NotAMesocheckDatabase, StoreError, _Unreadable, connect,
    read_identity, sqlite,
)
from mesocheck.timeutil import from_iso, to_iso

KEY_SUFFIX = ".key"
TRIES_SUFFIX = ".key.tries"
PURPOSE = "mesocheck database key"
MAX_TRIES = 5  # wrong passphrases in a row on the unlock screen, then a pause
PAUSE = timedelta(minutes=5)
_FORMAT = "mesocheck key file"
_RECOVERY_BYTES = 20  # 160 bits: 32 characters of base32, read out in 8 groups of 4
_MAX_KEY_FILE = 64 * 1024


class KeyNeeded(StoreError):
    default_message = (
        N_("The database is encrypted and not unlocked: give the clinic passphrase (typed when "
           "asked, or --passphrase-file FILE)."))


class NotSetUp(StoreError):
    default_message = (
        N_("There is no database here yet. A new database is encrypted with the clinic "
           "passphrase: run `mesocheck setup` (or give --plain to keep it unencrypted)."))


class KeyFileDamaged(StoreError):
    default_message = (
        N_("The database's key file is damaged or unreadable, so the database cannot be unlocked "
           "(the database itself is untouched). Put back the key file kept with the latest "
           "backup (every backup has one beside it, named like the backup with .key)."))


class WrongRecoveryKey(StoreError):
    default_message = (N_("The recovery key is wrong (check each group of four against the "
                          "printed sheet); nothing was changed."))


class NotEncrypted(StoreError):
    default_message = (N_("This database is not encrypted, so it has no passphrase: `mesocheck "
                          "encrypt` encrypts it."))


class KeyFile(Struct, frozen=True):
    """What the key file holds: the database key's id, the key wrapped by the passphrase
    and by the recovery key, and whether the clinic keeps it in the keyring too."""

    id: str
    passphrase: str
    recovery: str
    keyring: bool = False


class UnlockResult(Struct, frozen=True):
    ok: bool
    tries_left: int
    paused_until: datetime | None = None


_unlocked: dict[str, bytes] = {}  # key file id -> data key, for this process's life
_lock = threading.Lock()


# -- the key file ---------------------------------------------------------------------------


def key_file(db: str | os.PathLike[str]) -> Path:
    """Beside the database file itself, whatever link or path led to it."""
    real = Path(os.path.realpath(db))
    return real.with_name(real.name + KEY_SUFFIX)


def read_key_file(db: str | os.PathLike[str]) -> KeyFile | None:
    """The key file of the database at ``db``; None when there is none (a plain database)."""
    path = key_file(db)
    try:
        with open(path, "rb") as handle:  # not the database: its own small file
            data = handle.read(_MAX_KEY_FILE + 1)
    except FileNotFoundError:
        return None
    except OSError:
        raise KeyFileDamaged() from None
    try:
        fields = json.loads(data)
        if fields.get("format") != _FORMAT or fields.get("version") != 1:
            raise ValueError("not a key file")
        found = KeyFile(str(fields["id"]), str(fields["passphrase"]), str(fields["recovery"]),
                        bool(fields.get("keyring", False)))
        if not re.fullmatch(r"[0-9a-f]{32}", found.id) or len(data) > _MAX_KEY_FILE:
            raise ValueError("not a key file")
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        raise KeyFileDamaged() from None
    return found


def write_key_file(db: str | os.PathLike[str], found: KeyFile, *, new: bool = False) -> Path:
    """Replace the key file whole (or, ``new``, make it only where none exists): written to
    a hidden file beside it, synced, renamed, the folder synced. 0600."""
    path = key_file(db)
    folder = path.parent
    text = json.dumps({"format": _FORMAT, "version": 1, "id": found.id,
                       "passphrase": found.passphrase, "recovery": found.recovery,
                       "keyring": found.keyring}, indent=1) + "\n"
    tmp = folder / f".{path.name}.{uuid.uuid4().hex}.new"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise _write_error(error) from None
    try:
        mark_in_use(fd)  # a clean-up elsewhere leaves it alone until it has its name
        os.write(fd, text.encode())
        os.fsync(fd)
        if not new:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise StoreError(_("A key file {name} appeared meanwhile; nothing was changed. "
                                   "Try again.").format(name=path.name)) from None
            except OSError as error:
                if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
                    raise
                if path.exists():  # no hard links on this disk (FAT, some shares)
                    raise StoreError(_("A key file {name} appeared meanwhile; nothing was "
                                       "changed. Try again.").format(name=path.name)) from None
                os.replace(tmp, path)
        sync_folder(folder)
    except OSError as error:
        raise _write_error(error) from None
    finally:
        os.close(fd)
        tmp.unlink(missing_ok=True)
    return path


def _write_error(error: OSError) -> StoreError:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreError(_("The disk is full, so the key file could not be written; nothing was "
                            "changed. Free some space and try again."))
    return StoreError(_("The key file could not be written ({reason}); nothing was changed. Check "
                        "the database's folder is writable.").format(
                            reason=error.strerror or _("error")))


# -- keys in this process ---------------------------------------------------------------------


def _remember(found: KeyFile, data_key: bytes) -> None:
    if len(data_key) != 32:
        raise KeyFileDamaged()
    with _lock:
        _unlocked[found.id] = data_key


def key_for(db: str | os.PathLike[str]) -> bytes | None:
    """The key that opens the database at ``db``: None for a plain one (no key file);
    :class:`KeyNeeded` while this process has not unlocked it."""
    found = read_key_file(db)
    if found is None:
        return None
    key = _unlocked.get(found.id)
    if key is None:
        raise KeyNeeded()
    return key


def key_for_new(db: str | os.PathLike[str], *, plain: bool) -> bytes | None:
    """The key a new database at ``db`` is made with: its key file's (set up and unlocked
    before), or, only when asked for (``plain``), none."""
    if read_key_file(db) is not None:
        return key_for(db)
    if plain:
        return None
    raise NotSetUp()


def is_encrypted(db: str | os.PathLike[str]) -> bool:
    return read_key_file(db) is not None


def is_unlocked(db: str | os.PathLike[str]) -> bool:
    found = read_key_file(db)
    return found is None or found.id in _unlocked


def lock_all() -> None:
    """Forget every data key this process unlocked."""
    with _lock:
        _unlocked.clear()


# -- setting up, unlocking, changing ------------------------------------------------------------


def new_recovery_key() -> str:
    text = base64.b32encode(os.urandom(_RECOVERY_BYTES)).decode("ascii")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def _normalised_recovery(text: str) -> str:
    """A recovery key as typed: spaces, dashes and case do not matter; 0, 1 and 8, which
    base32 never uses, are read as O, I and B."""
    cleaned = re.sub(r"[\s\-]", "", str(text)).upper().translate(str.maketrans("018", "OIB"))
    if not re.fullmatch(r"[A-Z2-7]{32}", cleaned):
        raise WrongRecoveryKey(_("A recovery key is 32 letters and digits, in 8 groups of 4 (as "
                                 "printed at set-up); nothing was changed."))
    return cleaned


def set_up(db: str | os.PathLike[str], passphrase: str, *,
           cost: int | None = None) -> str:
    """A new data key for a database about to be made at ``db``, wrapped by ``passphrase``
    and by a new recovery key (returned, to be shown once); unlocked in this process.

    A key file already there (a set-up that stopped before its database was made) is
    taken up again if ``passphrase`` opens it, with a new recovery key; otherwise refused:
    it may be the only key of a database copied elsewhere."""
    keys.check_new_passphrase(passphrase)
    recovery = new_recovery_key()
    existing = read_key_file(db)
    if existing is not None:
        try:
            data_key = keys.unwrap(existing.passphrase, passphrase, PURPOSE)
        except keys.WrongPassphrase:
            raise StoreError(
                _("A key file {name} lies where the new database would go, and this passphrase "
                  "does not open it. Move it away first (it may be the only key of a database "
                  "copied elsewhere); nothing was changed.").format(
                      name=key_file(db).name)) from None
        found = KeyFile(existing.id, existing.passphrase,
                        keys.wrap(data_key, _normalised_recovery(recovery), PURPOSE, cost=cost),
                        existing.keyring)
        write_key_file(db, found)
    else:
        data_key = os.urandom(32)
        found = KeyFile(uuid.uuid4().hex, keys.wrap(data_key, passphrase, PURPOSE, cost=cost),
                        keys.wrap(data_key, _normalised_recovery(recovery), PURPOSE, cost=cost))
        write_key_file(db, found, new=True)
    _remember(found, data_key)
    return recovery


def unlock(db: str | os.PathLike[str], passphrase: str) -> bool:
    """Unlock the database at ``db`` in this process with the clinic passphrase
    (:class:`~mesocheck.keys.WrongPassphrase` if it is not the one). False when the
    database is plain: nothing to unlock."""
    found = read_key_file(db)
    if found is None:
        return False
    _remember(found, keys.unwrap(found.passphrase, passphrase, PURPOSE))
    return True


def unlock_with_recovery(db: str | os.PathLike[str], recovery: str) -> bool:
    found = read_key_file(db)
    if found is None:
        return False
    _remember(found, _recovered(found, recovery))
    return True


def _recovered(found: KeyFile, recovery: str) -> bytes:
    try:
        return keys.unwrap(found.recovery, _normalised_recovery(recovery), PURPOSE)
    except keys.WrongPassphrase:
        raise WrongRecoveryKey() from None


def change_passphrase(db: str | os.PathLike[str], new: str, *, old: str | None = None,
                      recovery: str | None = None, cost: int | None = None) -> None:
    """Wrap the data key by ``new`` instead, given the ``old`` passphrase or the
    ``recovery`` key. The data stays as it is: only the key file is replaced, whole."""
    keys.check_new_passphrase(new)
    found = read_key_file(db)
    if found is None:
        raise NotEncrypted()
    data_key = _recovered(found, recovery) if recovery is not None else \
        keys.unwrap(found.passphrase, old or "", PURPOSE)
    write_key_file(db, KeyFile(found.id, keys.wrap(data_key, new, PURPOSE, cost=cost),
                               found.recovery, found.keyring))
    _remember(found, data_key)


def replace_recovery_key(db: str | os.PathLike[str], passphrase: str, *,
                         cost: int | None = None) -> str:
    """A new recovery key (returned, to be shown once); the old one stops working."""
    found = read_key_file(db)
    if found is None:
        raise NotEncrypted()
    data_key = keys.unwrap(found.passphrase, passphrase, PURPOSE)
    recovery = new_recovery_key()
    write_key_file(db, KeyFile(found.id, found.passphrase,
                               keys.wrap(data_key, _normalised_recovery(recovery), PURPOSE,
                                         cost=cost), found.keyring))
    return recovery


def new_key_file(data_key: bytes, passphrase: str, *, cost: int | None = None
                 ) -> tuple[KeyFile, str]:
    """A key file for ``data_key`` (a database being encrypted) and its recovery key."""
    recovery = new_recovery_key()
    found = KeyFile(uuid.uuid4().hex, keys.wrap(data_key, passphrase, PURPOSE, cost=cost),
                    keys.wrap(data_key, _normalised_recovery(recovery), PURPOSE, cost=cost))
    return found, recovery


def remember(found: KeyFile, data_key: bytes) -> None:
    """Keep ``data_key`` (the key of ``found``, known some other way) for this process."""
    _remember(found, data_key)


# -- the unlock screen's pause after wrong passphrases --------------------------------------------


def try_unlock(db: str | os.PathLike[str], passphrase: str, now: datetime) -> UnlockResult:
    """The unlock screen's attempt: five wrong passphrases in a row pause it for five
    minutes, even for the right one (the count is kept beside the key file, so a restart
    does not reset it)."""
    tries = key_file(db).with_name(key_file(db).name.removesuffix(KEY_SUFFIX) + TRIES_SUFFIX)
    failed, until = _read_tries(tries)
    if until is not None and until > now:
        return UnlockResult(False, 0, until)
    try:
        unlock(db, passphrase)
    except keys.WrongPassphrase:
        failed += 1
        paused = now + PAUSE if failed >= MAX_TRIES else None
        _write_tries(tries, 0 if paused else failed, paused)
        return UnlockResult(False, 0 if paused else MAX_TRIES - failed, paused)
    if failed or until:
        _write_tries(tries, 0, None)
    return UnlockResult(True, MAX_TRIES)


def _read_tries(path: Path) -> tuple[int, datetime | None]:
    try:
        fields = json.loads(path.read_bytes()[:1000])
        return int(fields["failed"]), from_iso(fields["until"]) if fields["until"] else None
    except (OSError, ValueError, KeyError, TypeError):
        return 0, None


def _write_tries(path: Path, failed: int, until: datetime | None) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.new")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, json.dumps({"failed": failed,
                                     "until": to_iso(until) if until else None}).encode())
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:  # best effort: the pause then lasts as long as this process
        tmp.unlink(missing_ok=True)


# -- what an open that failed means -------------------------------------------------------------


def unreadable(db: Path, key: bytes | None) -> StoreError:
    """The sentence for a file SQLite found no database in: with no key file it may be
    damaged or encrypted without its key file; with one, the file may be plain (an
    encryption that did not finish) or the key another database's."""
    name = key_file(db).name
    if key is None:
        return DatabaseCorrupt(
            _("The database file cannot be read: it is damaged, or it is encrypted and its key "
              "file ({name}) is not beside it. If it was copied from another computer, copy its "
              "key file beside it too; otherwise stop using it and restore the latest copy made "
              "with `mesocheck backup` (with its key file).").format(name=name))
    try:
        probe = connect(db, None)
        try:
            plain = read_identity(probe)
        finally:
            probe.close()
    except (_Unreadable, sqlite.Error):
        plain = None
    if plain is not None and plain != APPLICATION_ID:
        return NotAMesocheckDatabase(
            _("This file is an SQLite database of another program, not a mesocheck database (and "
              "the key file {name} beside it is not its own). Check the --db path.").format(
                  name=name))
    if plain is not None:
        return StoreError(
            _("This database is not encrypted, but a key file ({name}) lies beside it: an "
              "encryption did not finish, or the file was put back from an unencrypted copy. Run "
              "`mesocheck encrypt` to encrypt it (nothing is lost), or move the key file away to "
              "keep using it unencrypted.").format(name=name))
    return DatabaseCorrupt(
        _("The key file beside the database ({name}) does not open it: the key file belongs to "
          "another database, or the database is damaged. Put the database's own key file beside "
          "it; if that does not help, stop using it and restore the latest copy made with "
          "`mesocheck backup` (with its key file).").format(name=name))
