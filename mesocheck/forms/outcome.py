"""What an intake's flags, decisions and signatures amount to: the outcome, whether the
practitioner's countersignature covers the review as it stands, and whether a state is one
the review's rules can reach.

Pure functions of an intake record (the store's ``IntakeRecord`` or anything shaped like
it), so the review (``mesocheck.review``, which writes) and the consent document (which
prints) derive the same outcome from the same rules, and a document is never handed one.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any, Iterable

from mesocheck.forms.rules import NEEDS_DECISION
from mesocheck.ids import origin_form

OUTCOMES = ("cleared", "postponed", "declined")


def needs_decision(flag: Any) -> bool:
    return flag.severity in NEEDS_DECISION


def decision_of(flag: Any) -> Any:
    """The flag's current decision (its latest), or None."""
    decisions = getattr(flag, "decisions", ())
    return decisions[-1] if decisions else None


def undecided(flags: Iterable[Any]) -> list[Any]:
    """Flags that still need a decision before the intake can be cleared."""
    return [f for f in flags if needs_decision(f) and decision_of(f) is None]


def outcome(flags: Iterable[Any]) -> str | None:
    """The status the decisions lead to, or None while a decision is missing.

    Any decline: declined. Else any postpone: postponed. Else, when every review and stop
    flag has been decided "proceed" (or there are none): cleared. A postponement or decline
    settles the intake even while other flags are undecided: one "no" is enough.
    """
    current = [decision_of(f) for f in flags if needs_decision(f)]
    chosen = [d.decision for d in current if d is not None]
    if "decline" in chosen:
        return "declined"
    if "postpone" in chosen:
        return "postponed"
    if all(d is not None for d in current):
        return "cleared"
    return None


def _latest(signatures: Iterable[Any], role: str) -> Any:
    chosen = [s for s in signatures if s.role == role]
    return max(chosen, key=lambda s: (s.signed_at, s.id)) if chosen else None


def patient_signature(record: Any) -> Any:
    return _latest(record.signatures, "patient")


def practitioner_signature(record: Any) -> Any:
    return _latest(record.signatures, "practitioner")


def amendments(record: Any) -> list[Any]:
    """Answer rows written by staff after signing, oldest first."""
    return [a for a in record.answer_history if a.reason is not None or a.amends is not None]


def patient_signed_current(record: Any) -> bool:
    """False when an answer was amended after the patient's latest signature."""
    signed = patient_signature(record)
    if signed is None:
        return False
    changed = amendments(record)
    return not changed or max(a.answered_at for a in changed) <= signed.signed_at


def _moment(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(timespec="seconds")
    return None if value is None else str(value)


def review_content_hash(record: Any) -> str:
    """What a countersignature is bound to: the answers, the flags with their current
    decisions and the patient's latest signature, by content (never by row ids, which
    differ from one database to another). Any later decision, amendment or re-signature
    changes it, so a countersignature made before that no longer covers the review."""
    patient = patient_signature(record)
    own = origin_form(record.patient.id)  # a staff id as the intake's tablet has it
    flags = []
    for flag in record.flags:
        d = decision_of(flag)
        flags.append([flag.rule_id, flag.severity, None if d is None else [
            d.decision, d.reason or "", int(own(d.staff_id)), _moment(d.decided_at)]])
    content = {
        "intake": record.id,
        "form": record.form_hash,
        "answers": dict(sorted(record.answers.items())),
        "flags": sorted(flags, key=lambda f: (f[0], json.dumps(f, default=str))),
        "patient_signature": None if patient is None else [patient.content_hash,
                                                           _moment(patient.signed_at)],
    }
    return _digest(content)


def _legacy_review_hash(record: Any) -> str:
    """The countersignature's content as written before it was bound by content: flags and
    the patient's signature by their row ids on the intake's tablet (on the hub too)."""
    patient = patient_signature(record)
    own = origin_form(record.patient.id)
    content = {
        "intake": record.id,
        "form": record.form_hash,
        "answers": dict(sorted(record.answers.items())),
        "flags": [
            [f.rule_id, f.severity, own(decision_of(f).id) if decision_of(f) else None]
            for f in sorted(record.flags, key=lambda f: own(f.id))
        ],
        "patient_signature": own(patient.id) if patient else None,
    }
    return _digest(content)


def _digest(content: dict) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def current_countersignature(record: Any) -> Any:
    """The practitioner's latest signature when it covers the review as it stands, else
    None (none yet, or a decision, amendment or re-signature came after it)."""
    signed = practitioner_signature(record)
    if signed is None:
        return None
    if signed.content_hash in (review_content_hash(record), _legacy_review_hash(record)):
        return signed
    return None


def countersigned(record: Any) -> bool:
    """True when the latest practitioner signature covers the review as it stands now."""
    return current_countersignature(record) is not None


def printed_outcome(record: Any) -> str | None:
    """The outcome a document states: what the decisions lead to, once a current
    countersignature vouches for it; None while the review is open."""
    return outcome(record.flags) if countersigned(record) else None


def unreachable(record: Any) -> str | None:
    """Why the review's rules could not have left ``record`` as it is, in a sentence; None
    for a state they can reach. The status follows the decisions (``review.sync_status``)
    and an amendment sends the intake back to "submitted" with fresh, undecided flags."""
    status = record.status
    result = outcome(record.flags)
    decided = any(decision_of(f) is not None for f in record.flags)
    if status in OUTCOMES and status != result:
        return (f"its status is {status}, but its decisions lead to "
                f"{result or 'no outcome yet (a flag is undecided)'}")
    if status in OUTCOMES and not decided and not countersigned(record):
        return f"its status is {status}, but nothing was decided and no one countersigned"
    if status == "submitted" and result in ("postponed", "declined"):
        return f"its decisions lead to {result}, but its status is still submitted"
    if status == "submitted" and result == "cleared" and decided:
        return "every flag was decided “proceed”, but its status is still submitted"
    if status in ("in_progress",) and (decided or record.signatures):
        return "it is still in progress, yet signed or decided"
    if countersigned(record) and status not in OUTCOMES + ("voided",):
        return f"a current countersignature vouches for it, but its status is {status}"
    return None
