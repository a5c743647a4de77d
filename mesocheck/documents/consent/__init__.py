"""The signed consent PDF: the clinic's legal record and the patient's take-home copy.

Built from the stored intake and the exact form it was filled in with, it holds every answer
in the words the patient saw, every disclosure with its acknowledgement time, the consent
statement and the patient's signature, the practitioner's review (filled in once done, blank
lines until then) and the aftercare sheet. Every page's footer names the patient, the form
and the intake.

Two copies are made from the same record (``copy``): the clinic's record, which is printed
for the patient's file, sealed and sent to the EHR, with the practitioner's wording and
review; and the patient's copy, in larger type, with the rules' messages written for the
patient and nothing meant for the practitioner. Both are stored (kinds ``consent`` or
``reviewed_consent``, and ``patient_copy``) and sealed.

The same inputs always give the same bytes: ``build_consent_pdf`` reads no clock and no
machine setting (time zone included: times are shown in the clinic's zone from its
settings), so a stored document can be rebuilt and compared, and a golden file can pin it.

The document is built in sections, each a module of this package: ``document`` (the whole,
header, patient, record), ``answers``, ``statements`` (risks, consent, signatures,
aftercare), ``practitioner`` (the review) and ``summary`` (the clinic-language page of an
intake in another language).
"""

from __future__ import annotations

from typing import Any, Mapping

from mesocheck.documents.archive import Keep, keep_consents, same_content
from mesocheck.documents.consent.document import ConsentDocument
from mesocheck.documents.consent.parts import (
    CLINIC,
    LAYOUT_VERSION,
    PATIENT,
    DocumentRefused,
    Review,
    created_at,
    signatures_of,
)
from mesocheck.fileio import is_database_file
from mesocheck.forms.model import Form
from mesocheck.forms.registry import FormNotFound, form_of
from mesocheck.forms.outcome import countersigned
from mesocheck.i18n import _
from mesocheck.store.records import CONSENT, PATIENT_COPY, REVIEWED_CONSENT, document_chain

__all__ = ["CLINIC", "PATIENT", "ConsentDocument", "DocumentRefused", "LAYOUT_VERSION", "Review",
           "build_consent_pdf", "store_consent_pdf"]


def build_consent_pdf(record: Any, form: Form, settings: Mapping[str, Any], *,
                      review: Review | Mapping[str, Any] | None = None,
                      copy: str = CLINIC) -> bytes:
    """The consent document of ``record`` (a store ``IntakeRecord``) as PDF bytes:
    the clinic's record (``CLINIC``) or the patient's copy (``PATIENT``).

    ``form`` must be the form the intake was filled in with (same content hash);
    ``settings`` are the clinic's (clinic_name, clinic_address, logo_path, time_zone,
    clinic_language: English when not set).
    Pure: the same arguments give byte-identical output. A record the review's rules
    cannot produce is refused (:class:`DocumentRefused`).
    """
    doc = ConsentDocument(record, form, settings, _review(review), copy)
    return doc.render()


def store_consent_pdf(store: Any, intake_id: str) -> int:
    """Build the intake's consent document, both copies, and keep them in ``store``, in
    one transaction; returns the id of the clinic's record.

    The form is the shipped one with the intake's exact content hash (or the store's
    archived copy of that content): if neither exists the document is refused, because the
    text printed must be the text the patient was shown. A document identical to the latest
    one of its kind is not stored twice. The document kept is archival and, where the seal is
    unlocked, sealed (``archive.keep_consent``). Safe in a worker thread that has its own
    Store.
    """
    record = store.intake(intake_id)
    if record.status == "voided":
        raise DocumentRefused(_("This intake was voided; no consent document is made for it."))
    if record.submitted_at is None or not signatures_of(record, "patient"):
        raise DocumentRefused(
            _("The patient has not signed this intake yet; the consent document is made when it "
              "is submitted.")
        )
    form = _form_of(record)
    staff = {m.id: m.name for m in store.staff_members(include_inactive=True)}
    settings = store.settings()
    if settings.get("logo_path") and is_database_file(str(settings["logo_path"]), store.path):
        # Reading the database (or its -wal/-shm) as an image would close a descriptor of
        # it, dropping the locks SQLite holds on it for this process.
        settings = {**settings, "logo_path": None}
    review = Review(staff_names=staff)
    clinic_kind = REVIEWED_CONSENT if countersigned(record) else CONSENT
    keep = []
    for kind, copy in ((clinic_kind, CLINIC), (PATIENT_COPY, PATIENT)):
        pdf = build_consent_pdf(record, form, settings, review=review, copy=copy)
        previous = store.latest_document(intake_id, kinds=document_chain(kind))
        if previous is not None and previous.kind == kind and \
                same_content(store, previous, pdf):
            keep.append(previous.id)  # only the audit head it witnesses, or its seal, differ
        else:
            keep.append(Keep(kind, pdf, previous.id if previous is not None else None))
    return keep_consents(store, record, form, keep, created_at=created_at(record))[0]


def _form_of(record: Any) -> Form:
    try:
        return form_of(record)
    except FormNotFound as exc:
        raise DocumentRefused(
            _("No consent document was made: {message}. Restore version {form_version} of the "
              "form file, then try again.").format(
                  message=exc.message, form_version=record.form_version)
        ) from None


def _review(review: Review | Mapping[str, Any] | None) -> Review:
    if review is None:
        return Review()
    if isinstance(review, Review):
        return review
    return Review(staff_names=dict(review.get("staff_names") or {}),
                  notes=str(review.get("notes") or ""))
