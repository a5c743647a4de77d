"""One patient's intake while it is being filled in: the wizard's model, with no Qt.

The session keeps the answers as they stand, checks each one as it is given
(:func:`~mesocheck.forms.check_answer`), clears answers that skip logic has hidden, and hands
every change to a *sink*: any object with the store's write methods (``save_answers``,
``acknowledge``, ``withdraw_acknowledgement``, ``set_current_step``, ``submit``). In tests
and scripts the sink is the :class:`~mesocheck.store.store.Store` itself; in the tablet app it
is a front door to the one background writer, so no write ever blocks the window.

Which pages exist, what is complete and where to resume are decided by
:class:`~mesocheck.forms.Flow`; the session only applies them to this intake's answers.
(About 460 lines: one object whose parts, opening, the route, answers and signing, share
its state.)
"""

from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo
from typing import Any, Callable, Mapping, Protocol

from msgspec import Struct, field, structs

from mesocheck.course import Route, carried_answers
from mesocheck.errors import MesocheckError
from mesocheck.forms import (
    Checked,
    Facts,
    Flag,
    Flow,
    Form,
    Page,
    check_answer,
    check_birth_date,
    check_name,
    disclosure_text_hash,
    effective_answers,
    evaluate_rules,
)
from mesocheck.forms.conditions import is_answered
from mesocheck.forms.flow import signed_content_hash
from mesocheck.forms.messages import message
from mesocheck.forms.model import UNDERSTANDING_TRIES, Question, Step
from mesocheck.forms.registry import FormNotFound, canonical_content, form_of
from mesocheck.i18n import _, translations
from mesocheck.signature import GuardianRefused, from_stored, guardian_values, trivial_reason
from mesocheck.store.records import SIGNING_METHODS
from mesocheck.timeutil import clinic_zone, to_iso, utc_now, zone_name

Clock = Callable[[], datetime]


class Sink(Protocol):
    """Where the session's changes go: the Store, or something that forwards to one."""

    def save_answers(self, intake_id: str, answers: Mapping[str, Any]) -> Any: ...
    def acknowledge(self, intake_id: str, disclosure_id: str, text_hash: str,
                    read_at: datetime | None = None) -> Any: ...
    def withdraw_acknowledgement(self, intake_id: str, disclosure_id: str) -> Any: ...
    def set_current_step(self, intake_id: str, step: str | None) -> Any: ...
    def add_understanding_try(self, intake_id: str, answers: dict[str, str],
                              wrong: list[str]) -> Any: ...
    def submit(self, intake_id: str, *, signature: Mapping[str, Any], flags: list,
               guardian: Mapping[str, Any] | None = None) -> Any: ...


class SessionError(MesocheckError):
    """Something the person at the tablet can fix, said in words for them."""


class FormChanged(SessionError):
    pass


