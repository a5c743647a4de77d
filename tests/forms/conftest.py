import textwrap

import pytest

from mesocheck.forms import parse_form

SMALL_FORM = textwrap.dedent(
    """
    id = "small"
    version = "1"
    languages = ["en"]
    title = { en = "Small form" }
    signature_meaning = { en = "Consent to treatment" }
    areas = [
      { value = "face", label = { en = "Face" } },
      { value = "scalp", label = { en = "Scalp" } },
    ]

    [[steps]]
    id = "one"
    title = { en = "First" }

      [[steps.questions]]
      id = "smoker"
      type = "boolean"
      required = true
      text = { en = "Do you smoke?" }

      [[steps.questions]]
      id = "per_day"
      type = "choice"
      required = true
      text = { en = "How many a day?" }
      enable_when = { question = "smoker", op = "=", value = true }
      options = [
        { value = "few", label = { en = "A few" } },
        { value = "many", label = { en = "Many" } },
      ]

    [[steps]]
    id = "two"
    title = { en = "Second" }
    enable_when = { question = "per_day", op = "=", value = "many" }

      [[steps.questions]]
      id = "last_coffee"
      type = "last_taken"
      precision = "datetime"
      recent_hours = 24
      past_only = true
      text = { en = "Last coffee?" }

      [[steps.questions]]
      id = "kinds"
      type = "multi_choice"
      text = { en = "Which?" }
      options = [
        { value = "a", label = { en = "A" } },
        { value = "b", label = { en = "B" } },
        { value = "none", label = { en = "None of these" }, exclusive = true },
      ]

      [[steps.questions]]
      id = "notes"
      type = "text"
      max_length = 20
      text = { en = "Notes" }

    [[disclosures]]
    id = "pain"
    kind = "risk"
    title = { en = "Pain" }
    body = { en = "It may hurt." }

    [[disclosures]]
    id = "hair"
    kind = "evidence"
    title = { en = "Hair" }
    body = { en = "Not approved for hair loss." }
    enable_when = { fact = "area", op = "=", value = "scalp" }

    [[rules]]
    id = "heavy_smoker"
    severity = "review"
    when = { question = "per_day", op = "=", value = "many" }
    practitioner = { en = "Heavy smoker." }

    [[rules]]
    id = "coffee"
    severity = "info"
    when = { any = [
      { question = "last_coffee", op = "within", hours = 24 },
      { question = "kinds", op = "=", value = "a" },
    ] }
    practitioner = { en = "Coffee or A." }
    patient = { en = "Tell us." }

    [[rules]]
    id = "minor"
    severity = "stop"
    when = { fact = "age", op = "<", value = 18 }
    practitioner = { en = "Under 18." }

    [consent]
    title = { en = "Consent" }
    items = [{ en = "I agree." }]

    [aftercare]
    title = { en = "Aftercare" }
    items = [{ en = "Rest." }]
    """
)


@pytest.fixture
def small_text():
    return SMALL_FORM


@pytest.fixture
def small_form():
    return parse_form(SMALL_FORM, "small.toml")
