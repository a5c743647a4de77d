"""Dialogs of the review: a decision on a flag, the countersignature, an amendment and the
patient's re-signature. Each is shown (never ``exec()``-ed), deletes itself on close, and
reports through a signal; every rule it applies is asked of :mod:`mesocheck.review`, whose
answer (and the write) comes from the database thread while the dialog stays up.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any, Callable

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from mesocheck import review
from mesocheck.forms.answers import source_question
from mesocheck.forms.isolation import isolate
from mesocheck.forms.model import Form
from mesocheck.i18n import N_, _, clinic_language, translations
from mesocheck.timeutil import zone_name
from mesocheck.ui.review.answer_editor import AnswerEditor, note_box
from mesocheck.ui.tasks import Database, Task
from mesocheck.ui.widgets.guardian import GuardianBox
from mesocheck.ui.widgets.responsive import FlowLayout
from mesocheck.ui.widgets.signature_pad import SignaturePad


class _ReviewDialog(QDialog):
    """Common frame: a title, a body, an error line, Cancel and a primary button."""

    def __init__(self, db: Database, title: str, primary: str, parent: QWidget | None = None,
                 words: Callable[[str], str] = _):
        """``words`` translates the frame's own words: the clinic's, or the patient's where
        the patient is the one reading (the re-signature)."""
        super().__init__(parent)
        self.db = db
        # Deleted once finished. (Not WA_DeleteOnClose: with PySide6 6.12 that deletion
        # aborts the process when the dialog is closed by close() with a wrapper alive.)
        self.finished.connect(self.deleteLater)
        self.setObjectName("reviewDialog")
        self.setWindowTitle(title)
        self.setModal(True)
        self.heading = QLabel(title)
        self.heading.setObjectName("dialogTitle")
        self.heading.setWordWrap(True)
        # The body scrolls when the screen is shorter than the dialog (a landscape tablet,
        # many flags to list): the buttons below it stay on the screen.
        content = QWidget()
        content.setObjectName("dialogBody")
        self.body = QVBoxLayout(content)
        self.body.setContentsMargins(0, 0, 8, 0)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("dialogScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll.setWidget(content)
        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.setAccessibleName(words("Problem"))
        self.error.hide()
        self.cancel_button = QPushButton(words("Cancel"))
        self.cancel_button.setAccessibleDescription(words("Closes this without saving"))
        self.save_button = QPushButton(primary)
        self.save_button.setAccessibleDescription(words("Saves it with your name"))
        self.save_button.setObjectName("primaryButton")
        self.save_button.setDefault(True)
        buttons = QHBoxLayout()
        self.buttons = buttons  # a dialog's own tools go at its start, beside Cancel and Save
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        layout.addWidget(self.heading)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button.clicked.connect(self._save)

    def natural_height(self) -> int:
        """The height that shows the whole body without scrolling."""
        return (self.sizeHint().height() - self.scroll.sizeHint().height()
                + self.scroll.widget().sizeHint().height())

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _save(self) -> None:
        self.error.hide()
        self.save()

    def save(self) -> None:  # pragma: no cover - each dialog has its own
        raise NotImplementedError

    def write(self, op: Callable[[Any], Any], what: str, saved: Any) -> None:
        """Run ``op(store)`` on the database thread; then emit ``saved`` with its result and
        close, or say what stopped it and stay open. Save waits meanwhile."""
        self.save_button.setEnabled(False)
        Task(op, what=what, parent=self, success=lambda result: self._written(saved, result)
             ).failure(self._refused).run_in_background(self.db)

    def _written(self, saved: Any, result: Any) -> None:
        saved.emit(result)
        self.accept()

    def _refused(self, error: Any) -> None:
        self.save_button.setEnabled(True)
        self.show_error(error.message)


class DecisionDialog(_ReviewDialog):
    """Record proceed / postpone / decline on one flag."""

    saved = Signal(str)  # the intake's status afterwards

    def __init__(self, db: Database, intake_id: str, flag: Any, staff: Any, decision: str,
                 parent: QWidget | None = None, words: str | None = None):
        override = decision == "proceed" and flag.severity == "stop"
        titles = {
            "proceed": _("Override the stop flag and proceed") if override else _("Proceed"),
            "postpone": _("Postpone the treatment"),
            "decline": _("Decline the treatment"),
        }
        primaries = {"proceed": _("Override and proceed") if override else _("Save: proceed"),
                     "postpone": _("Save: postpone"), "decline": _("Save: decline")}
        super().__init__(db, titles[decision], primaries[decision], parent)
        self.intake_id, self.flag, self.staff = intake_id, flag, staff
        self.decision = decision

        about = QLabel(_("{severity} flag: {message}").format(
            severity=review.severity_word(flag.severity),
            message=words or flag.practitioner_message))
        about.setObjectName("dialogFlag")
        about.setProperty("severity", flag.severity)
        about.setWordWrap(True)
        self.body.addWidget(about)
        if override:
            warning = QLabel(_(
                "This answer is a contraindication. Proceeding overrides it: write why it is "
                "safe to treat this patient today. The reason is kept with your name."))
            warning.setObjectName("overrideWarning")
            warning.setWordWrap(True)
            self.body.addWidget(warning)
        labels = {
            "proceed": (_("Reason for the override") if override else _("Note"),
                        _("Why it is safe to treat") if override
                        else _("What you checked, and why it is safe to proceed")),
            "postpone": (_("Reason for postponing"),
                         _("For example: wait until the skin has healed")),
            "decline": (_("Reason for declining"), _("Why this treatment is not suitable")),
        }
        name, placeholder = labels[decision]
        caption = QLabel(name)
        self.note = note_box(name, placeholder)
        caption.setBuddy(self.note)
        self.body.addWidget(caption)
        self.body.addWidget(self.note, 1)

        self.set_date = QCheckBox(_("Set a new appointment date"))
        self.set_date.setAccessibleDescription(_("Records the date the treatment moves to"))
        self.new_date = QDateEdit(QDate.currentDate().addDays(14))
        self.new_date.setCalendarPopup(True)
        self.new_date.setDisplayFormat("dd MMM yyyy")
        self.new_date.setLocale(QLocale(clinic_language()))  # month names in the clinic's words
        self.new_date.setMinimumDate(QDate.currentDate())
        self.new_date.setAccessibleName(_("New appointment date"))
        self.new_date.setAccessibleDescription(_("Day, month and year; the arrows change them"))
        self.new_date.setEnabled(False)
        if decision == "postpone":
            row = QWidget()
            flow = FlowLayout(row, spacing=10)  # the date goes under where words are long
            flow.addWidget(self.set_date)
            flow.addWidget(self.new_date)
            self.body.addWidget(row)
            self.set_date.toggled.connect(self.new_date.setEnabled)
        else:
            self.set_date.hide()
            self.new_date.hide()
        self.note.setFocus()

    def save(self) -> None:
        new_date = None
        if self.decision == "postpone" and self.set_date.isChecked():
            new_date = self.new_date.date().toPython()
        intake_id, flag_id, decision, note, staff = (self.intake_id, self.flag.id, self.decision,
                                                     self.note.toPlainText(), self.staff)
        self.write(lambda store: review.decide(store, intake_id, flag_id, decision, note, staff,
                                               new_date), N_("saving the decision"), self.saved)


class CountersignDialog(_ReviewDialog):
    """The practitioner's signature on the review, with printed name, role and meaning."""

    signed = Signal(object)  # signature id (64 bits on the hub: not a C int)

    def __init__(self, db: Database, record: Any, staff: Any, zone: tzinfo,
                 parent: QWidget | None = None):
        super().__init__(db, _("Countersign the review"), _("Sign and save"), parent)
        self.intake_id, self.staff, self.zone = record.id, staff, zone
        state = review.review_state(record)
        self.meaning = QLabel(_("Meaning of this signature: “{meaning}”").format(
            meaning=state.meaning) if state.meaning else "")
        self.meaning.setObjectName("signatureMeaning")
        self.meaning.setWordWrap(True)
        self.body.addWidget(self.meaning)

        decided = [f for f in record.flags if review.needs_decision(f)]
        if decided:
            lines = []
            for flag in decided:
                d = review.decision_of(flag)
                word = review.decision_word(d.decision) if d else _("Undecided")
                lines.append(f"{review.severity_word(flag.severity)}: "
                             f"{review.practitioner_words(flag, record)} — {word}")
            summary = QLabel("\n".join(lines))
        else:
            summary = QLabel(_("No flag needed a decision."))
        summary.setObjectName("countersignSummary")
        summary.setWordWrap(True)
        # A long list of decisions scrolls in a box of its own: the pad stays in view.
        listing = QScrollArea()
        listing.setObjectName("dialogScroll")
        listing.setWidgetResizable(True)
        listing.setFrameShape(QFrame.Shape.NoFrame)
        listing.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        listing.setWidget(summary)
        listing.setMaximumHeight(150)
        listing.setAccessibleName(_("Decisions to countersign"))
        self.body.addWidget(listing)

        form = QFormLayout()
        self.printed_name = QLineEdit(staff.name)
        self.printed_name.setAccessibleName(_("Printed name"))
        self.printed_name.setAccessibleDescription(_("Your name as printed under the signature"))
        role = QLabel(_("Practitioner"))
        role.setAccessibleName(_("Role"))
        form.addRow(_("Printed name"), self.printed_name)
        form.addRow(_("Role"), role)
        self.body.addLayout(form)

        self.pad = SignaturePad()
        self.pad.setAccessibleName(_("Practitioner's signature pad"))
        self.pad.setAccessibleDescription(_("Sign here with a finger, a stylus or the mouse"))
        self.pad.setMinimumHeight(160)
        self.clear_button = QPushButton(_("Clear signature"))
        self.clear_button.setAccessibleDescription(_("Empties the box to sign again"))
        self.body.addWidget(self.pad, 1)
        self.buttons.insertWidget(0, self.clear_button)  # in reach when the body scrolls
        self.clear_button.clicked.connect(self.pad.clear)
        if not state.can_countersign:
            self.show_error(state.countersign_blocker or "")
            self.save_button.setEnabled(False)

    def save(self) -> None:
        width, height = self.pad.pad_size()
        intake_id, staff = self.intake_id, self.staff
        signature = dict(strokes=self.pad.strokes(), pad_width=width, pad_height=height,
                         printed_name=self.printed_name.text(), tz=zone_name(self.zone))
        self.write(lambda store: review.countersign(store, intake_id, staff, **signature),
                   N_("saving the countersignature"), self.signed)


