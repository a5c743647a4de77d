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
from mesocheck.i18n import N_, translations
from mesocheck.timeutil import moment_text

NO_ANSWER = N_("No answer")
YES, NO = N_("Yes"), N_("No")
NEVER_TEXT = N_("Never")


def recent_label(question: Question, language: str = "en") -> str:
    """The words for "not recently", from the window the question's rules use."""
    t = translations(language)
    if question.recent_hours is not None:
        n = question.recent_hours
        return t.ngettext("Not in the last {n} hour", "Not in the last {n} hours", n).format(n=n)
    if question.recent_days is not None:
        n = question.recent_days
        return t.ngettext("Not in the last {n} day", "Not in the last {n} days", n).format(n=n)
    return t.gettext("Not recently")


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
    _ = translations(language).gettext
    if not is_answered(value):
        return _(NO_ANSWER)
    kind = question.type
    if kind == "boolean" and isinstance(value, bool):
        return _(YES) if value else _(NO)
    if kind == "choice":
        option = question.option(str(value))
        return option.label.get(language) if option is not None else str(value)
    if kind == "multi_choice":
        return "\n".join(choice_labels(question, value if isinstance(value, list) else [value],
                                       language))
    if kind == "last_taken":
        if value == NEVER:
            return _(NEVER_TEXT)
        if value == NOT_RECENT:
            return recent_label(question, language)
        when = moment_text(str(value), zone, language)
        return (_("At {moment}") if question.precision == "datetime"
                else _("On {moment}")).format(moment=when)
    if kind in ("date", "datetime"):
        return moment_text(str(value), zone, language)
    return str(value)


# -- what raised a flag: a question, or a fact of the intake ---------------------------------

FACT_QUESTIONS = {"@age": N_("Age at the appointment"), "@area": N_("Treatment area"),
                  "@understood": N_("Understanding check before signing"),
                  "@guardian": N_("A parent or guardian signed")}


def source_question(form: Form, source: str, language: str) -> str:
    """What a flag's source asks: a question's text, or the fact (``@age``, ``@area``,
    ``@understood``)."""
    if source in FACT_QUESTIONS:
        return translations(language).gettext(FACT_QUESTIONS[source])
    try:
        return form.question(source).text.get(language)
    except KeyError:
        return source


def source_answer(form: Form, source: str, value: Any, language: str, zone: tzinfo) -> str:
    """A flag source's value in words: the answer as the patient saw it, or the fact."""
    t = translations(language)
    if source == "@age":
        if value is None:
            return t.gettext("unknown")
        return t.ngettext("{n} year", "{n} years", value).format(n=value)
    if source == "@area":
        option = form.area(str(value))
        return option.label.get(language) if option is not None else str(value)
    if source == "@guardian":
        return t.gettext(YES) if value else t.gettext(NO)
    if source == "@understood":
        return t.gettext("All right on the last try") if value else \
            t.gettext("Still a wrong answer after every try")
    try:
        question = form.question(source)
    except KeyError:
        return str(value) if is_answered(value) else t.gettext(NO_ANSWER)
    return answer_text(question, value, language, zone)
