"""A signed consent covers a course: the clinic's sessions and months at signing, counted from
the signing day in the clinic's calendar."""

from datetime import date, datetime, timezone

import pytest

from mesocheck.store.settings import InvalidSetting

from tests.support.store_rows import start, submitted


def test_a_signed_consent_covers_ten_sessions_for_twelve_months_by_default(staffed):
    intake_id = submitted(staffed)  # signed 2 March 2026 (the test clock)
    record = staffed.intake(intake_id)
    assert (record.course_sessions, record.course_until) == (10, date(2027, 3, 2))
    assert staffed.verify() == []


def test_the_clinics_settings_at_signing_are_kept(staffed, clock):
    staffed.set_settings({"course_sessions": 6, "course_months": 1,
                          "time_zone": "Pacific/Auckland"}, "system")
    clock.now = datetime(2026, 1, 30, 20, 0, tzinfo=timezone.utc)  # 31 January in Auckland
    intake_id = submitted(staffed)
    record = staffed.intake(intake_id)
    assert (record.course_sessions, record.course_until) == (6, date(2026, 2, 28))
    staffed.set_settings({"course_sessions": 12}, "system")  # later: this course unchanged
    assert staffed.intake(intake_id).course_sessions == 6


def test_an_unsigned_intake_covers_no_course(staffed):
    record = staffed.intake(start(staffed))
    assert (record.course_sessions, record.course_until) == (None, None)


@pytest.mark.parametrize("key, value", [("course_sessions", 0), ("course_sessions", 51),
                                        ("course_months", 37), ("course_months", "12"),
                                        ("course_sessions", True)])
def test_course_settings_out_of_range_are_refused_with_a_plain_message(staffed, key, value):
    with pytest.raises(InvalidSetting) as refused:
        staffed.set_settings({key: value}, "system")
    assert refused.value.message == {
        "course_sessions": "A course covers between 1 and 50 sessions.",
        "course_months": "A course lasts between 1 and 36 months."}[key]
    assert staffed.settings()[key] in (10, 12)