class AmendmentDialog(_ReviewDialog):
    """A correction the patient told at review: old value, new value and reason."""

    amended = Signal(str)  # question id

    def __init__(self, db: Database, record: Any, staff: Any, form: Form, zone: tzinfo,
                 parent: QWidget | None = None):
        super().__init__(db, _("Record an amendment"), _("Save amendment"), parent)
        self.intake_id, self.staff, self.form = record.id, staff, form
        self.zone = zone
        self.record = record
        self.language = self.record.language
        intro = QLabel(_("Use this when the patient corrects an answer after signing. The old "
                         "answer is kept; the flags are worked out again and the patient signs "
                         "again."))
        intro.setWordWrap(True)
        self.body.addWidget(intro)
        self.question = QComboBox()
        # As wide as the dialog allows, not as its longest question: the list shows them all.
        self.question.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.question.setMinimumContentsLength(24)
        self.question.setAccessibleName(_("Question to correct"))
        self.question.setAccessibleDescription(_("The answer of this question is corrected"))
        for step in form.steps:
            for q in step.questions:
                self.question.addItem(f"{step.title.get(self.language)}: "
                                      f"{q.text.get(self.language)}", q.id)
        self.current = QLabel()
        self.current.setObjectName("currentAnswer")
        self.current.setWordWrap(True)
        self.editor_host = QVBoxLayout()
        self.editor: AnswerEditor | None = None
        self.reason = note_box(_("Reason for the amendment"),
                               _("For example: patient remembered taking aspirin on Monday"))
        layout = QFormLayout()
        layout.addRow(_("Question"), self.question)
        layout.addRow(_("Current answer"), self.current)
        layout.addRow(_("New answer"), self.editor_host)
        layout.addRow(_("Reason"), self.reason)
        self.body.addLayout(layout)
        self.question.currentIndexChanged.connect(self._show_question)
        self._show_question()

    def select_question(self, question_id: str) -> None:
        self.question.setCurrentIndex(self.question.findData(question_id))

    def _show_question(self) -> None:
        qid = self.question.currentData()
        question = self.form.question(qid)
        self.current.setText(review.describe_value(self.form, qid, self.record.answers.get(qid),
                                                   self.language, self.zone))
        if self.editor is not None:
            self.editor.deleteLater()
        self.editor = AnswerEditor(question, self.language)
        self.editor.set_value(self.record.answers.get(qid))
        self.editor_host.addWidget(self.editor)

    def save(self) -> None:
        assert self.editor is not None
        qid = self.question.currentData()
        intake_id, value, reason, staff, zone = (self.intake_id, self.editor.value(),
                                                 self.reason.toPlainText(), self.staff,
                                                 self.zone)

        def op(store: Any) -> str:
            review.amend(store, intake_id, qid, value, reason, staff, zone=zone)
            return qid

        self.write(op, N_("saving the amendment"), self.amended)


