"""Keeping a consent document: archival, sealed when it can be, and sealed later when not.

Every consent document mesocheck stores passes through :func:`keep_consent`: reportlab's
pages become PDF/A-3b carrying the intake's FHIR Bundle (``pdfa``), then, if this process
has the clinic's seal unlocked, the clinic seals it (``seal``; the reviewed document also
gets the practitioner's countersignature). Storing never waits for the seal and never fails
because of it: a document made while the seal is locked, expired, or failing is stored
unsealed, and :func:`seal_pending` seals it later (a sealed copy superseding it), and adds
validation data and an archive timestamp to seals (B-B to B-LT) once a time-stamping
authority is configured and answers.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from msgspec import Struct

from mesocheck.documents.certificate import SealUnavailable, certificates_of, unlocked_seal
from mesocheck.errors import MesocheckError
from mesocheck.i18n import _
from mesocheck.store.records import PATIENT_COPY, REVIEWED_CONSENT

log = logging.getLogger(__name__)

# Clinic settings (the settings table) of the seal's time-stamping authority.
TSA_URL, TSA_TIMEOUT, TSA_TRUST = "seal_tsa_url", "seal_tsa_timeout_s", "seal_tsa_trust"


class PendingReport(Struct):
    sealed: int = 0
    upgraded: int = 0
    waiting: int = 0  # unsealed documents left: the seal is locked or not set up
    to_upgrade: int = 0  # B-B seals left: no authority configured, or it did not answer
    problems: list[str] = []


class Keep(Struct, frozen=True):
    """A newly built consent document to keep: its kind, reportlab's bytes, and the
    document it supersedes."""

    kind: str
    pdf: bytes
    supersedes: int | None


def keep_consent(store: Any, record: Any, form: Any, pdf: bytes, *, kind: str,
                 created_at: datetime, supersedes: int | None) -> int:
    """Store ``pdf`` (reportlab's consent document of ``record``) as the intake's newest
    document of ``kind``: archival, and sealed if the seal is unlocked here. Returns its
    id."""
    return keep_consents(store, record, form, [Keep(kind, pdf, supersedes)],
                         created_at=created_at)[0]


def keep_consents(store: Any, record: Any, form: Any, documents: list[Keep | int], *,
                  created_at: datetime) -> list[int]:
    """Store several documents of ``record`` (its two copies) in one transaction, each
    made archival and sealed as :func:`keep_consent` does; an ``int`` in ``documents`` is
    a stored document kept as it is. Returns their ids, in order."""
    settings = store.settings()
    ready: list[tuple[Keep, bytes, str | None] | int] = []
    for item in documents:
        if isinstance(item, int):
            ready.append(item)
            continue
        archival = archival_copy(store, record, form, item.pdf, settings, created_at,
                                 attach=item.kind != PATIENT_COPY)
        ready.append((item, *_sealed_if_possible(store, record, item.kind, archival,
                                                 settings)))
    with store.atomic():
        return [item if isinstance(item, int) else store.add_document(
            record.id, item[0].kind, item[1], created_at=created_at,
            supersedes=item[0].supersedes, seal=item[2]) for item in ready]


def same_content(store: Any, previous: Any, pdf: bytes) -> bool:
    """Whether the stored document ``previous`` has the content of the newly built
    ``pdf``: the document id in their metadata (every input hashed) is the same. The
    stored bytes differ anyway once archival and sealed."""
    from mesocheck.store.db import StoreError
    from mesocheck.store.witness import pdf_document_id

    try:
        stored = pdf_document_id(store.document_bytes(previous.id))
    except StoreError:  # a damaged copy: make a new one
        return False
    return stored is not None and stored == pdf_document_id(pdf)


def archival_copy(store: Any, record: Any, form: Any, pdf: bytes,
                  settings: Mapping[str, Any], created_at: datetime, *,
                  attach: bool = True) -> bytes:
    """PDF/A-3b, tagged, with the intake's FHIR Bundle attached (``attach``: the clinic's
    record; the patient's copy carries none, the Bundle holding the practitioner's
    wording); reportlab's own bytes if that fails (a bug, logged): the patient's document
    is kept either way."""
    from mesocheck.documents.pdfa import make_archival
    from mesocheck.fhir.bundle import bundle_json, intake_bundle

    try:
        bundle = None
        if attach:
            staff = {m.id: m.name for m in store.staff_members(include_inactive=True)}
            bundle = bundle_json(intake_bundle(record, form, settings, staff))
        return make_archival(pdf, bundle, created=created_at)
    except Exception as exc:  # never lose the document over its archival form
        _log_bug(exc, "making the consent PDF archival")
        return pdf


def _sealed_if_possible(store: Any, record: Any, kind: str, pdf: bytes,
                        settings: Mapping[str, Any]) -> tuple[bytes, str | None]:
    seal = unlocked_seal(store)
    if seal is None:
        return pdf, None
    try:
        return seal_document(seal, record, kind, pdf, settings)
    except SealUnavailable as exc:
        log.warning("document of intake %s stored unsealed: %s", record.id, exc.message)
    except Exception as exc:  # never lose or block the document over its seal
        _log_bug(exc, "sealing a consent document")
    return pdf, None


def seal_document(seal: Any, record: Any, kind: str, pdf: bytes,
                  settings: Mapping[str, Any]) -> tuple[bytes, str]:
    """``pdf`` sealed (and countersigned when it is the reviewed document)."""
    from mesocheck.documents.seal import Countersign, seal_pdf

    countersign = None
    if kind == REVIEWED_CONSENT:
        signed = [s for s in record.signatures if s.role == "practitioner"]
        if signed:
            countersign = Countersign(signed[-1].printed_name, signed[-1].meaning)
    return seal_pdf(pdf, seal, timestamping=timestamping(settings), countersign=countersign,
                    zone=_zone(settings))


def timestamping(settings: Mapping[str, Any]) -> Any:
    from mesocheck.documents.seal import DEFAULT_TSA_TIMEOUT_S, Timestamping

    url = str(settings.get(TSA_URL) or "").strip()
    if not url:
        return None
    timeout = settings.get(TSA_TIMEOUT) or DEFAULT_TSA_TIMEOUT_S
    return Timestamping(url, float(timeout), settings.get(TSA_TRUST) or None)


def seal_pending(store: Any, progress: Callable[[int, int], None] | None = None
                 ) -> PendingReport:
    """Seal what was stored unsealed (with the seal unlocked in this process), then
    upgrade B-B seals to B-LT (with a time-stamping authority configured)."""
    from mesocheck.documents.pdfa import is_archival
    from mesocheck.documents.seal import TimestampUnavailable
    from mesocheck.forms.registry import FormNotFound, form_of

    report = PendingReport()
    settings = store.settings()
    seal = unlocked_seal(store)
    unsealed = store.documents_to_seal()
    tsa = timestamping(settings)
    done, total = 0, len(unsealed)
    for document in unsealed:
        done += 1
        if seal is None:
            report.waiting += 1
            continue
        try:
            pdf = store.document_bytes(document.id)
            record = store.intake(document.intake_id)
            if not is_archival(pdf):
                pdf = archival_copy(store, record, form_of(record), pdf, settings,
                                    document.created_at, attach=document.kind != PATIENT_COPY)
            sealed, level = seal_document(seal, record, document.kind, pdf, settings)
        except (MesocheckError, FormNotFound) as exc:
            report.problems.append(f"document {document.id} (intake {document.intake_id}): "
                                   f"{getattr(exc, 'message', exc)}")
            continue
        if store.add_sealed_copy(document.id, sealed, level) is not None:
            report.sealed += 1
        if progress:
            progress(done, total)
    if seal is not None and report.sealed:
        log.info("sealed %d documents stored unsealed", report.sealed)
    to_upgrade = [d for d in store.documents_to_seal(below="B-T") if d.seal == "B-B"]
    report.to_upgrade = len(to_upgrade)
    if tsa is None:
        return report
    for document in to_upgrade:
        try:
            upgraded = upgrade_document(store, document, tsa)
        except TimestampUnavailable as exc:
            report.problems.append(exc.message + "; seals are upgraded when it answers")
            break
        except MesocheckError as exc:
            report.problems.append(f"document {document.id}: {exc.message}")
            continue
        if upgraded is not None:
            report.upgraded += 1
            report.to_upgrade -= 1
    return report


def upgrade_document(store: Any, document: Any, tsa: Any = None) -> int | None:
    """Add validation data and an archive timestamp to a sealed document (B-B to B-LT, B-T
    to B-LTA), kept as a copy that supersedes it; its id, or None if another program got
    there first. :class:`~mesocheck.documents.seal.TimestampUnavailable` when the authority
    cannot be reached."""
    from mesocheck.documents.seal import upgrade

    tsa = tsa or timestamping(store.settings())
    if tsa is None:
        raise MesocheckError(_("no time-stamping authority is configured (mesocheck seal setup "
                               "--tsa URL)"))
    trusted = [c for s in store.seals() for c in certificates_of(s.certificate)]
    upgraded = upgrade(store.document_bytes(document.id), tsa, trusted)
    level = "B-LTA" if document.seal == "B-T" else "B-LT"
    return store.add_sealed_copy(document.id, upgraded, level)


def _zone(settings: Mapping[str, Any]) -> Any:
    try:
        return ZoneInfo(str(settings.get("time_zone"))) if settings.get("time_zone") \
            else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def _log_bug(exc: BaseException, where: str) -> None:
    from mesocheck.logs import log_bug

    log_bug(exc, where)
