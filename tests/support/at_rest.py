"""Encrypted test databases: the product's default, with a cheap wrapping of the key.

Every test database is encrypted as the tablet's is (SQLCipher, a random 256-bit data key
used raw). Only the scrypt cost of wrapping that key by the passphrase and the recovery key
is lowered (N=2**4 instead of 2**17, which costs 0.3 s and 128 MiB per wrapping); the key
file records the cost, so every program, the test's own and the ones it starts, opens the
database at that cost. The session's passphrase file is named by ``MESOCHECK_PASSPHRASE_FILE``
(the command line's ``--passphrase-file``, for programs the tests start).
"""

from __future__ import annotations

import os
from pathlib import Path

from mesocheck.cli_keys import PASSPHRASE_FILE_ENV
from mesocheck.store import atrest

PASSPHRASE = "clinic passphrase for tests"
COST = 2**4


def set_up(db: Path) -> str:
    """Make ``db`` a new encrypted database's path (its key file, unlocked here); returns
    the recovery key."""
    return atrest.set_up(db, PASSPHRASE, cost=COST)


def ready(db: Path) -> Path:
    """``db`` ready to open in this program: a new path set up as a new encrypted
    database (as every tablet's is), an existing encrypted one unlocked."""
    db = Path(db)
    if not os.path.lexists(db):
        db.parent.mkdir(parents=True, exist_ok=True)
        set_up(db)
    elif atrest.is_encrypted(db) and not atrest.is_unlocked(db):
        unlock(db)
    return db


def write_passphrase_file(folder: Path, passphrase: str = PASSPHRASE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "passphrase.txt"
    path.write_text(passphrase + "\n")
    return path


def unlock(db: Path) -> None:
    """In a program a test started: unlock ``db`` with the session's passphrase file."""
    atrest.unlock(db, Path(os.environ[PASSPHRASE_FILE_ENV]).read_text().splitlines()[0])


def raw_connect(path: Path):
    """The database file as someone holding its key sees it in SQLCipher's shell: no
    mesocheck checks, autocommit. (The standard library's sqlite3 must not open a file this
    process also holds through SQLCipher: closing it would drop SQLCipher's locks.)"""
    from mesocheck.store.db import connect

    if not atrest.is_unlocked(path):
        unlock(path)
    return connect(path, atrest.key_for(path))

