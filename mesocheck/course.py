"""A course of visits: which form a known patient's visit takes, and what it carries.

A consent signed on the full form covers a course (sessions, until a day; the clinic's
settings when it was signed). While it is valid for the treatment area, each later visit
takes the short check-in (a form with ``continues``), which names that consent; the full
consent is asked again instead when its form's wording changed since it was signed, when the
course's sessions or days are used up, or when a practitioner asked for it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from msgspec import Struct

from mesocheck.forms import Form
from mesocheck.forms.model import Disclosure, Question
from mesocheck.forms.registry import FormNotFound, find_form, shipped_forms
from mesocheck.i18n import _, ngettext
from mesocheck.store.patients import Visit
from mesocheck.timeutil import day_text


class Route(Struct, frozen=True):
    """The form a visit takes, and why.

    A check-in ``continues`` the course's consent, and shows the stable answers of the
    ``last`` visit of the course; a full form within a course carries ``reconsent``: the
    consent it renews (``previous``), the ``reasons``, and the ``changed`` risk cards."""

    form: Form
    continues: str | None = None
    last: str | None = None
    reconsent: dict | None = None
    session: int = 1  # this visit's number in its course
    sessions: int | None = None  # the course's (a check-in's)
    until: date | None = None

    @property
    def kind(self) -> str:
        return "checkin" if self.continues else "full"


def checkin_form_for(full: Form) -> Form | None:
    """The shipped check-in that continues ``full``'s consent (None: the clinic has none)."""
    return next((f for f in shipped_forms() if f.continues == full.id), None)


def route(store: Any, full: Form, patient_id: int | None, area: str, day: date,
          checkin: Form | None = None) -> Route:
    """The form for this patient's visit on ``day`` (the clinic's calendar) to ``area``."""
    if patient_id is None:
        return Route(full)  # a new patient: their first consent
    checkin = checkin if checkin is not None else checkin_form_for(full)
    if checkin is None:
        return Route(full)
    visits = store.patient_visits(patient_id)
    consents = [v for v in visits if v.continues is None and v.form_id == full.id
                and v.course_until is not None and v.area == area and v.status != "declined"]
    if not consents:
        return Route(full)  # a first consent (for this area)
    consent = consents[-1]
    after = [v for v in visits if v.continues == consent.id]
    # A session counts unless the practitioner declined or postponed it.
    used = 1 + sum(v.status not in ("declined", "postponed") for v in after)
    reasons = []
    if consent.form_hash != full.content_hash:
        reasons.append("wording")
    if consent.course_sessions is not None and used >= consent.course_sessions:
        reasons.append("sessions")
    if consent.course_until is not None and day > consent.course_until:
        reasons.append("expired")
    if consent.reconsent_asked:
        reasons.append("requested")
    if reasons:
        changed = changed_cards(store, consent, full) if "wording" in reasons else []
        return Route(full, reconsent={"previous": consent.id, "reasons": reasons,
                                      "changed": changed})
    return Route(checkin, continues=consent.id, last=(after[-1] if after else consent).id,
                 session=used + 1, sessions=consent.course_sessions,
                 until=consent.course_until)


def changed_cards(store: Any, consent: Visit, full: Form) -> list[str]:
    """The cards of ``full`` whose words (in any language) differ from those the consent
    was signed on, or that it did not have; every card when that form can't be read."""
    try:
        before = find_form(consent.form_id, consent.form_hash,
                           store.intake(consent.id).form_content)
    except FormNotFound:
        return [d.id for d in full.disclosures]
    old = {d.id: d for d in before.disclosures}
    return [d.id for d in full.disclosures if not _same_words(old.get(d.id), d)]


def _same_words(old: Disclosure | None, new: Disclosure) -> bool:
    return old is not None and dict(old.title.values) == dict(new.title.values) and \
        dict(old.body.values) == dict(new.body.values)


def carried_answers(store: Any, route: Route) -> dict[str, Any]:
    """The answers of the course's last visit that the check-in shows to confirm or change:
    its ``carried`` questions only, and only values that still fit them."""
    if route.last is None:
        return {}
    before = store.intake(route.last).answers
    return {q.id: before[q.id] for q in route.form.questions
            if q.carried and q.id in before and _fits(q, before[q.id])}


def _fits(question: Question, value: Any) -> bool:
    if question.type == "boolean":
        return isinstance(value, bool)
    if question.type == "choice":
        return isinstance(value, str) and question.option(value) is not None
    if question.type == "multi_choice":
        return isinstance(value, list) and bool(value) and \
            all(isinstance(v, str) and question.option(v) is not None for v in value)
    if question.type == "text":
        return isinstance(value, str) and bool(value.strip()) and \
            len(value) <= (question.max_length or len(value))
    return False


REASON_WORDS = {
    "wording": lambda: _("the consent's wording has changed since they signed it"),
    "sessions": lambda: _("the course's sessions are used up"),
    "expired": lambda: _("the course's time has run out"),
    "requested": lambda: _("a practitioner asked for it"),
}


def reasons_text(reasons: Any) -> str:
    """Why the full consent is asked again, in words for staff (the clinic's language)."""
    return "; ".join(REASON_WORDS[r]() for r in reasons if r in REASON_WORDS)


def route_text(found: Route, language: str) -> str:
    """What this visit takes and why, for staff before the patient begins."""
    if found.kind == "checkin":
        return _("This visit is a short check-in: session {n} of the course (up to {total} "
                 "sessions until {until}).").format(
            n=found.session, total=found.sessions or "?",
            until=day_text(found.until, language) if found.until else "?")
    if found.reconsent:
        changed = len(found.reconsent.get("changed") or ())
        text = _("The full consent is asked again: {why}.").format(
            why=reasons_text(found.reconsent["reasons"]))
        if changed:
            text += " " + ngettext("{n} information card changed; it is marked for the patient.",
                                   "{n} information cards changed; they are marked for the "
                                   "patient.", changed).format(n=changed)
        return text
    return _("This visit takes the full form and consent, which opens a course.")
