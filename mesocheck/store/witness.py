"""The newest audit rows, witnessed outside the database.

The audit chain proves the file consistent with itself, and a row deleted from its middle
breaks it; but the newest rows can be deleted together with what they wrote and leave a
shorter chain that is just as consistent. So the chain's head (the newest audit row's id
and hash) is written down wherever a copy leaves the database, and ``verify`` checks that
the live chain still holds each head it is shown, unchanged:

- the **head file** beside the database (``NAME.head``), replaced after every commit that
  added an audit row (:func:`record`);
- every **consent PDF**, in its record block and its metadata (the head when the intake
  was read to make it);
- every **backup**, whose own chain ends at the head it copied.

A head witnesses only rows that are durable: it is written after the commit returns, and
commits are synced (``synchronous=FULL``; bulk loads sync their last commit before their
head is written). So after a crash or power cut a head file may be *behind* the database
(a commit whose head was never written, or two programs committing at once, the slower
writing last), never ahead of it. ``verify`` accepts any head still found in the chain as
it was, and reports one the chain no longer holds: deleted rows, a rewritten log, or a
file restored from an older copy.

A head file that names a newer row than the commit at hand (another program's), or a row
the chain no longer holds as it was, is left as it is: the first is the better witness, the
second is evidence that ``verify`` must still see after the next save. The head file is a
separate file, written to a temporary name and renamed, readable by this user only; the
database file is never touched by it.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path

from msgspec import Struct

from mesocheck.fileio import SQLITE_MAGIC, is_database_file
from mesocheck.i18n import N_, _, ngettext
from mesocheck.store.db import APPLICATION_ID, StoreError, connect, sqlite
from mesocheck.store.records import AuditHead, Problem

HEAD_SUFFIX = ".head"
_TEXT = "mesocheck audit head {audit_id} {digest}"
_PARSE = re.compile(rb"mesocheck audit head ([0-9]{1,18}) ([0-9a-f]{64})")
_PDF_KEYWORDS = re.compile(rb"/Keywords\s*(?:\(([^()\\]*)\)|<([0-9A-Fa-f\s]*)>)")
_DOCUMENT_ID = re.compile(r"\bdocument ([0-9A-F]{20})\b")
MAX_COPY_BYTES = 64 << 20  # a consent PDF is well under a megabyte


def head_file(db: Path) -> Path:
    """Beside the database file itself, whatever link or path led to it (as SQLite puts
    its -wal and -shm)."""
    real = Path(os.path.realpath(db))
    return real.with_name(real.name + HEAD_SUFFIX)


def head_text(head: AuditHead) -> str:
    """The head as written in the head file and a consent PDF's metadata."""
    return _TEXT.format(audit_id=head.audit_id, digest=head.digest.hex())


def chain_head(conn: sqlite.Connection) -> AuditHead | None:
    row = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return AuditHead(row[0], bytes(row[1])) if row and isinstance(row[1], bytes) else None


def record(conn: sqlite.Connection, db: Path, head: AuditHead | None = None, *,
           replace: bool = False) -> None:
    """After a durable commit: let the head file name ``head`` (default: the chain's),
    unless it names a newer row, or a row the chain no longer holds as it was (see the
    module's docstring; ``replace`` for a new database). Best effort: a head file that
    cannot be written costs only the witness of the newest rows."""
    try:
        head = head or chain_head(conn)
        if head is None:
            return
        path = head_file(db)
        if not replace:
            old = read_head(path)
            if old is not None and (old.audit_id >= head.audit_id or not _holds(conn, old)):
                return
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, (head_text(head) + "\n").encode())
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except (OSError, sqlite.Error):
        pass


def read_head(path: Path) -> AuditHead | None:
    """The head a head file names; None when it is missing or unreadable."""
    try:
        with open(path, "rb") as handle:
            found = _PARSE.fullmatch(handle.read(200).strip())
    except OSError:
        return None
    return AuditHead(int(found[1]), bytes.fromhex(found[2].decode())) if found else None


def _holds(conn: sqlite.Connection, head: AuditHead) -> bool:
    row = conn.execute("SELECT hash FROM audit WHERE id = ?", (head.audit_id,)).fetchone()
    return row is not None and row[0] == head.digest


# -- checking -------------------------------------------------------------------------------


class Witness(Struct, frozen=True):
    """A head seen by a copy of the database (``source`` names it in a sentence), and for
    a consent PDF the SHA-256 of its bytes, which must still be stored."""

    source: str
    head: AuditHead | None
    document_sha256: str | None = None


class CannotCompare(StoreError):
    default_message = N_("The file given with --against cannot be compared with the database.")


