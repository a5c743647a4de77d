"""Each default rule of the shipped form, one at a time, at its edges.

Every test starts from a complete "clean" answer set that raises no flag and changes one
thing, so a flag can only come from that change.
"""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from mesocheck.forms import Facts, Flow, check_answer, evaluate_rules, load_form, worst_severity
from mesocheck.paths import default_form_path

LONDON = ZoneInfo("Europe/London")
APPOINTMENT = datetime(2026, 11, 21, 10, 0, tzinfo=LONDON)
ADULT_BIRTH = date(1990, 5, 14)
BLOOD_THINNERS = ["last_aspirin", "last_nsaid", "last_fish_oil", "last_vitamin_e"]
DROP = object()  # remove the answer

CLEAN = {
    "consultation": True,
    "conditions": ["none"],
    "allergy_planned_ingredient": False,
    "allergies_any": False,
    "medicines_any": False,
    "last_aspirin": "never",
    "last_nsaid": "not_recent",
    "last_fish_oil": "never",
    "last_vitamin_e": "not_recent",
    "anticoagulant": False,
    "sun_recent": False,
    "skin_type": "type_2",
    "last_alcohol": "not_recent",
    "last_caffeine": "never",
    "transport_arranged": True,
}


@pytest.fixture(scope="module")
def form():
    return load_form(default_form_path())


def answers(**changes):
    """The clean answer set with some answers changed (or dropped with DROP)."""
    out = dict(CLEAN)
    for qid, value in changes.items():
        if value is DROP:
            out.pop(qid, None)
        else:
            out[qid] = value
    return out


def facts(appointment=APPOINTMENT, birth_date=ADULT_BIRTH, area="face", understood=None):
    return Facts(appointment=appointment, birth_date=birth_date, area=area,
                 understood=understood)


def flags_for(form, answer_set, at=None):
    return evaluate_rules(form, answer_set, at or facts())


def ids(flags):
    return [f.rule_id for f in flags]


def stored(form, qid, moment, now=APPOINTMENT):
    """An answer as the app stores it, through the same validation the wizard uses."""
    checked = check_answer(form.question(qid), moment, now=now)
    assert checked.ok, checked.error
    return checked.value


# -- the clean answer set --------------------------------------------------------------------


def test_clean_answers_are_complete_valid_and_raise_nothing(form):
    flow = Flow(form, facts())
    for step in form.steps:
        assert flow.missing(step, CLEAN) == {}, step.id
    for qid, value in CLEAN.items():
        assert check_answer(form.question(qid), value, now=APPOINTMENT).value == value, qid
    assert flags_for(form, CLEAN) == []
    for area in ("face", "neck", "body", "scalp"):
        assert flags_for(form, CLEAN, facts(area=area)) == []


def test_every_rule_has_a_practitioner_message(form):
    for rule in form.rules:
        assert rule.practitioner.get("en"), rule.id


# -- each rule on its trigger, and only that rule ---------------------------------------------

ONE_CHANGE = [
    ("no_consultation", "review", {"consultation": False}, [("consultation", False)]),
    ("bleeding_disorder", "stop", {"conditions": ["bleeding_disorder"]},
     [("conditions", ["bleeding_disorder"])]),
    ("active_skin_infection", "stop", {"conditions": ["skin_infection"]},
     [("conditions", ["skin_infection"])]),
    ("pregnant_breastfeeding", "stop", {"conditions": ["pregnant_breastfeeding"]},
     [("conditions", ["pregnant_breastfeeding"])]),
    ("keloid_history", "review", {"conditions": ["keloid"]}, [("conditions", ["keloid"])]),
    ("diabetes_or_low_immunity", "info", {"conditions": ["diabetes"]},
     [("conditions", ["diabetes"])]),
    ("diabetes_or_low_immunity", "info", {"conditions": ["weak_immunity"]},
     [("conditions", ["weak_immunity"])]),
    ("diabetes_or_low_immunity", "info", {"conditions": ["diabetes", "weak_immunity"]},
     [("conditions", ["diabetes", "weak_immunity"])]),
    ("allergy_planned_ingredient", "stop", {"allergy_planned_ingredient": True},
     [("allergy_planned_ingredient", True)]),
    ("other_allergies", "info", {"allergies_any": True, "allergies_details": "Latex: rash"},
     [("allergies_any", True), ("allergies_details", "Latex: rash")]),
    ("medicines_listed", "info",
     {"medicines_any": True, "medicine_kinds": ["acne"], "medicines_list": "Isotretinoin 20 mg"},
     [("medicines_any", True), ("medicine_kinds", ["acne"]),
      ("medicines_list", "Isotretinoin 20 mg")]),
    ("anticoagulant", "stop", {"anticoagulant": True, "anticoagulant_name": "Apixaban 5 mg"},
     [("anticoagulant", True), ("anticoagulant_name", "Apixaban 5 mg")]),
    ("anticoagulant", "stop", {"anticoagulant": True}, [("anticoagulant", True)]),
    ("sun_recent", "review", {"sun_recent": True}, [("sun_recent", True)]),
    ("skin_type_dark", "info", {"skin_type": "type_4"}, [("skin_type", "type_4")]),
    ("skin_type_dark", "info", {"skin_type": "type_5"}, [("skin_type", "type_5")]),
    ("skin_type_dark", "info", {"skin_type": "type_6"}, [("skin_type", "type_6")]),
    ("no_transport", "review", {"transport_arranged": False}, [("transport_arranged", False)]),
    ("other_conditions", "info", {"conditions_other": "Migraine"},
     [("conditions_other", "Migraine")]),
    ("other_instructions", "info", {"other_instructions": "No retinol creams for 3 days"},
     [("other_instructions", "No retinol creams for 3 days")]),
]


