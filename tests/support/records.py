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
from mesocheck.forms.flow import Flow, signed_content_hash
from mesocheck.forms.model import Form
from mesocheck.forms.outcome import outcome, review_content_hash
from mesocheck.review import MEANINGS
from mesocheck.store.records import (
    Acknowledgement, Answer, AuditHead, Decision, Flag, IntakeRecord, Patient, Signature,
    UnderstandingTry,
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
    understanding: list[Mapping[str, str]] | None = None,
) -> IntakeRecord:
    """An intake as the store would hand it out, with flags computed by the form's rules,
    in a state the review's rules can reach: its status is what the decisions lead to
    (``status`` only for "in_progress" or "voided"), and ``practitioner`` adds a
    countersignature bound to the review as it stands (so its decisions must settle it).

    ``decisions`` maps a rule id to (decision, reason, staff id); ``amendments`` a question
    id to (new value, reason): the patient's answer stays in the history, and the patient
    signs again after it. ``understanding``: the options chosen at each try of the check
    before signing (the form says which were wrong).
    """
    created = appointment - timedelta(minutes=40)
    tries = tuple(UnderstandingTry(
        answers=dict(chosen), wrong=tuple(u.id for u in form.understanding
                                          if chosen.get(u.id) != u.answer),
        at=created + timedelta(minutes=30, seconds=40 * n))
        for n, chosen in enumerate(understanding or ()))
    facts = Facts(appointment=appointment, birth_date=birth_date, area=area,
                  understood=not tries[-1].wrong if tries else None)
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
    acknowledged = {a.disclosure_id: a.text_hash for a in acks}
    signatures = []
    if submitted is not None:
        signatures.append(Signature(
            1, "patient", name, form.signature_meaning.get(language), signature_strokes(),
            600, 200, submitted, "Europe/Paris", signed_content_hash(
                form, intake_id, language, answers, facts, acknowledged, name), None))
        if amendments:  # the patient signs the corrected answers again
            latest = max(a.answered_at for a in history)
            signatures.append(Signature(
                3, "patient", name, form.signature_meaning.get(language),
                signature_strokes(seed=3), 600, 200, latest + timedelta(minutes=5),
                "Europe/Paris", signed_content_hash(
                    form, intake_id, language, current, facts, acknowledged, name), None))
    # Flags come from the answers as they stand (an amendment replaces them), raised when
    # the patient last signed; decisions follow.
    flags = []
    raised = signatures[-1].signed_at if signatures else at
    for n, flag in enumerate(evaluate_rules(form, current, facts, language), start=1):
        decided: tuple[Decision, ...] = ()
        if decisions and flag.rule_id in decisions:
            decision, reason, staff = decisions[flag.rule_id]
            decided = (Decision(n, n, decision, reason, None, staff,
                                raised + timedelta(minutes=20 + n), None),)
        flags.append(Flag(n, flag.rule_id, flag.severity, flag.practitioner_message,
                          flag.patient_message or None, [list(t) for t in flag.triggers],
                          raised, None, decided))
    if status is not None and status not in ("in_progress", "voided"):
        raise ValueError("the status follows from the decisions; pass it only for "
                         "in_progress or voided")
    settled = outcome(flags)
    decided = any(f.decisions for f in flags)
    reviewed_at = None
    if status is None and submitted is not None and settled is not None and \
            (decided or practitioner):
        status = settled  # as the review sets it after a decision or a countersignature
        reviewed_at = max([raised] + [d.decided_at for f in flags for d in f.decisions])
    record = IntakeRecord(
        id=intake_id,
        patient=Patient(1, name, birth_date, None, created),
        form_id=form.id, form_version=form.version, form_hash=form.content_hash,
        form_content=None,
        language=language, area=area, appointment_at=appointment,
        status=status or ("submitted" if submitted else "in_progress"),
        current_step=None, device="tablet-1", created_at=created,
        updated_at=reviewed_at or submitted or at, submitted_at=submitted,
        locked_at=submitted, reviewed_at=reviewed_at, void_reason=None,
        answers=MappingProxyType(current), answer_history=tuple(history),
        acknowledgements=tuple(acks), flags=tuple(flags), signatures=tuple(signatures),
        documents=(), understanding=tries,
    )
    if practitioner:
        if settled is None:
            raise ValueError("a countersignature needs every flag decided (or a no)")
        signed_at = max([raised] + [s.signed_at for s in signatures] +
                        [d.decided_at for f in flags for d in f.decisions]) + \
            timedelta(minutes=5)
        record = replace(record, reviewed_at=record.reviewed_at or signed_at,
                         updated_at=signed_at)
        record = replace(record, signatures=(*record.signatures, Signature(
            2, "practitioner", STAFF[7], MEANINGS[settled],
            signature_strokes(seed=2, with_pressure=True), 600, 200, signed_at,
            "Europe/Paris", review_content_hash(record), 7)))
    return record


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
        understanding=[{"no_promise": "yes"}, {"no_promise": "no"}],
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
