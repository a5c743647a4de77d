"""Rows for the store tests: ready-made intakes, signatures, flags, and tampering with the
file behind the store's back."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from mesocheck.store import Store

PATIENT = "Zoë Quixley-Marchetti"  # distinctive, so leaks are easy to spot
PRACTITIONER_PIN = "246813"
FRONT_DESK_PIN = "175392"
PRACTITIONER, FRONT_DESK = 1, 2


def intake_fields(**overrides) -> dict:
    fields = dict(
        name=PATIENT, birth_date=date(1990, 7, 14), contact="+44 7700 900123",
        form_id="mesotherapy", form_version="3", form_hash="f" * 64, language="en",
        area="face", appointment_at=datetime(2026, 3, 2, 10, 30, tzinfo=timezone.utc),
        device="tablet-1", actor="patient",
    )
    fields.update(overrides)
    return fields


def signature(**overrides) -> dict:
    values = dict(
        printed_name=PATIENT, meaning="I have read and understood, and I consent",
        strokes=[[[10.5, 20.0, 0, 0.5], [12.0, 22.5, 16, 0.6]]], pad_width=600,
        pad_height=200, tz="Europe/London", content_hash="c" * 64,
    )
    values.update(overrides)
    return values


FLAGS = [
    {"rule_id": "anticoagulant", "severity": "stop", "practitioner_message": "Takes warfarin",
     "patient_message": "Please talk to the practitioner", "triggers": [["anticoagulant", True]]},
    {"rule_id": "sun_recent", "severity": "review", "practitioner_message": "Sun last week",
     "triggers": [["sun_recent", True]]},
    {"rule_id": "medicines", "severity": "info", "practitioner_message": "Takes medicines",
     "triggers": [["medicines_any", True]]},
]


def start(store: Store, **overrides) -> str:
    return store.start_intake(**intake_fields(**overrides))


def submitted(store: Store, flags=FLAGS, **overrides) -> str:
    """An intake answered, acknowledged and signed."""
    intake_id = start(store, **overrides)
    store.save_answers(intake_id, {"pregnant": False, "anticoagulant": True,
                                   "allergies": "penicillin"})
    store.acknowledge(intake_id, "bruising", "a" * 64)
    store.acknowledge(intake_id, "infection", "b" * 64)
    store.submit(intake_id, signature=signature(), flags=flags)
    return intake_id


def tamper(path: Path, *statements: str, params=()) -> None:
    """Change the file behind the store's back, as someone with its key and SQLCipher's
    shell would: dropping the append-only guards first."""
    from tests.support.at_rest import raw_connect

    conn = raw_connect(path)
    try:
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("PRAGMA foreign_keys = OFF")
        for statement in statements:
            conn.execute(statement, params)
    finally:
        conn.close()
