"""What the store hands out: plain frozen records (msgspec Structs), detached from the
database."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Mapping

from msgspec import Struct

from mesocheck.i18n import _

SEVERITIES = ("info", "review", "stop")
SEVERITY_RANK = {"stop": 0, "review": 1, "info": 2}
CLEAN_RANK = 3
STATUSES = ("in_progress", "submitted", "cleared", "postponed", "declined", "voided")
OUTCOMES = ("cleared", "postponed", "declined")
DECISIONS = ("proceed", "postpone", "decline")
ROLES = ("practitioner", "front-desk")
SIGNER_ROLES = ("patient", "practitioner", "witness", "guardian")
SIGNING_METHODS = ("drawn", "typed", "mark")  # how a signature was given (see m004)
CONSENT = "consent"  # the document kind of the patient-signed consent PDF
REVIEWED_CONSENT = "reviewed_consent"  # the same with the practitioner's review
CONSENT_KINDS = (CONSENT, REVIEWED_CONSENT)  # the clinic's record: printed, sent to the EHR
PATIENT_COPY = "patient_copy"  # the patient's copy: their answers and messages, their words
DOCUMENT_KINDS = (*CONSENT_KINDS, PATIENT_COPY)


def document_chain(kind: str) -> tuple[str, ...]:
    """The kinds whose newest document supersedes the earlier ones of an intake: the
    clinic's record and the patient's copy each have their own line."""
    return (PATIENT_COPY,) if kind == PATIENT_COPY else CONSENT_KINDS


class Patient(Struct, frozen=True):
    id: int
    name: str
    birth_date: date
    contact: str | None
    created_at: datetime


class Answer(Struct, frozen=True):
    id: int
    question_id: str
    value: Any
    answered_at: datetime
    actor: str
    amends: int | None
    reason: str | None


class Acknowledgement(Struct, frozen=True):
    id: int
    disclosure_id: str
    text_hash: str
    acknowledged_at: datetime
    read_at: datetime | None = None  # the card's text scrolled to its end (schema 6 on)


class UnderstandingTry(Struct, frozen=True):
    """One try at the understanding check: the option chosen for each question, which of
    them were wrong, and when."""

    answers: dict[str, str]
    wrong: tuple[str, ...]
    at: datetime


# Why the full consent is asked again within a course (``Reconsent.reasons``).
RECONSENT_REASONS = ("wording", "sessions", "expired", "requested")


class CourseConsent(Struct, frozen=True):
    """The signed consent a check-in continues: its intake, when it was signed (None when
    not known here yet), its form's version, and the course it covers."""

    intake_id: str
    signed_at: datetime | None
    form_version: str
    sessions: int | None
    until: date | None


class Reconsent(Struct, frozen=True):
    """Why a full form was asked again instead of a check-in: the consent it renews
    (``previous``), the reasons (:data:`RECONSENT_REASONS`), and the risk cards whose words
    changed since that consent was signed, which the patient saw marked."""

    previous: str
    reasons: tuple[str, ...]
    changed: tuple[str, ...] = ()


class Decision(Struct, frozen=True):
    id: int
    flag_id: int
    decision: str
    reason: str
    new_date: str | None
    staff_id: int
    decided_at: datetime
    supersedes: int | None


class Flag(Struct, frozen=True):
    id: int
    rule_id: str
    severity: str
    practitioner_message: str
    patient_message: str | None
    triggers: Any
    raised_at: datetime
    superseded_at: datetime | None
    decisions: tuple[Decision, ...]  # oldest first
    patient_told: bool = False  # its patient message was on screen before signing

    @property
    def decision(self) -> Decision | None:
        """The current decision: the latest one."""
        return self.decisions[-1] if self.decisions else None


class Signature(Struct, frozen=True):
    id: int
    role: str
    printed_name: str
    meaning: str
    strokes: Any
    pad_width: int
    pad_height: int
    signed_at: datetime
    tz: str
    content_hash: str
    staff_id: int | None
    method: str = "drawn"  # "drawn", "typed" (the typed name adopted) or "mark" (witnessed)
    witness: str | None = None  # who witnessed a mark
    relationship: str | None = None  # a guardian's, to the patient (the form's option value)


