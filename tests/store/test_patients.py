"""A known patient is found by name and date of birth; near matches are warned of."""

from datetime import date

import pytest

from mesocheck.store import NotFound

from tests.support.store_rows import PATIENT, start


def test_exact_match_ignores_accents_case_and_spaces(store):
    first = start(store)
    patient_id = store.intake(first).patient.id
    [match] = store.patient_matches("  zoe QUIXLEY-marchetti ", date(1990, 7, 14))
    assert (match.id, match.name, match.exact, match.visits) == (patient_id, PATIENT, True, 1)


def test_a_second_visit_reuses_the_patient_row(store):
    first = start(store)
    patient_id = store.intake(first).patient.id
    second = start(store, patient_id=patient_id)
    assert store.intake(second).patient.id == patient_id
    assert store.connection.execute("SELECT count(*) FROM patients").fetchone()[0] == 1
    [match] = store.patient_matches(PATIENT, "1990-07-14")
    assert match.visits == 2
    # the second start's audit row names the intake only: the patient row was not rewritten
    written = store.connection.execute(
        "SELECT rows FROM audit WHERE action = 'start_intake' AND intake_id = ?",
        (second,)).fetchone()[0]
    assert '"patients"' not in written
    assert store.verify() == []


def test_near_matches_are_likely_duplicates(store):
    start(store)  # Zoë Quixley-Marchetti, 1990-07-14
    start(store, name="Zoe Quixley-Marchetti", birth_date=date(1990, 7, 15))
    start(store, name="Zoë Quixly-Marchetti", birth_date=date(1990, 7, 14))
    start(store, name="Amal Haddad", birth_date=date(1990, 7, 14))
    matches = store.patient_matches(PATIENT, date(1990, 7, 14))
    assert [(m.name, m.birth_date, m.exact) for m in matches] == [
        (PATIENT, date(1990, 7, 14), True),
        ("Zoe Quixley-Marchetti", date(1990, 7, 15), False),
        ("Zoë Quixly-Marchetti", date(1990, 7, 14), False),
    ]  # born the same day with another name is someone else
    assert store.patient_matches("Someone New", date(2001, 1, 1)) == []


def test_an_unknown_patient_id_is_refused_and_nothing_is_written(store):
    start(store)
    with pytest.raises(NotFound):
        start(store, patient_id=999)
    assert store.connection.execute("SELECT count(*) FROM intakes").fetchone()[0] == 1


def test_the_history_lists_every_visit_newest_first(store):
    from datetime import datetime, timezone

    first = start(store, appointment_at=datetime(2026, 3, 2, 10, 30, tzinfo=timezone.utc))
    patient_id = store.intake(first).patient.id
    third = start(store, patient_id=patient_id,
                  appointment_at=datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc))
    second = start(store, patient_id=patient_id,
                   appointment_at=datetime(2026, 4, 1, 9, 0, tzinfo=timezone.utc))
    start(store, name="Someone Else")
    history = store.patient_history(second)
    assert [r.id for r in history] == [third, second, first]
    assert {r.patient.id for r in history} == {patient_id}
    with pytest.raises(NotFound):
        store.patient_history("no-such-intake")
