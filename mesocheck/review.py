"""The practitioner's review: which flags need a decision, what the decisions mean for the
intake, who may record them, the countersigned consent, amendments, and the print batch.

These are clinical rules, so they live here and not in a widget: the review screens only ask
this module what is allowed and show its answers. Saying "no" (postpone, decline) is safe and
any signed-in staff member may record it; saying "yes" (proceed) is a clinical judgement and
needs a practitioner; proceeding over a stop flag is an override and also needs a written
reason. Nothing is ever overwritten: a changed decision is a new row that supersedes the last.
Each action that writes (decide, countersign, amend, re-sign) is one store transaction.

The review's rules are one module (about 490 lines) because they are read together: what a
decision leads to is what a countersignature covers, and an amendment undoes both.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Mapping, Sequence

from msgspec import Struct

from mesocheck.errors import MesocheckError
from mesocheck.forms.answers import source_answer, source_question
from mesocheck.forms.conditions import Facts
from mesocheck.forms.flow import signed_content_hash
from mesocheck.forms.model import Form
from mesocheck.forms.outcome import (  # noqa: F401 (the review's rules, shared with the PDF)
    amendments,
    countersigned,
    decision_of,
    needs_decision,
    outcome,
    patient_signature,
    patient_signed_current,
    practitioner_signature,
    review_content_hash,
    undecided,
)
from mesocheck.forms.registry import form_of
from mesocheck.forms.rules import (  # noqa: F401 (the severity words, for the screens)
    PRACTITIONER, SEVERITY_WORDS, decision_refusal, evaluate_rules, severity_word,
)
from mesocheck.forms.validation import check_answer, check_name, clean_text
from mesocheck.forms.isolation import isolate
from mesocheck.i18n import N_, _, clinic_language, native_name, ngettext
from mesocheck.signature import GuardianRefused, from_stored, guardian_values, trivial_reason
from mesocheck.store.audit import staff_actor
from mesocheck.store.records import CONSENT_KINDS, DECISIONS, PATIENT_COPY, REVIEWED_CONSENT
from mesocheck.timeutil import to_iso, zone_name

REVIEWABLE = ("submitted", "cleared", "postponed", "declined")

# What the practitioner's signature means, by the outcome it confirms.
MEANINGS = {
    "cleared": "Reviewed and approved for treatment",
    "postponed": "Reviewed: treatment postponed",
    "declined": "Reviewed: treatment declined",
}
DECISION_WORDS = {"proceed": N_("Proceed"), "postpone": N_("Postpone"),
                  "decline": N_("Decline")}
STATUS_WORDS = {  # translated where shown
    "in_progress": N_("In progress"),
    "submitted": N_("Awaiting review"),
    "cleared": N_("Cleared"),
    "postponed": N_("Postponed"),
    "declined": N_("Declined"),
    "voided": N_("Voided"),
    "awaiting_resign": N_("Awaiting patient re-signature"),
}


def decision_word(decision: str) -> str:
    """A decision in the clinic's language."""
    return _(DECISION_WORDS[decision]) if decision in DECISION_WORDS else decision


def status_word(status: str) -> str:
    """The status in the clinic's language."""
    return _(STATUS_WORDS[status]) if status in STATUS_WORDS else status


class ReviewRefused(MesocheckError):
    """A rule of the review forbids the action; the message says which and what to do."""


def is_practitioner(staff: Any) -> bool:
    return getattr(staff, "role", None) == PRACTITIONER


# -- flags and the outcome they lead to ----------------------------------------------------


def status_after_decisions(record: Any) -> str:
    """The intake status that follows from its flags' decisions (submitted while undecided)."""
    return outcome(record.flags) or "submitted"


def check_decision(
    flag: Any, decision: str, reason: str, staff: Any, new_date: date | datetime | None = None
) -> str:
    """The reason, cleaned, when this staff member may record this decision; else refuse."""
    if decision not in DECISIONS:
        raise ReviewRefused(_("“{decision}” is not a decision; choose proceed, postpone or "
                              "decline.").format(decision=decision))
    reason = clean_text(reason or "")
    refusal = decision_refusal(flag.severity, decision, reason, getattr(staff, "role", None))
    if refusal is not None:
        raise ReviewRefused(refusal)
    if decision == "postpone" and new_date is not None:
        day = new_date.date() if isinstance(new_date, datetime) else new_date
        if day < date.today():
            raise ReviewRefused(_("The new date is in the past; choose a later date."))
    return reason


