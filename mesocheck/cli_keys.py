"""The clinic passphrase at the command line, and the commands of the database at rest:
``setup``, ``encrypt``, ``passphrase``, ``recovery-key`` and ``keyring``.

Every command that opens a database takes the passphrase one way (:func:`passphrase`): from
``--passphrase-file FILE`` (or the file ``MESOCHECK_PASSPHRASE_FILE`` names), else asked on
the terminal, once per command. It unlocks the database and, where one is set up, the
clinic's seal. A command that would make a new database sets it up encrypted (asking for a
new passphrase and printing the recovery key once), unless it is given ``--plain``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from mesocheck.errors import MesocheckError
from mesocheck.i18n import N_, _
from mesocheck.keys import PASSPHRASE_FILE_HELP

if TYPE_CHECKING:
    import argparse

    from mesocheck.store import Store

EXIT_OK = 0
PASSPHRASE_FILE_ENV = "MESOCHECK_PASSPHRASE_FILE"
RECOVERY_NOTICE = N_("Recovery key (shown only now: write it down or print it, and keep it in "
                   "the clinic's safe; it unlocks the database if the passphrase is "
                   "forgotten):")


def add_options(common: argparse.ArgumentParser) -> None:
    import argparse

    common.add_argument("--passphrase-file", type=Path, metavar="FILE",
                        default=argparse.SUPPRESS, help=_(PASSPHRASE_FILE_HELP))


def plain_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plain", action="store_true",
                        help=_("make a new database unencrypted (the default is encrypted "
                               "with the clinic passphrase)"))


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("setup", parents=[common],
                            help=_("make the database (encrypted with the clinic passphrase)"))
    plain_option(p)
    p.add_argument("--keyring", action="store_true",
                   help=_("also keep the key in this computer's keyring (unattended starts)"))
    commands.add_parser("encrypt", parents=[common],
                        help=_("encrypt an unencrypted database (the original is kept)"))
    p = commands.add_parser("passphrase", parents=[common],
                            help=_("change the clinic passphrase (nothing is re-encrypted)"))
    p.add_argument("--new-passphrase-file", type=Path, metavar="FILE",
                   help=_("file whose first line is the new passphrase"))
    p.add_argument("--recovery-key-file", type=Path, metavar="FILE",
                   help=_("file holding the recovery key, when the passphrase is forgotten"))
    commands.add_parser("recovery-key", parents=[common],
                        help=_("make a new recovery key (the old one stops working)"))
    p = commands.add_parser("keyring", parents=[common],
                            help=_("keep the database key in this computer's keyring, or not"))
    p.add_argument("action", choices=("on", "off"))


# -- the passphrase, once per command ---------------------------------------------------------


def passphrase_file(args: Any) -> Path | None:
    given = getattr(args, "passphrase_file", None)
    if given is None and os.environ.get(PASSPHRASE_FILE_ENV):
        given = Path(os.environ[PASSPHRASE_FILE_ENV])
    return given


def passphrase(args: Any, *, new: bool = False) -> str:
    """The clinic passphrase, asked (or read) once per command."""
    from mesocheck.keys import ask_passphrase

    cached = getattr(args, "_passphrase", None)
    if cached is None:
        cached = ask_passphrase(passphrase_file(args), new=new)
        args._passphrase = cached
    return cached


def unlock(args: Any, db: Path) -> bool:
    """Unlock the database at ``db`` in this process if it is encrypted and not yet: from
    the keyring where the clinic opted in, else with the passphrase. Returns whether it is
    encrypted."""
    from mesocheck.store import atrest, unattended

    if not atrest.is_encrypted(db):
        return False
    if atrest.is_unlocked(db):
        return True
    if passphrase_file(args) is None:
        try:
            if unattended.unlock_from_keyring(db):
                return True
        except unattended.KeyringProblem as problem:
            _say(f"mesocheck: {problem.message}")
    atrest.unlock(db, passphrase(args))
    return True


def open_store(args: Any, db: Path, *, create: bool = True) -> Store:
    """The store at ``db``, unlocked; a new one set up first (encrypted unless --plain)."""
    from mesocheck.store import Store, atrest

    plain = bool(getattr(args, "plain", False))
    if create and not plain and not _exists(db) and not atrest.is_encrypted(db):
        set_up(args, db)
    unlock(args, db)
    return Store.open(db, create=create, plain=plain)


def _exists(db: Path) -> bool:
    return os.path.lexists(db)


def set_up(args: Any, db: Path) -> None:
    from mesocheck.store import atrest

    try:
        secret = passphrase(args, new=True)
    except MesocheckError as exc:
        raise MesocheckError(_("{problem} (a new database is encrypted with the clinic "
                               "passphrase; give --plain to make it unencrypted)").format(
            problem=exc.message)) from None
    recovery = atrest.set_up(db, secret)
    print(_(RECOVERY_NOTICE))
    print(f"    {recovery}")


def at_rest(db: Path) -> str:
    """What ``verify`` says of an encrypted database."""
    from mesocheck.store import atrest

    found = atrest.read_key_file(db)
    if found and found.keyring:
        return _("encrypted (SQLCipher, AES-256; the key file {name} beside it holds its key, "
                 "wrapped by the clinic passphrase and the recovery key; its key is also kept "
                 "in this computer's keyring)").format(name=atrest.key_file(db).name)
    return _("encrypted (SQLCipher, AES-256; the key file {name} beside it holds its key, "
             "wrapped by the clinic passphrase and the recovery key)").format(
        name=atrest.key_file(db).name)


# -- the commands -----------------------------------------------------------------------------


def _db(args: Any) -> Path:
    from mesocheck.paths import default_db_path

    return getattr(args, "db", None) or default_db_path()


def _setup(args: argparse.Namespace) -> int:
    from mesocheck.store import atrest, unattended

    db = _db(args)
    if _exists(db):
        raise MesocheckError(_("a database already exists at {db}; nothing was "
                               "changed").format(db=db))
    store = open_store(args, db)
    try:
        if args.keyring and not args.plain:
            unattended.remember_in_keyring(db)
    finally:
        store.close()
    print((_("made the database {db} (unencrypted (--plain))") if args.plain else
           _("made the database {db} (encrypted)")).format(db=db))
    if args.keyring and not args.plain:
        print(_("its key is kept in this computer's keyring: the app starts unlocked on this "
                "user account"))
    return EXIT_OK


def _encrypt(args: argparse.Namespace) -> int:
    from mesocheck.store import encrypt

    db = _db(args)
    store = encrypt.plain_store(db)
    try:
        secret = _clinic_passphrase(args, store)
        done = encrypt.encrypt(store, secret)
    finally:
        store.close()
    print(_("encrypted {db}; its key file is {name}, beside it").format(
        db=db, name=done.key_file.name))
    print(_(RECOVERY_NOTICE))
    print(f"    {done.recovery}")
    print(_("the unencrypted original is kept as {kept}: once the app works with the "
            "encrypted database, delete it (it holds every patient's data in clear), and "
            "make a new backup (older backups are unencrypted too)").format(kept=done.kept))
    return EXIT_OK


def _clinic_passphrase(args: Any, store: Any) -> str:
    """For a database being encrypted: the seal's passphrase where a seal is set up (one
    clinic passphrase for both), else a new one."""
    seal = store.current_seal()
    if seal is None:
        return passphrase(args, new=True)
    from mesocheck.documents.certificate import PURPOSE
    from mesocheck.keys import unwrap

    secret = passphrase(args)
    unwrap(seal.key, secret, PURPOSE)  # the clinic's passphrase, or WrongPassphrase
    return secret


def _passphrase(args: argparse.Namespace) -> int:
    from mesocheck.keys import ask_passphrase, read_passphrase_file

    db = _db(args)
    recovery = read_passphrase_file(args.recovery_key_file) if args.recovery_key_file else None
    old = None if recovery is not None else passphrase(args)
    if args.new_passphrase_file is None and not (sys.stdin and sys.stdin.isatty()):
        raise MesocheckError(_("the new passphrase is needed: give --new-passphrase-file "
                               "FILE, or run the command in a terminal to be asked for it"))
    new = ask_passphrase(args.new_passphrase_file, new=True,
                         prompt=_("New clinic passphrase: "))
    seal_changed = change_passphrase(db, new, old=old, recovery=recovery)
    print(_("the clinic passphrase is changed") if seal_changed else _(
        "the clinic passphrase is changed; the clinic's seal still needs the earlier "
        "passphrase (the recovery key does not unlock it): run this again with it, or set up "
        "a new seal"))
    return EXIT_OK


def change_passphrase(db: Path, new: str, *, old: str | None,
                      recovery: str | None = None) -> bool:
    """The one clinic passphrase changed, for the database's key and the seal's, given
    the ``old`` one (or the database's ``recovery`` key, which does not open the seal).
    The seal first, then the key file: a kill in between leaves the old passphrase
    opening both, and running it again finishes. Returns whether the seal (if any) now
    takes ``new``."""
    from mesocheck.store import Store, atrest

    encrypted = atrest.is_encrypted(db)
    if encrypted:
        if recovery is not None:
            atrest.unlock_with_recovery(db, recovery)
        else:
            atrest.unlock(db, old or "")
    seal_changed = True
    with Store.open(db, create=False) as store:
        if store.current_seal() is not None:
            from mesocheck.documents.certificate import rewrap

            seal_changed = rewrap(store, new=new, old=old)
        elif not encrypted:
            raise atrest.NotEncrypted()
    if encrypted:
        atrest.change_passphrase(db, new, old=old, recovery=recovery)
    return seal_changed


def _recovery_key(args: argparse.Namespace) -> int:
    from mesocheck.store import atrest

    db = _db(args)
    if not atrest.is_encrypted(db):
        raise atrest.NotEncrypted()
    recovery = atrest.replace_recovery_key(db, passphrase(args))
    print(_(RECOVERY_NOTICE))
    print(f"    {recovery}")
    print(_("the earlier recovery key no longer works"))
    return EXIT_OK


def _keyring(args: argparse.Namespace) -> int:
    from mesocheck.store import atrest, unattended

    db = _db(args)
    if not atrest.is_encrypted(db):
        raise atrest.NotEncrypted()
    if args.action == "on":
        atrest.unlock(db, passphrase(args))
        unattended.remember_in_keyring(db)
        print(_("the database key is kept in this computer's keyring: the app starts "
                "unlocked on this user account (see the README for what that does not "
                "protect)"))
    else:
        unattended.forget_in_keyring(db)
        print(_("the database key is no longer kept in the keyring: the app asks for the "
                "clinic passphrase at every start"))
    return EXIT_OK


def _say(line: str) -> None:
    print(line, file=sys.stderr)


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "setup": _setup,
    "encrypt": _encrypt,
    "passphrase": _passphrase,
    "recovery-key": _recovery_key,
    "keyring": _keyring,
}
