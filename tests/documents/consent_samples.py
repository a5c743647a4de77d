"""Fixed, clock-free intakes for the document tests (and for looking at the PDFs)."""

from __future__ import annotations

import hashlib
import math
from datetime import date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, Mapping

from mesocheck.forms import Facts, disclosure_text_hash, evaluate_rules
from mesocheck.forms.flow import Flow
from mesocheck.forms.model import Form
from mesocheck.store.records import (
    Acknowledgement, Answer, Decision, Flag, IntakeRecord, Patient, Signature,
)

APPOINTMENT = datetime(2026, 1, 15, 9, 30, tzinfo=timezone.utc)
SUBMITTED = datetime(2026, 1, 15, 9, 12, 40, tzinfo=timezone.utc)
SETTINGS = {
    "clinic_name": "Clinique Lumière",
    "clinic_address": "12 rue des Tilleuls, 69003 Lyon\nTel. +33 4 78 00 00 00",
    "logo_path": None,
    "time_zone": "Europe/Paris",
}
STAFF = {7: "Dr Ana Ferreira", 8: "Nurse Tomasz Wiśniewski"}


def signature_strokes(seed: int = 0, with_pressure: bool = False) -> list[list[list[Any]]]:
    """A cursive-looking, deterministic signature on a 600 x 200 pad."""
    strokes = []
    t = 0
    for part in range(3):
        stroke = []
        x0 = 40 + part * 170
        n = 45 + 10 * part
        for i in range(n):
            u = i / (n - 1)
            x = x0 + u * 150 + 18 * math.sin(u * 19 + seed + part)
            y = 100 + 42 * math.sin(u * 11 + part) * math.cos(u * 3 + seed)
            pressure = round(0.35 + 0.5 * abs(math.sin(u * 5)), 3) if with_pressure else None
            stroke.append([round(x, 1), round(y, 1), t, pressure])
            t += 9 + (i % 3) * 4
        strokes.append(stroke)
        t += 180
    strokes.append([[60.0, 165.0, t, None], [300.0, 158.0, t + 120, None],
                    [520.0, 162.0, t + 260, None]])
    return strokes


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


SHORT_ANSWERS = {
    "consultation": True,
    "conditions": ["none"],
    "allergy_planned_ingredient": False,
    "allergies_any": False,
    "medicines_any": False,
    "last_aspirin": "never",
    "last_nsaid": "not_recent",
    "last_fish_oil": "never",
    "last_vitamin_e": "never",
    "anticoagulant": False,
    "sun_recent": False,
    "skin_type": "type_2",
    "last_alcohol": "not_recent",
    "last_caffeine": "2026-01-14T07:15+00:00",
    "transport_arranged": True,
}

LONG_TEXT = (
    "Seasonal hay fever (birch and grass pollen) every spring, treated with cetirizine. "
    "As a child I reacted badly to penicillin: a red itchy rash over my arms and chest "
    "that lasted about three days. Plasters with strong glue leave red marks on my skin "
    "for a day or two. I also had a swollen lip once after eating walnuts, in 2019, and "
    "since then I avoid all tree nuts. <Please> note & keep this in mind: "
    "Ελληνικά: αλλεργία στη γύρη. Русский: аллергия на пыльцу. "
    "עברית: אלרגיה לאבקה. العربية: حساسية من حبوب اللقاح."
)

LONG_ANSWERS = {
    "consultation": False,
    "conditions": ["bleeding_disorder", "diabetes", "weak_immunity", "keloid",
                   "pregnant_breastfeeding", "skin_infection"],
    "conditions_other": "Mild asthma since childhood, uses an inhaler twice a week.\n"
                        "Migraine about once a month.\n\nThyroid: hypothyroidism, stable.",
    "allergy_planned_ingredient": True,
    "allergies_any": True,
    "allergies_details": LONG_TEXT,
    "medicines_any": True,
    "medicine_kinds": ["blood_pressure", "diabetes", "hormones", "steroids", "other"],
    "medicines_list": "Metformin 500 mg twice a day; ramipril 5 mg in the morning; "
                      "levothyroxine 75 µg; combined pill (Microgynon); "
                      "beclometasone inhaler when needed; " * 3,
    "last_aspirin": "2026-01-12",
    "last_nsaid": "2026-01-13",
    "last_fish_oil": "2026-01-14",
    "last_vitamin_e": "never",
    "anticoagulant": True,
    "anticoagulant_name": "Apixaban (Eliquis) 5 mg twice a day, prescribed by my cardiologist",
    "sun_recent": True,
    "skin_type": "type_5",
    "last_alcohol": "2026-01-14T21:30+00:00",
    "last_caffeine": "2026-01-15T07:45+00:00",
    "transport_arranged": False,
    "other_instructions": "The practitioner asked me to bring my inhaler and to eat "
                          "breakfast before coming. Ich habe verstanden. 👍🏽 Merci ! ✅",
}