def decide(
    store: Any, intake_id: str, flag_id: int, decision: str, reason: str, staff: Any,
    new_date: date | datetime | None = None,
) -> str:
    """Record one decision and move the intake's status along, in one transaction; returns
    the new status."""
    with store.atomic():
        record = store.intake(intake_id)
        flag = _flag(record, flag_id)
        _check_reviewable(record)
        reason = check_decision(flag, decision, reason, staff, new_date)
        store.decide(flag_id, decision, reason, staff.id, new_date=new_date)
        return sync_status(store, intake_id, staff)


def sync_status(store: Any, intake_id: str, staff: Any) -> str:
    """Set the status that the current decisions lead to, if it differs."""
    record = store.intake(intake_id)
    if record.status not in REVIEWABLE:
        return record.status
    wanted = status_after_decisions(record)
    if wanted != record.status:
        store.set_status(intake_id, wanted, staff_actor(staff.id))
    return wanted


def _flag(record: Any, flag_id: int) -> Any:
    for flag in record.flags:
        if flag.id == flag_id:
            return flag
    raise ReviewRefused(
        _("This flag was replaced after an amendment; reopen the intake to see the current flags.")
    )


def _check_reviewable(record: Any) -> None:
    if record.status not in REVIEWABLE:
        word = status_word(record.status).lower()
        raise ReviewRefused(_("This intake is {word}, so it cannot be reviewed now.").format(
            word=word))
    if not patient_signed_current(record):
        raise ReviewRefused(
            _("The answers were amended after the patient signed: the patient must sign again "
              "before the review can go on.")
        )


# -- signatures: the patient's (again, after an amendment) and the practitioner's ----------


class ReviewState(Struct, frozen=True):
    """Everything the review screen needs to know about what may happen next."""

    status: str  # the stored status, or "awaiting_resign"
    pending: tuple[Any, ...]  # review/stop flags still without a decision
    outcome: str | None  # what the decisions lead to, None while some are missing
    countersigned: bool
    can_countersign: bool
    countersign_blocker: str | None  # why not, in a sentence for the practitioner
    meaning: str | None  # what the countersignature would say

    @property
    def status_word(self) -> str:
        return status_word(self.status)


def review_state(record: Any) -> ReviewState:
    resign = record.status in REVIEWABLE and not patient_signed_current(record)
    status = "awaiting_resign" if resign else record.status
    pending = tuple(undecided(record.flags))
    result = outcome(record.flags)
    is_countersigned = countersigned(record)
    blocker = None
    if record.status not in REVIEWABLE:
        blocker = _("This intake is {word}.").format(word=status_word(record.status).lower())
    elif resign:
        blocker = _("The patient must sign again after the amendment.")
    elif result is None:
        n = len(pending)
        blocker = ngettext("{n} flag still needs a decision.",
                           "{n} flags still need a decision.", n).format(n=n)
    elif is_countersigned:
        blocker = _("Already countersigned; a changed decision needs a new countersignature.")
    return ReviewState(
        status=status, pending=pending, outcome=result, countersigned=is_countersigned,
        can_countersign=blocker is None, countersign_blocker=blocker,
        meaning=MEANINGS.get(result) if result else None,
    )


def practitioner_signature_dict(
    record: Any, staff: Any, *, strokes: Sequence, pad_width: float, pad_height: float,
    printed_name: str | None = None, tz: str, signed_at: datetime | None = None,
) -> dict:
    """The store's signature mapping for a countersignature of the review as it stands."""
    state = review_state(record)
    if not is_practitioner(staff):
        raise ReviewRefused(_("Only a practitioner can countersign. Ask a practitioner to sign "
                              "in."))
    if not state.can_countersign:
        raise ReviewRefused(state.countersign_blocker or _("The review cannot be signed now."))
    _check_drawn(strokes)
    name = " ".join((printed_name or staff.name or "").split())
    if not name:
        raise ReviewRefused(_("Type your name as it should be printed under the signature."))
    signature = {
        "role": "practitioner",
        "printed_name": name,
        "meaning": state.meaning,
        "strokes": [list(map(list, stroke)) for stroke in strokes],
        "pad_width": pad_width,
        "pad_height": pad_height,
        "tz": tz,
        "content_hash": review_content_hash(record),
        "staff_id": int(staff.id),
    }
    if signed_at is not None:
        signature["signed_at"] = to_iso(signed_at)
    return signature


