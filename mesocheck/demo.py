"""Realistic synthetic intakes for training, screenshots and benchmarks.

Answers are drawn per question with clinically plausible odds, so most intakes are clean and
some raise flags of every severity; a share are already reviewed. To make 100,000 intakes in
about a minute, answer *profiles* (answers with times relative to the appointment, and the
flags they raise) are computed once and reused: the rules run per profile, not per intake.
"""

from __future__ import annotations

import math
import random
import secrets
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Iterator

from msgspec import Struct

from mesocheck.forms import Facts, Flow, Form, evaluate_rules
from mesocheck.forms.flow import disclosure_text_hash
from mesocheck.forms.model import NEVER, NOT_RECENT, Question
from mesocheck.forms.registry import canonical_content, default_form

FIRST = ["Amelia", "Oliver", "Zoë", "Mateo", "Sofía", "Liam", "Chloé", "Noah", "Aisha",
         "Yusuf", "Mei", "Hiroshi", "Ingrid", "Björn", "Élodie", "Łukasz", "Dmitri", "Анна",
         "Νίκος", "Priya", "Kwame", "Siobhán", "Fatima", "Jonas", "Leila", "Tomás", "Grace",
         "Ravi", "Hana", "Olumide", "Maja", "Rafael", "Nadia", "Sven", "Camille", "Ewan"]
LAST = ["Smith", "García", "Müller", "O'Brien", "Nguyen", "Kowalski", "Rossi", "Dubois",
        "Okafor", "Tanaka", "Haddad", "Johansson", "Petrov", "Иванова", "Παπαδόπουλος",
        "Shah", "Mensah", "Fernández", "Brown", "Cohen", "Kim", "Silva", "Novak", "Ahmed",
        "Jansen", "Moreau", "Walsh", "Lindqvist", "Costa", "Yilmaz"]
RTL_NAMES = ["مريم الحسن", "דוד לוי"]

# Odds that a question gets the answer which raises a flag; the rest are unremarkable.
FLAG_ODDS = {
    "consultation": 0.06, "allergy_planned_ingredient": 0.02, "allergies_any": 0.15,
    "medicines_any": 0.3, "anticoagulant": 0.03, "sun_recent": 0.12,
    "transport_arranged": 0.08,
}
PROFILES = 400
SIGNATURES = 40


class _Profile(Struct, frozen=True):
    answers: dict[str, Any]   # last_taken answers hold a timedelta before the appointment
    flags: list[dict]
    age: int


def create_demo_intakes(
    store: Any,
    count: int,
    *,
    seed: int = 1,
    with_pdf: bool = True,
    form: Form | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 2000,
) -> int:
    form = form or default_form()
    rng = random.Random(seed)
    profiles = [_profile(form, rng) for _ in range(min(PROFILES, count * 2))]
    signatures = [_signature_strokes(rng) for _ in range(min(SIGNATURES, count))]
    archived = canonical_content(form)
    reviewer = _demo_reviewer(store)
    signs: list[bool] = []

    def feed() -> Iterator[dict]:
        for intake in _intakes(form, rng, count, profiles, signatures, archived, reviewer):
            signs.append(intake["signature"] is not None)
            yield intake

    ids = store.bulk_insert_intakes(
        feed(), batch_size=batch_size,
        progress=(lambda done: progress(done, count)) if progress else None)
    made = len(ids)
    signed = [intake_id for intake_id, sign in zip(ids, signs) if sign]
    if with_pdf:
        from mesocheck.documents.consent import store_consent_pdf

        for intake_id in signed:
            store_consent_pdf(store, intake_id)
    return made


