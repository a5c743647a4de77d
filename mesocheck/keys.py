"""The clinic passphrase: how a command or a staff screen gets it, and what it protects.

One passphrase unlocks every secret the clinic keeps at rest (today the private key of its
seal). A secret is never stored in clear: it is wrapped with AES-256-GCM under a key
derived from the passphrase by scrypt (N=2**17, r=8, p=1: about 0.3 s and 128 MiB, as for
staff PINs), and the wrapped form records its own parameters, so the cost can rise later
without breaking older secrets. What a secret is for (``purpose``) is bound into the
encryption: a key wrapped for one purpose cannot be passed off as another.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
from pathlib import Path

from mesocheck.errors import MesocheckError
from mesocheck.i18n import N_, _

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
MIN_LENGTH = 10
PASSPHRASE_FILE_HELP = N_("file whose first line is the clinic passphrase (for scripted runs; "
                          "without it the passphrase is asked for)")


class WrongPassphrase(MesocheckError):
    def __init__(self) -> None:
        super().__init__(_("the clinic passphrase is wrong; nothing was changed"))


def ask_passphrase(file: Path | None, *, new: bool = False,
                   prompt: str | None = None) -> str:
    """The clinic passphrase from the first line of ``file``, or asked for on the terminal
    (twice when it is ``new``). Without either, a sentence saying how to give it."""
    if file is not None:
        passphrase = read_passphrase_file(file)
    elif sys.stdin is not None and sys.stdin.isatty():
        import getpass

        passphrase = getpass.getpass(prompt or _("Clinic passphrase: "))
        if new and getpass.getpass(_("The same passphrase again: ")) != passphrase:
            raise MesocheckError(_("the two passphrases differ; nothing was changed"))
    else:
        raise MesocheckError(_("the clinic passphrase is needed: give --passphrase-file FILE, or "
                               "run the command in a terminal to be asked for it"))
    if new:
        check_new_passphrase(passphrase)
    elif not passphrase:
        raise WrongPassphrase()
    return passphrase


def read_passphrase_file(file: Path) -> str:
    try:
        data = Path(file).read_bytes()
    except FileNotFoundError:
        raise MesocheckError(_("{file} does not exist: write the clinic passphrase on its first "
                               "line").format(file=file)) from None
    except IsADirectoryError:
        raise MesocheckError(_("{file} is a folder, not a file holding the clinic "
                               "passphrase").format(file=file)) from None
    except OSError as exc:
        raise MesocheckError(_("{file} cannot be read ({reason})").format(
            file=file, reason=exc.strerror or _("error"))) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MesocheckError(_("{file} is not UTF-8 text; write the passphrase as plain text on "
                               "its first line").format(file=file)) from None
    lines = text.splitlines()
    passphrase = lines[0] if lines else ""
    if not passphrase:
        raise MesocheckError(_("{file} has no passphrase on its first line").format(file=file))
    return passphrase


def check_new_passphrase(passphrase: str) -> str:
    if len(passphrase) < MIN_LENGTH:
        raise MesocheckError(_("the clinic passphrase must be at least {n} characters "
                               "long (a few words are easiest to remember)").format(
                                   n=MIN_LENGTH))
    return passphrase


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    if n > 2**20 or r > 32 or p > 16:
        raise ValueError("scrypt parameters out of range")
    return hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32,
                          maxmem=128 * r * (n + p + 2) + 2**20)


def wrap(secret: bytes, passphrase: str, purpose: str, *, cost: int | None = None) -> str:
    """``secret`` encrypted under the passphrase, as one line of JSON text. ``cost`` is
    scrypt's N (default :data:`SCRYPT_N`; the wrapped form records it)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    cost = cost or SCRYPT_N
    salt, nonce = os.urandom(16), os.urandom(12)
    header = {"v": 1, "kdf": "scrypt", "n": cost, "r": SCRYPT_R, "p": SCRYPT_P,
              "purpose": purpose, "salt": _b64(salt), "nonce": _b64(nonce)}
    key = _derive(passphrase, salt, cost, SCRYPT_R, SCRYPT_P)
    data = AESGCM(key).encrypt(nonce, secret, _aad(header))
    return json.dumps({**header, "data": _b64(data)}, sort_keys=True)


def unwrap(wrapped: str, passphrase: str, purpose: str) -> bytes:
    """The secret :func:`wrap` protected; :class:`WrongPassphrase` if the passphrase (or the
    purpose) is not the one it was wrapped with."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        fields = json.loads(wrapped)
        header = {k: fields[k] for k in ("v", "kdf", "n", "r", "p", "purpose", "salt", "nonce")}
        if header["v"] != 1 or header["kdf"] != "scrypt":
            raise ValueError("unknown format")
        key = _derive(passphrase, base64.b64decode(header["salt"]), int(header["n"]),
                      int(header["r"]), int(header["p"]))
        if header["purpose"] != purpose:
            raise WrongPassphrase()
        return AESGCM(key).decrypt(base64.b64decode(header["nonce"]),
                                   base64.b64decode(fields["data"]), _aad(header))
    except InvalidTag:
        raise WrongPassphrase() from None
    except (ValueError, KeyError, TypeError):
        raise MesocheckError(_("a stored key is damaged and cannot be unlocked; restore the "
                               "database from a backup, or set the key up again")) from None


def _aad(header: dict) -> bytes:
    return json.dumps(header, sort_keys=True).encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