@pytest.mark.parametrize(
    "rule_id, severity, change, triggers", ONE_CHANGE,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(ONE_CHANGE)],
)
def test_rule_fires_on_its_trigger_alone(form, rule_id, severity, change, triggers):
    flags = flags_for(form, answers(**change))
    assert ids(flags) == [rule_id]
    assert flags[0].severity == severity
    assert [list(t) for t in flags[0].triggers] == [list(t) for t in triggers]
    assert flags[0].practitioner_message == form.rule(rule_id).practitioner.get("en")


@pytest.mark.parametrize("change", [
    {"consultation": True},
    {"conditions": ["none"]},
    {"allergy_planned_ingredient": False},
    {"allergies_any": False},
    {"medicines_any": False},
    {"anticoagulant": False},
    {"sun_recent": False},
    {"skin_type": "type_1"},
    {"skin_type": "type_3"},
    {"skin_type": "not_sure"},
    {"transport_arranged": True},
    {"other_instructions": ""},
    {"other_instructions": DROP},
    {"conditions_other": DROP},
])
def test_a_harmless_answer_raises_nothing(form, change):
    assert flags_for(form, answers(**change)) == []


def test_each_condition_raises_only_its_own_rule(form):
    expected = {
        "bleeding_disorder": "bleeding_disorder",
        "diabetes": "diabetes_or_low_immunity",
        "weak_immunity": "diabetes_or_low_immunity",
        "skin_infection": "active_skin_infection",
        "keloid": "keloid_history",
        "pregnant_breastfeeding": "pregnant_breastfeeding",
    }
    for option in form.question("conditions").options:
        flags = flags_for(form, answers(conditions=[option.value]))
        assert ids(flags) == ([expected[option.value]] if option.value != "none" else [])


def test_several_conditions_raise_several_flags_most_severe_first(form):
    flags = flags_for(form, answers(conditions=["diabetes", "keloid", "bleeding_disorder"]))
    assert ids(flags) == ["bleeding_disorder", "keloid_history", "diabetes_or_low_immunity"]
    assert worst_severity(flags) == "stop"


def test_prescribed_medicine_messages_tell_the_patient_not_to_stop_it(form):
    (flag,) = flags_for(form, answers(anticoagulant=True))
    assert "do not stop" in flag.patient_message.lower()
    (flag,) = flags_for(form, answers(last_aspirin="2026-11-20"))
    assert "do not stop" in flag.patient_message.lower()


# -- blood thinners: a 7-day window, half-open ----------------------------------------------


@pytest.mark.parametrize("qid", BLOOD_THINNERS)
@pytest.mark.parametrize("value, flagged", [
    ("2026-11-13", False),  # 8 days before
    ("2026-11-14", False),  # exactly 7 days: outside the window
    ("2026-11-15", True),   # 6 days
    ("2026-11-20", True),   # the day before
    ("2026-11-21", True),   # the day of the appointment
    ("not_recent", False),
    ("never", False),
])
def test_blood_thinner_window(form, qid, value, flagged):
    flags = flags_for(form, answers(**{qid: value}))
    if flagged:
        assert ids(flags) == ["blood_thinner_recent"]
        assert flags[0].severity == "review"
        assert flags[0].triggers == ((qid, value),)
    else:
        assert flags == []


def test_blood_thinner_answers_pass_validation(form):
    for qid in BLOOD_THINNERS:
        assert stored(form, qid, "2026-11-15") == "2026-11-15"
        assert stored(form, qid, date(2026, 11, 14)) == "2026-11-14"


