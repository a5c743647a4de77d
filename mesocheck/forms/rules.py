"""Which answers need a practitioner: the form's rules turned into flags.

Pure functions of (form, answers, facts); the store keeps what they return, the UI shows it.
"""

from __future__ import annotations

from typing import Any, Mapping

from msgspec import Struct

from mesocheck.forms.conditions import Facts, effective_answers, matches
from mesocheck.forms.model import SEVERITIES, Form

SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


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
