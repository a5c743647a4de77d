"""Evaluating conditions (``enable_when`` and rule ``when``) against answers and intake facts.

Time windows are measured back from the appointment, not from "now": a patient may fill the
form days ahead. A window is half-open: something taken *exactly* 7 days (or 24 hours) before
the appointment is outside a 7-day (24-hour) window, because that is what "stop 7 days
before" asks of the patient.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Mapping

from msgspec import Struct

from mesocheck.forms.model import (
    NEVER,
    NOT_RECENT,
    Compare,
    Condition,
    Form,
    Group,
    Question,
)
from mesocheck.timeutil import age_on


class Facts(Struct, frozen=True):
    """What is known about the intake apart from the answers."""

    appointment: datetime  # aware; its zone decides what "the appointment's date" is
    birth_date: date | None = None
    area: str | None = None
    # The understanding check's outcome: its last try all right (True), still a wrong
    # answer after every try (False), or not asked (None: no rule about it can match).
    understood: bool | None = None
    # Whether a parent or guardian signed too (a minor's consent); False until they have.
    guardian: bool = False

    @classmethod
    def of(cls, intake: Any, zone: tzinfo) -> "Facts":
        """The facts of a stored intake (``appointment_at``, ``patient.birth_date``,
        ``area``, its understanding check, a guardian's signature), its appointment seen in
        the clinic's ``zone``."""
        tries = getattr(intake, "understanding", ())
        return cls(intake.appointment_at.astimezone(zone), intake.patient.birth_date,
                   intake.area, understood=not tries[-1].wrong if tries else None,
                   guardian=any(s.role == "guardian" for s in intake.signatures))

    def get(self, name: str) -> Any:
        if name == "age":
            if self.birth_date is None:
                return None
            return age_on(self.birth_date, self.appointment.date())
        if name == "area":
            return self.area
        if name == "understood":
            return self.understood
        if name == "guardian":
            return self.guardian
        raise KeyError(name)


def is_answered(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) > 0
    return True


def matches(
    condition: Condition, form: Form, answers: Mapping[str, Any], facts: Facts
) -> tuple[str, ...] | None:
    """None when the condition does not hold; otherwise the sources that made it hold.

    Sources are question ids, or ``@age`` / ``@area`` for facts, so a flag can show the
    answers that raised it.
    """
    if isinstance(condition, Group):
        results = [matches(item, form, answers, facts) for item in condition.items]
        hits = [r for r in results if r is not None]
        if condition.mode == "all" and len(hits) != len(results):
            return None
        if condition.mode == "any" and not hits:
            return None
        return tuple(dict.fromkeys(source for hit in hits for source in hit))
    return (condition.source,) if _compare(condition, form, answers, facts) else None


def holds(condition: Condition | None, form: Form, answers: Mapping[str, Any], facts: Facts) -> bool:
    return condition is None or matches(condition, form, answers, facts) is not None


def _compare(c: Compare, form: Form, answers: Mapping[str, Any], facts: Facts) -> bool:
    if c.fact is not None:
        value = facts.get(c.fact)
        question = None
    else:
        value = answers.get(c.question)
        question = form.question(c.question)

    if c.op == "exists":
        return is_answered(value) == (c.value is not False)
    if not is_answered(value):
        return False
    if c.op == "within":
        assert question is not None
        return _within(question, value, c, facts.appointment)
    if c.op in ("=", "!="):
        expected = _normalise(c.value)
        present = expected in value if isinstance(value, list) else value == expected
        return present if c.op == "=" else not present
    if c.op in ("<", ">"):
        left, right = _comparable(value), _comparable(c.value)
        if left is None or right is None or type(left) is not type(right):
            return False
        return left < right if c.op == "<" else left > right
    raise ValueError(f"unknown operator {c.op!r}")


def _within(question: Question, value: Any, c: Compare, appointment: datetime) -> bool:
    if value == NEVER or value == NOT_RECENT:
        # The loader makes sure "not recently" covers at least every rule's window.
        return False
    window = timedelta(days=c.days) if c.days is not None else timedelta(hours=c.hours or 0)
    taken = _as_moment(value)
    if isinstance(taken, datetime):
        if taken.tzinfo is None:
            taken = taken.replace(tzinfo=appointment.tzinfo)
        # Elapsed time, not wall-clock difference: a clock change must not stretch the window.
        return appointment.astimezone(timezone.utc) - taken.astimezone(timezone.utc) < window
    if isinstance(taken, date):
        return (appointment.date() - taken) < window
    return False


def _as_moment(value: Any) -> date | datetime | None:
    if isinstance(value, (date, datetime)):
        return value
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    except ValueError:
        return None


def _normalise(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _comparable(value: Any) -> Any:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    moment = _as_moment(value)
    if isinstance(moment, datetime):
        return moment
    if isinstance(moment, date):
        return moment
    return None


def effective_answers(form: Form, answers: Mapping[str, Any], facts: Facts) -> dict[str, Any]:
    """The answers that count: those of questions (and steps) currently shown.

    An answer given and then hidden by skip logic must not raise a flag nor reach the PDF;
    an answer cleared (stored as null) is no answer, as in the session that signs it.
    ``enable_when`` only looks back, so one pass in form order settles every chain.
    """
    out: dict[str, Any] = {}
    for step in form.steps:
        if not holds(step.enable_when, form, out, facts):
            continue
        for q in step.questions:
            if is_answered(answers.get(q.id)) and holds(q.enable_when, form, out, facts):
                out[q.id] = answers[q.id]
    return out
