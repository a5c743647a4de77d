"""The consent PDF on screen before it is printed: Qt's PDF viewer with a print bar.

:class:`PdfPreview` is a widget (pages, page counter, zoom, "Print…" and "Print patient
copy…"); :func:`show_pdf` puts one in a window of its own that does not block the app.
While a document is still being made (:meth:`PdfPreview.load_from`), the preview shows a
busy bar and the work runs in a thread of its own.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QDialog, QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QStackedWidget,
    QVBoxLayout, QWidget,
)

from mesocheck.ui.review import printing
from mesocheck.ui.tasks import Task
from mesocheck.ui.widgets.style import set_role
from mesocheck.i18n import N_, _, ngettext

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.25, 4.0


class PdfPreview(QWidget):
    """Shows a PDF and offers to print it."""

    printed = Signal(object)  # printing.PrintOutcome, once a print request has ended
    patient_copy_printed = Signal()  # the patient's copy went to a printer

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._data = b""
        self._buffer: QBuffer | None = None
        self._build: Task | None = None
        self.dialog = None  # the print dialog while it is open (tests accept it)
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setObjectName("pdf-view")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)

        self.busy_text = set_role(QLabel(_("Preparing the consent document…")), "status")
        self.busy_bar = set_role(QProgressBar(), "busy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        busy = QWidget()
        busy_layout = QVBoxLayout(busy)
        busy_layout.addStretch(1)
        busy_layout.addWidget(self.busy_text, 0, Qt.AlignmentFlag.AlignHCenter)
        busy_layout.addWidget(self.busy_bar)
        busy_layout.addStretch(2)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(busy)

        self.page_label = set_role(QLabel(""), "status")
        self.page_label.setObjectName("page-label")
        self.zoom_out = self._button("−", _("Zoom out"), self._zoom_out)
        self.zoom_fit = self._button(_("Fit width"), _("Fit the page to the window width"),
                                     self._fit_width)
        self.zoom_in = self._button("+", _("Zoom in"), self._zoom_in)
        self.print_button = self._button(_("Print…"), _("Print the consent (Ctrl+P)"),
                                         self.print_document, role="primary")
        self.print_button.setShortcut("Ctrl+P")
        self.copy_button = self._button(_("Print patient copy…"),
                                        _("Print a copy for the patient, marked as such"),
                                        self.print_patient_copy)
        self.status = set_role(QLabel(""), "status")
        self.status.setObjectName("print-status")
        self.status.setWordWrap(True)

        bar = set_role(QFrame(), "bar")
        row = QHBoxLayout(bar)
        row.addWidget(self.page_label)
        row.addStretch(1)
        for button in (self.zoom_out, self.zoom_fit, self.zoom_in):
            row.addWidget(button)
        row.addSpacing(24)
        row.addWidget(self.copy_button)
        row.addWidget(self.print_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.stack, 1)

        self.view.pageNavigator().currentPageChanged.connect(self._show_page)
        self.document.pageCountChanged.connect(self._show_page)
        self._set_printable(False)

    def _button(self, text: str, tip: str, slot: Callable[[], object],
                role: str | None = None) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setAccessibleDescription(tip)
        if role:
            set_role(button, role)
        button.clicked.connect(slot)
        return button

    # -- content ------------------------------------------------------------------------

    def set_pdf(self, pdf_bytes: bytes) -> None:
        """Show ``pdf_bytes``; a document that cannot be read leaves a message instead."""
        self.document.close()
        if self._buffer is not None:
            self._buffer.close()
        self._data = bytes(pdf_bytes)
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(self._data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        self.stack.setCurrentIndex(0)
        ok = self.document.status() == QPdfDocument.Status.Ready and self.page_count() > 0
        self._set_printable(ok)
        self.status.setText("" if ok else _("This document cannot be shown: it may be damaged."))
        self._show_page()

    def pdf_bytes(self) -> bytes:
        return self._data

    def page_count(self) -> int:
        return self.document.pageCount()

    def load_from(self, build: Callable[[], bytes]) -> None:
        """Show a busy bar while ``build`` makes the PDF in a thread, then show it."""
        self.busy_text.setText(_("Preparing the consent document…"))
        self.stack.setCurrentIndex(1)
        self._set_printable(False)
        self.status.setText("")
        self.page_label.setText("")
        # A preview closed meanwhile just never hears of the result.
        self._build = Task(lambda: bytes(build()), success=self.set_pdf, parent=self,
                           what=N_("preparing the document")).failure(
            self._build_failed).heavy().run_in_background()

    def is_busy(self) -> bool:
        return self._build is not None and not self._build.done

    def _build_failed(self, error: Any) -> None:
        self.stack.setCurrentIndex(0)
        self.status.setText(error.message)

    # -- printing -------------------------------------------------------------------------

    def print_document(self) -> None:
        self._print(patient_copy=False)

    def print_patient_copy(self) -> None:
        self._print(patient_copy=True)

    def set_patient_copy(self, pdf_bytes: bytes | None) -> None:
        """The patient's own copy, which "Print patient copy…" prints (the document shown
        is the clinic's record); without one, the record itself is printed, marked."""
        self._patient_copy = bytes(pdf_bytes) if pdf_bytes else None

    def _print(self, *, patient_copy: bool) -> None:
        if not self._data:
            return
        self.status.setText("")
        data = (getattr(self, "_patient_copy", None) or self._data) if patient_copy \
            else self._data
        self._printing_copy = patient_copy
        self.dialog = printing.print_dialog(
            data, self, patient_copy=patient_copy, on_done=self._print_done,
            on_progress=self._print_progress,
        )

    def _print_progress(self, done: int, total: int) -> None:
        self.status.setText(_("Printing page {page} of {count}…").format(page=done, count=total))

    def _print_done(self, outcome: printing.PrintOutcome) -> None:
        self.dialog = None
        if outcome.result is not None:
            r = outcome.result
            if r.copies > 1:
                text = ngettext("Sent {count} page, {copies} copies, to “{printer}”.",
                                "Sent {count} pages, {copies} copies, to “{printer}”.", r.pages)
            else:
                text = ngettext("Sent {count} page to “{printer}”.",
                                "Sent {count} pages to “{printer}”.", r.pages)
            self.status.setText(text.format(count=r.pages, copies=r.copies, printer=r.printer))
        elif outcome.error is not None:
            self.status.setText(outcome.error)
        if outcome.result is not None and getattr(self, "_printing_copy", False):
            self.patient_copy_printed.emit()
        self.printed.emit(outcome)

    def _set_printable(self, on: bool) -> None:
        for button in (self.print_button, self.copy_button, self.zoom_in, self.zoom_out,
                       self.zoom_fit):
            button.setEnabled(on)

    # -- navigation and zoom --------------------------------------------------------------

    def _show_page(self, *_args: object) -> None:
        count = self.page_count()
        if count < 1:
            self.page_label.setText("")
            return
        current = self.view.pageNavigator().currentPage() + 1
        self.page_label.setText(_("Page {page} of {count}").format(page=current, count=count))

    def _zoom_in(self) -> None:
        self._zoom(ZOOM_STEP)

    def _zoom_out(self) -> None:
        self._zoom(1 / ZOOM_STEP)

    def _zoom(self, factor: float) -> None:
        current = self.view.zoomFactor()
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(MIN_ZOOM, min(MAX_ZOOM, current * factor)))

    def _fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)


class PreviewWindow(QDialog):
    """A preview in a window of its own, not blocking the app; it deletes itself when
    closed."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("pdf-preview-window")
        self.preview = PdfPreview(self)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview, 1)
        layout.addLayout(row)
        self.resize(900, 1000)
        self.finished.connect(lambda _code: self.deleteLater())


def show_pdf(pdf_bytes: bytes, parent: QWidget | None = None, *,
             title: str | None = None,
             patient_copy: bytes | None = None) -> PreviewWindow:
    """Open a preview window for ``pdf_bytes`` and return it (already shown);
    ``patient_copy`` is what "Print patient copy…" prints."""
    window = PreviewWindow(title or _("Consent document"), parent)
    window.preview.set_pdf(pdf_bytes)
    window.preview.set_patient_copy(patient_copy)
    window.open()
    return window
