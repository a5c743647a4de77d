"""Whole intakes made the way the tablet makes them (session, store, consent PDF), staff to
review them, and the review's steps: for the core, review, UI and reliability tests."""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator

import pytest

from mesocheck import review as review_rules
from mesocheck.documents.consent import store_consent_pdf
from mesocheck.forms import Facts, check_answer, evaluate_rules
from mesocheck.forms.flow import Flow, disclosure_text_hash
from mesocheck.forms.registry import canonical_content, default_form
from mesocheck.session import IntakeSession, PatientDetails
from mesocheck.store import Store
from mesocheck.store import staff as staff_accounts
from mesocheck.timeutil import clinic_zone
from tests.support.answers import flagged_answers, random_answer, random_strokes, scribble


# -- intakes through the store, as the wizard writes them, for the review -------------------


PIN = "264819"


REVIEW_ZONE = clinic_zone()  # the clinic's zone when none is set: this machine's, as today_at


def fast_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cheap scrypt cost for tests; the stored hash names its own cost, so checks agree."""
    monkeypatch.setattr(staff_accounts, "SCRYPT_N", 2**10)


def today_at(hour: int, minute: int = 0, day: date | None = None) -> datetime:
    return datetime.combine(day or date.today(), time(hour, minute)).astimezone()


def make_intake(store: Store, *, name: str = "Amelia Smith", answers: dict | None = None,
                appointment: datetime | None = None, birth_date: date = date(1985, 4, 12),
                area: str = "face", with_pdf: bool = True,
                patient_id: int | None = None) -> str:
    """A signed, submitted intake made as the wizard makes one, with its consent PDF."""
    form = default_form()
    appointment = appointment or today_at(15)
    raw = flagged_answers(appointment) if answers is None else answers
    now = datetime.now(timezone.utc)
    values = {}
    for qid, value in raw.items():
        checked = check_answer(form.question(qid), value, now=max(now, appointment))
        assert checked.ok, (qid, checked.error)
        values[qid] = checked.value
    intake_id = store.start_intake(
        name=name, birth_date=birth_date, form_id=form.id, form_version=form.version,
        form_hash=form.content_hash, language="en", area=area, appointment_at=appointment,
        device="test-tablet", actor="patient", form_content=canonical_content(form),
        patient_id=patient_id,
    )
    store.save_answers(intake_id, values)
    facts = Facts(appointment=appointment, birth_date=birth_date, area=area, understood=True)
    for disclosure in Flow(form, facts).shown_disclosures(values):
        store.acknowledge(intake_id, disclosure.id, disclosure_text_hash(disclosure, "en"))
    store.add_understanding_try(intake_id, form.understood_answers(), [])  # right at once
    flags = evaluate_rules(form, values, facts)
    record = store.intake(intake_id)
    signature = {
        "role": "patient", "printed_name": name,
        "meaning": form.signature_meaning.get("en"), "strokes": scribble(),
        "pad_width": 600, "pad_height": 200, "tz": "Europe/London",
        "content_hash": review_rules.patient_content_hash(record, form, name, REVIEW_ZONE),
    }
    store.submit(intake_id, signature=signature, flags=[f.as_dict() for f in flags])
    if with_pdf:
        from mesocheck.documents.consent import store_consent_pdf

        store_consent_pdf(store, intake_id)
    return intake_id


def make_staff(store: Store) -> tuple:
    """A practitioner and a front-desk member, as the store returns them."""
    doctor = store.add_staff("Dr Ines Okafor", "practitioner", PIN, actor="system")
    desk = store.add_staff("Sam Front", "front-desk", PIN, actor="system")
    members = {m.id: m for m in store.staff_members()}
    return members[doctor], members[desk]


def countersign_now(store: Store, intake_id: str, doctor) -> int:
    return review_rules.countersign(store, intake_id, doctor, strokes=scribble(), pad_width=600,
                              pad_height=200, tz="Europe/London")


def decide_all(store: Store, intake_id: str, doctor, decision: str = "proceed") -> str:
    status = ""
    for flag in review_rules.undecided(store.intake(intake_id).flags):
        status = review_rules.decide(store, intake_id, flag.id, decision,
                               f"Checked with the patient ({flag.rule_id})", doctor)
    return status


def audit_rows(store: Store, intake_id: str) -> list[tuple[str, str]]:
    return store.connection.execute(
        "SELECT actor, action FROM audit WHERE intake_id = ? ORDER BY id", (intake_id,)
    ).fetchall()


# -- intakes through the session with random valid answers, for the reliability tests --------


ZONE = timezone.utc


PRACTITIONER_PIN = "482913"


DESK_PIN = "517394"


@contextmanager
def cheap_pins() -> Iterator[None]:
    """Full-strength scrypt costs 0.3 s and 128 MiB per PIN; fixtures that only need
    accounts use a tiny cost (the strength itself is tested in tests/store)."""
    saved = staff_accounts.SCRYPT_N
    staff_accounts.SCRYPT_N = 2**4
    try:
        yield
    finally:
        staff_accounts.SCRYPT_N = saved


def add_staff(store: Store) -> tuple[int, int]:
    with cheap_pins():
        practitioner = store.add_staff("Dr Rowan Hale", "practitioner", PRACTITIONER_PIN,
                                       "system")
        desk = store.add_staff("Sam Desk", "front-desk", DESK_PIN, "system")
    return practitioner, desk


def fill_step(session: IntakeSession, step, rng: random.Random, now: datetime) -> None:
    """Answer every question the step shows, as questions appear, one save per answer;
    now and then change an earlier answer (skip logic may then clear others)."""
    asked: set[str] = set()
    while True:
        pending = [q for q in session.shown_questions(step) if q.id not in asked]
        if not pending:
            break
        for question in pending:
            asked.add(question.id)
            session.answer(question.id, random_answer(question, rng, now))
            session.flush()
            if asked and rng.random() < 0.1:
                again = session.form.question(rng.choice(sorted(asked)))
                session.answer(again.id, random_answer(again, rng, now))
                session.flush()
    for question in session.shown_questions(step):  # required ones left empty: fill them
        if question.id in session.problems(step):
            for _ in range(20):
                if session.answer(question.id, random_answer(question, rng, now)).ok:
                    break
            session.flush()


def fill_intake(store: Store, form, rng: random.Random, *, name: str = "Ada Lovelace",
                birth: date = date(1988, 4, 2), area: str = "face",
                answers: dict | None = None, submit: bool = True, pdf: bool = True,
                sink=None, patient_id: int | None = None, route=None,
                keep_carried: bool = False) -> IntakeSession:
    """Start an intake, answer every page (random but valid answers, ``answers`` forced),
    acknowledge every disclosure, and sign and submit (and store the PDF). A ``route``
    (:func:`mesocheck.course.route`) chooses the form for a known ``patient_id``'s visit;
    ``keep_carried``: the answers carried from the last visit are confirmed as they are."""
    now = datetime.now(ZONE)
    details = PatientDetails(name, birth, area, now + timedelta(hours=2), patient_id=patient_id)
    session = IntakeSession.start(store, form, details, zone=ZONE, device="test", sink=sink,
                                  route=route)
    form = session.form
    forced = dict(answers or {})
    for page in session.pages():
        if page.kind == "step":
            step = session.step(page.key)
            if not (keep_carried and all(q.id in session.carried or not q.required
                                         for q in session.shown_questions(step))):
                fill_step(session, step, rng, now)
            for question in session.shown_questions(step):
                if question.id in forced:
                    assert session.answer(question.id, forced[question.id]).ok
            for question in session.shown_questions(step):  # opened by the forced answers
                while question.id in session.problems(step):
                    session.answer(question.id, random_answer(question, rng, now))
            session.flush()
        elif page.kind == "disclosure":
            session.acknowledge(page.key)
        elif page.kind == "understanding":
            session.check_understanding(form.understood_answers())
    if submit:
        session.submit(session.prepare_signature(name, random_strokes(rng), 600, 200))
        if pdf:
            store_consent_pdf(store, session.intake_id)
    return session


def review_intake(store: Store, intake_id: str, practitioner: int, rng: random.Random) -> None:
    """Decide every flag that needs it (proceed), countersign, clear, and store the reviewed
    PDF."""
    record = store.intake(intake_id)
    for flag in record.flags:
        if flag.severity != "info":
            store.decide(flag.id, "proceed", "Discussed with the patient", practitioner)
    store.add_signature(intake_id, {
        "role": "practitioner", "printed_name": "Dr Rowan Hale",
        "meaning": "Reviewed and countersigned", "strokes": random_strokes(rng), "pad_width": 600,
        "pad_height": 200, "tz": "UTC", "content_hash": "0" * 64, "staff_id": practitioner,
    })
    store.set_status(intake_id, "cleared", f"staff:{practitioner}")
    store_consent_pdf(store, intake_id)
