"""One intake as the practitioner reviews it: flags first, then every answer by step, the
acknowledged disclosures, the signatures and the documents.

The screen shows what :mod:`mesocheck.review` says about the intake and offers the actions
it allows; it never decides a clinical rule itself.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mesocheck import review
from mesocheck.i18n import N_, _, clinic_language, native_name, ngettext
from mesocheck.forms.answers import source_question
from mesocheck.forms.conditions import Facts, effective_answers
from mesocheck.forms.isolation import isolate
from mesocheck.forms.model import Form
from mesocheck.course import reasons_text
from mesocheck.forms.registry import form_of
from mesocheck.store import NotFound
from mesocheck.store.audit import staff_of
from mesocheck.store.records import CONSENT, PATIENT_COPY, REVIEWED_CONSENT
from mesocheck.timeutil import age_on, day_text, show
from mesocheck.ui.review.cards import (
    FlagCard, SignatureView, icon, review_scroll, section, text_label,
)
from mesocheck.ui.tasks import Database, Task
from mesocheck.ui.widgets.responsive import FlowLayout



def copy_text(record: Any, zone: tzinfo) -> str:
    """Whether the patient was offered their copy, what they chose, and when it was printed:
    a clinic must be able to show that the copy was offered."""
    if record.copy_wanted is None:
        if record.copy_printed_at is None:
            return _("No choice recorded")
        return _("Printed {when}").format(when=show(record.copy_printed_at, zone))
    chosen = show(record.copy_chosen_at, zone) if record.copy_chosen_at else ""
    if not record.copy_wanted:
        text = _("Declined a printed copy ({when})").format(when=chosen)
    else:
        text = _("Asked for a printed copy ({when})").format(when=chosen)
    if record.copy_printed_at is not None:
        return _("{choice}; printed {when}").format(choice=text,
                                                    when=show(record.copy_printed_at, zone))
    return _("{choice}; not printed yet").format(choice=text) if record.copy_wanted else text


def _answer_grid(first: int) -> tuple[QFrame, QGridLayout]:
    """A box of what was asked (column ``first``) beside what was answered (the next)."""
    box = QFrame()
    box.setObjectName("answerStep")
    grid = QGridLayout(box)
    grid.setColumnStretch(first, 3)
    grid.setColumnStretch(first + 1, 2)
    grid.setHorizontalSpacing(16)
    return box, grid


def flags_title(flags: list[Any]) -> str:
    """The flags section's title with how many of each severity: "Flags (Stop: 1, Info: 2)"."""
    counts = [(s, sum(f.severity == s for f in flags)) for s in ("stop", "review", "info")]
    if not flags:
        return _("Flags (none)")
    return _("Flags ({counts})").format(counts=", ".join(
        f"{review.severity_word(s)}: {n}" for s, n in counts if n))


