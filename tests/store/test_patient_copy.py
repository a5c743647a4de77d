"""The patient's own copy: asked for or declined at the end of a signed form, and when staff
printed it, each in the store with its audit row."""

from datetime import datetime, timezone

import pytest

from mesocheck.store import InvalidState
from mesocheck.store.audit import staff_actor
from tests.support.store_rows import start, submitted


def _actions(store, intake_id):
    return [a for (a,) in store.connection.execute(
        "SELECT action FROM audit WHERE intake_id = ? ORDER BY id", (intake_id,))]


def test_the_patient_asks_for_a_copy_and_staff_print_it(staffed, clock):
    intake_id = submitted(staffed)
    record = staffed.intake(intake_id)
    assert (record.copy_wanted, record.copy_chosen_at, record.copy_printed_at) == (
        None, None, None)  # not asked yet
    staffed.choose_copy(intake_id, False, "patient")
    staffed.choose_copy(intake_id, True, "patient")  # changed their mind: the last answer
    chosen = clock.now
    record = staffed.intake(intake_id)
    assert record.copy_wanted is True and record.copy_chosen_at == chosen
    clock.now = datetime(2026, 3, 2, 14, 2, tzinfo=timezone.utc)
    staff = staffed.connection.execute("SELECT id FROM staff LIMIT 1").fetchone()[0]
    staffed.copy_printed(intake_id, staff_actor(staff))
    assert staffed.intake(intake_id).copy_printed_at == clock.now
    assert _actions(staffed, intake_id)[-3:] == ["copy_choice", "copy_choice", "copy_printed"]
    assert staffed.verify() == []


def test_no_copy_is_chosen_before_signing_and_only_staff_print(staffed):
    intake_id = start(staffed)
    with pytest.raises(InvalidState):
        staffed.choose_copy(intake_id, True, "patient")
    signed = submitted(staffed)
    with pytest.raises(InvalidState):
        staffed.copy_printed(signed, "patient")
    assert staffed.intake(signed).copy_printed_at is None