def _check_drawn(strokes: Sequence) -> None:
    """Refuse an empty pad or a scribble too slight to be a signature."""
    if not strokes:
        raise ReviewRefused(_("Please sign in the box before saving."))
    trivial = trivial_reason(from_stored(strokes))
    if trivial is not None:
        raise ReviewRefused(trivial)


def countersign(store: Any, intake_id: str, staff: Any, **signature: Any) -> int:
    """Store the practitioner's countersignature and the status it confirms (an intake with
    no flag to decide becomes cleared here), in one transaction; returns its id. The
    reviewed PDF is built afterwards (:func:`build_reviewed_consent`), off the UI thread."""
    with store.atomic():
        record = store.intake(intake_id)
        values = practitioner_signature_dict(record, staff, **signature)
        signature_id = store.add_signature(intake_id, values, actor=staff_actor(staff.id))
        sync_status(store, intake_id, staff)
        return signature_id


def latest_consent(record: Any) -> Any:
    """The newest consent document (reviewed or patient-signed), or None."""
    docs = [d for d in record.documents if d.kind in CONSENT_KINDS]
    return max(docs, key=lambda d: (d.created_at, d.id)) if docs else None


def build_reviewed_consent(store: Any, intake_id: str) -> int:
    """Rebuild the consent PDF with the review section and keep it as a ``reviewed_consent``
    that supersedes the newest consent document; the earlier one stays stored. Safe in a
    worker thread with its own Store."""
    from mesocheck.documents.consent import store_consent_pdf

    record = store.intake(intake_id)
    if not countersigned(record):
        raise ReviewRefused(
            _("The review is not countersigned as it stands now; countersign before printing.")
        )
    return store_consent_pdf(store, intake_id)


def printable_document(record: Any) -> Any:
    """The document to print for this intake: the newest consent document, unless it is a
    reviewed one whose countersignature no longer covers the review (a later decision or
    amendment): then none, until the review is signed again or the patient has re-signed."""
    document = latest_consent(record)
    if document is not None and document.kind == REVIEWED_CONSENT and not countersigned(record):
        return None
    return document


def patient_copy(record: Any) -> Any:
    """The newest copy made for the patient, or None (an intake from before copies)."""
    docs = [d for d in record.documents if d.kind == PATIENT_COPY]
    return max(docs, key=lambda d: (d.created_at, d.id)) if docs else None


# -- amendments ------------------------------------------------------------------------------


def amend(
    store: Any, intake_id: str, question_id: str, raw_value: Any, reason: str, staff: Any,
    *, zone: tzinfo, now: datetime | None = None,
) -> list[Any]:
    """Record a corrected answer told at review, recompute the flags (``zone``: the
    clinic's, for the appointment's date) and send the intake back for the patient's
    re-signature, in one transaction. Returns the new flags (forms.Flag)."""
    with store.atomic():
        return _amend(store, intake_id, question_id, raw_value, reason, staff, zone, now)


def _amend(store: Any, intake_id: str, question_id: str, raw_value: Any, reason: str,
           staff: Any, zone: tzinfo, now: datetime | None) -> list[Any]:
    record = store.intake(intake_id)
    if not is_practitioner(staff):
        raise ReviewRefused(_("Only a practitioner can record an amendment."))
    if record.status not in REVIEWABLE:
        word = status_word(record.status).lower()
        raise ReviewRefused(_("This intake is {word}; it cannot be amended.").format(word=word))
    reason = clean_text(reason or "")
    if not reason:
        raise ReviewRefused(_("Write why the answer is being corrected."))
    form = form_of(record)
    question = form.question(question_id)
    moment = now or store.clock()
    checked = check_answer(question, raw_value, now=moment, language=record.language)
    if not checked.ok:
        raise ReviewRefused(checked.error or "This answer cannot be kept.")
    if checked.value == record.answers.get(question_id):
        raise ReviewRefused(_("The new answer is the same as the current one."))
    store.amend_answer(intake_id, question_id, checked.value, reason, staff.id)
    amended = store.intake(intake_id)
    flags = evaluate_rules(form, amended.answers, Facts.of(amended, zone), amended.language)
    told = {f.rule_id for f in record.flags if f.patient_told}  # seen before signing
    store.replace_flags(intake_id, [{**f.as_dict(), "patient_told": f.rule_id in told}
                                    for f in flags], staff_actor(staff.id))
    if amended.status != "submitted":
        store.set_status(intake_id, "submitted", staff_actor(staff.id))
    return flags