def check(conn: sqlite.Connection, witness: Witness) -> list[Problem]:
    """What the live chain (read in the caller's snapshot) no longer holds of ``witness``."""
    problems = []
    head = witness.head
    if head is not None:
        last = conn.execute("SELECT max(id) FROM audit").fetchone()[0] or 0
        row = conn.execute("SELECT hash FROM audit WHERE id = ?", (head.audit_id,)).fetchone()
        if head.audit_id > last:
            missing = head.audit_id - last
            problems.append(Problem(
                "witness", "audit", head.audit_id, None,
                ngettext("{source} saw the audit log up to this row, but it now ends at row "
                         "{last}: the newest {n} audit row, and what it wrote, were deleted, "
                         "or this file was put back from an older copy",
                         "{source} saw the audit log up to this row, but it now ends at row "
                         "{last}: the newest {n} audit rows, and what they wrote, were "
                         "deleted, or this file was put back from an older copy",
                         missing).format(source=witness.source, last=last, n=missing)))
        elif row is None:
            problems.append(Problem("witness", "audit", head.audit_id, None,
                                    _("{source} saw this row, and it is gone").format(
                                        source=witness.source)))
        elif row[0] != head.digest:
            problems.append(Problem(
                "witness", "audit", head.audit_id, None,
                _("is not the row {source} saw: the log was rewritten from here on, or this "
                  "is not the database that copy was made from").format(
                    source=witness.source)))
    if witness.document_sha256 is not None and conn.execute(
            "SELECT 1 FROM documents WHERE sha256 = ? LIMIT 1",
            (witness.document_sha256,)).fetchone() is None:
        problems.append(Problem("witness", "documents", None, None,
                                _("{source} is not among the stored documents: it was "
                                  "deleted, or it belongs to another database").format(
                                    source=witness.source)))
    return problems


def head_file_witness(db: Path) -> Witness | None:
    head = read_head(head_file(db))
    if not head:
        return None
    return Witness(_("the head file {name}").format(name=head_file(db).name), head)


def copy_witness(path: Path, db: Path) -> Witness:
    """The head a backup or a consent PDF at ``path`` carries (``verify --against``)."""
    path = Path(path)
    if is_database_file(path, db):
        raise CannotCompare(_("The file given with --against is the database itself (or one of "
                              "its companion files); give a backup or a consent PDF."))
    if not path.is_file():
        raise CannotCompare(_("{path} is not a file; give a backup or a consent PDF.").format(
            path=path))
    from mesocheck.store import atrest

    if atrest.key_file(path).is_file():  # an encrypted backup, its key file beside it
        return Witness(_("the backup {name}").format(name=path.name), _backup_head(path))
    try:
        with open(path, "rb") as handle:  # not this process's database: checked above
            start = handle.read(len(SQLITE_MAGIC))
            if start == SQLITE_MAGIC:
                return Witness(_("the backup {name}").format(name=path.name), _backup_head(path))
            if not start.startswith(b"%PDF-"):
                raise CannotCompare(_("{path} is neither a mesocheck backup nor a consent PDF "
                                      "(an encrypted backup needs its key file beside it).").format(
                                          path=path))
            data = start + handle.read(MAX_COPY_BYTES)
    except OSError as exc:
        raise CannotCompare(_("{path} cannot be read ({reason}).").format(
            path=path, reason=exc.strerror)) from None
    head = pdf_head(data)
    if head is None:
        raise CannotCompare(_("{path} is a PDF without an audit head: not a consent PDF made by "
                              "this version of mesocheck.").format(path=path))
    return Witness(_("the consent PDF {name}").format(name=path.name), head,
                   hashlib.sha256(data).hexdigest())


def _backup_head(path: Path) -> AuditHead:
    from mesocheck.store import atrest

    try:
        key = atrest.key_for(path)
    except atrest.KeyNeeded:
        raise CannotCompare(_("{path} is encrypted with another database's key: not a backup of "
                              "this database.").format(path=path)) from None
    except StoreError as problem:
        raise CannotCompare(_("{path}: {message}").format(
            path=path, message=problem.message)) from None
    try:
        conn = connect(f"{path.resolve().as_uri()}?mode=ro", key, uri=True)
        try:
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                raise CannotCompare(_("{path} is an SQLite file of another program, not a "
                                      "mesocheck backup.").format(path=path))
            head = chain_head(conn)
        finally:
            conn.close()
    except sqlite.Error:
        raise CannotCompare(_("{path} cannot be read as a mesocheck backup (damaged, still being "
                              "written, or its key file is not its own).").format(
                                  path=path)) from None
    if head is None:
        raise CannotCompare(_("{path} holds no audit log: not a mesocheck backup.").format(
            path=path))
    return head


def pdf_keywords(data: bytes) -> str | None:
    """A PDF's Keywords entry as text (reportlab writes it plain, or as UTF-16 in hex)."""
    found = None
    for found in _PDF_KEYWORDS.finditer(data):
        pass
    if found is None:
        return None
    if found[1] is not None:
        return found[1].decode("latin-1")
    raw = bytes.fromhex(found[2].decode().replace(" ", "").replace("\n", ""))
    try:
        return raw.decode("utf-16") if raw[:2] in (b"\xfe\xff", b"\xff\xfe") else \
            raw.decode("latin-1")
    except UnicodeDecodeError:
        return None


def pdf_head(data: bytes) -> AuditHead | None:
    keywords = pdf_keywords(data)
    found = _PARSE.search(keywords.encode("latin-1", "replace")) if keywords else None
    return AuditHead(int(found[1]), bytes.fromhex(found[2].decode())) if found else None


def pdf_document_id(data: bytes) -> str | None:
    """The content id a consent PDF names in its metadata (the same for the same content,
    whatever head it witnesses)."""
    keywords = pdf_keywords(data)
    found = _DOCUMENT_ID.search(keywords) if keywords else None
    return found[1] if found else None
