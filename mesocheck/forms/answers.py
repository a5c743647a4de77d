"""An answer in words, as the patient saw it.

The wizard's summary, the review screen and the consent PDF all say an answer with
:func:`answer_text`, and the "last taken" question's button says "not recently" with
:func:`recent_label`, so what the patient tapped, checked and signed is printed in the same
words. What raised a flag (a question or a fact such as the age) is said with
:func:`source_question` and :func:`source_answer` on screen and on paper alike. Times are
shown in the zone the caller passes: the clinic's.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any, Sequence

from mesocheck.forms.conditions import is_answered
from mesocheck.forms.model import NEVER, NOT_RECENT, Form, Question
from mesocheck.timeutil import moment_text

NO_ANSWER = "No answer"
YES, NO = "Yes", "No"
NEVER_TEXT = "Never"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def recent_label(question: Question) -> str:
    """The words for "not recently", from the window the question's rules use."""
    if question.recent_hours is not None:
        return f"Not in the last {_plural(question.recent_hours, 'hour')}"
    if question.recent_days is not None:
        return f"Not in the last {_plural(question.recent_days, 'day')}"
    return "Not recently"


def choice_labels(question: Question, values: Sequence[Any], language: str) -> list[str]:
    """The chosen options' labels in the form's order; a value the form does not know (an
    archived answer) is shown as it is, after them."""
    chosen = set(map(str, values))
    labels = [o.label.get(language) for o in question.options if o.value in chosen]
    known = {o.value for o in question.options}
    return labels + [str(v) for v in values if str(v) not in known]


def answer_text(question: Question, value: Any, language: str, zone: tzinfo) -> str:
    """``value`` as the patient would say it: option labels, Yes or No, dates in words.
    Several chosen options are one per line."""
    if not is_answered(value):
        return NO_ANSWER
    kind = question.type
    if kind == "boolean" and isinstance(value, bool):
        return YES if value else NO
    if kind == "choice":
        option = question.option(str(value))
        return option.label.get(language) if option is not None else str(value)
    if kind == "multi_choice":
        return "\n".join(choice_labels(question, value if isinstance(value, list) else [value],
                                       language))
    if kind == "last_taken":
        if value == NEVER:
            return NEVER_TEXT
        if value == NOT_RECENT:
            return recent_label(question)
        prefix = "At " if question.precision == "datetime" else "On "
        return prefix + moment_text(str(value), zone)
    if kind in ("date", "datetime"):
        return moment_text(str(value), zone)
    return str(value)


# -- what raised a flag: a question, or a fact of the intake ---------------------------------

FACT_QUESTIONS = {"@age": "Age at the appointment", "@area": "Treatment area"}


def source_question(form: Form, source: str, language: str) -> str:
    """What a flag's source asks: a question's text, or the fact (``@age``, ``@area``)."""
    if source in FACT_QUESTIONS:
        return FACT_QUESTIONS[source]
    try:
        return form.question(source).text.get(language)
    except KeyError:
        return source


def source_answer(form: Form, source: str, value: Any, language: str, zone: tzinfo) -> str:
    """A flag source's value in words: the answer as the patient saw it, or the fact."""
    if source == "@age":
        return f"{value} years" if value is not None else "unknown"
    if source == "@area":
        option = form.area(str(value))
        return option.label.get(language) if option is not None else str(value)
    try:
        question = form.question(source)
    except KeyError:
        return str(value) if is_answered(value) else NO_ANSWER
    return answer_text(question, value, language, zone)
