"""Which answers need a practitioner: the form's rules turned into flags.

Pure functions of (form, answers, facts); the store keeps what they return, the UI shows it.
"""

from __future__ import annotations

from typing import Any, Mapping

from msgspec import Struct

from mesocheck.forms.conditions import Facts, effective_answers, matches
from mesocheck.forms.model import SEVERITIES, Form
from mesocheck.i18n import _, pgettext

SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
SEVERITY_WORDS = {"stop": "Stop", "review": "Review", "info": "Info"}  # PDF badges, export


def severity_word(severity: str | None) -> str:
    """A flag's severity in a word in the clinic's language, or "No flags" for none."""
    words = {"stop": pgettext("severity", "Stop"), "review": pgettext("severity", "Review"),
             "info": pgettext("severity", "Info")}
    return words.get(severity or "", _("No flags"))


class Flag(Struct, frozen=True):
    rule_id: str
    severity: str
    practitioner_message: str
    patient_message: str
    triggers: tuple[tuple[str, Any], ...]  # (question id or @fact, the value that counted)

    def as_dict(self) -> dict:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "practitioner_message": self.practitioner_message,
            "patient_message": self.patient_message,
            "triggers": [list(t) for t in self.triggers],
        }


def evaluate_rules(
    form: Form, answers: Mapping[str, Any], facts: Facts, language: str | None = None
) -> list[Flag]:
    """Flags raised by the answers, most severe first, then in the form's rule order."""
    language = language or form.languages[0]
    shown = effective_answers(form, answers, facts)
    flags = []
    for rule in form.rules:
        sources = matches(rule.when, form, shown, facts)
        if sources is None:
            continue
        triggers = tuple(
            (source, facts.get(source[1:]) if source.startswith("@") else shown.get(source))
            for source in sources
        )
        flags.append(
            Flag(
                rule_id=rule.id,
                severity=rule.severity,
                practitioner_message=rule.practitioner.get(language),
                patient_message=rule.patient.get(language) if rule.patient else "",
                triggers=triggers,
            )
        )
    flags.sort(key=lambda f: -SEVERITY_RANK[f.severity])
    return flags


def worst_severity(flags: list[Flag]) -> str | None:
    return max((f.severity for f in flags), key=SEVERITY_RANK.__getitem__, default=None)


# -- what a flag's decision needs ------------------------------------------------------------

NEEDS_DECISION = ("review", "stop")
PRACTITIONER = "practitioner"


def decision_refusal(severity: str, decision: str, reason: str, role: str | None) -> str | None:
    """Why this decision cannot be recorded on a flag of this severity by a staff member of
    this role, in a sentence for them; None when it can.

    Saying "no" (postpone, decline) is safe and any staff member may record it, with a
    reason; saying "yes" (proceed) is a clinical judgement and needs a practitioner and a
    note; proceeding over a stop flag is an override, and its note is its written reason.
    Information flags take no decision."""
    if severity not in NEEDS_DECISION:
        return "Information flags need no decision; they are shown for awareness."
    written = bool((reason or "").strip())
    if decision == "proceed":
        if role != PRACTITIONER:
            return "Only a practitioner can decide to proceed. Ask a practitioner to sign in."
        if severity == "stop" and not written:
            return "Overriding a stop flag needs a written reason: say why it is safe to treat."
        if not written:
            return "Write a note saying why it is safe to proceed."
    elif decision == "postpone" and not written:
        return "Write the reason for postponing."
    elif decision == "decline" and not written:
        return "Write the reason for declining the treatment."
    return None
