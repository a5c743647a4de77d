"""Unattended starts (the clinic's opt-in): the database's key kept in the operating
system's keyring (macOS Keychain, Windows Credential Locker, the Secret Service), so that
the app starts unlocked on this user account without the passphrase.

It protects a tablet that is switched off, or whose disk is taken out (the keyring is
encrypted with the user's login); it does not protect against anyone who can log in to that
account. The opt-in is recorded in the key file, so ``keyring`` (whose backends are slow to
look up) is imported only where the clinic asked for it.
"""

from __future__ import annotations

from mesocheck.i18n import N_, _
from mesocheck.store.atrest import (
    KeyFile, NotEncrypted, key_for, read_key_file, remember, write_key_file,
)
from mesocheck.store.db import StoreError

KEYRING_SERVICE = "mesocheck database key"


class KeyringProblem(StoreError):
    default_message = N_("The keyring could not be used.")


def _keyring():
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise KeyringProblem(_("This computer has no keyring for mesocheck to use (the `keyring` "
                               "package is missing); the passphrase is asked at every start "
                               "instead.")) from None
    return keyring


def _keyring_failure(error: Exception) -> KeyringProblem:
    import keyring.errors

    if isinstance(error, keyring.errors.NoKeyringError):
        return KeyringProblem(_("This computer has no keyring for mesocheck to use (no secret "
                                "service is running); the passphrase is asked at every start "
                                "instead."))
    return KeyringProblem(_("The keyring refused ({kind}): it may be locked. Unlock it, or "
                            "type the clinic passphrase instead.").format(
                                kind=type(error).__name__))


def remember_in_keyring(db: str | os.PathLike[str]) -> None:
    """Keep the (unlocked) data key in the operating system's keyring, so that the app
    starts unlocked on this user account without the passphrase."""
    found = read_key_file(db)
    if found is None:
        raise NotEncrypted()
    data_key = key_for(db)
    keyring = _keyring()
    try:
        keyring.set_password(KEYRING_SERVICE, found.id, data_key.hex())
    except Exception as error:  # every backend has failures of its own
        raise _keyring_failure(error) from None
    if not found.keyring:
        write_key_file(db, KeyFile(found.id, found.passphrase, found.recovery, True))


def forget_in_keyring(db: str | os.PathLike[str]) -> None:
    found = read_key_file(db)
    if found is None:
        raise NotEncrypted()
    if found.keyring:  # from now on the passphrase is asked, whatever the keyring says
        write_key_file(db, KeyFile(found.id, found.passphrase, found.recovery, False))
    keyring = _keyring()
    try:
        keyring.delete_password(KEYRING_SERVICE, found.id)
    except keyring.errors.PasswordDeleteError:
        pass  # not there: nothing to forget
    except Exception as error:
        raise _keyring_failure(error) from None


def unlock_from_keyring(db: str | os.PathLike[str]) -> bool:
    """Unlock with the key kept in the keyring, where the clinic opted in; False when it
    did not; :class:`KeyringProblem` when the keyring is missing, refuses, or has lost it."""
    found = read_key_file(db)
    if found is None or not found.keyring:
        return False
    keyring = _keyring()
    try:
        text = keyring.get_password(KEYRING_SERVICE, found.id)
    except Exception as error:
        raise _keyring_failure(error) from None
    if text is None:
        raise KeyringProblem(_("The keyring no longer holds this database's key (another user "
                               "account, or another computer?): type the clinic passphrase."))
    try:
        data_key = bytes.fromhex(text)
    except ValueError:
        raise KeyringProblem(_("The key kept in the keyring is damaged: type the clinic "
                               "passphrase, then keep it in the keyring again.")) from None
    remember(found, data_key)
    return True