class ResignDialog(_ReviewDialog):
    """The patient signs again after an amendment, seeing what was corrected."""

    signed = Signal(object)

    def __init__(self, db: Database, record: Any, form: Form, zone: tzinfo,
                 parent: QWidget | None = None):
        language = record.language
        _p = translations(language).gettext  # the patient reads and signs this one
        super().__init__(db, _p("Please check the corrected answers and sign again"), _p("Sign"),
                         parent, words=_p)
        self.intake_id, self.form, self.zone = record.id, form, zone
        changed = review.changes_since_patient_signed(record)
        lines = []
        for old, new in changed:
            text = source_question(form, new.question_id, language)
            was = review.describe_value(form, new.question_id, old, language, zone)
            now = review.describe_value(form, new.question_id, new.value, language, zone)
            lines.append(_p("{question}\n    was: {old}\n    now: {new}").format(
                question=text, old=isolate(was), new=isolate(now)))
        listing = QLabel("\n\n".join(lines) or _p("No answer was changed."))
        listing.setObjectName("resignChanges")
        listing.setWordWrap(True)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(listing)
        self.body.addWidget(scroll, 1)
        statement = QLabel(_p("{meaning}: by signing you confirm that your answers, as "
                              "corrected, are true and complete.").format(
            meaning=form.signature_meaning.get(language)))
        statement.setWordWrap(True)
        self.body.addWidget(statement)
        self.printed_name = QLineEdit(record.patient.name)
        self.printed_name.setAccessibleName(_p("Your full name"))
        self.printed_name.setAccessibleDescription(_p("As printed under your signature"))
        row = QFormLayout()
        row.addRow(_p("Your full name"), self.printed_name)
        self.body.addLayout(row)
        self.pad = SignaturePad()
        self.pad.setMinimumHeight(200)
        self.body.addWidget(self.pad, 1)
        clear = QPushButton(_p("Clear signature"))
        clear.setAccessibleDescription(_p("Empties the box to sign again"))
        clear.clicked.connect(self.pad.clear)
        self.body.addWidget(clear, 0, Qt.AlignmentFlag.AlignRight)
        self._meaning = form.signature_meaning.get(language)
        # A minor whose parent or guardian consented: they sign the corrections too.
        self.guardian_box = None
        earlier = review.guardian_signature(record)
        if earlier is not None and form.guardian is not None:
            self._meaning = form.guardian.assent_meaning.get(language)
            self.guardian_box = GuardianBox(form.guardian, language, _p, lambda: None)
            self.guardian_box.fill(earlier.printed_name, earlier.relationship)
            self.body.addWidget(self.guardian_box)

    def save(self) -> None:
        width, height = self.pad.pad_size()
        intake_id = self.intake_id
        signature = dict(strokes=self.pad.strokes(), pad_width=width, pad_height=height,
                         printed_name=self.printed_name.text(), meaning=self._meaning,
                         zone=self.zone, guardian=self.guardian_box.values()
                         if self.guardian_box is not None else None)
        self.write(lambda store: review.resign(store, intake_id, **signature),
                   N_("saving the signature"), self.signed)