class ReviewDetail(QWidget):
    """The review of one intake. Actions come out as signals; the panel carries them out."""

    back_requested = Signal()
    decide_requested = Signal(object, str)  # flag, decision
    countersign_requested = Signal()
    amend_requested = Signal()
    resign_requested = Signal()
    history_requested = Signal(str)  # the intake whose patient's course to show
    print_requested = Signal(object)  # document id (64 bits on the hub: not a C int)
    preview_requested = Signal(object)
    loaded = Signal(str)  # the intake now shown (after show_intake or reload)
    failed = Signal(str)  # it could not be read: a sentence for staff

    def __init__(self, db: Database, staff: Any, zone: tzinfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reviewDetail")
        self.db = db
        self.staff = staff
        self.zone = zone
        self.record: Any = None
        self.form: Form | None = None
        self.state: review.ReviewState | None = None
        self.staff_names: dict[int, str] = {}
        self.flag_cards: list[FlagCard] = []
        self._asked: str | None = None  # the intake being read

        self.back_button = QPushButton(_("‹ Back to queue"))
        self.back_button.setObjectName("backButton")
        self.title = text_label("", "reviewTitle")
        self.title.setAccessibleName(_("Patient"))
        # Beside the Back button whatever the script of the name (Arabic, Hebrew, ...).
        self.title.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignAbsolute
                                | Qt.AlignmentFlag.AlignVCenter)
        self.amend_button = QPushButton(_("Record amendment…"))
        self.resign_button = QPushButton(_("Hand to patient to sign again…"))
        self.countersign_button = QPushButton(_("Countersign…"))
        self.countersign_button.setObjectName("primaryButton")
        self.print_button = QPushButton(_("Print…"))
        self.preview_button = QPushButton(_("View PDF"))
        self.history_button = QPushButton(_("Patient history"))
        self.reconsent_button = QPushButton(_("Full consent at the next visit"))
        self.reconsent_button.setCheckable(True)
        self.course_asked: tuple[Any, Any] | None = None  # the course's request: when, by whom
        for button, about in (
                (self.reconsent_button, _("The patient's next visit takes the full form and "
                                          "consent again, instead of the short check-in")),
                (self.history_button, _("Every visit of this patient, newest first")),
                (self.back_button, _("Back to the list of intakes (Escape)")),
                (self.amend_button, _("Records an answer the patient corrects, with a reason")),
                (self.resign_button, _("The patient checks the corrected answers and signs")),
                (self.countersign_button, _("Signs the review once every flag has a decision")),
                (self.print_button, _("Prints the current consent document")),
                (self.preview_button, _("Shows the current consent document"))):
            button.setAutoDefault(False)
            button.setAccessibleDescription(about)

        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        # The actions flow onto a second line where one is too narrow for them (a landscape
        # tablet beside the staff menu, a portrait one).
        self.actions = QWidget()
        actions = FlowLayout(self.actions, spacing=10)
        for button in (self.countersign_button, self.print_button, self.preview_button,
                       self.amend_button, self.resign_button, self.history_button,
                       self.reconsent_button):
            actions.addWidget(button)

        self.banner = text_label("", "reviewBanner")
        self.banner.setAccessibleName(_("Review status"))
        self.progress = QProgressBar()
        self.progress.setObjectName("reviewProgress")
        self.progress.setAccessibleName(_("Progress"))
        self.progress.setTextVisible(False)
        self.progress_text = text_label("", "progressText")
        self.progress_row = QWidget()
        progress_layout = QHBoxLayout(self.progress_row)
        progress_layout.setContentsMargins(0, 0, 0, 0)
        progress_layout.addWidget(self.progress_text)
        progress_layout.addWidget(self.progress, 1)
        self.progress_row.hide()

        self.content: QWidget | None = None
        self.sections: QVBoxLayout | None = None
        self.scroll = review_scroll()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.actions)
        layout.addWidget(self.banner)
        layout.addWidget(self.progress_row)
        layout.addWidget(self.scroll, 1)

        self.back_button.clicked.connect(self.back_requested)
        self.amend_button.clicked.connect(self.amend_requested)
        self.resign_button.clicked.connect(self.resign_requested)
        self.countersign_button.clicked.connect(self.countersign_requested)
        self.print_button.clicked.connect(self._print)
        self.preview_button.clicked.connect(self._preview)
        self.history_button.clicked.connect(
            lambda: self.record is not None and self.history_requested.emit(self.record.id))
        self.reconsent_button.clicked.connect(self._ask_reconsent)

    # -- showing an intake ----------------------------------------------------------------

    def show_intake(self, intake_id: str, *, keep_scroll: bool = False) -> None:
        """Read the intake on the database thread, then show it and emit ``loaded``."""
        self._asked = intake_id
        Task(lambda store: _read(store, intake_id), parent=self, what=N_("reading the intake"),
             success=lambda found: self._show(intake_id, found, keep_scroll)).failure(
            lambda error: self._asked == intake_id and self.failed.emit(error.message)
        ).run_in_background(self.db)

    def reload(self) -> None:
        """Show the intake again as the store now holds it, at the same scroll position."""
        if self.record is not None:
            self.show_intake(self.record.id, keep_scroll=True)

    def _show(self, intake_id: str, found: tuple, keep_scroll: bool) -> None:
        if intake_id != self._asked:
            return  # another intake was asked for meanwhile
        scroll = self.scroll.verticalScrollBar().value()
        self.record, self.form, self.state, self.staff_names, self.course_asked = found
        self._rebuild()
        if keep_scroll:
            self.scroll.verticalScrollBar().setValue(scroll)
        self.loaded.emit(intake_id)

    def _rebuild(self) -> None:
        record, form, state = self.record, self.form, self.state
        assert record is not None and form is not None and state is not None
        # A fresh page each time; setting it (below) deletes the previous one at once, so
        # nothing of the previous intake lingers on screen.
        self.content = QWidget()
        self.content.setObjectName("reviewContent")
        self.sections = QVBoxLayout(self.content)
        self.sections.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.flag_cards = []
        patient = record.patient
        self.title.setText(patient.name)
        self._update_actions()

        self.sections.addWidget(self._summary())
        self._add_flags()
        self._add_amendments()
        self._add_answers()
        self._add_disclosures()
        self._add_understanding()
        self._add_signatures()
        self._add_documents()
        self.sections.addStretch(1)
        self.scroll.setWidget(self.content)

    def _summary(self) -> QWidget:
        record, form = self.record, self.form
        patient = record.patient
        box = QFrame()
        box.setObjectName("intakeSummary")
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(24)
        area = form.area(record.area)
        age = age_on(patient.birth_date, record.appointment_at.date())
        items = [
            (_("Born"), _("{day} (age {age} at the appointment)").format(
                day=day_text(patient.birth_date, clinic_language()), age=age)),
            (_("Appointment"), show(record.appointment_at, self.zone)),
            (_("Treatment area"), area.label.get(review.staff_language(form)) if area
             else record.area),
            (_("Status"), self.state.status_word),
            (_("Signed"), show(record.submitted_at, self.zone) if record.submitted_at
             else _("Not yet")),
            (_("Form"), _("{title}, version {version}").format(
                title=form.title.get(review.staff_language(form)),
                version=record.form_version)),
            (_("Language"), "\u200e" + isolate(native_name(record.language))),  # on the left
        ]
        if record.locked_at is not None:
            items.append((_("Patient's copy"), copy_text(record, self.zone)))
        if record.course_until is not None:
            items.append((_("Course"), _("Up to {n} sessions until {day}").format(
                n=record.course_sessions, day=day_text(record.course_until, clinic_language()))))
        items.extend(self._course_items())
        for i, (caption, value) in enumerate(items):
            row, column = divmod(i, 2)
            grid.addWidget(text_label(caption, "fieldCaption", wrap=False), row, column * 2)
            grid.addWidget(text_label(value, "fieldValue", selectable=True), row, column * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return box

    def _course_items(self) -> list[tuple[str, str]]:
        """Where this visit stands in the patient's course: the consent a check-in
        continues; why a full form was asked again; a practitioner's request for it."""
        record, form, items = self.record, self.form, []
        language = clinic_language()
        if record.continues is not None:
            consent = record.continues
            items.append((_("Check-in"), _(
                "Continues the course consent signed on {day} (up to {n} sessions until "
                "{until})").format(
                day=day_text(consent.signed_at.astimezone(self.zone).date(), language),
                n=consent.sessions, until=day_text(consent.until, language))
                if consent.signed_at is not None and consent.until is not None
                else _("Continues a course consent not on this computer yet")))
        if record.reconsent is not None:
            why = _("Asked again: {why}").format(why=reasons_text(record.reconsent.reasons))
            titles = [d.title.get(review.staff_language(form)) for d in form.disclosures
                      if d.id in record.reconsent.changed]
            if titles:
                why += "\n" + _("Changed cards: {titles}").format(titles=", ".join(titles))
            items.append((_("Full consent"), why))
        if self.course_asked is not None:
            at, by = self.course_asked
            items.append((_("Next visit"), _("Full consent asked for by {name}, {when}").format(
                name=isolate(self.staff_names.get(by, "?")), when=show(at, self.zone))))
        return items

    def _ask_reconsent(self) -> None:
        record, staff = self.record, self.staff
        if record is None:
            return
        asked = self.reconsent_button.isChecked()
        Task(lambda store: store.ask_reconsent(record.id, staff.id, asked), parent=self,
             what=N_("asking for the full consent"), success=lambda _id: self.reload()
             ).failure(lambda error: (self.reload(), self.failed.emit(error.message))
                       ).run_in_background(self.db)

    def _update_actions(self) -> None:
        record, state = self.record, self.state
        practitioner = review.is_practitioner(self.staff)
        self.banner.setProperty("state", state.status)
        self.banner.setText(self._banner_text())
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
        reviewable = record.status in review.REVIEWABLE
        self.amend_button.setVisible(reviewable)
        self.amend_button.setEnabled(practitioner)
        self.resign_button.setVisible(state.status == "awaiting_resign")
        # A practitioner may ask that the course's next visit take the full consent again.
        self.reconsent_button.setVisible(record.locked and record.status != "voided"
                                         and (record.continues is not None
                                              or record.course_until is not None))
        self.reconsent_button.setEnabled(practitioner)
        self.reconsent_button.setChecked(self.course_asked is not None)
        self.countersign_button.setEnabled(practitioner and state.can_countersign)
        self.countersign_button.setToolTip(
            state.countersign_blocker or "" if practitioner
            else _("Only a practitioner can countersign."))
        document = review.printable_document(record)
        self.print_button.setEnabled(document is not None)
        self.preview_button.setEnabled(document is not None)
        if document is not None and document.kind == REVIEWED_CONSENT:
            self.print_button.setText(_("Print reviewed consent…"))
        else:
            self.print_button.setText(_("Print patient-signed consent…"))

    def _banner_text(self) -> str:
        state, record = self.state, self.record
        if state.status == "awaiting_resign":
            return _("Awaiting the patient's new signature: an answer was amended after "
                     "signing. Hand the tablet to the patient to sign again.")
        if record.status not in review.REVIEWABLE:
            return _("{status}: this intake cannot be reviewed.").format(
                status=state.status_word)
        if state.pending:
            n = len(state.pending)
            return ngettext("{status}: {n} flag still needs a decision.",
                            "{status}: {n} flags still need a decision.", n).format(
                status=state.status_word, n=n)
        if state.countersigned:
            signer = review.practitioner_signature(record)
            return _("{status}: countersigned by {name}, {when}.").format(
                status=state.status_word, name=isolate(signer.printed_name),
                when=show(signer.signed_at, self.zone))
        return _("{status}: every decision is recorded; countersign to finish.").format(
            status=state.status_word)

    def _add_flags(self) -> None:
        record = self.record
        flags = list(record.flags)
        self.sections.addWidget(section(flags_title(flags)))
        if not flags:
            self.sections.addWidget(text_label(_("No answer raised a flag."), "emptyNote"))
            return
        names = self.staff_names
        for flag in flags:
            card = FlagCard(flag, self.form, record.language, names, self.state, record,
                            self.zone)
            card.decide_requested.connect(self.decide_requested)
            self.flag_cards.append(card)
            self.sections.addWidget(card)

    def _add_amendments(self) -> None:
        record, form = self.record, self.form
        changed = review.amendments(record)
        if not changed:
            return
        self.sections.addWidget(section(_("Amendments after signing")))
        by_id = {a.id: a for a in record.answer_history}
        names = self.staff_names
        for row in changed:
            before = by_id.get(row.amends)
            old = before.value if before is not None else None
            who = row.actor
            staff_id = staff_of(who)
            if staff_id is not None:
                who = names.get(staff_id, who)
            was = review.describe_value(form, row.question_id, old, record.language, self.zone)
            now = review.describe_value(form, row.question_id, row.value, record.language,
                                        self.zone)
            text = _("{question}\nwas: {old}  →  now: {new}\nReason: “{reason}” — {who}, "
                     "{when}").format(
                question=source_question(form, row.question_id, record.language),
                old=isolate(was), new=isolate(now), reason=isolate(row.reason),
                who=isolate(who), when=show(row.answered_at, self.zone))
            self.sections.addWidget(text_label(text, "amendment", selectable=True))

    def _add_answers(self) -> None:
        record, form = self.record, self.form
        language = record.language
        flagged: dict[str, str] = {}
        for flag in record.flags:
            for source, _value in flag.triggers or []:
                current = flagged.get(source)
                if current is None or _rank(flag.severity) > _rank(current):
                    flagged[source] = flag.severity
        amended = {a.question_id for a in review.amendments(record)}
        # A check-in's answers shown from the last visit, which the patient left as they were.
        carried = {a.question_id for a in record.answer_history if a.actor == "system"} \
            if record.continues is not None else set()
        shown = effective_answers(form, dict(record.answers), Facts.of(record, self.zone))
        self.sections.addWidget(section(_("Answers")))
        for step in form.steps:
            questions = [q for q in step.questions if q.id in shown]
            if not questions:
                continue
            box, grid = _answer_grid(1)  # column 0: a flag's sign
            grid.addWidget(text_label(step.title.get(language), "stepTitle"), 0, 0, 1, 3)
            for row, q in enumerate(questions, start=1):
                severity = flagged.get(q.id)
                if severity:
                    marker = icon(severity, 22)
                    marker.setToolTip(_("Raised a {severity} flag").format(
                        severity=review.severity_word(severity).lower()))
                    grid.addWidget(marker, row, 0, Qt.AlignmentFlag.AlignTop)
                question = text_label(review.question_in_both(form, q.id, language),
                                      "answerQuestion")
                answer_text = review.answer_in_both(form, q.id, shown[q.id], language,
                                                    self.zone)
                if severity:
                    answer_text += "   " + _("[{severity} flag]").format(
                        severity=review.severity_word(severity))
                if q.id in amended:
                    answer_text += "   " + _("[amended]")
                elif q.id in carried:
                    answer_text += "   " + _("[from the last visit, confirmed]")
                answer = text_label(answer_text, "answerValue", selectable=True)
                answer.setProperty("flagged", bool(severity))
                grid.addWidget(question, row, 1)
                grid.addWidget(answer, row, 2)
            grid.setColumnMinimumWidth(0, 22)
            self.sections.addWidget(box)

    def _add_disclosures(self) -> None:
        record, form = self.record, self.form
        language = record.language
        self.sections.addWidget(section(_("Risks and statements acknowledged")))
        acks = {a.disclosure_id: a for a in record.acknowledgements}
        box, grid = _answer_grid(0)
        row = 0
        for disclosure in form.disclosures:
            ack = acks.get(disclosure.id)
            if ack is None and disclosure.enable_when is not None:
                continue  # not shown to this patient
            grid.addWidget(text_label(disclosure.title.get(language), "answerQuestion"), row, 0)
            if ack is None:
                when = _("Not acknowledged")
            elif ack.read_at is not None:
                when = _("Acknowledged {when} (read to the end at {time})").format(
                    when=show(ack.acknowledged_at, self.zone),
                    time=f"{ack.read_at.astimezone(self.zone):%H:%M:%S}")
            else:
                when = _("Acknowledged {when}").format(when=show(ack.acknowledged_at, self.zone))
            grid.addWidget(text_label(when, "answerValue"), row, 1)
            row += 1
        self.sections.addWidget(box)

    def _add_understanding(self) -> None:
        """Every try at the check before signing, question by question."""
        record, form = self.record, self.form
        if not record.understanding or not form.understanding:
            return
        self.sections.addWidget(section(_("Understanding checked before signing")))
        box, grid = _answer_grid(0)
        still_wrong = record.understanding[-1].wrong
        rows = review.understanding_rows(form, record)
        for row, (asked, (question, tries)) in enumerate(zip(form.understanding, rows)):
            grid.addWidget(text_label(question, "answerQuestion"), row, 0)
            answer = text_label(tries, "answerValue", selectable=True)
            answer.setProperty("flagged", asked.id in still_wrong)  # wrong on the last try
            grid.addWidget(answer, row, 1)
        self.sections.addWidget(box)

    def _add_signatures(self) -> None:
        record = self.record
        self.sections.addWidget(section(_("Signatures")))
        if not record.signatures:
            self.sections.addWidget(text_label(_("Not signed yet."), "emptyNote"))
        roles = {"patient": _("Patient"), "practitioner": _("Practitioner"),
                 "witness": _("Witness"), "guardian": _("Parent or guardian")}
        for signature in sorted(record.signatures, key=lambda s: s.id, reverse=True):
            role = roles.get(signature.role, signature.role)
            if signature.role == "guardian":
                role = _("{role} ({relationship})").format(
                    role=role, relationship=review.relationship_words(self.form,
                                                                      signature.relationship))
            box = QFrame()
            box.setObjectName("signatureBox")
            layout = QVBoxLayout(box)
            layout.addWidget(text_label(
                _("{role}: {name} — “{meaning}” — signed {when} ({zone})").format(
                    role=role,
                    name=isolate(signature.printed_name), meaning=isolate(signature.meaning),
                    when=show(signature.signed_at, self.zone), zone=signature.tz),
                "signatureCaption", selectable=True))
            layout.addWidget(SignatureView(signature))
            self.sections.addWidget(box)

    def _add_documents(self) -> None:
        record = self.record
        documents = sorted(record.documents, key=lambda d: d.id, reverse=True)
        if not documents:
            return
        self.sections.addWidget(section(_("Documents")))
        newest = review.printable_document(record)
        kinds = {CONSENT: _("Consent signed by the patient"),
                 REVIEWED_CONSENT: _("Consent with the practitioner's review"),
                 PATIENT_COPY: _("The patient's copy")}
        copy = review.patient_copy(record)
        for document in documents:
            parts = [kinds.get(document.kind, document.kind), show(document.created_at, self.zone),
                     f"SHA-256 {document.sha256[:16]}…"]
            if document.supersedes:
                parts.append(_("replaces document #{number}").format(number=document.supersedes))
            current = copy if document.kind == PATIENT_COPY else newest
            parts.append(_("current") if current is not None and current.id == document.id
                         else _("kept for the record"))
            text = " — ".join(parts)
            self.sections.addWidget(text_label(text, "documentLine", selectable=True))

    # -- actions --------------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.back_requested.emit()
            return
        super().keyPressEvent(event)

    def _print(self) -> None:
        document = review.printable_document(self.record)
        if document is not None:
            self.print_requested.emit(document.id)

    def _preview(self) -> None:
        document = review.printable_document(self.record)
        if document is not None:
            self.preview_requested.emit(document.id)

    def show_progress(self, text: str, done: int = 0, total: int = 0) -> None:
        self.progress_text.setText(text)
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress_row.show()

    def hide_progress(self) -> None:
        self.progress_row.hide()


def _rank(severity: str) -> int:
    return ("info", "review", "stop").index(severity)


def _read(store: Any, intake_id: str) -> tuple:
    """On the database thread: everything the review of one intake shows."""
    record = store.intake(intake_id)
    names = {m.id: m.name for m in store.staff_members(include_inactive=True)}
    return record, form_of(record), review.review_state(record), names, course_asked(store,
                                                                                 record)


def course_asked(store: Any, record: Any) -> tuple[Any, Any] | None:
    """A practitioner's request that the course's next visit take the full consent (when,
    by whom): kept on the course's consent, which a check-in names."""
    consent = record
    if record.continues is not None:
        try:
            consent = store.intake(record.continues.intake_id)
        except NotFound:  # not on this computer yet
            return None
    if consent.reconsent_asked_at is None:
        return None
    return consent.reconsent_asked_at, consent.reconsent_asked_by