def changes_since_patient_signed(record: Any) -> list[tuple[Any, Any]]:
    """(old value, amendment row) for each answer amended after the patient's last signature."""
    signed = patient_signature(record)
    since = signed.signed_at if signed is not None else None
    by_id = {a.id: a for a in record.answer_history}
    out = []
    for row in amendments(record):
        if since is not None and row.answered_at <= since:
            continue
        before = by_id.get(row.amends) if row.amends is not None else None
        out.append((before.value if before is not None else None, row))
    return out


def patient_content_hash(record: Any, form: Form, printed_name: str, zone: tzinfo,
                         guardian: Mapping[str, str] | None = None) -> str:
    """What the patient's signature over ``record`` as it stands vouches for, as the wizard
    computes it at signing (:func:`~mesocheck.forms.flow.signed_content_hash`); a minor's
    ``guardian`` (name, relationship) is the record's latest unless given."""
    acknowledged = {a.disclosure_id: a.text_hash for a in record.acknowledgements}
    if guardian is None and (signed := guardian_signature(record)) is not None:
        guardian = {"name": signed.printed_name, "relationship": signed.relationship or ""}
    return signed_content_hash(form, record.id, record.language, dict(record.answers),
                               Facts.of(record, zone), acknowledged, printed_name, guardian)


def relationship_words(form: Form, value: str | None) -> str:
    """A guardian's relationship to the patient in the clinic's language (as stored when
    the form does not have it)."""
    option = form.guardian.relationship(value) if form.guardian is not None else None
    return option.label.get(staff_language(form)) if option is not None else str(value or "")


def guardian_signature(record: Any) -> Any:
    """A minor's parent or guardian's signature, the latest; None for an adult."""
    return next((s for s in reversed(record.signatures) if s.role == "guardian"), None)


def resign(
    store: Any, intake_id: str, *, strokes: Sequence, pad_width: float, pad_height: float,
    printed_name: str, meaning: str, zone: tzinfo, guardian: Mapping[str, Any] | None = None,
) -> int:
    """The patient's new signature over the amended answers; returns its id. A minor whose
    parent or guardian consented signs again with them: ``guardian`` (printed_name,
    relationship, strokes, pad_width, pad_height), both over the same content. The patient's
    consent PDF is rebuilt afterwards (:func:`build_patient_consent`), off the UI thread."""
    with store.atomic():
        record = store.intake(intake_id)
        if patient_signed_current(record):
            raise ReviewRefused(_("Nothing was amended since the patient signed."))
        name = check_name(printed_name, record.language)
        if not name.ok:
            raise ReviewRefused(name.error or "Please type your full name.")
        _check_drawn(strokes)
        form = form_of(record)
        again = None
        if guardian_signature(record) is not None:  # they consented: they sign again too
            again = _guardian_again(record, form, guardian, zone)
        named = {"name": again["printed_name"], "relationship": again["relationship"]} \
            if again else None
        content_hash = patient_content_hash(record, form, name.value, zone, named)
        signature = {
            "role": "patient", "printed_name": name.value, "meaning": meaning,
            "strokes": [list(s) for s in strokes], "pad_width": pad_width,
            "pad_height": pad_height, "tz": zone_name(zone), "content_hash": content_hash,
        }
        signature_id = store.add_signature(intake_id, signature, actor="patient")
        if again is not None:
            store.add_signature(intake_id, {**again, "content_hash": content_hash},
                                actor="patient")
        return signature_id


def _guardian_again(record: Any, form: Form, guardian: Mapping[str, Any] | None,
                    zone: tzinfo) -> dict[str, Any]:
    """A minor's parent or guardian signing the corrected answers, checked."""
    try:
        values = guardian_values(form.guardian, guardian, record.language)
    except GuardianRefused as refused:
        raise ReviewRefused(refused.message) from None
    return {**values, "tz": zone_name(zone)}


