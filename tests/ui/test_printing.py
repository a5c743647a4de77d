"""Printing a consent: to a PDF-file printer anywhere, and through a real CUPS print server.

The CUPS tests need a running scheduler with a cups-pdf queue (``.ci/cups-setup.sh`` makes
one). Without a print server they are skipped, saying why; in CI (``CI=true``) they fail
instead, because there the print server is part of the machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import uuid
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter

from mesocheck.ui.review import printing
from tests.support.answers import SHORT_ANSWERS
from tests.support.records import SETTINGS, make_record

# The offscreen platform cannot size native dialogs; a message box or print dialog says so.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

QUEUE = os.environ.get("MESOCHECK_PRINTER", "mesocheck-pdf")
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="module")
def consent_pdf() -> bytes:
    from mesocheck.documents.consent import build_consent_pdf
    from mesocheck.forms.registry import default_form

    form = default_form()
    return build_consent_pdf(make_record(form, SHORT_ANSWERS), form, SETTINGS)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)


# -- no print server needed -------------------------------------------------------------------


def file_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def test_every_page_is_painted_at_the_printers_resolution(qapp, tmp_path, consent_pdf):
    out = tmp_path / "printed.pdf"
    printer = file_printer(out)
    printer.setResolution(300)
    pages = printing.render_to_printer(consent_pdf, printer, printing.PrintOptions())
    assert pages == page_count(consent_pdf)
    printed = PdfReader(out)
    assert len(printed.pages) == pages
    image = printed.pages[0].images[0].image
    width_in = float(printed.pages[0].mediabox.width) / 72
    assert image.size[0] / width_in == pytest.approx(300, rel=0.05)  # 300 dpi, not less
    assert image.getpixel((5, 5))[:3] == (255, 255, 255)  # paper white, not transparent


def test_resolution_is_capped_so_jobs_stay_printable(qapp, tmp_path, consent_pdf):
    printer = file_printer(tmp_path / "out.pdf")
    printer.setResolution(2400)
    printing.render_to_printer(consent_pdf, printer,
                               printing.PrintOptions(first_page=1, last_page=1))
    assert printer.resolution() == printing.MAX_DPI


def test_patient_copy_is_stamped_and_page_range_respected(qapp, tmp_path, consent_pdf):
    out = tmp_path / "copy.pdf"
    printer = file_printer(out)
    printer.setResolution(150)
    options = printing.PrintOptions(stamp=printing.PATIENT_COPY, first_page=2, last_page=3)
    assert printing.render_to_printer(consent_pdf, printer, options) == 2
    printed = PdfReader(out)
    assert len(printed.pages) == 2
    assert "PATIENT COPY" in " ".join(printed.pages[0].extract_text().split())


class _NoPrinters:
    @staticmethod
    def availablePrinters():
        return []

    @staticmethod
    def defaultPrinter():
        from PySide6.QtPrintSupport import QPrinterInfo

        return QPrinterInfo()


def test_no_printer_is_a_clear_error_not_a_crash(qapp, monkeypatch, consent_pdf):
    monkeypatch.setattr(printing, "QPrinterInfo", _NoPrinters)
    with pytest.raises(printing.PrintError) as error:
        printing.print_pdf(consent_pdf)
    assert error.value.message == printing.no_printer()
    with pytest.raises(printing.PrintError, match="No printer is set up"):
        printing.print_pdf_batch([consent_pdf])


def test_no_printer_in_the_app_shows_a_message(qtbot, monkeypatch, consent_pdf):
    from PySide6.QtWidgets import QMessageBox, QWidget

    monkeypatch.setattr(printing, "QPrinterInfo", _NoPrinters)
    window = QWidget()
    qtbot.addWidget(window)
    outcomes = []
    assert printing.print_dialog(consent_pdf, window, on_done=outcomes.append) is None
    box = window.findChild(QMessageBox, "print-message")
    assert box is not None and box.isVisible()
    assert "No printer is set up" in box.text()
    assert outcomes[0].error == printing.no_printer() and outcomes[0].result is None
    box.accept()


@pytest.mark.qt_log_ignore("QPainter::begin", "QPdfWriter", "QPrinter")
def test_a_printer_that_refuses_the_job_is_reported(qapp, tmp_path, consent_pdf):
    printer = file_printer(tmp_path / "no such folder" / "out.pdf")
    with pytest.raises(printing.PrintError, match="did not accept the document"):
        printing.render_to_printer(consent_pdf, printer, printing.PrintOptions())


def test_a_damaged_document_is_not_sent(qapp, tmp_path):
    printer = file_printer(tmp_path / "out.pdf")
    with pytest.raises(printing.PrintError, match="cannot be read"):
        printing.render_to_printer(b"%PDF-1.4 broken", printer, printing.PrintOptions())


# -- a real print server ----------------------------------------------------------------------


def print_server() -> tuple[str, Path]:
    """The cups-pdf queue and the folder it writes to; skip (or fail in CI) without them."""
    def missing(reason: str):
        if IN_CI:
            pytest.fail(f"CI needs the print server (.ci/cups-setup.sh): {reason}")
        pytest.skip(f"no print server: {reason}")

    if shutil.which("lpstat") is None:
        missing("CUPS is not installed (lpstat not found)")
    running = subprocess.run(["lpstat", "-r"], capture_output=True, text=True, timeout=20)
    if "is running" not in running.stdout:
        missing("the CUPS scheduler is not running")
    queue = subprocess.run(["lpstat", "-v", QUEUE], capture_output=True, text=True, timeout=20)
    if queue.returncode != 0 or "cups-pdf:" not in queue.stdout:
        missing(f"no cups-pdf queue named {QUEUE!r} (run .ci/cups-setup.sh as root)")
    if QUEUE not in printing.printer_names():
        missing(f"Qt does not see the queue {QUEUE!r}")
    return QUEUE, _cups_pdf_folder()


def _cups_pdf_folder() -> Path:
    override = os.environ.get("MESOCHECK_PRINT_DIR")
    if override:
        return Path(override)
    conf = Path("/etc/cups/cups-pdf.conf")
    text = conf.read_text() if conf.exists() else ""
    match = re.search(r"^Out\s+(\S+)", text, re.M)
    folder = match.group(1) if match else "${HOME}/PDF"
    return Path(folder.replace("${HOME}", str(Path.home())).replace("${USER}",
                                                                    os.environ.get("USER", "")))


def wait_for_printed(folder: Path, token: str, pages: int, timeout: float = 240) -> Path:
    """The file cups-pdf wrote for the job titled ``token``, once complete."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in folder.glob(f"*{token}*.pdf"):
            try:
                if len(PdfReader(path).pages) == pages:
                    return path
            except Exception:
                pass  # still being written
        time.sleep(0.5)
    raise AssertionError(f"no printed file for {token} in {folder} after {timeout:.0f} s")


