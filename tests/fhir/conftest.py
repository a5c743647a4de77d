"""The hand-over tests' fixtures: the FHIR server (``tests/support/fhir_server.py``) and a
reviewed, amended, sealed intake to send it."""

from __future__ import annotations

import pytest

from tests.support.fhir_server import run_server


@pytest.fixture(scope="session")
def fhir_server(tmp_path_factory):
    """The base URL of a sekmet-fhir server that wants the bearer token ``TOKEN``."""
    yield from run_server(tmp_path_factory)


@pytest.fixture
def reviewed_amended(db_path, clinic_seal, monkeypatch):
    """(store path, intake id): flags decided, an answer amended at review, the patient's
    new signature, the practitioner's countersignature, the reviewed document sealed."""
    from mesocheck import review
    from mesocheck.store import Store
    from tests.support.answers import scribble
    from tests.support.intakes import (
        REVIEW_ZONE as ZONE, countersign_now, decide_all, fast_pins, make_intake, make_staff,
    )

    fast_pins(monkeypatch)
    with Store.open(db_path) as store:
        store.set_settings({"clinic_name": "Clinique Lumière",
                            "clinic_address": "12 rue des Tilleuls, Lyon"}, "system")
        doctor, _desk = make_staff(store)
        intake_id = make_intake(store, name="Zoë Quixley-Marchetti")
        review.amend(store, intake_id, "last_aspirin", "never",
                     "Patient confused aspirin with paracetamol", doctor, zone=ZONE)
        review.resign(store, intake_id, strokes=scribble(), pad_width=600, pad_height=200,
                      printed_name="Zoë Quixley-Marchetti", meaning="Consent to treatment",
                      zone=ZONE)
        review.build_patient_consent(store, intake_id)
        decide_all(store, intake_id, doctor)
        countersign_now(store, intake_id, doctor)
        review.build_reviewed_consent(store, intake_id)
    return db_path, intake_id