class DocumentInfo(Struct, frozen=True):
    id: int
    intake_id: str
    kind: str
    sha256: str
    size: int
    created_at: datetime
    supersedes: int | None
    seal: str | None = None  # the PAdES level it is sealed at (B-B, B-T, B-LT), or None


class SealRecord(Struct, frozen=True):
    """One certificate of the clinic's seal; ``key`` is its private key wrapped by the
    clinic passphrase (``mesocheck.keys``), never in clear."""

    id: int
    certificate: str  # PEM: the certificate, then the chain above it
    key: str
    fingerprint: str  # SHA-256 of the certificate, hex
    subject: str
    not_before: datetime
    not_after: datetime
    created_at: datetime


class AuditHead(Struct, frozen=True):
    """The newest audit row at some moment: what a copy of the database witnesses."""

    audit_id: int
    digest: bytes


class IntakeRecord(Struct, frozen=True):
    id: str
    patient: Patient
    form_id: str
    form_version: str
    form_hash: str
    form_content: str | None  # the form exactly as shown, archived by its hash
    language: str
    area: str
    appointment_at: datetime
    status: str
    current_step: str | None
    device: str | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    locked_at: datetime | None
    reviewed_at: datetime | None
    void_reason: str | None
    answers: Mapping[str, Any]  # question id -> current value (the latest row)
    answer_history: tuple[Answer, ...]  # every row, amendments included, oldest first
    acknowledgements: tuple[Acknowledgement, ...]
    flags: tuple[Flag, ...]  # current (not superseded), most severe first
    signatures: tuple[Signature, ...]
    documents: tuple[DocumentInfo, ...]
    audit_head: AuditHead | None = None  # the chain's head when the record was read
    course_sessions: int | None = None  # the course its signed consent covers (schema 8 on)
    course_until: date | None = None  # the course's last day, inclusive
    # The patient's own copy (schema 8 on): asked for (True) or declined (False) at the end
    # of the form, None when not asked; when they chose; when staff last printed it.
    copy_wanted: bool | None = None
    copy_chosen_at: datetime | None = None
    copy_printed_at: datetime | None = None
    # Every try at the understanding check before signing, in order (schema 9 on).
    understanding: tuple[UnderstandingTry, ...] = ()
    # A course's visits (schema 11 on): the consent a check-in continues; why a full form
    # was asked again; a practitioner's request for the full consent at the next visit.
    continues: CourseConsent | None = None
    reconsent: Reconsent | None = None
    reconsent_asked_at: datetime | None = None
    reconsent_asked_by: int | None = None

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


class QueueRow(Struct, frozen=True):
    intake_id: str
    patient_name: str
    birth_date: date
    appointment_at: datetime
    status: str
    n_stop: int
    n_review: int
    n_info: int
    visit: str = "full"  # "checkin" (continues a course consent), "renewed" (consent asked again)

    @property
    def worst_severity(self) -> str | None:
        for severity, count in (("stop", self.n_stop), ("review", self.n_review),
                                ("info", self.n_info)):
            if count:
                return severity
        return None


class UnfinishedIntake(Struct, frozen=True):
    intake_id: str
    patient_name: str
    appointment_at: datetime
    current_step: str | None
    device: str | None
    updated_at: datetime


class StaffMember(Struct, frozen=True):
    id: int
    name: str
    role: str
    active: bool
    created_at: datetime
    locked_until: datetime | None


class PinCheck(Struct, frozen=True):
    ok: bool
    locked_until: datetime | None
    attempts_left: int
    weak: bool = False  # right, but below today's rules: to be changed before going on


class Problem(Struct, frozen=True):
    """One finding of ``verify``; ``detail`` never quotes patient data."""

    # integrity | foreign_key | schema | audit_chain | changed | unaudited | missing
    # | document_hash | seal
    kind: str
    table: str | None
    row_id: Any
    intake_id: str | None
    detail: str

    def __str__(self) -> str:
        where = _("{table} row {id}").format(table=self.table, id=self.row_id) if self.table \
            else _("database")
        intake = " " + _("(intake {id})").format(id=self.intake_id) if self.intake_id else ""
        return f"{self.kind}: {where}{intake}: {self.detail}"