class SigningRefused(SessionError):
    """The signature cannot be accepted yet; ``field`` says which part to fix."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field  # "name" | "signature" | "witness" | "pages"


# -- the patient's details at the start ---------------------------------------------------


class PatientDetails(Struct, frozen=True):
    name: str
    birth_date: date
    area: str
    appointment_at: datetime  # aware
    contact: str | None = None
    patient_id: int | None = None  # a known patient (see Store.patient_matches); None: new
    language: str | None = None  # the patient's, chosen at the start; None: the form's own


def check_details(
    form: Form,
    *,
    name: Any,
    birth_date: Any,
    area: Any,
    appointment_at: datetime | None,
    today: date,
    language: str = "en",
) -> tuple[PatientDetails | None, dict[str, str]]:
    """The details to start an intake with, or a message per field ("name", "birth_date",
    "area", "appointment_at") saying what to fix."""
    errors: dict[str, str] = {}
    checked_name = check_name(name, language)
    if not checked_name.ok:
        errors["name"] = checked_name.error or ""
    checked_birth = check_birth_date(birth_date, today=today, language=language)
    if birth_date in (None, ""):
        errors["birth_date"] = message("date_format", language)
    elif not checked_birth.ok:
        errors["birth_date"] = checked_birth.error or ""
    if not isinstance(area, str) or form.area(area) is None:
        errors["area"] = message("area_required", language)
    if appointment_at is None or appointment_at.tzinfo is None:
        errors["appointment_at"] = message("appointment_required", language)
    if errors:
        return None, errors
    assert appointment_at is not None
    return PatientDetails(checked_name.value, checked_birth.value, area, appointment_at), {}


# -- the session ---------------------------------------------------------------------------


class Submission(Struct, frozen=True):
    """What signing hands to the store, kept so a failed write can be tried again."""

    signature: dict
    flags: tuple[Flag, ...]
    told: frozenset[str] = frozenset()  # rules whose message for the patient was on screen
    guardian: dict | None = None  # a minor's parent or guardian's signature

    def flag_dicts(self) -> list[dict]:
        return [{**f.as_dict(), "patient_told": f.rule_id in self.told} for f in self.flags]



class IntakeSession(Struct, dict=True):  # dict: for its flow, made from the fields
    form: Form
    intake_id: str
    facts: Facts
    patient_name: str
    sink: Any
    language: str = "en"
    zone: tzinfo = timezone.utc
    clock: Clock = utc_now
    answers: dict[str, Any] = field(default_factory=dict)
    acknowledged: dict[str, str] = field(default_factory=dict)  # disclosure id -> text hash
    read_at: dict[str, datetime] = field(default_factory=dict)  # card read to its end, when
    errors: dict[str, str] = field(default_factory=dict)  # question id -> latest refusal
    current_step: str | None = None
    submission: Submission | None = None
    told: set[str] = field(default_factory=set)  # rules whose patient message was shown
    tries: list[dict[str, Any]] = field(default_factory=list)  # the understanding check's
    # A course's visits: the consent a check-in continues; its answers shown from the last
    # visit (question id -> value, while unchanged); the cards changed since the consent a
    # full form renews was signed (marked for the patient).
    continues: str | None = None
    carried: dict[str, Any] = field(default_factory=dict)
    changed: frozenset[str] = frozenset()
    _dirty: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.flow = Flow(self.form, self.facts, self.language)

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        store: Any,
        form: Form,
        details: PatientDetails,
        *,
        actor: str = "patient",
        device: str | None = None,
        zone: tzinfo | None = None,
        clock: Clock = utc_now,
        language: str | None = None,
        sink: Any = None,
        route: Route | None = None,
    ) -> "IntakeSession":
        """Create the intake in the store and a session on it; ``sink`` defaults to ``store``.

        A ``route`` (:func:`mesocheck.course.route`) says which form a known patient's visit
        takes: a check-in starts with the stable answers of their last visit (saved at once,
        as ``carried``) for them to confirm or change; a full form asked again within a
        course marks the cards that changed."""
        if route is not None:
            form = route.form
        language = language or details.language or form.languages[0]
        if language not in form.languages:
            raise ValueError(f"the form has no {language!r} text")
        zone = zone or clinic_zone()
        intake_id = store.start_intake(
            name=details.name, birth_date=details.birth_date, contact=details.contact,
            form_id=form.id, form_version=form.version, form_hash=form.content_hash,
            language=language, area=details.area, appointment_at=details.appointment_at,
            device=device, actor=actor, form_content=canonical_content(form),
            patient_id=details.patient_id,
            continues=route.continues if route else None,
            reconsent=route.reconsent if route else None,
        )
        facts = Facts(details.appointment_at.astimezone(zone), details.birth_date, details.area)
        session = cls(form=form, intake_id=intake_id, facts=facts, patient_name=details.name,
                      sink=sink if sink is not None else store, language=language, zone=zone,
                      clock=clock, continues=route.continues if route else None,
                      changed=frozenset((route.reconsent or {}).get("changed", ()))
                      if route else frozenset())
        carried = carried_answers(store, route) if route is not None else {}
        if carried:
            for hidden in session.flow.hidden_answered(carried):
                del carried[hidden]
            store.save_answers(intake_id, carried, actor="system")  # from the last visit
            session.answers = dict(carried)
            session.carried = dict(carried)
        return session

    @classmethod
    def resume(
        cls,
        store: Any,
        intake_id: str,
        *,
        form: Form | None = None,
        zone: tzinfo | None = None,
        clock: Clock = utc_now,
        sink: Any = None,
    ) -> "IntakeSession":
        """Reopen an unfinished intake with what the store holds."""
        record = store.intake(intake_id)
        if record.status != "in_progress" or record.locked:
            raise SessionError(
                _("This intake was already signed or voided, so it cannot be continued.")
            )
        form = form if form is not None and form.content_hash == record.form_hash else None
        if form is None:
            form = _form_for(record)
        zone = zone or clinic_zone()
        facts = Facts.of(record, zone)
        session = cls(form=form, intake_id=record.id, facts=facts,
                      patient_name=record.patient.name,
                      sink=sink if sink is not None else store, language=record.language,
                      zone=zone, clock=clock, current_step=record.current_step)
        known = {q.id for q in form.questions}
        session.answers = {
            qid: value for qid, value in record.answers.items()
            if qid in known and is_answered(value)
        }
        shown = {d.id: d for d in form.disclosures}
        for ack in record.acknowledgements:
            disclosure = shown.get(ack.disclosure_id)
            if disclosure is not None and (
                ack.text_hash == disclosure_text_hash(disclosure, session.language)
            ):
                session.acknowledged[ack.disclosure_id] = ack.text_hash
        session.tries = [{"answers": t.answers, "wrong": list(t.wrong)}
                         for t in record.understanding]
        session.continues = record.continues.intake_id if record.continues else None
        session.changed = frozenset(record.reconsent.changed if record.reconsent else ())
        session.carried = {a.question_id: a.value for a in record.answer_history
                           if a.actor == "system" and a.question_id in session.answers}
        return session

    # -- the route -----------------------------------------------------------------------

    def pages(self) -> list[Page]:
        return self.flow.pages(self.answers)

    def resume_index(self) -> int:
        return self.flow.resume_index(self.answers, set(self.acknowledged), self.current_step)

    def step(self, step_id: str) -> Step:
        return self.flow.form_step(step_id)

    def shown_questions(self, step: Step) -> list[Question]:
        return self.flow.shown_questions(step, self.answers)

    def problems(self, step: Step) -> dict[str, str]:
        """What stops the patient leaving this step, by question: refused input first, then
        unanswered required questions. Empty when the step is complete."""
        shown = {q.id for q in self.shown_questions(step)}
        out = {qid: msg for qid, msg in self.errors.items() if qid in shown}
        for qid, msg in self.flow.missing(step, self.answers).items():
            out.setdefault(qid, msg)
        return {q.id: out[q.id] for q in step.questions if q.id in out}

    def page_complete(self, page: Page) -> bool:
        if page.kind == "step":
            return not self.problems(self.step(page.key))
        if page.kind == "disclosure":
            return page.key in self.acknowledged
        if page.kind == "understanding":
            return self.understanding_done()
        return page.kind == "summary"

    # -- the understanding check ---------------------------------------------------------

    def understanding_done(self) -> bool:
        """Whether the check before signing is behind the patient: its last try all right,
        or every try used (the practitioner then talks it through: a review flag)."""
        if not self.form.understanding:
            return True
        return bool(self.tries) and (not self.tries[-1]["wrong"]
                                     or len(self.tries) >= UNDERSTANDING_TRIES)

    def check_understanding(self, chosen: Mapping[str, str]) -> list[str]:
        """One try at the check: the option chosen for each question. Stored with which
        were wrong (every try is kept); returns those, in the form's order."""
        self._refuse_if_locked()
        asked = {u.id for u in self.form.understanding}
        answers = {qid: str(value) for qid, value in chosen.items() if qid in asked}
        wrong = [u.id for u in self.form.understanding if answers.get(u.id) != u.answer]
        self.sink.add_understanding_try(self.intake_id, answers, wrong)
        self.tries.append({"answers": answers, "wrong": wrong})
        self.facts = structs.replace(self.facts, understood=not wrong)
        self.flow = Flow(self.form, self.facts, self.language)
        return wrong

    def first_incomplete(self) -> int | None:
        """Index of the first page before the consent that still needs something."""
        for index, page in enumerate(self.pages()):
            if page.kind in ("summary", "consent"):
                return None
            if not self.page_complete(page):
                return index
        return None

    def effective_answers(self) -> dict[str, Any]:
        return effective_answers(self.form, self.answers, self.facts)

    @property
    def locked(self) -> bool:
        """True from the moment the patient signs: answers can no longer change here."""
        return self.submission is not None

    # -- answering -----------------------------------------------------------------------

    def answer(self, question_id: str, raw: Any) -> Checked:
        """Check and keep one answer; hidden answers are cleared. Nothing is written until
        :meth:`flush` (the UI flushes a moment after typing stops, and on every move)."""
        self._refuse_if_locked()
        question = self.form.question(question_id)
        checked = check_answer(question, raw, now=self.clock().astimezone(self.zone),
                               language=self.language)
        if not checked.ok:
            self.errors[question_id] = checked.error or ""
            return checked
        self.errors.pop(question_id, None)
        if checked.value is None:
            if question_id in self.answers:
                del self.answers[question_id]
                self._dirty[question_id] = None
                self.carried.pop(question_id, None)
        elif self.answers.get(question_id) != checked.value:
            self.answers[question_id] = checked.value
            self._dirty[question_id] = checked.value
        if question_id in self._dirty:
            self.carried.pop(question_id, None)  # the patient's own answer now
        for hidden in self.flow.hidden_answered(self.answers):
            self.carried.pop(hidden, None)
            del self.answers[hidden]
            self.errors.pop(hidden, None)
            self._dirty[hidden] = None
        return checked

    def hidden_since(self, before: Mapping[str, Any]) -> list[str]:
        """Questions answered in ``before`` that are no longer answered (cleared by skip
        logic or by the patient)."""
        return [qid for qid in before if qid not in self.answers]

    @property
    def has_pending(self) -> bool:
        return bool(self._dirty)

    def flush(self) -> Any:
        """Hand unsaved answers to the sink in one batch; returns what the sink returns."""
        if not self._dirty:
            return None
        batch, self._dirty = self._dirty, {}
        try:
            return self.sink.save_answers(self.intake_id, batch)
        except Exception:
            # Keep them to try again; anything typed since wins.
            self._dirty = {**batch, **self._dirty}
            raise

    def read_to_end(self, disclosure_id: str) -> None:
        """The patient has scrolled the card's text to its end: the moment is kept with the
        acknowledgement it leads to (the first such moment since the card was opened)."""
        self.read_at.setdefault(disclosure_id, self.clock())

    def acknowledge(self, disclosure_id: str) -> Any:
        self._refuse_if_locked()
        disclosure = self.form.disclosure(disclosure_id)
        text_hash = disclosure_text_hash(disclosure, self.language)
        if self.acknowledged.get(disclosure_id) == text_hash:
            return None
        self.acknowledged[disclosure_id] = text_hash
        return self.sink.acknowledge(self.intake_id, disclosure_id, text_hash,
                                     self.read_at.get(disclosure_id))

    def withdraw(self, disclosure_id: str) -> Any:
        self._refuse_if_locked()
        if self.acknowledged.pop(disclosure_id, None) is None:
            return None
        return self.sink.withdraw_acknowledgement(self.intake_id, disclosure_id)

    def arrive(self, page: Page) -> Any:
        """Record the page the patient is on, for resuming; pending answers go first."""
        self.current_step = page.token
        if self.locked:
            return None
        self.flush()
        return self.sink.set_current_step(self.intake_id, page.token)

    def _refuse_if_locked(self) -> None:
        if self.locked:
            raise SessionError(
                _("This form is already signed. Please ask the staff if something needs changing.")
            )

    # -- signing -------------------------------------------------------------------------

    def flags(self) -> list[Flag]:
        return evaluate_rules(self.form, self.answers, self.facts, self.language)

    def patient_messages(self) -> list[tuple[str, str]]:
        """(rule id, message) for each flag the answers raise that has words for the patient
        (e.g. "Please ask the staff to help you arrange a way home"), most severe first."""
        return [(f.rule_id, f.patient_message) for f in self.flags() if f.patient_message]

    def messages_shown(self, rule_ids: Any) -> None:
        """These rules' messages for the patient are on the screen now: the flags they raise
        at signing record that the patient was told."""
        self.told.update(rule_ids)

    def prepare_signature(
        self, printed_name: Any, strokes: list, pad_width: float, pad_height: float, *,
        method: str = "drawn", witness: Any = None, guardian: Mapping[str, Any] | None = None,
    ) -> Submission:
        """Check everything signing needs and build what the store keeps; raises
        :class:`SigningRefused` with words for the patient when something is missing.

        ``method``: ``drawn`` (strokes that make a signature), ``typed`` (the typed name
        adopted as the signature, for a patient who cannot draw: no strokes), or ``mark``
        (any mark on the pad, made before a ``witness`` whose name is typed). A minor's
        ``guardian`` (printed_name, relationship, strokes, pad_width, pad_height) signs too
        (:meth:`needs_guardian`): their consent, and the patient's signature their agreement."""
        if method not in SIGNING_METHODS:
            raise ValueError(f"unknown signing method {method!r}")
        incomplete = self.first_incomplete()
        _p = translations(self.language).gettext
        if incomplete is not None or not self.understanding_done():
            raise SigningRefused(_p(
                "Some questions or information cards still need your answer. "
                "Please go back and complete them first."), "pages")
        name = check_name(printed_name, self.language)
        if not name.ok:
            raise SigningRefused(_p("Please type your full name."), "name")
        ink = from_stored(strokes)
        witness_name = None
        if method == "typed":
            strokes, pad_width, pad_height = [], 0, 0
        elif method == "mark":
            if not any(ink):
                raise SigningRefused(_p("Please make your mark in the box, while your "
                                        "witness watches."), "signature")
            checked_witness = check_name(witness, self.language)
            if not checked_witness.ok:
                raise SigningRefused(_p("Please ask your witness to type their full name."),
                                     "witness")
            witness_name = checked_witness.value
        else:
            reason = trivial_reason(ink, self.language)
            if reason is not None:
                raise SigningRefused(reason, "signature")
        signed_at = self.clock()
        meaning = self.form.signature_meaning.get(self.language)
        guardian_signature = None
        guardian_named = None
        if self.needs_guardian():
            assert self.form.guardian is not None
            meaning = self.form.guardian.assent_meaning.get(self.language)
            guardian_signature = self._guardian_signature(guardian, signed_at)
            guardian_named = {"name": guardian_signature["printed_name"],
                              "relationship": guardian_signature["relationship"]}
            self.facts = structs.replace(self.facts, guardian=True)
            self.flow = Flow(self.form, self.facts, self.language)
        signature = {
            "role": "patient",
            "printed_name": name.value,
            "meaning": meaning,
            "strokes": strokes,
            "pad_width": pad_width,
            "pad_height": pad_height,
            "signed_at": to_iso(signed_at),
            "tz": zone_name(self.zone),
            "content_hash": self.signed_content_hash(name.value, guardian_named),
            "staff_id": None,
            "method": method,
            "witness": witness_name,
        }
        if guardian_signature is not None:  # both vouch for the same content
            guardian_signature["content_hash"] = signature["content_hash"]
        return Submission(signature=signature, flags=tuple(self.flags()),
                          told=frozenset(self.told), guardian=guardian_signature)

    def signed_content_hash(self, printed_name: str,
                            guardian: Mapping[str, str] | None = None) -> str:
        """What the signature vouches for (:func:`~mesocheck.forms.flow.signed_content_hash`)."""
        return signed_content_hash(self.form, self.intake_id, self.language, self.answers,
                                   self.facts, self.acknowledged, printed_name, guardian)

    def needs_guardian(self) -> bool:
        """A minor (under the form's guardian age at the appointment): a parent or guardian
        signs the consent too, and the patient's own signature is their agreement."""
        age = self.facts.get("age")
        return self.form.guardian is not None and age is not None and \
            age < self.form.guardian.under

    def _guardian_signature(self, guardian: Mapping[str, Any] | None,
                            signed_at: datetime) -> dict:
        """The parent or guardian's signature, checked (its content hash is the patient's,
        set by the caller); refused with words to fix it."""
        try:
            values = guardian_values(self.form.guardian, guardian, self.language)
        except GuardianRefused as refused:
            raise SigningRefused(refused.message, refused.field) from None
        return {**values, "signed_at": to_iso(signed_at), "tz": zone_name(self.zone),
                "staff_id": None}

    def submit(self, submission: Submission | None = None) -> Any:
        """The commit point: lock the session, write pending answers, then sign, store the
        flags and submit in one store transaction. Call again with no argument to retry
        after a failed write."""
        submission = submission or self.submission
        if submission is None:
            raise SessionError(_("Nothing to submit: the form has not been signed."))
        self.submission = submission
        self.flush()
        extra = {"guardian": submission.guardian} if submission.guardian else {}
        return self.sink.submit(self.intake_id, signature=submission.signature,
                                flags=submission.flag_dicts(), **extra)