@pytest.mark.printing
def test_a_cups_queue_is_sent_the_pdf_itself(qapp, consent_pdf):
    """The document, not pictures of it: what the queue printed still holds the consent's
    text (page images would hold none) and is about the size of the consent."""
    queue, folder = print_server()
    assert printing.cups.is_cups_queue(queue)
    token = f"mc-{uuid.uuid4().hex[:10]}"
    result = printing.print_pdf(consent_pdf, queue, copies=1, doc_name=token)
    assert result.printer == queue and result.pages == page_count(consent_pdf)
    printed = wait_for_printed(folder, token, result.pages)
    text = " ".join(page.extract_text() for page in PdfReader(printed).pages)
    # (ghostscript in cups-pdf writes its own encoding of letters beyond ASCII)
    assert "lodie Marchand" in text and "Your consent" in text
    assert printed.stat().st_size < 4 * len(consent_pdf)  # a raster job was 100 times larger
    printed.unlink()


@pytest.mark.printing
def test_page_images_where_the_pdf_cannot_go(qapp, consent_pdf):
    """The way for a print system that takes no PDF: each page rendered and painted."""
    queue, folder = print_server()
    token = f"mc-{uuid.uuid4().hex[:10]}"
    result = printing.print_pdf(consent_pdf, queue, doc_name=token, raster=True)
    assert result.resolution > 0  # rendered at the printer's resolution
    printed = wait_for_printed(folder, token, result.pages)
    reader = PdfReader(printed)
    assert len(reader.pages) == page_count(consent_pdf)
    assert reader.pages[0].images  # pictures of the pages
    printed.unlink()


def choose_in_dialog(dialog, queue: str) -> None:
    """Pick ``queue`` in the dialog's printer list, as a person would."""
    from PySide6.QtWidgets import QComboBox

    for combo in dialog.findChildren(QComboBox):
        index = combo.findText(queue)
        if index >= 0:
            combo.setCurrentIndex(index)
            return
    dialog.printer().setPrinterName(queue)


@pytest.mark.printing
def test_a_queue_that_refuses_jobs_is_reported(qapp, consent_pdf):
    queue, _folder = print_server()
    refusing = f"{queue}-refusing"
    if refusing not in printing.printer_names():
        if IN_CI:
            pytest.fail(f"CI needs the refusing queue {refusing!r} (.ci/cups-setup.sh)")
        pytest.skip(f"no queue {refusing!r} (run .ci/cups-setup.sh as root)")
    with pytest.raises(printing.PrintError, match="is not taking jobs now"):
        printing.print_pdf(consent_pdf, refusing)


@pytest.mark.printing
def test_patient_copy_through_the_print_dialog(qtbot, consent_pdf):
    from PySide6.QtWidgets import QWidget

    queue, folder = print_server()
    window = QWidget()
    qtbot.addWidget(window)
    outcomes = []
    token = f"mc-{uuid.uuid4().hex[:10]}"
    dialog = printing.print_dialog(consent_pdf, window, patient_copy=True, doc_name=token,
                                   on_done=outcomes.append)
    assert dialog is not None and dialog.isVisible()  # open, and the test goes on: no exec()
    choose_in_dialog(dialog, queue)
    dialog.accept()
    qtbot.waitUntil(lambda: bool(outcomes), timeout=180_000)
    assert outcomes[0].error is None, outcomes[0].error
    assert outcomes[0].result.printer == queue
    printed = wait_for_printed(folder, token, page_count(consent_pdf))
    text = " ".join(page.extract_text() for page in PdfReader(printed).pages)
    assert text.count("PATIENT COPY") >= page_count(consent_pdf)  # CUPS's label, every page
    printed.unlink()