def _profile(form: Form, rng: random.Random) -> _Profile:
    reference = datetime(2026, 1, 15, 10, 0, tzinfo=timezone.utc)
    age = rng.choice([16, 17]) if rng.random() < 0.02 else rng.randint(18, 75)
    area = "face"
    facts = Facts(appointment=reference, birth_date=None, area=area)
    flow = Flow(form, facts)
    answers: dict[str, Any] = {}
    for step in form.steps:
        # Questions appear as earlier answers enable them, exactly as in the wizard.
        asked: set[str] = set()
        while True:
            pending = [q for q in flow.shown_questions(step, answers) if q.id not in asked]
            if not pending:
                break
            for q in pending:
                asked.add(q.id)
                value = _answer(q, rng)
                if value is not None:
                    answers[q.id] = value
    materialised = _materialise(form, answers, reference)
    birth = _birth_date(age, reference.date(), rng)
    flags = evaluate_rules(
        form, materialised, Facts(appointment=reference, birth_date=birth, area=area)
    )
    return _Profile(answers, [f.as_dict() for f in flags], age)


def _answer(q: Question, rng: random.Random) -> Any:
    if not q.required and q.type == "text" and rng.random() < 0.8:
        return None
    if q.type == "boolean":
        odds = FLAG_ODDS.get(q.id, 0.1)
        healthy = q.id in ("consultation", "transport_arranged")
        flagged = rng.random() < odds
        return (not flagged) if healthy else flagged
    if q.type == "choice":
        # Earlier options first: for skin type, the lighter types are the more common here.
        weights = [len(q.options) - i for i in range(len(q.options))]
        return rng.choices(q.options, weights=weights)[0].value
    if q.type == "multi_choice":
        plain = [o for o in q.options if not o.exclusive]
        exclusive = [o for o in q.options if o.exclusive]
        if exclusive and rng.random() < 0.93:
            return [exclusive[0].value]
        picked = rng.sample(plain, k=rng.randint(1, min(2, len(plain))))
        return [o.value for o in q.options if o in picked]
    if q.type == "text":
        return rng.choice([
            "Hay fever, seasonal.", "Penicillin (rash as a child).", "Levothyroxine 50 mcg daily",
            "Metformin 500 mg twice a day", "Asthma, well controlled", "Combined pill",
            "Keep the area clean the night before.", "Migraine now and then",
        ])
    if q.type == "last_taken":
        roll = rng.random()
        if roll < 0.5:
            return NEVER
        if roll < 0.95 and q.recent_window_hours is not None:
            return NOT_RECENT
        if q.precision == "date":
            return timedelta(days=rng.randint(1, 14))
        return timedelta(minutes=rng.randint(60, 72 * 60))
    return None


def _materialise(form: Form, answers: dict[str, Any], appointment: datetime) -> dict[str, Any]:
    """Times kept relative to the appointment become dates or UTC times, as entered."""
    out = {}
    for key, value in answers.items():
        if isinstance(value, timedelta):
            if form.question(key).precision == "date":
                value = (appointment.date() - timedelta(days=value.days)).isoformat()
            else:
                value = (appointment - value).astimezone(timezone.utc).isoformat(
                    timespec="minutes")
        out[key] = value
    return out


def _signature_strokes(rng: random.Random) -> list[list[list[float]]]:
    """A few looping strokes across a 600x200 pad, like a hurried cursive signature."""
    strokes = []
    t = 0
    x = rng.uniform(30, 80)
    for _ in range(rng.randint(2, 4)):
        points = []
        width = rng.uniform(90, 180)
        start = x
        phase = rng.uniform(0, 6.28)
        for i in range(rng.randint(40, 80)):
            u = i / 60
            px = start + width * u + 12 * math.sin(phase + u * 9)
            py = 100 + 45 * math.sin(phase + u * 14) * (1 - 0.4 * u)
            points.append([round(px, 1), round(py, 1), t, round(0.4 + 0.3 * abs(math.sin(u * 5)), 2)])
            t += rng.randint(8, 16)
        strokes.append(points)
        x = start + width + rng.uniform(10, 30)
        t += rng.randint(120, 300)
    return strokes


