"""The practitioner's review as one widget for the staff home: the queue, and one intake's
detail over it, with the dialogs and background work that the actions need.

``ReviewPanel(store, staff)`` is all the staff home has to create. It signals
``lock_requested`` when the tablet goes to the patient (to sign again), so the shell locks the
staff views, and every write it makes carries the signed-in staff member as the actor.
"""

from __future__ import annotations

from datetime import date, tzinfo
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
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
from mesocheck.errors import MesocheckError
from mesocheck.timeutil import clinic_zone
from mesocheck.ui.background import Job, run_with_store
from mesocheck.ui.review.detail import ReviewDetail
from mesocheck.ui.review.dialogs import (
    AmendmentDialog,
    CountersignDialog,
    DecisionDialog,
    ResignDialog,
)
from mesocheck.ui.review.queue_view import QueueView
from mesocheck.ui.review.style import apply_review_style


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
        self.bar.setAccessibleName("Batch print progress")
        self.bar.setFormat("%v of %m")
        self.close_button = QPushButton("Close")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 2)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.close_button)
        self.close_button.clicked.connect(self.hide)
        self.hide()


class ReviewPanel(QWidget):
    """Queue and detail in one stack. ``staff`` is the signed-in ``StaffMember``."""

    lock_requested = Signal()
    message = Signal(str)  # one sentence for the person at the tablet
    job_finished = Signal(str)  # what finished: "countersign_pdf", "resign_pdf", "batch"

    def __init__(self, store: Any, staff: Any, parent: QWidget | None = None,
                 *, printer: Callable[..., Any] | None = None, zone: tzinfo | None = None):
        super().__init__(parent)
        self.setObjectName("reviewPanel")
        apply_review_style(self)
        self.store = store
        self.staff = staff
        self.zone = zone or clinic_zone(store.setting("time_zone"))
        self._printer = printer
        self.queue = QueueView(store, self.zone)
        self.detail = ReviewDetail(store, staff, self.zone)
        self.batch_bar = BatchBar()
        self.notice = QLabel()
        self.notice.setObjectName("reviewNotice")
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Message")
        self.notice.hide()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.queue)
        self.stack.addWidget(self.detail)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.batch_bar)
        self.dialog: Any = None
        self.jobs: list[Job] = []

        self.queue.open_intake.connect(self.open_intake)
        self.queue.print_batch_requested.connect(self.print_batch)
        self.detail.back_requested.connect(self.show_queue)
        self.detail.decide_requested.connect(self.ask_decision)
        self.detail.countersign_requested.connect(self.ask_countersign)
        self.detail.amend_requested.connect(self.ask_amendment)
        self.detail.resign_requested.connect(self.ask_resign)
        self.detail.print_requested.connect(self.print_document)
        self.detail.preview_requested.connect(self.preview_document)
        self.message.connect(self._show_notice)

    # -- navigation -----------------------------------------------------------------------

    def open_intake(self, intake_id: str) -> None:
        try:
            self.detail.show_intake(intake_id)
        except MesocheckError as exc:
            self.message.emit(exc.message)
            return
        self.notice.hide()
        self.stack.setCurrentWidget(self.detail)
        self.detail.back_button.setFocus()

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
        dialog.resize(min(900, max(640, self.width() - 160)), dialog.sizeHint().height())
        dialog.show()
        return dialog

    def ask_decision(self, flag: Any, decision: str) -> DecisionDialog:
        dialog = DecisionDialog(self.store, self.detail.record.id, flag, self.staff, decision,
                                self)
        return self._open(dialog, dialog.saved, lambda _status: self.detail.reload())

    def ask_countersign(self) -> CountersignDialog:
        dialog = CountersignDialog(self.store, self.detail.record.id, self.staff, self.zone,
                                   self)
        return self._open(dialog, dialog.signed, lambda _id: self._after_countersign())

    def ask_amendment(self) -> AmendmentDialog:
        dialog = AmendmentDialog(self.store, self.detail.record.id, self.staff,
                                 self.detail.form, self.zone, self)
        return self._open(dialog, dialog.amended, lambda _qid: self.detail.reload())

    def ask_resign(self) -> ResignDialog:
        """The tablet goes to the patient: the staff views lock behind the dialog."""
        dialog = ResignDialog(self.store, self.detail.record.id, self.detail.form, self.zone,
                              self)
        self.lock_requested.emit()
        return self._open(dialog, dialog.signed, lambda _id: self._after_resign())

    # -- background work ------------------------------------------------------------------

    def _run(self, what: str, key: str, work: Callable, on_success: Callable[[Any], None],
             progress_text: str) -> Job:
        self.detail.show_progress(progress_text)
        job = run_with_store(self.store.path, work, what, self)
        self.jobs.append(job)

        def finished() -> None:
            self.jobs.remove(job)
            self.detail.hide_progress()
            self.job_finished.emit(key)

        job.succeeded.connect(on_success)
        job.failed.connect(self.message)
        job.done.connect(finished)
        return job

    def _after_countersign(self) -> None:
        self.detail.reload()
        intake_id = self.detail.record.id
        self._run("building the reviewed consent PDF", "countersign_pdf",
                  lambda store, report: review.build_reviewed_consent(store, intake_id),
                  lambda _doc: self._document_ready(intake_id),
                  "Building the reviewed consent PDF…")

    def _after_resign(self) -> None:
        self.detail.reload()
        intake_id = self.detail.record.id
        self._run("building the re-signed consent PDF", "resign_pdf",
                  lambda store, report: review.build_patient_consent(store, intake_id),
                  lambda _doc: self._document_ready(intake_id),
                  "Building the consent PDF with the new signature…")

    def _document_ready(self, intake_id: str) -> None:
        if self.detail.record is not None and self.detail.record.id == intake_id:
            self.detail.reload()

    # -- printing -------------------------------------------------------------------------

    def _printing(self) -> Any:
        from mesocheck.ui.review import printing

        return printing

    def print_document(self, document_id: int) -> None:
        try:
            data = self.store.document_bytes(document_id)
            if self._printer is not None:
                self._printer([data])
            else:
                self._printing().print_pdf(data, parent=self)
        except MesocheckError as exc:
            self.message.emit(exc.message)

    def preview_document(self, document_id: int) -> None:
        try:
            data = self.store.document_bytes(document_id)
            from mesocheck.ui.review import preview as pdf_preview

            pdf_preview.show_pdf(data, parent=self)
        except MesocheckError as exc:
            self.message.emit(exc.message)

    def print_batch(self, day: date) -> Job | None:
        """Print every consent cleared for ``day``, one after another, with progress."""
        items = review.print_batch(self.store, day, self.zone)
        ready = [i for i in items if i.problem is None]
        left_out = [i for i in items if i.problem is not None]
        bar = self.batch_bar
        if not ready:
            bar.text.setText(self._batch_summary(0, left_out) if items
                             else "No consent cleared for today to print.")
            bar.bar.hide()
            bar.show()
            return None
        bar.bar.show()
        bar.bar.setRange(0, len(ready))
        bar.bar.setValue(0)
        bar.text.setText(f"Printing {len(ready)} cleared consent(s)…")
        bar.show()
        ids = [i.document_id for i in ready]
        printer = self._printer or self._printing().print_pdf_batch

        def work(store: Any, report: Callable[[int, int], None]) -> int:
            datas = []
            for n, document_id in enumerate(ids, start=1):
                datas.append(store.document_bytes(document_id))
            return printer(datas, progress=report) if self._printer is None else \
                _counting_print(printer, datas, report)

        job = run_with_store(self.store.path, work, "printing today's consents", self)
        self.jobs.append(job)
        job.progress.connect(lambda done, total: bar.bar.setValue(done))
        job.succeeded.connect(lambda printed: bar.text.setText(
            self._batch_summary(len(ready), left_out)))
        job.failed.connect(bar.text.setText)
        job.done.connect(lambda: (self.jobs.remove(job), self.job_finished.emit("batch")))
        return job

    @staticmethod
    def _batch_summary(printed: int, left_out: list) -> str:
        text = f"Printed {printed} cleared consent{'s' if printed != 1 else ''}."
        if left_out:
            names = "; ".join(f"{i.patient_name} ({i.problem})" for i in left_out[:5])
            more = f" and {len(left_out) - 5} more" if len(left_out) > 5 else ""
            text += f" Not printed: {names}{more}."
        return text


def _counting_print(printer: Callable, datas: list[bytes],
                    report: Callable[[int, int], None]) -> int:
    """Print one document at a time through ``printer`` so progress can be reported."""
    for n, data in enumerate(datas, start=1):
        printer([data])
        report(n, len(datas))
    return len(datas)


def review_screen(context: Any) -> ReviewPanel:
    """The staff home's factory (``EXTRA_SCREENS``): the panel reads and writes through a
    Store connection of its own on the same file (WAL lets it share with the app's worker)."""
    from mesocheck.store.store import Store

    store = Store.open(context.db.path, create=False)
    panel = ReviewPanel(store, context.staff, zone=context.zone)
    panel.destroyed.connect(lambda *_: store.close())
    return panel