def build_patient_consent(store: Any, intake_id: str) -> int:
    """The consent documents again, after a re-signature: the clinic's copy (no
    countersignature covers the amended answers yet, so its review is open again) and the
    patient's copy, superseding the newest ones; the earlier ones stay stored."""
    from mesocheck.documents.consent import store_consent_pdf

    return store_consent_pdf(store, intake_id)


# -- the day's print batch -------------------------------------------------------------------


class BatchItem(Struct, frozen=True):
    intake_id: str
    patient_name: str
    document_id: int | None
    problem: str | None  # why it is left out, or None


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The clinic's midnight to its next midnight, as aware datetimes."""
    start = datetime.combine(day, time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return start, end


def print_batch(store: Any, day: date, zone: tzinfo, *, page: int = 500) -> list[BatchItem]:
    """Every intake cleared for treatment on ``day``, with the document to print.

    An intake whose countersignature is missing or out of date is listed with its problem,
    so the batch tells the practitioner what it left out rather than printing a stale copy.
    """
    start, end = day_bounds(day, zone)
    items = []
    offset = 0
    while True:
        rows = store.queue(date_from=start, date_to=end, statuses=("cleared",),
                           limit=page, offset=offset)
        for row in rows:
            record = store.intake(row.intake_id)
            doc = latest_consent(record)
            problem = None
            if not countersigned(record):
                problem = _("not countersigned since the last decision")
            elif doc is None or doc.kind != REVIEWED_CONSENT:
                problem = _("the reviewed consent PDF has not been built yet")
            items.append(BatchItem(row.intake_id, row.patient_name,
                                   doc.id if doc is not None else None, problem))
        if len(rows) < page:
            return items
        offset += page


def describe_value(form: Form, question_id: str, value: Any, language: str,
                   zone: tzinfo) -> str:
    """An answer or a fact (``@age``, ``@area``) on one line, in the patient's words."""
    return "; ".join(source_answer(form, question_id, value, language, zone).splitlines())


def staff_language(form: Form) -> str:
    """The language staff read the form in: the clinic's, when the form has it."""
    language = clinic_language()
    return language if language in form.languages else form.languages[0]


def question_in_both(form: Form, source: str, language: str) -> str:
    """A question (or fact) in the clinic's language and, when the patient read another,
    the words they were asked in, so the practitioner reads both."""
    ours = source_question(form, source, staff_language(form))
    if staff_language(form) == language:
        return ours
    theirs = source_question(form, source, language)
    return ours + "\n" + _("Asked in {language}: {text}").format(
        language=native_name(language), text=isolate(theirs))


def answer_in_both(form: Form, question_id: str, value: Any, language: str,
                   zone: tzinfo) -> str:
    """An answer in the clinic's language, and as the patient saw it where that differs
    (the words they typed are theirs in both)."""
    ours = describe_value(form, question_id, value, staff_language(form), zone)
    theirs = describe_value(form, question_id, value, language, zone)
    if ours == theirs:
        return isolate(ours)
    return isolate(ours) + "\n" + _("The patient saw: {text}").format(text=isolate(theirs))


def understanding_rows(form: Form, record: Any) -> list[tuple[str, str]]:
    """The understanding check as the practitioner reads it: each question (in the clinic's
    language, and the patient's where it differs) with every try's answer, right or wrong."""
    ours = staff_language(form)
    rows = []
    for question in form.understanding:
        text = question.text.get(ours)
        if record.language != ours:
            text += "\n" + _("Asked in {language}: {text}").format(
                language=native_name(record.language),
                text=isolate(question.text.get(record.language)))
        tries = []
        for n, attempt in enumerate(record.understanding, start=1):
            chosen = question.option(attempt.answers.get(question.id))
            answer = isolate(chosen.label.get(ours)) if chosen else _("no answer")
            line = (_("Try {n}: “{answer}” — wrong") if question.id in attempt.wrong
                    else _("Try {n}: “{answer}” — right"))
            tries.append(line.format(n=n, answer=answer))
        rows.append((text, "\n".join(tries)))
    return rows


def practitioner_words(flag: Any, record: Any) -> str:
    """What a flag asks of the practitioner, in the clinic's language (a flag is stored in
    the words of the patient's language, as signed); as stored when its form is not found."""
    try:
        form = form_of(record)
        return form.rule(flag.rule_id).practitioner.get(staff_language(form))
    except (MesocheckError, StopIteration, KeyError):
        return flag.practitioner_message
