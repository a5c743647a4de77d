"""Whole intakes made the way the tablet makes them (session, store, consent PDF)."""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Iterator

from mesocheck.documents.consent import store_consent_pdf
from mesocheck.session import IntakeSession, PatientDetails
from mesocheck.store import Store
from mesocheck.store import staff as staff_accounts

from .crash_driver import fill_step, random_answer, strokes

ZONE = timezone.utc
PRACTITIONER_PIN = "482913"
DESK_PIN = "5173"


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


def fill_intake(store: Store, form, rng: random.Random, *, name: str = "Ada Lovelace",
                birth: date = date(1988, 4, 2), area: str = "face",
                answers: dict | None = None, submit: bool = True, pdf: bool = True,
                sink=None) -> IntakeSession:
    """Start an intake, answer every page (random but valid answers, ``answers`` forced),
    acknowledge every disclosure, and sign and submit (and store the PDF)."""
    now = datetime.now(ZONE)
    details = PatientDetails(name, birth, area, now + timedelta(hours=2))
    session = IntakeSession.start(store, form, details, zone=ZONE, device="test", sink=sink)
    forced = dict(answers or {})
    for page in session.pages():
        if page.kind == "step":
            step = session.step(page.key)
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
    if submit:
        session.submit(session.prepare_signature(name, strokes(rng), 600, 200))
        if pdf:
            store_consent_pdf(store, session.intake_id)
    return session


def review(store: Store, intake_id: str, practitioner: int, rng: random.Random) -> None:
    """Decide every flag that needs it (proceed), countersign, clear, and store the reviewed
    PDF."""
    record = store.intake(intake_id)
    for flag in record.flags:
        if flag.severity != "info":
            store.decide(flag.id, "proceed", "Discussed with the patient", practitioner)
    store.add_signature(intake_id, {
        "role": "practitioner", "printed_name": "Dr Rowan Hale",
        "meaning": "Reviewed and countersigned", "strokes": strokes(rng), "pad_width": 600,
        "pad_height": 200, "tz": "UTC", "content_hash": "0" * 64, "staff_id": practitioner,
    })
    store.set_status(intake_id, "cleared", f"staff:{practitioner}")
    store_consent_pdf(store, intake_id)
