"""The practitioner's review as one widget for the staff home: the queue, and one intake's
detail over it, with the dialogs and background work that the actions need.

``ReviewPanel(db, staff, zone)`` is all the staff home has to create. It signals
``lock_requested`` when the tablet goes to the patient (to sign again), so the shell locks the
staff views, and every write it makes carries the signed-in staff member as the actor. Every
read and write goes through the app's database thread (:mod:`mesocheck.ui.tasks`): the
window never waits on the disk, however busy the database is.
"""

from __future__ import annotations

from datetime import date, tzinfo
from typing import Any, Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mesocheck import review
from mesocheck.i18n import N_, _, ngettext
from mesocheck.forms.isolation import isolate
from mesocheck.store.audit import staff_actor
from mesocheck.ui.review.detail import ReviewDetail
from mesocheck.ui.review.dialogs import (
    AmendmentDialog,
    CountersignDialog,
    DecisionDialog,
    ResignDialog,
)
from mesocheck.ui.review.history import PatientHistory
from mesocheck.ui.review.queue_view import QueueView
from mesocheck.ui.review.style import apply_review_style
from mesocheck.ui.tasks import Database, Task


class BatchBar(QWidget):
    """Progress of the day's batch print, with a way to stop after the current copy."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("batchBar")
        self.text = QLabel()
        self.text.setObjectName("progressText")
        self.text.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setObjectName("reviewProgress")
        self.bar.setAccessibleName(_("Batch print progress"))
        self.bar.setFormat("%v of %m")
        self.close_button = QPushButton(_("Close"))
        self.close_button.setAccessibleDescription(_("Hides this report of the batch print"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 2)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.close_button)
        self.close_button.clicked.connect(self.hide)
        self.hide()


class ReviewPanel(QWidget):
    """Queue and detail in one stack. ``staff`` is the signed-in ``StaffMember``, ``zone``
    the clinic's."""

    lock_requested = Signal()
    message = Signal(str)  # one sentence for the person at the tablet
    job_finished = Signal(str)  # what finished: "countersign_pdf", "resign_pdf", "batch"

    def __init__(self, db: Database, staff: Any, zone: tzinfo, parent: QWidget | None = None,
                 *, printer: Callable[..., Any] | None = None):
        super().__init__(parent)
        self.setObjectName("reviewPanel")
        apply_review_style(self)
        self.db = db
        self.staff = staff
        self.zone = zone
        self._printer = printer
        self.queue = QueueView(db, zone)
        self.detail = ReviewDetail(db, staff, zone)
        self.history = PatientHistory(db, zone)
        self._history_from: QWidget = self.queue
        self.batch_bar = BatchBar()
        self.notice = QLabel()
        self.notice.setObjectName("reviewNotice")
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName(_("Message"))
        self.notice.hide()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.queue)
        self.stack.addWidget(self.detail)
        self.stack.addWidget(self.history)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.batch_bar)
        self.dialog: Any = None
        self.jobs: list[Task] = []

        self.queue.open_intake.connect(self.open_intake)
        self.queue.print_batch_requested.connect(self.print_batch)
        self.queue.model.failed.connect(self.message)
        self.detail.loaded.connect(self._detail_loaded)
        self.detail.failed.connect(self.message)
        self.detail.back_requested.connect(self.show_queue)
        self.detail.decide_requested.connect(self.ask_decision)
        self.detail.countersign_requested.connect(self.ask_countersign)
        self.detail.amend_requested.connect(self.ask_amendment)
        self.detail.resign_requested.connect(self.ask_resign)
        self.detail.print_requested.connect(self.print_document)
        self.detail.preview_requested.connect(self.preview_document)
        self.detail.history_requested.connect(self.open_history)
        self.queue.history_requested.connect(self.open_history)
        self.history.open_intake.connect(self.open_intake)
        self.history.back_requested.connect(self._history_back)
        self.history.loaded.connect(self._history_loaded)
        self.history.failed.connect(self.message)
        self.message.connect(self._show_notice)
        # On the hub, another station's write (a tablet sending, another practitioner
        # deciding) shows without a refresh: the queue is read again, and the intake open
        # here if it was that one.
        self._changed: set[str] = set()
        self._changed_timer = QTimer(self, singleShot=True, interval=100)
        self._changed_timer.timeout.connect(self._show_changes)
        db.changed_elsewhere.connect(self._changed_elsewhere)

    def _changed_elsewhere(self, intake_id: str) -> None:
        self._changed.add(intake_id)
        self._changed_timer.start()

    def _show_changes(self) -> None:
        changed, self._changed = self._changed, set()
        self.queue.refresh()
        shown = self.detail._asked
        if self.stack.currentWidget() is self.detail and shown and (
                shown in changed or "" in changed) and self.dialog is None:
            self.detail.reload()

    # -- navigation -----------------------------------------------------------------------

    def open_intake(self, intake_id: str) -> None:
        """Show the intake's review once it has been read (``detail.loaded``)."""
        self.detail.show_intake(intake_id)

    def _detail_loaded(self, _intake_id: str) -> None:
        if self.stack.currentWidget() is not self.detail:
            self.notice.hide()
            self.stack.setCurrentWidget(self.detail)
            self.detail.back_button.setFocus()

    def open_history(self, intake_id: str) -> None:
        """Show the course of the patient of ``intake_id`` once it has been read."""
        self._history_from = self.stack.currentWidget()
        self.history.show_patient_of(intake_id)

    def _history_loaded(self) -> None:
        self.notice.hide()
        self.stack.setCurrentWidget(self.history)
        self.history.back_button.setFocus()

    def _history_back(self) -> None:
        if self._history_from is self.detail:
            self.stack.setCurrentWidget(self.detail)
            self.detail.back_button.setFocus()
        else:
            self.show_queue()

    def show_queue(self) -> None:
        self.queue.refresh()
        self.stack.setCurrentWidget(self.queue)
        self.queue.table.setFocus()

    def _show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    # -- dialogs --------------------------------------------------------------------------

    def _open(self, dialog: Any, signal: Any, then: Callable[..., None]) -> Any:
        self.dialog = dialog
        signal.connect(then)
        dialog.finished.connect(lambda *_: setattr(self, "dialog", None))
        window = self.window()  # on the screen, its buttons in reach
        dialog.resize(min(900, window.width() - 48),
                      max(240, min(dialog.natural_height(), window.height() - 40)))
        dialog.show()
        return dialog

    def ask_decision(self, flag: Any, decision: str) -> DecisionDialog:
        record = self.detail.record
        dialog = DecisionDialog(self.db, record.id, flag, self.staff, decision, self,
                                words=review.practitioner_words(flag, record))
        return self._open(dialog, dialog.saved, lambda _status: self.detail.reload())

    def ask_countersign(self) -> CountersignDialog:
        dialog = CountersignDialog(self.db, self.detail.record, self.staff, self.zone, self)
        return self._open(dialog, dialog.signed, lambda _id: self._after_countersign())

    def ask_amendment(self) -> AmendmentDialog:
        dialog = AmendmentDialog(self.db, self.detail.record, self.staff, self.detail.form,
                                 self.zone, self)
        return self._open(dialog, dialog.amended, lambda _qid: self.detail.reload())

    def ask_resign(self) -> ResignDialog:
        """The tablet goes to the patient: the staff views lock behind the dialog."""
        dialog = ResignDialog(self.db, self.detail.record, self.detail.form, self.zone, self)
        self.lock_requested.emit()
        return self._open(dialog, dialog.signed, lambda _id: self._after_resign())

    # -- background work ------------------------------------------------------------------

    def _build(self, key: str, op: Callable[[Any], Any], what: str, progress_text: str
               ) -> Task:
        """A document built on the database thread, with the progress row meanwhile."""
        self.detail.show_progress(progress_text)
        intake_id = self.detail.record.id

        def finished(_result: Any = None) -> None:
            self.jobs.remove(task)
            self.detail.hide_progress()
            if self.detail.record is not None and self.detail.record.id == intake_id:
                self.detail.reload()
            self.job_finished.emit(key)

        def failed(error: Any) -> None:
            self.message.emit(error.message)
            finished()

        task = Task(op, what=what, success=finished, parent=self).failure(failed).heavy()
        self.jobs.append(task)
        return task.run_in_background(self.db)

    def _after_countersign(self) -> None:
        intake_id = self.detail.record.id
        self._build("countersign_pdf",
                    lambda store: review.build_reviewed_consent(store, intake_id),
                    N_("building the reviewed consent PDF"),
                    _("Building the reviewed consent PDF…"))

    def _after_resign(self) -> None:
        intake_id = self.detail.record.id
        self._build("resign_pdf", lambda store: review.build_patient_consent(store, intake_id),
                    N_("building the re-signed consent PDF"),
                    _("Building the consent PDF with the new signature…"))

    # -- printing -------------------------------------------------------------------------

    def _printing(self) -> Any:
        from mesocheck.ui.review import printing

        return printing

    def _with_document(self, document_id: int, then: Callable[[bytes], Any]) -> Task:
        return Task(lambda store: store.document_bytes(document_id), success=then, parent=self,
                    what=N_("reading the document")).failure(
            lambda error: self.message.emit(error.message)).run_in_background(self.db)

    def print_document(self, document_id: int) -> Task:
        def print_it(data: bytes) -> None:
            if self._printer is not None:
                self._printer([data])
            else:
                self._printing().print_pdf(data, parent=self)

        return self._with_document(document_id, print_it)

    def preview_document(self, document_id: int) -> Task:
        """The clinic's record on screen; its patient's copy goes with it, for printing."""
        def read(store: Any) -> tuple[bytes, bytes | None, str]:
            from mesocheck.store.records import PATIENT_COPY

            intake_id = store.document(document_id).intake_id
            copy = store.latest_document(intake_id, kinds=(PATIENT_COPY,))
            return (store.document_bytes(document_id),
                    store.document_bytes(copy.id) if copy is not None else None, intake_id)

        def show(found: tuple[bytes, bytes | None, str]) -> None:
            from mesocheck.ui.review import preview

            window = preview.show_pdf(found[0], parent=self, patient_copy=found[1])
            window.preview.patient_copy_printed.connect(
                lambda: self.copy_printed(found[2]))

        return Task(read, success=show, parent=self, what=N_("reading the document")).failure(
            lambda error: self.message.emit(error.message)).run_in_background(self.db)

    def copy_printed(self, intake_id: str) -> Task:
        """Record when the patient's copy was printed (the review shows it)."""
        actor = staff_actor(self.staff.id)

        def done(_result: Any) -> None:
            record = self.detail.record
            if record is not None and record.id == intake_id:
                self.detail.reload()

        return Task(lambda store: store.copy_printed(intake_id, actor), success=done,
                    parent=self, what=N_("recording the printed copy")).failure(
            lambda error: self.message.emit(error.message)).retrying().run_in_background(self.db)

    def print_batch(self, day: date) -> Task:
        """Print every consent cleared for ``day``, one after another, with progress."""
        zone = self.zone

        def read(store: Any) -> tuple[list, list[bytes]]:
            items = review.print_batch(store, day, zone)
            ready = [i for i in items if i.problem is None]
            return items, [store.document_bytes(i.document_id) for i in ready]

        def failed(error: Any) -> None:
            self.batch_bar.text.setText(error.message)
            self.batch_bar.bar.hide()
            self.batch_bar.show()
            self.job_finished.emit("batch")

        return Task(read, success=lambda found: self._print_batch(*found), parent=self,
                    what=N_("reading today's consents")).failure(failed).run_in_background(
            self.db)

    def _print_batch(self, items: list, datas: list[bytes]) -> None:
        left_out = [i for i in items if i.problem is not None]
        bar = self.batch_bar
        if not datas:
            bar.text.setText(self._batch_summary(0, left_out) if items
                             else _("No consent cleared for today to print."))
            bar.bar.hide()
            bar.show()
            self.job_finished.emit("batch")
            return
        bar.bar.show()
        bar.bar.setRange(0, len(datas))
        bar.bar.setValue(0)
        bar.text.setText(ngettext("Printing {count} cleared consent…",
                                  "Printing {count} cleared consents…", len(datas)).format(
            count=len(datas)))
        bar.show()
        printer = self._printer

        def work(report: Callable[[int, int], None]) -> int:
            if printer is None:
                return self._printing().print_pdf_batch(datas, progress=report)
            return _counting_print(printer, datas, report)

        def done(message: str) -> None:
            bar.text.setText(message)
            self.jobs.remove(task)
            self.job_finished.emit("batch")

        task = Task(work, what=N_("printing today's consents"), parent=self,
                    success=lambda _n: done(self._batch_summary(len(datas), left_out))).failure(
            lambda error: done(error.message)).with_progress(
            lambda n, _total: bar.bar.setValue(n))
        self.jobs.append(task)
        task.run_in_background()

    @staticmethod
    def _batch_summary(printed: int, left_out: list) -> str:
        text = ngettext("Printed {count} cleared consent.", "Printed {count} cleared consents.",
                        printed).format(count=printed)
        if left_out:
            names = "; ".join(f"{isolate(i.patient_name)} ({i.problem})" for i in left_out[:5])
            if len(left_out) > 5:
                more = len(left_out) - 5
                names = ngettext("{names} and {count} more", "{names} and {count} more",
                                 more).format(names=names, count=more)
            text += " " + _("Not printed: {names}.").format(names=names)
        return text


def _counting_print(printer: Callable, datas: list[bytes],
                    report: Callable[[int, int], None]) -> int:
    """Print one document at a time through ``printer`` so progress can be reported."""
    for n, data in enumerate(datas, start=1):
        printer([data])
        report(n, len(datas))
    return len(datas)


def review_screen(context: Any) -> ReviewPanel:
    """The staff home's factory (``EXTRA_SCREENS``)."""
    return ReviewPanel(context.db, context.staff, context.zone)
