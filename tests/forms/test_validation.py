from datetime import date, datetime, timezone

import pytest

from mesocheck.forms import check_answer, check_birth_date, check_name
from mesocheck.forms.validation import clean_text

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)


def check(form, qid, raw):
    return check_answer(form.question(qid), raw, now=NOW, language="en")


def test_boolean_needs_a_real_yes_or_no(small_form):
    assert check(small_form, "smoker", True).value is True
    assert check(small_form, "smoker", "yes").error == "Please choose Yes or No."
    assert check(small_form, "smoker", None).value is None and check(small_form, "smoker", None).ok


def test_choice_must_come_from_the_list(small_form):
    assert check(small_form, "per_day", "few").value == "few"
    assert check(small_form, "per_day", "dozens").error == "Please choose one of the answers shown."


def test_multi_choice_is_ordered_like_the_form_and_respects_exclusive(small_form):
    assert check(small_form, "kinds", ["b", "a", "a"]).value == ["a", "b"]
    assert check(small_form, "kinds", ["a", "none"]).error == (
        "“None of these” cannot be chosen together with other answers."
    )
    assert check(small_form, "kinds", ["zzz"]).error == "Please choose only from the answers shown."
    assert check(small_form, "kinds", 42).error


def test_text_is_cleaned_and_limited(small_form):
    assert check(small_form, "notes", "  caf\u0065\u0301\x00\x07 ok \r\n ").value == "café ok"
    too_long = check(small_form, "notes", "x" * 21)
    assert too_long.error == (
        "This answer is too long: please keep it under 20 characters (it has 21)."
    )
    assert check(small_form, "notes", "   ").value is None
    assert check(small_form, "notes", 12).error == "Please type your answer as text."


@pytest.mark.parametrize(
    "text",
    ["مرحبا بالعالم", "שלום", "😀👍🏽", "\u202egnirts desrever", "Zoë Ωμέγα Жанна", "e\u0301"],
)
def test_unusual_but_real_text_is_kept(small_form, text):
    assert check(small_form, "notes", text).value == clean_text(text)
    assert clean_text(text).strip()


def test_lone_surrogates_do_not_reach_the_store():
    assert clean_text("a\ud800b") == "a\ufffdb"


def test_last_taken_accepts_never_not_recent_or_a_past_time(small_form):
    assert check(small_form, "last_coffee", "never").value == "never"
    assert check(small_form, "last_coffee", "not_recent").value == "not_recent"
    assert check(small_form, "last_coffee", "2026-11-21T07:15:00+01:00").value == (
        "2026-11-21T06:15+00:00"
    )
    assert check(small_form, "last_coffee", "2026-11-22T07:15:00+00:00").error == (
        "This cannot be in the future. Please check the date."
    )
    assert check(small_form, "last_coffee", "yesterday").error.startswith("Please choose “Never”")
    # A time without a zone is ambiguous: the UI always attaches the clinic's zone.
    assert check(small_form, "last_coffee", "2026-11-21T07:15").error


@pytest.mark.parametrize("raw", ["2026-02-30", "2026-13-01", "31/12/1980", "", "0000-01-01"])
def test_impossible_birth_dates_are_refused(raw):
    result = check_birth_date(raw, today=date(2026, 11, 21))
    assert not result.ok
    assert result.error


def test_birth_date_limits():
    today = date(2026, 11, 21)
    assert check_birth_date("2026-11-22", today=today).error == (
        "The date of birth cannot be in the future."
    )
    assert "more than 130 years" in check_birth_date("1890-01-01", today=today).error
    assert check_birth_date("1980-02-29", today=today).value == date(1980, 2, 29)


def test_names_are_tidied_and_limited():
    assert check_name("  Ana \t María\x00  López ").value == "Ana María López"
    assert check_name("   ").error == "Please enter the patient's full name."
    assert "too long" in check_name("a" * 201).error
