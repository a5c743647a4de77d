"""Builds ``schema1.sqlite3``: a database as mesocheck wrote it at schema version 1.

Run from a checkout of the last schema-1 commit (ddbc1d2), so the file holds exactly what
that code wrote::

    git archive ddbc1d2 | tar -x -C /tmp/schema1
    PYTHONPATH=/tmp/schema1 python tests/store/data/make_schema1.py tests/store/data/schema1.sqlite3

Every kind of row and audit entry is there: staff, settings, an archived form, intakes in
progress, signed, reviewed and voided, changed answers, a withdrawn acknowledgement,
amendments, replaced flags, decisions, countersignatures, documents and bulk-loaded intakes.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from mesocheck.store import Store

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
STROKES = [[[10.5, 20.0, 0, 0.5], [12.0, 22.5, 16, 0.6], [15.3, 25.1, 33, None]],
           [[40.0, 100.0, 210, None], [50.9, 110.4, 219, None]]]
FLAGS = [
    {"rule_id": "anticoagulant", "severity": "stop", "practitioner_message": "Takes warfarin",
     "patient_message": "Please talk to the practitioner", "triggers": [["anticoagulant", True]]},
    {"rule_id": "sun_recent", "severity": "review", "practitioner_message": "Sun last week",
     "triggers": [["sun_recent", True]]},
]


def main(out: Path) -> None:
    moment = [START]

    def clock() -> datetime:
        moment[0] += timedelta(seconds=1)
        return moment[0]

    with Store.open(out, clock=clock) as store:
        store.set_settings({"clinic_name": "Clinique Élan", "idle_timeout_s": 90}, "system")
        doctor = store.add_staff("Dr Ada Practitioner", "practitioner", "246810", "system")
        store.add_staff("Ben Desk", "front-desk", "1357", "system")
        ids = []
        for n, name in enumerate(["Zoë Quixley", "Łukasz Nowak", "مريم الحسن", "Ann Lee"]):
            intake = store.start_intake(
                name=name, birth_date=date(1980 + n, 1 + n, 3), contact=None,
                form_id="mesotherapy", form_version="3", form_hash="f" * 64, language="en",
                area="face", appointment_at=START + timedelta(hours=n), device="tablet-1",
                actor="patient", form_content='{"id":"mesotherapy"}' if n == 0 else None)
            store.save_answer(intake, "pregnant", False)
            store.save_answers(intake, {"anticoagulant": True, "notes": "line\nbreak \"q\""})
            store.save_answer(intake, "anticoagulant", False)  # changed
            store.acknowledge(intake, "bruising", "a" * 64)
            store.acknowledge(intake, "infection", "b" * 64)
            store.withdraw_acknowledgement(intake, "infection")
            store.acknowledge(intake, "infection", "b" * 64)
            store.set_current_step(intake, "summary")
            ids.append(intake)
        first, second, third, _in_progress = ids
        for intake in (first, second, third):
            store.submit(intake, flags=FLAGS, signature={
                "printed_name": "Patient", "meaning": "I consent", "strokes": STROKES,
                "pad_width": 600, "pad_height": 200, "tz": "Europe/London",
                "content_hash": "c" * 64})
        store.add_document(first, "consent", b"%PDF-1.4 first\n%%EOF")
        store.amend_answer(first, "pregnant", True, "Patient called back", doctor)
        flag_ids = store.replace_flags(first, FLAGS[1:], f"staff:{doctor}")
        store.decide(flag_ids[0], "proceed", "Discussed", doctor)
        store.add_signature(first, {
            "role": "practitioner", "printed_name": "Dr Ada", "meaning": "Reviewed",
            "strokes": STROKES[:1], "pad_width": 600, "pad_height": 200, "tz": "UTC",
            "content_hash": "d" * 64, "staff_id": doctor})
        store.set_status(first, "cleared", f"staff:{doctor}")
        store.add_document(first, "consent", b"%PDF-1.4 reviewed\n%%EOF", supersedes=1)
        store.void(third, "Patient left", f"staff:{doctor}")
        store.bulk_insert_intakes([{
            "patient": {"name": f"Bulk {n}", "birth_date": "1970-05-0%d" % (n + 1)},
            "form_id": "mesotherapy", "form_version": "3", "form_hash": "f" * 64,
            "language": "en", "area": "face", "appointment_at": START,
            "answers": {"pregnant": False}, "acknowledgements": [("bruising", "a" * 64)],
            "signature": {"printed_name": f"Bulk {n}", "meaning": "I consent",
                          "strokes": STROKES, "pad_width": 600, "pad_height": 200,
                          "tz": "UTC", "content_hash": "c" * 64},
            "flags": FLAGS,
            "status": "cleared",
            "decisions": [{"flag_index": 0, "decision": "proceed", "reason": "ok",
                           "staff_id": doctor}, {"flag_index": 1, "decision": "proceed",
                                                 "reason": "ok", "staff_id": doctor}],
        } for n in range(3)])
        store.check_pin(doctor, "000000")  # a failed sign-in: an audit row writing nothing
        assert store.verify() == []
    import sqlite3

    conn = sqlite3.connect(out)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("VACUUM")
    conn.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
