"""The consent on screen before printing."""

from __future__ import annotations

import pytest

from mesocheck.errors import MesocheckError
from mesocheck.ui.review import preview as pdf_preview
from mesocheck.ui.review import printing
from tests.support.answers import LONG_ANSWERS
from tests.support.records import SETTINGS, make_record

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture(scope="module")
def consent_pdf() -> bytes:
    from mesocheck.documents.consent import build_consent_pdf
    from mesocheck.forms.registry import default_form

    form = default_form()
    record = make_record(form, LONG_ANSWERS, name="Zoë Ångström", area="scalp")
    return build_consent_pdf(record, form, SETTINGS)


@pytest.fixture
def preview(qtbot):
    widget = pdf_preview.PdfPreview()
    qtbot.addWidget(widget)
    widget.resize(900, 1100)
    widget.show()
    return widget


def test_shows_every_page_with_a_page_counter(preview, consent_pdf, qtbot):
    preview.set_pdf(consent_pdf)
    assert preview.page_count() >= 5
    qtbot.waitUntil(lambda: preview.page_label.text().startswith("Page 1 of"))
    assert preview.page_label.text() == f"Page 1 of {preview.page_count()}"
    assert preview.print_button.isEnabled() and preview.copy_button.isEnabled()
    assert preview.print_button.minimumSizeHint().height() > 0


def test_zoom_in_and_back_to_fit(preview, consent_pdf):
    from PySide6.QtPdfWidgets import QPdfView

    preview.set_pdf(consent_pdf)
    before = preview.view.zoomFactor()
    preview.zoom_in.click()
    assert preview.view.zoomMode() == QPdfView.ZoomMode.Custom
    assert preview.view.zoomFactor() == pytest.approx(before * pdf_preview.ZOOM_STEP)
    preview.zoom_fit.click()
    assert preview.view.zoomMode() == QPdfView.ZoomMode.FitToWidth


def test_a_damaged_document_says_so_and_cannot_be_printed(preview):
    preview.set_pdf(b"%PDF-1.4 not really")
    assert not preview.print_button.isEnabled()
    assert "cannot be shown" in preview.status.text()


def test_built_in_the_background_with_a_busy_bar(preview, consent_pdf, qtbot):
    import threading

    release = threading.Event()

    def build() -> bytes:
        release.wait(10)
        return consent_pdf

    preview.load_from(build)
    assert preview.stack.currentIndex() == 1 and preview.busy_bar.isVisible()
    assert not preview.print_button.isEnabled()
    release.set()
    qtbot.waitUntil(lambda: preview.page_count() > 0, timeout=20_000)
    assert preview.stack.currentIndex() == 0 and preview.print_button.isEnabled()
    assert not preview.is_busy()


def test_a_failed_build_is_explained(preview, qtbot):
    def build() -> bytes:
        raise MesocheckError("The form this intake used is no longer available.")

    preview.load_from(build)
    qtbot.waitUntil(lambda: "no longer available" in preview.status.text(), timeout=20_000)
    assert not preview.print_button.isEnabled()
    assert not preview.is_busy()


def test_print_without_a_printer_says_so(preview, consent_pdf, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    class NoPrinters:
        @staticmethod
        def availablePrinters():
            return []

    monkeypatch.setattr(printing, "QPrinterInfo", NoPrinters)
    preview.set_pdf(consent_pdf)
    preview.print_button.click()
    assert preview.status.text() == printing.no_printer()
    box = preview.findChild(QMessageBox, "print-message")
    assert box is not None and box.isVisible()
    box.accept()


def test_show_pdf_opens_a_window_that_does_not_block(qtbot, consent_pdf):
    window = pdf_preview.show_pdf(consent_pdf, title="Consent: Zoë Ångström")
    qtbot.addWidget(window)
    assert window.isVisible()
    assert window.windowTitle() == "Consent: Zoë Ångström"
    assert window.preview.page_count() >= 5


def test_screenshot(preview, consent_pdf, qtbot, tmp_path):
    """A picture of the preview to look at (kept in the test's folder)."""
    preview.set_pdf(consent_pdf)
    qtbot.wait(200)
    shot = tmp_path / "pdf_preview.png"
    assert preview.grab().save(str(shot))
    assert shot.stat().st_size > 10_000