def _form_for(record: Any) -> Form:
    try:
        return form_of(record)
    except FormNotFound:
        raise FormChanged(
            _("The form this intake was started with has changed since, so it cannot be "
              "continued. Void it and start a new intake.")
        ) from None


# -- after a crash -------------------------------------------------------------------------


def rebuild_missing_consent_pdfs(
    store: Any, *, progress: Callable[[int, int], None] | None = None,
    on_refused: Callable[[str, str], None] | None = None,
) -> list[str]:
    """Make the consent PDF of every signed intake that has none; returns their ids.
    ``progress(done, total)`` after each; ``on_refused(intake id, why)`` for each refused.

    Signing and storing the PDF are separate transactions (submission must never wait on
    the PDF), so a crash or power cut between them leaves a signed intake without its
    document. Run at start-up, off the UI thread (a PDF takes a fraction of a second). An
    intake whose document is refused (its form file is gone) stays in
    ``store.signed_without_document()`` for staff to see.
    """
    from mesocheck.documents.consent import DocumentRefused, store_consent_pdf

    built = []
    missing = store.signed_without_document()
    for done, intake_id in enumerate(missing, start=1):
        try:
            store_consent_pdf(store, intake_id)
            built.append(intake_id)
        except DocumentRefused as exc:
            if on_refused is not None:
                on_refused(intake_id, exc.message)
        if progress is not None:
            progress(done, len(missing))
    return built
