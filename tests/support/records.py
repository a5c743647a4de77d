"""Intakes as the store hands them out, made without a store or a clock: for the document
tests, the PDF preview and printing, the benchmarks, and the golden PDF."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from msgspec.structs import replace

from mesocheck.documents.consent import Review, build_consent_pdf
from mesocheck.forms import Facts, disclosure_text_hash, evaluate_rules, load_form
from mesocheck.forms.flow import Flow
from mesocheck.forms.model import Form
from mesocheck.store.records import (
    Acknowledgement, Answer, AuditHead, Decision, Flag, IntakeRecord, Patient, Signature,
)
from tests.support.answers import signature_strokes

GOLDEN = Path(__file__).resolve().parents[1] / "documents" / "golden"


APPOINTMENT = datetime(2026, 1, 15, 9, 30, tzinfo=timezone.utc)


SUBMITTED = datetime(2026, 1, 15, 9, 12, 40, tzinfo=timezone.utc)


SETTINGS = {
    "clinic_name": "Clinique Lumière",
    "clinic_address": "12 rue des Tilleuls, 69003 Lyon\nTel. +33 4 78 00 00 00",
    "logo_path": None,
    "time_zone": "Europe/Paris",
}


STAFF = {7: "Dr Ana Ferreira", 8: "Nurse Tomasz Wiśniewski"}


def make_record(
    form: Form,
    answers: Mapping[str, Any],
    *,
    intake_id: str = "3f2a9c1e-5b7d-4e0a-9c8b-1d2e3f4a5b6c",
    name: str = "Élodie Marchand",
    birth_date: date = date(1988, 4, 23),
    area: str = "face",
    language: str = "en",
    appointment: datetime = APPOINTMENT,
    submitted: datetime | None = SUBMITTED,
    decisions: Mapping[str, tuple[str, str, int]] | None = None,
    practitioner: bool = False,
    status: str | None = None,
    acknowledge: bool = True,
    amendments: Mapping[str, tuple[Any, str]] | None = None,
) -> IntakeRecord:
    """An intake as the store would hand it out, with flags computed by the form's rules.

    ``decisions`` maps a rule id to (decision, reason, staff id); ``amendments`` a question
    id to (new value, reason): the patient's answer stays in the history.
    """
    facts = Facts(appointment=appointment, birth_date=birth_date, area=area)
    created = appointment - timedelta(minutes=40)
    history = []
    at = created
    for n, (qid, value) in enumerate(answers.items(), start=1):
        at = created + timedelta(seconds=20 * n)
        history.append(Answer(n, qid, value, at, "patient", None, None))
    current = dict(answers)
    for qid, (value, reason) in (amendments or {}).items():
        original = next(a for a in history if a.question_id == qid)
        history.append(Answer(len(history) + 1, qid, value,
                              (submitted or at) + timedelta(minutes=30), "staff:7",
                              original.id, reason))
        current[qid] = value
    flow = Flow(form, facts, language)
    acks = []
    if acknowledge:
        for n, disclosure in enumerate(flow.shown_disclosures(answers), start=1):
            acks.append(Acknowledgement(
                n, disclosure.id, disclosure_text_hash(disclosure, language),
                at + timedelta(seconds=35 * n + 3)))
    flags = []
    raised = submitted or at
    for n, flag in enumerate(evaluate_rules(form, answers, facts, language), start=1):
        decided: tuple[Decision, ...] = ()
        if decisions and flag.rule_id in decisions:
            decision, reason, staff = decisions[flag.rule_id]
            decided = (Decision(n, n, decision, reason, None, staff,
                                raised + timedelta(minutes=20 + n), None),)
        flags.append(Flag(n, flag.rule_id, flag.severity, flag.practitioner_message,
                          flag.patient_message or None, [list(t) for t in flag.triggers],
                          raised, None, decided))
    signatures = []
    if submitted is not None:
        signatures.append(Signature(
            1, "patient", name, form.signature_meaning.get(language), signature_strokes(),
            600, 200, submitted, "Europe/Paris",
            hashlib.sha256(f"{intake_id}:{form.content_hash}".encode()).hexdigest(), None))
    reviewed_at = None
    if practitioner:
        reviewed_at = raised + timedelta(minutes=35)
        signatures.append(Signature(
            2, "practitioner", STAFF[7], "Reviewed the answers and flags; cleared to proceed",
            signature_strokes(seed=2, with_pressure=True), 600, 200, reviewed_at,
            "Europe/Paris", hashlib.sha256(b"review").hexdigest(), 7))
    return IntakeRecord(
        id=intake_id,
        patient=Patient(1, name, birth_date, None, created),
        form_id=form.id, form_version=form.version, form_hash=form.content_hash,
        form_content=None,
        language=language, area=area, appointment_at=appointment,
        status=status or ("cleared" if practitioner else
                          "submitted" if submitted else "in_progress"),
        current_step=None, device="tablet-1", created_at=created,
        updated_at=reviewed_at or submitted or at, submitted_at=submitted,
        locked_at=submitted, reviewed_at=reviewed_at, void_reason=None,
        answers=MappingProxyType(current), answer_history=tuple(history),
        acknowledgements=tuple(acks), flags=tuple(flags), signatures=tuple(signatures),
        documents=(),
    )


GOLDEN_SETTINGS = {
    "clinic_name": "Golden Clinic",
    "clinic_address": "1 Example Street, Springfield",
    "logo_path": None,
    "time_zone": "Europe/Berlin",
}


def golden_pdf() -> bytes:
    """The golden intake's consent PDF, whose bytes ``tests/documents/golden`` pins."""
    form = load_form(GOLDEN / "golden_form.toml")
    record = make_record(
        form, GOLDEN_ANSWERS, intake_id="00000000-0000-4000-8000-000000000001",
        name="Åsa Öberg-Nørgaard", birth_date=date(1979, 11, 30), area="scalp",
        appointment=datetime(2026, 3, 5, 8, 0, tzinfo=timezone.utc),
        submitted=datetime(2026, 3, 5, 7, 41, 5, tzinfo=timezone.utc),
        decisions={"bleeding": ("postpone", "Ask the haematologist first.", 7)},
    )
    record = replace(record, audit_head=AuditHead(4321, hashlib.sha256(b"golden").digest()))
    return build_consent_pdf(record, form, GOLDEN_SETTINGS, review=Review(staff_names=STAFF))


GOLDEN_ANSWERS = {
    "conditions": ["bleeding", "keloid"],
    "notes": "Allergic to plasters <strong glue> & latex.\nÅsa's note: Ελληνικά, Русский.",
    "last_aspirin": "2026-03-02",
    "last_coffee": "not_recent",
    "transport": True,
}
