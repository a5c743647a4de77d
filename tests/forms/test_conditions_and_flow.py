from datetime import date, datetime, timedelta, timezone

from mesocheck.forms import Facts, Flow, evaluate_rules
from mesocheck.forms.conditions import effective_answers

APPOINTMENT = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc)
ADULT = Facts(appointment=APPOINTMENT, birth_date=date(1990, 5, 1), area="face")


def ids(flags):
    return [f.rule_id for f in flags]


def test_skip_logic_hides_and_shows_questions(small_form):
    flow = Flow(small_form, ADULT)
    step = small_form.steps[0]
    assert [q.id for q in flow.shown_questions(step, {})] == ["smoker"]
    assert [q.id for q in flow.shown_questions(step, {"smoker": True})] == ["smoker", "per_day"]
    assert flow.missing(step, {"smoker": True}) == {"per_day": "Please answer this question."}
    assert flow.missing(step, {"smoker": False}) == {}


def test_steps_appear_only_when_enabled(small_form):
    flow = Flow(small_form, ADULT)
    tokens = lambda answers: [p.token for p in flow.pages(answers)]  # noqa: E731
    assert tokens({"smoker": True, "per_day": "few"}) == [
        "step:one", "disclosure:pain", "summary:summary", "consent:consent"]
    assert tokens({"smoker": True, "per_day": "many"})[:2] == ["step:one", "step:two"]


def test_area_decides_which_disclosures_are_shown(small_form):
    scalp = Flow(small_form, Facts(appointment=APPOINTMENT, area="scalp"))
    assert [d.id for d in scalp.shown_disclosures({})] == ["pain", "hair"]


def test_hidden_answers_raise_no_flags(small_form):
    answers = {"smoker": False, "per_day": "many", "kinds": ["a"]}
    assert effective_answers(small_form, answers, ADULT) == {"smoker": False}
    assert evaluate_rules(small_form, answers, ADULT) == []
    assert set(Flow(small_form, ADULT).hidden_answered(answers)) == {"per_day", "kinds"}


def test_flags_carry_triggers_and_come_most_severe_first(small_form):
    answers = {"smoker": True, "per_day": "many", "kinds": ["a", "b"],
               "last_coffee": (APPOINTMENT - timedelta(hours=2)).isoformat()}
    young = Facts(appointment=APPOINTMENT, birth_date=date(2010, 1, 1), area="face")
    flags = evaluate_rules(small_form, answers, young)
    assert ids(flags) == ["minor", "heavy_smoker", "coffee"]
    coffee = flags[2]
    assert [t[0] for t in coffee.triggers] == ["last_coffee", "kinds"]
    assert coffee.patient_message == "Tell us."
    assert flags[0].triggers == (("@age", 16),)


def test_within_window_is_half_open(small_form):
    base = {"smoker": True, "per_day": "many"}
    at = lambda delta: {**base, "last_coffee": (APPOINTMENT - delta).isoformat()}  # noqa: E731
    assert "coffee" not in ids(evaluate_rules(small_form, at(timedelta(hours=24)), ADULT))
    assert "coffee" in ids(evaluate_rules(small_form, at(timedelta(hours=23, minutes=59)), ADULT))
    assert "coffee" not in ids(evaluate_rules(small_form, {**base, "last_coffee": "never"}, ADULT))
    assert "coffee" not in ids(
        evaluate_rules(small_form, {**base, "last_coffee": "not_recent"}, ADULT))


def test_resume_goes_to_the_first_unfinished_page(small_form):
    flow = Flow(small_form, ADULT)
    answers = {"smoker": True, "per_day": "few"}
    assert flow.resume_index({}, set()) == 0
    assert flow.resume_index(answers, set()) == 1            # the disclosure
    assert flow.resume_index(answers, {"pain"}) == 2          # the summary
    assert flow.resume_index(answers, {"pain"}, stored="step:one") == 0
