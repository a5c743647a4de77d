"""One patient's course as staff review it: every visit, newest first, with the form and
wording signed (version and content hash), the flags raised and what was decided, and a way
into each visit's review."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from mesocheck import review
from mesocheck.i18n import N_, _, clinic_language, ngettext
from mesocheck.course import reasons_text
from mesocheck.forms.isolation import isolate
from mesocheck.timeutil import day_text, show
from mesocheck.ui.review.cards import icon, review_scroll, section, text_label
from mesocheck.ui.tasks import Database, Task

HASH_SHOWN = 12  # enough to tell two wordings apart at a glance; the PDF carries it whole


def visit_lines(record: Any, zone: tzinfo) -> list[str]:
    """What the history says of one visit, a line each (plain text, so tests read it)."""
    wording = f"{record.form_hash[:HASH_SHOWN]}…"
    if record.submitted_at:
        lines = [_("Form {form} version {version}, wording {wording}; signed {when}").format(
            form=record.form_id, version=record.form_version, wording=wording,
            when=show(record.submitted_at, zone))]
    else:
        lines = [_("Form {form} version {version}, wording {wording}; not signed").format(
            form=record.form_id, version=record.form_version, wording=wording)]
    if record.course_until is not None:
        lines.append(ngettext(
            "Consent for a course: up to {count} session until {date}",
            "Consent for a course: up to {count} sessions until {date}",
            record.course_sessions).format(count=record.course_sessions,
                                           date=day_text(record.course_until, clinic_language())))
    if record.continues is not None:
        lines.append(_("Check-in, continuing the course consent of {when}").format(
            when=show(record.continues.signed_at, zone)) if record.continues.signed_at
            else _("Check-in, continuing a course consent not on this computer yet"))
    if record.reconsent is not None:
        lines.append(_("Full consent asked again: {why}").format(
            why=reasons_text(record.reconsent.reasons)))
    if record.reconsent_asked_at is not None:
        lines.append(_("A practitioner asked for the full consent at the next visit"))
    flags = [f for f in record.flags if f.superseded_at is None]
    if not flags:
        lines.append(_("No flags."))
    for flag in flags:
        decision = flag.decision
        outcome = (_("{decision}: {reason}").format(
            decision=review.decision_word(decision.decision), reason=isolate(decision.reason))
            if decision else _("no decision yet"))
        lines.append(f"{review.severity_word(flag.severity)} — "
                     f"{review.practitioner_words(flag, record)} ({outcome})")
    return lines


class PatientHistory(QWidget):
    """Emits ``open_intake(intake_id)`` for a visit's review, ``back_requested`` on Back or
    Escape."""

    open_intake = Signal(str)
    back_requested = Signal()
    loaded = Signal()
    failed = Signal(str)

    def __init__(self, db: Database, zone: tzinfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("patientHistory")
        self.db = db
        self.zone = zone
        self.records: list[Any] = []
        self.open_buttons: dict[str, QPushButton] = {}
        self.back_button = QPushButton(_("‹ Back"))
        self.back_button.setObjectName("backButton")
        self.back_button.setAutoDefault(False)
        self.back_button.setAccessibleDescription(_("Back to where the history was opened "
                                                    "(Escape)"))
        self.title = text_label("", "reviewTitle")
        self.title.setAccessibleName(_("Patient"))
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        self.scroll = review_scroll()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.scroll, 1)
        self.back_button.clicked.connect(self.back_requested)

    def show_patient_of(self, intake_id: str) -> None:
        """Read the course of the patient of ``intake_id``; ``loaded`` once shown."""
        Task(lambda store: store.patient_history(intake_id), what=N_("reading the history"),
             parent=self, success=self._show).failure(
            lambda error: self.failed.emit(error.message)).run_in_background(self.db)

    def _show(self, records: list[Any]) -> None:
        self.records = records
        self.open_buttons = {}
        patient = records[0].patient
        self.title.setText(_("{name}, born {date}").format(
            name=isolate(patient.name), date=day_text(patient.birth_date, clinic_language())))
        content = QWidget()
        content.setObjectName("reviewContent")  # the review's background, not the scroll's
        sections = QVBoxLayout(content)
        n = len(records)
        sections.addWidget(section(ngettext("Visits ({count}), newest first",
                                            "Visits ({count}), newest first", n).format(count=n)))
        for record in records:
            sections.addWidget(self._visit(record))
        sections.addStretch(1)
        self.scroll.setWidget(content)
        self.loaded.emit()

    def _visit(self, record: Any) -> QWidget:
        box = QFrame()
        box.setObjectName("flagCard")
        layout = QVBoxLayout(box)
        head = QHBoxLayout()
        flags = [f for f in record.flags if f.superseded_at is None]
        worst = max((f.severity for f in flags), key=("info", "review", "stop").index,
                    default=None)
        box.setProperty("severity", worst or "")
        head.addWidget(icon(worst))
        status = review.status_word(record.status)
        head.addWidget(text_label(f"{show(record.appointment_at, self.zone)} — {status}",
                                  "fieldValue"), 1)
        button = QPushButton(_("Open review"))
        button.setAutoDefault(False)
        button.setAccessibleName(_("Open the review of {when}").format(
            when=show(record.appointment_at, self.zone)))
        button.clicked.connect(lambda _=False, i=record.id: self.open_intake.emit(i))
        self.open_buttons[record.id] = button
        head.addWidget(button)
        layout.addLayout(head)
        for line in visit_lines(record, self.zone):
            layout.addWidget(text_label(line, "documentLine", selectable=True))
        return box

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.back_requested.emit()
            return
        super().keyPressEvent(event)