def test_all_recent_blood_thinners_are_named_in_one_flag(form):
    change = {"last_aspirin": "2026-11-20", "last_nsaid": "2026-11-14",
              "last_fish_oil": "2026-11-16", "last_vitamin_e": "never"}
    (flag,) = flags_for(form, answers(**change))
    assert flag.rule_id == "blood_thinner_recent"
    assert flag.triggers == (("last_aspirin", "2026-11-20"), ("last_fish_oil", "2026-11-16"))


def test_the_window_counts_from_the_appointments_own_date(form):
    # 00:30 in Tokyo on the 21st is still the 20th in UTC: the appointment's zone decides.
    tokyo = datetime(2026, 11, 21, 0, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert flags_for(form, answers(last_aspirin="2026-11-14"), facts(appointment=tokyo)) == []
    assert ids(flags_for(form, answers(last_aspirin="2026-11-15"), facts(appointment=tokyo))) \
        == ["blood_thinner_recent"]


# -- alcohol and caffeine: a 24-hour window, half-open ---------------------------------------

TIMED = [("last_alcohol", "alcohol_recent"), ("last_caffeine", "caffeine_recent")]


@pytest.mark.parametrize("qid, rule_id", TIMED)
@pytest.mark.parametrize("before, flagged", [
    (timedelta(hours=24, minutes=1), False),
    (timedelta(hours=24), False),  # exactly 24 h: outside the window
    (timedelta(hours=23, minutes=59), True),
    (timedelta(minutes=30), True),
])
@pytest.mark.parametrize("zone", ["Europe/London", "UTC", "America/New_York"])
def test_alcohol_and_caffeine_window(form, qid, rule_id, before, flagged, zone):
    moment = (APPOINTMENT - before).astimezone(ZoneInfo(zone))
    value = stored(form, qid, moment)
    flags = flags_for(form, answers(**{qid: value}))
    if flagged:
        assert ids(flags) == [rule_id]
        assert flags[0].severity == "review"
        assert flags[0].triggers == ((qid, value),)
    else:
        assert flags == []


@pytest.mark.parametrize("qid", ["last_alcohol", "last_caffeine"])
@pytest.mark.parametrize("value", ["not_recent", "never"])
def test_alcohol_and_caffeine_not_recently(form, qid, value):
    assert flags_for(form, answers(**{qid: value})) == []


@pytest.mark.parametrize("qid, rule_id", TIMED)
def test_stored_iso_text_with_any_offset_counts_the_same(form, qid, rule_id):
    # 2026-11-20 10:00 UTC is exactly 24 h before; 05:01 in New York is 10:01 UTC.
    assert flags_for(form, answers(**{qid: "2026-11-20T10:00+00:00"})) == []
    assert flags_for(form, answers(**{qid: "2026-11-20T05:00-05:00"})) == []
    assert ids(flags_for(form, answers(**{qid: "2026-11-20T05:01-05:00"}))) == [rule_id]


def test_the_hour_window_counts_real_hours_across_a_clock_change(form):
    # Clocks go forward in London at 01:00 UTC on 2026-03-29: 10:00 local on the 28th to
    # 10:00 local on the 29th is 23 real hours, so the drink is inside the window.
    appointment = datetime(2026, 3, 29, 10, 0, tzinfo=LONDON)
    drink = datetime(2026, 3, 28, 10, 0, tzinfo=LONDON)
    value = stored(form, "last_alcohol", drink, now=appointment)
    assert value == "2026-03-28T10:00+00:00"
    assert ids(flags_for(form, answers(last_alcohol=value), facts(appointment=appointment))) \
        == ["alcohol_recent"]


def test_an_aware_answer_in_the_appointments_zone_counts_real_hours(form):
    appointment = datetime(2026, 3, 29, 10, 0, tzinfo=LONDON)
    drink = datetime(2026, 3, 28, 10, 0, tzinfo=LONDON)  # 23 real hours before
    assert ids(flags_for(form, answers(last_alcohol=drink), facts(appointment=appointment))) \
        == ["alcohol_recent"]


# -- age --------------------------------------------------------------------------------------


@pytest.mark.parametrize("birth_date, appointment, age, flagged", [
    (date(2008, 11, 22), APPOINTMENT, 17, True),   # the 18th birthday is tomorrow
    (date(2008, 11, 21), APPOINTMENT, 18, False),  # the 18th birthday is today
    (date(2008, 11, 20), APPOINTMENT, 18, False),
    (date(2012, 1, 1), APPOINTMENT, 14, True),
    # Born on 29 February: in a common year the birthday falls on 1 March.
    (date(2008, 2, 29), datetime(2026, 2, 28, 10, 0, tzinfo=LONDON), 17, True),
    (date(2008, 2, 29), datetime(2026, 3, 1, 10, 0, tzinfo=LONDON), 18, False),
])
def test_under_18(form, birth_date, appointment, age, flagged):
    flags = flags_for(form, CLEAN, facts(appointment=appointment, birth_date=birth_date))
    if flagged:
        assert ids(flags) == ["under_18"]
        assert flags[0].severity == "stop"
        assert flags[0].triggers == (("@age", age), ("@guardian", False))  # none signed
        assert "guardian" in flags[0].patient_message
    else:
        assert flags == []


# -- skip logic -------------------------------------------------------------------------------


@pytest.mark.parametrize("change", [
    {"allergies_any": False, "allergies_details": "Penicillin"},
    {"medicines_any": False, "medicine_kinds": ["acne"], "medicines_list": "Isotretinoin"},
    {"anticoagulant": False, "anticoagulant_name": "Warfarin"},
    {"allergies_any": DROP, "allergies_details": "Penicillin"},
])
def test_answers_hidden_by_skip_logic_raise_nothing(form, change):
    answer_set = answers(**change)
    assert flags_for(form, answer_set) == []
    hidden = {k for k in change if change[k] is not DROP and k not in CLEAN}
    assert set(Flow(form, facts()).hidden_answered(answer_set)) == hidden


# -- ordering ---------------------------------------------------------------------------------


def test_every_rule_at_once_comes_stop_then_review_then_info_in_form_order(form):
    everything = answers(
        consultation=False,
        conditions=["bleeding_disorder", "diabetes", "weak_immunity", "skin_infection",
                    "keloid", "pregnant_breastfeeding"],
        conditions_other="Migraine",
        allergy_planned_ingredient=True,
        allergies_any=True, allergies_details="Latex",
        medicines_any=True, medicine_kinds=["steroids"], medicines_list="Prednisolone 5 mg",
        last_aspirin="2026-11-20", last_nsaid="2026-11-19",
        last_fish_oil="2026-11-18", last_vitamin_e="2026-11-17",
        anticoagulant=True, anticoagulant_name="Warfarin",
        sun_recent=True, skin_type="type_6",
        last_alcohol="2026-11-20T22:00+00:00", last_caffeine="2026-11-21T08:00+00:00",
        transport_arranged=False, other_instructions="Shave the area the day before",
    )
    flags = flags_for(form, everything, facts(birth_date=date(2010, 6, 1), understood=False))
    assert ids(flags) == [
        "bleeding_disorder", "active_skin_infection", "pregnant_breastfeeding",
        "allergy_planned_ingredient", "anticoagulant", "under_18",
        "no_consultation", "keloid_history", "blood_thinner_recent", "sun_recent",
        "alcohol_recent", "caffeine_recent", "no_transport", "understanding_missed",
        "diabetes_or_low_immunity", "other_conditions", "other_allergies", "medicines_listed", "skin_type_dark",
        "other_instructions",
    ]
    severities = [f.severity for f in flags]
    assert severities == sorted(severities, key=["stop", "review", "info"].index)
    # Every rule but the one for a guardian who signed (a minor without one is stopped).
    assert {f.rule_id for f in flags} == {r.id for r in form.rules} - {"guardian_consent"}
    (thinners,) = [f for f in flags if f.rule_id == "blood_thinner_recent"]
    assert [t[0] for t in thinners.triggers] == BLOOD_THINNERS


def test_a_minor_with_a_guardians_signature_is_asked_about_not_stopped(form):
    minor = facts(birth_date=date(2010, 6, 1))
    assert ids(flags_for(form, {}, minor)) == ["under_18"]
    with_guardian = Facts(appointment=APPOINTMENT, birth_date=date(2010, 6, 1), area="face",
                          guardian=True)
    (flag,) = flags_for(form, {}, with_guardian)
    assert (flag.rule_id, flag.severity) == ("guardian_consent", "review")
    assert "guardian_consent" not in ids(flags_for(form, {}, Facts(
        appointment=APPOINTMENT, birth_date=ADULT_BIRTH, area="face", guardian=True)))


def test_the_understanding_check_flags_only_when_still_wrong_after_every_try(form):
    assert "understanding_missed" not in ids(flags_for(form, {}, facts(understood=True)))
    assert "understanding_missed" not in ids(flags_for(form, {}, facts()))  # not asked
    (flag,) = [f for f in flags_for(form, {}, facts(understood=False))
               if f.rule_id == "understanding_missed"]
    assert flag.severity == "review" and not flag.patient_message
    assert list(flag.triggers) == [("@understood", False)]
