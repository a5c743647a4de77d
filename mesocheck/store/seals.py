"""What the record others can check keeps in the database: the clinic's seal (its
certificates, each private key wrapped by the clinic passphrase), the seal level of each
stored document, and what was handed to the clinic's FHIR server.

Plain storage: nothing here signs, reads a PDF or speaks FHIR (see ``mesocheck.documents``
and ``mesocheck.fhir``).
"""

from __future__ import annotations

import hashlib
from typing import Any, Iterable, Iterator

from mesocheck.i18n import _
from mesocheck.store.db import InvalidState, translated
from mesocheck.store.records import (
    CONSENT_KINDS, DOCUMENT_KINDS, PATIENT_COPY, DocumentInfo, SealRecord, document_chain,
)

# The newest document of each line of an intake: its clinic record, its patient's copy.
_NEWEST = (f"SELECT max(id) FROM documents WHERE kind IN ({', '.join('?' * len(DOCUMENT_KINDS))}) "
           "GROUP BY intake_id, kind = ?")
_NEWEST_PARAMS = (*DOCUMENT_KINDS, PATIENT_COPY)
from mesocheck.timeutil import from_iso

# Seal levels, weakest first; a stored document's ``seal`` is one of them or NULL.
SEAL_LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


class SealRecords:
    """Mixed into Store (needs ``transaction`` and ``_conn``)."""

    def add_seal(self, *, certificate: str, key: str, fingerprint: str, subject: str,
                 not_before: str, not_after: str, actor: str = "system") -> int:
        """A new clinic certificate with its wrapped key; it seals from now on."""
        with self.transaction(actor, "add_seal") as tx:
            return tx.insert("seals", {
                "certificate": certificate, "key": key, "fingerprint": fingerprint,
                "subject": subject, "not_before": not_before, "not_after": not_after,
                "created_at": tx.at,
            })

    def seals(self) -> list[SealRecord]:
        """Every certificate the clinic has sealed with, newest first."""
        with translated():
            return [SealRecord(r[0], r[1], r[2], r[3], r[4], from_iso(r[5]), from_iso(r[6]),
                               from_iso(r[7]))
                    for r in self._conn.execute(
                        "SELECT id, certificate, key, fingerprint, subject, not_before, "
                        "not_after, created_at FROM seals ORDER BY id DESC")]

    def current_seal(self) -> SealRecord | None:
        found = self.seals()
        return found[0] if found else None

    def add_sealed_copy(self, document_id: int, pdf: bytes, level: str,
                        *, actor: str = "system") -> int | None:
        """Keep ``pdf`` (the document ``document_id`` sealed, or its seal upgraded to
        ``level``) as the newest document of its intake, superseding it. Returns the new
        id, or None when the document is no longer the newest of its intake or is already
        sealed at ``level`` or above (another program got there first)."""
        if level not in SEAL_LEVELS:
            raise ValueError(f"unknown seal level {level!r}")
        intake_id = self.document(document_id).intake_id
        with self.transaction(actor, "seal_document", intake_id) as tx:
            kind, current, created_at = tx.execute(
                "SELECT kind, seal, created_at FROM documents WHERE id = ?",
                (document_id,)).fetchone()
            chain = document_chain(kind)
            newest = tx.execute("SELECT max(id) FROM documents WHERE intake_id = ? AND kind IN "
                                f"({', '.join('?' * len(chain))})",
                                (intake_id, *chain)).fetchone()[0]
            if newest != document_id or _rank(current) >= _rank(level):
                return None
            new_id = tx.insert("documents", {
                "intake_id": intake_id, "kind": kind, "pdf": pdf,
                "sha256": hashlib.sha256(pdf).hexdigest(), "created_at": created_at,
                "supersedes": document_id, "seal": level,
            })
        return new_id

    def documents_to_seal(self, below: str = "B-B") -> list[DocumentInfo]:
        """The newest document of every intake's clinic record and patient's copy whose
        seal is weaker than ``below`` (``B-B``: unsealed), oldest first."""
        weaker = [lvl for lvl in SEAL_LEVELS if _rank(lvl) < _rank(below)]
        condition = "d.seal IS NULL" + (
            f" OR d.seal IN ({', '.join('?' * len(weaker))})" if weaker else "")
        with translated():
            return [_document(r) for r in self._conn.execute(
                f"SELECT {_DOCUMENT_COLUMNS} FROM documents d WHERE d.id IN ({_NEWEST}) "
                f"AND ({condition}) ORDER BY d.id", (*_NEWEST_PARAMS, *weaker))]

    def seal_levels(self) -> dict[str | None, int]:
        """How many newest documents (each intake's clinic record and patient's copy) are
        at each seal level (None: unsealed)."""
        with translated():
            return dict(self._conn.execute(
                f"SELECT seal, count(*) FROM documents WHERE id IN ({_NEWEST}) GROUP BY seal "
                "ORDER BY seal", _NEWEST_PARAMS).fetchall())

    def document(self, document_id: int) -> DocumentInfo:
        with translated():
            row = self._conn.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents d "
                                     "WHERE d.id = ?", (document_id,)).fetchone()
        if row is None:
            raise InvalidState(_("No document has this id."))
        return _document(row)

    def all_documents(self) -> Iterator[tuple[DocumentInfo, bytes]]:
        """Every stored document with its bytes as stored (unchecked), in id order."""
        with translated():
            for row in self._conn.execute(f"SELECT {_DOCUMENT_COLUMNS}, d.pdf FROM documents d "
                                          "ORDER BY d.id"):
                yield _document(row[:-1]), row[-1]

    # -- the hand-over to the EHR --------------------------------------------------------------

    def push_candidates(self) -> list[tuple[str, str]]:
        """(intake id, state) of every signed, not voided intake with a consent document.
        The state changes whenever the intake or its newest document does."""
        marks = ", ".join("?" * len(CONSENT_KINDS))
        with translated():
            return [(r[0], f"{r[1]}|{r[2]}") for r in self._conn.execute(
                "SELECT i.id, i.updated_at, max(d.id) FROM intakes i "
                f"JOIN documents d ON d.intake_id = i.id AND d.kind IN ({marks}) "
                "WHERE i.submitted_at IS NOT NULL AND i.status != 'voided' "
                "GROUP BY i.id ORDER BY i.submitted_at, i.id", CONSENT_KINDS)]

    def pushed(self, server: str) -> dict[str, tuple[str, str]]:
        """intake id -> (state, bundle SHA-256) of the last push to ``server``."""
        with translated():
            return {r[0]: (r[1], r[2]) for r in self._conn.execute(
                "SELECT intake_id, state, bundle_sha256 FROM fhir_pushes WHERE id IN ("
                "  SELECT max(id) FROM fhir_pushes WHERE server = ? GROUP BY intake_id)",
                (server,))}

    def record_push(self, intake_id: str, server: str, state: str, bundle_sha256: str,
                    *, actor: str = "system") -> int:
        with self.transaction(actor, "fhir_push", intake_id) as tx:
            return tx.insert("fhir_pushes", {
                "intake_id": intake_id, "server": server, "state": state,
                "bundle_sha256": bundle_sha256, "pushed_at": tx.at,
            })


_DOCUMENT_COLUMNS = ("d.id, d.intake_id, d.kind, d.sha256, length(d.pdf), d.created_at, "
                     "d.supersedes, d.seal")


def _document(row: Iterable[Any]) -> DocumentInfo:
    r = list(row)
    return DocumentInfo(r[0], r[1], r[2], r[3], r[4], from_iso(r[5]), r[6], r[7])


def _rank(level: str | None) -> int:
    return SEAL_LEVELS.index(level) + 1 if level in SEAL_LEVELS else 0