def _intakes(
    form: Form,
    rng: random.Random,
    count: int,
    profiles: list[_Profile],
    signatures: list[list],
    archived: str,
    reviewer: int,
) -> Iterator[dict]:
    today = datetime.now(timezone.utc).date()
    areas = [a.value for a in form.areas]
    text_hashes = {d.id: disclosure_text_hash(d, "en") for d in form.disclosures}
    for n in range(count):
        profile = rng.choice(profiles)
        day = today + timedelta(days=rng.randint(-60, 14)) if n % 10 else today
        appointment = datetime.combine(day, time(8 + rng.randint(0, 9), rng.choice((0, 15, 30, 45))),
                                       tzinfo=timezone.utc)
        birth = _birth_date(profile.age, day, rng)
        name = rng.choice(RTL_NAMES) if rng.random() < 0.01 else (
            f"{rng.choice(FIRST)} {rng.choice(LAST)}")
        answers = _materialise(form, profile.answers, appointment)
        started = appointment - timedelta(minutes=rng.randint(10, 40))
        submitted = started + timedelta(minutes=rng.randint(5, 15))
        area = rng.choice(areas)
        facts = Facts(appointment=appointment, birth_date=birth, area=area)
        acknowledged = [
            (d.id, text_hashes[d.id], started + timedelta(minutes=3, seconds=i * 20))
            for i, d in enumerate(Flow(form, facts).shown_disclosures(answers))
        ]
        flags = profile.flags
        reviewed = day < today and rng.random() < 0.8
        decisions = []
        status = "submitted"
        if reviewed:
            status = "cleared"
            for index, flag in enumerate(flags):
                if flag["severity"] == "info":
                    continue
                choice = "proceed"
                if flag["severity"] == "stop":
                    choice = rng.choice(["decline", "postpone", "proceed"])
                elif rng.random() < 0.15:
                    choice = "postpone"
                decisions.append({"flag_index": index, "decision": choice,
                                  "reason": _reason(choice), "staff_id": reviewer,
                                  "decided_at": appointment - timedelta(minutes=5)})
            outcomes = {d["decision"] for d in decisions}
            status = ("declined" if "decline" in outcomes else
                      "postponed" if "postpone" in outcomes else "cleared")
        elif day > today:
            status = "submitted" if rng.random() < 0.7 else "in_progress"
        yield {
            "patient": {"name": name, "birth_date": birth.isoformat(), "contact": None},
            "form_id": form.id,
            "form_version": form.version,
            "form_hash": form.content_hash,
            "form_content": archived,
            "language": "en",
            "area": area,
            "appointment_at": appointment,
            "device": "demo",
            "status": status,
            "created_at": started,
            "submitted_at": submitted if status != "in_progress" else None,
            "answers": answers,
            "acknowledgements": acknowledged if status != "in_progress" else acknowledged[:3],
            "signature": None if status == "in_progress" else {
                "role": "patient", "printed_name": name, "meaning": form.signature_meaning.get("en"),
                "strokes": rng.choice(signatures), "pad_width": 600, "pad_height": 200,
                "signed_at": submitted, "tz": "UTC",
                "content_hash": form.content_hash, "staff_id": None,
            },
            "flags": flags if status != "in_progress" else [],
            "decisions": decisions,
        }


def _demo_reviewer(store: Any) -> int:
    """The practitioner whose name is on demo decisions: inactive, with a PIN nobody knows,
    so demo data never opens a way into the staff screens."""
    name = "Demo practitioner"
    for member in store.staff_members(include_inactive=True):
        if member.name == name:
            return member.id
    pin = "".join(secrets.choice("0123456789") for _ in range(12))
    staff_id = store.add_staff(name, "practitioner", pin, actor="system")
    store.set_staff_active(staff_id, False, actor="system")
    return staff_id


def _birth_date(age: int, on: date, rng: random.Random) -> date:
    try:
        birthday = on.replace(year=on.year - age)
    except ValueError:
        birthday = date(on.year - age, 3, 1)
    return birthday - timedelta(days=rng.randint(1, 360))


def _reason(decision: str) -> str:
    return {
        "proceed": "Discussed with the patient; safe to proceed.",
        "postpone": "Rebook after the stop window has passed.",
        "decline": "Contraindicated; advised to see their GP.",
    }[decision]


