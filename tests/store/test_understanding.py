"""The understanding check's tries in the store: every one kept in order with its time and
audit row, only while the form is open; the facts the rules see follow the last try."""

from datetime import datetime, timezone

import pytest

from mesocheck.forms.conditions import Facts
from mesocheck.store import IntakeLocked
from tests.support.store_rows import start, submitted


def test_every_try_is_kept_in_order_with_its_audit_row(staffed, clock):
    intake_id = start(staffed)
    assert staffed.intake(intake_id).understanding == ()
    assert Facts.of(staffed.intake(intake_id), timezone.utc).understood is None  # not asked
    staffed.add_understanding_try(intake_id, {"can_stop": "no", "sun_after": "cover"},
                                  ["can_stop"])
    first = clock.now
    clock.now = datetime(2026, 3, 2, 9, 31, tzinfo=timezone.utc)
    staffed.add_understanding_try(intake_id, {"can_stop": "yes", "sun_after": "cover"}, [])
    tries = staffed.intake(intake_id).understanding
    assert [(t.answers["can_stop"], t.wrong, t.at) for t in tries] == [
        ("no", ("can_stop",), first), ("yes", (), clock.now)]
    assert Facts.of(staffed.intake(intake_id), timezone.utc).understood is True
    actions = [a for (a,) in staffed.connection.execute(
        "SELECT action FROM audit WHERE intake_id = ? ORDER BY id", (intake_id,))]
    assert actions.count("understanding") == 2
    assert staffed.verify() == []


def test_still_wrong_on_the_last_try_is_a_fact_the_rules_see(staffed):
    intake_id = start(staffed)
    for _try in range(2):
        staffed.add_understanding_try(intake_id, {"sun_after": "nothing"}, ["sun_after"])
    assert Facts.of(staffed.intake(intake_id), timezone.utc).understood is False


def test_no_try_is_added_once_the_form_is_signed(staffed):
    intake_id = submitted(staffed)
    with pytest.raises(IntakeLocked):
        staffed.add_understanding_try(intake_id, {"sun_after": "cover"}, [])
    assert staffed.intake(intake_id).understanding == ()
