"""Printing a stored PDF on a real printer: the native print dialog, then the document.

Where the printer is a CUPS queue (Linux, macOS), the PDF itself is handed to it with
``lp``: vector pages, exact and small (a 65 KB consent stays 65 KB; as page images it was
7.7 MB), the copies, page range, two-sided and "Patient copy" label as CUPS job options.
Only where nothing else takes a PDF (no CUPS) is each page rendered by Qt's PDF module at
the printer's resolution (up to 600 dpi: more only makes the job bigger, not the print
sharper) and painted onto the printer, scaled to fit the paper loaded and centred.

Two ways in:

* :func:`print_dialog` for a person: it opens the native print dialog without blocking
  (printer, copies, duplex, pages), prints in a background thread with progress, and
  reports the outcome through a callback. With no printer at all it says so instead.
* :func:`print_pdf` / :func:`print_pdf_batch` with no dialog, for tests and batch printing;
  safe to call from a worker thread.

Whatever goes wrong (no printer, an unknown or stopped printer, a job the print system
refuses) ends as a :class:`PrintError` with a sentence for the user: never a hang of the
window, never a crash.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Sequence

from msgspec import Struct, field
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QPointF,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import QMessageBox, QWidget

from mesocheck.i18n import N_, _, ngettext
from mesocheck.ui.review import cups
from mesocheck.ui.review.cups import PrintError
from mesocheck.ui.tasks import Task

log = logging.getLogger(__name__)

MAX_DPI = 600
PATIENT_COPY = N_("Patient copy")  # the stamp, in the clinic's language where printed


def no_printer() -> str:
    return _("No printer is set up on this computer. Ask whoever looks after the clinic's "
             "computers to add one; the consent is saved and can be printed later.")


Progress = Callable[[int, int], None]


class PrintOptions(Struct, frozen=True):
    """What the dialog (or a caller) chose; plain data, so it can cross threads."""

    printer_name: str | None = None  # None: the system's default printer
    copies: int = 1
    duplex: QPrinter.DuplexMode | None = None  # None: the printer's own setting
    color: bool = True
    first_page: int = 0  # 1-based; 0: from the first
    last_page: int = 0  # 1-based; 0: to the last
    stamp: str | None = None  # written at the top of every page, e.g. "Patient copy"
    doc_name: str = "Consent"


class PrintResult(Struct, frozen=True):
    printer: str
    pages: int
    copies: int
    resolution: int = field(default=0)


# -- printers ---------------------------------------------------------------------------------


def printer_names() -> list[str]:
    return [info.printerName() for info in QPrinterInfo.availablePrinters()]


def default_printer_name() -> str | None:
    info = QPrinterInfo.defaultPrinter()
    return None if info.isNull() else info.printerName()


def find_printer(name: str | None = None) -> QPrinterInfo:
    """The printer to use: ``name``, else the default, else the only one there is."""
    printers = QPrinterInfo.availablePrinters()
    if not printers:
        raise PrintError(no_printer())
    if name:
        for info in printers:
            if info.printerName() == name:
                break
        else:
            raise PrintError(_(
                "The printer “{name}” is not available on this computer. Choose another "
                "printer, or ask whoever looks after the computers to add it.").format(name=name))
    else:
        info = QPrinterInfo.defaultPrinter()
        if info.isNull():
            info = printers[0]
    if info.state() == QPrinter.PrinterState.Error:
        raise PrintError(_(
            "The printer “{name}” reports a problem (paper, ink or it is switched off). Check "
            "it, or choose another printer.").format(name=info.printerName()))
    return info


# -- printing without a dialog ----------------------------------------------------------------


def print_pdf(pdf_bytes: bytes, printer_name: str | None = None, copies: int = 1, *,
              duplex: QPrinter.DuplexMode | None = None, stamp: str | None = None,
              doc_name: str = "Consent", progress: Progress | None = None,
              parent: QWidget | None = None, raster: bool = False) -> PrintResult | None:
    """Print ``pdf_bytes`` on ``printer_name`` (default: the system's) with no dialog.

    Blocks until the job is handed to the print system, so call it from a worker thread
    in the app. Passing ``parent`` instead asks the person first: the print dialog is
    opened (see :func:`print_dialog`) and this returns None at once. ``raster``: page
    images even where the PDF itself could go (the way without CUPS, for its test).
    """
    if parent is not None:
        print_dialog(pdf_bytes, parent, stamp=stamp)
        return None
    options = PrintOptions(printer_name=printer_name, copies=max(1, int(copies)),
                           duplex=duplex, stamp=stamp, doc_name=doc_name)
    return _print(pdf_bytes, options, progress, raster=raster)


def _print(pdf_bytes: bytes, options: PrintOptions, progress: Progress | None, *,
           raster: bool = False) -> PrintResult:
    info = find_printer(options.printer_name)
    name = info.printerName()
    cups.check_accepting(name)
    if not raster and cups.is_cups_queue(name):
        pages = send_pdf(pdf_bytes, name, options)
        if progress is not None:
            progress(pages, pages)
        return PrintResult(name, pages, options.copies)
    printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    apply_options(printer, options)
    pages = render_to_printer(pdf_bytes, printer, options, progress)
    return PrintResult(name, pages, options.copies, printer.resolution())


def send_pdf(pdf_bytes: bytes, queue: str, options: PrintOptions) -> int:
    """Hand the PDF itself to the CUPS ``queue``; returns the number of pages printed."""
    document, buffer = _open_pdf(pdf_bytes)  # a damaged document is not sent
    count = document.pageCount()
    document.close()
    buffer.close()
    first = max(1, options.first_page or 1)
    last = min(count, options.last_page or count)
    if first > last:
        raise PrintError(ngettext(
            "The pages chosen are not in this document (it has {count} page).",
            "The pages chosen are not in this document (it has {count} pages).", count).format(
            count=count))
    cups.send(pdf_bytes, queue, copies=options.copies, title=options.doc_name,
              pages=None if (first, last) == (1, count) else (first, last),
              sides=_SIDES.get(options.duplex) if options.duplex is not None else None,
              monochrome=not options.color, label=options.stamp)
    return last - first + 1


_SIDES = {QPrinter.DuplexMode.DuplexNone: "one-sided",
          QPrinter.DuplexMode.DuplexLongSide: "two-sided-long-edge",
          QPrinter.DuplexMode.DuplexShortSide: "two-sided-short-edge"}


def print_pdf_batch(documents: Sequence[bytes], *, printer_name: str | None = None,
                    progress: Progress | None = None) -> int:
    """Print several PDFs, one job each, in order; returns how many were printed.

    Stops at the first failure with a :class:`PrintError` saying how many went through.
    """
    find_printer(printer_name)  # fail before the first job when there is no printer
    total = len(documents)
    for done, data in enumerate(documents):
        try:
            print_pdf(data, printer_name, doc_name=f"Consent {done + 1} of {total}")
        except PrintError as exc:
            raise PrintError(_("{problem} ({done} of {total} printed.)").format(
                problem=exc.message, done=done, total=total)) from None
        if progress is not None:
            progress(done + 1, total)
    return total


def apply_options(printer: QPrinter, options: PrintOptions) -> None:
    printer.setDocName(options.doc_name)
    printer.setCopyCount(max(1, options.copies))
    if options.duplex is not None:
        printer.setDuplex(options.duplex)
    printer.setColorMode(QPrinter.ColorMode.Color if options.color
                         else QPrinter.ColorMode.GrayScale)
    if options.first_page or options.last_page:
        printer.setFromTo(options.first_page, options.last_page)
    printer.setFullPage(True)  # the PDF carries its own margins


def options_from(printer: QPrinter, stamp: str | None = None) -> PrintOptions:
    """What the person chose in the dialog, as plain data for the printing thread."""
    first, last = printer.fromPage(), printer.toPage()
    if printer.printRange() != QPrinter.PrintRange.PageRange:
        first = last = 0
    return PrintOptions(
        printer_name=printer.printerName() or None,
        copies=printer.copyCount(),
        duplex=printer.duplex(),
        color=printer.colorMode() == QPrinter.ColorMode.Color,
        first_page=first, last_page=last, stamp=stamp, doc_name=printer.docName() or "Consent",
    )


def render_to_printer(pdf_bytes: bytes, printer: QPrinter, options: PrintOptions,
                      progress: Progress | None = None) -> int:
    """Paint the PDF's pages onto ``printer`` (any QPrinter, a PDF file one included);
    returns the number of pages sent."""
    document, buffer = _open_pdf(pdf_bytes)
    try:
        count = document.pageCount()
        first = max(1, options.first_page or 1)
        last = min(count, options.last_page or count)
        if first > last:
            raise PrintError(ngettext(
            "The pages chosen are not in this document (it has {count} page).",
            "The pages chosen are not in this document (it has {count} pages).", count).format(
            count=count))
        dpi = min(printer.resolution(), MAX_DPI)
        printer.setResolution(dpi)
        dpi = printer.resolution()
        painter = QPainter()
        if not painter.begin(printer):
            raise PrintError(_refused(printer))
        try:
            paper = printer.pageLayout().fullRectPixels(dpi)
            for number in range(first, last + 1):
                if number > first and not printer.newPage():
                    raise PrintError(_refused(printer))
                _paint_page(painter, document, number - 1, paper, dpi, options.stamp)
                if progress is not None:
                    progress(number - first + 1, last - first + 1)
        finally:
            painter.end()
        if printer.printerState() in (QPrinter.PrinterState.Error,
                                      QPrinter.PrinterState.Aborted):
            raise PrintError(_refused(printer))
        return last - first + 1
    finally:
        document.close()
        buffer.close()


def _open_pdf(pdf_bytes: bytes) -> tuple[QPdfDocument, QBuffer]:
    buffer = QBuffer()
    buffer.setData(QByteArray(bytes(pdf_bytes)))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        document.close()
        buffer.close()
        raise PrintError(_(
            "The document cannot be read, so it was not printed. Run “mesocheck verify” "
            "to check the stored documents."))
    return document, buffer


def _paint_page(painter: QPainter, document: QPdfDocument, index: int, paper, dpi: int,
                stamp: str | None) -> None:
    points = document.pagePointSize(index)
    width_px, height_px = points.width() / 72 * dpi, points.height() / 72 * dpi
    scale = min(paper.width() / width_px, paper.height() / height_px)
    size = QSize(max(1, round(width_px * scale)), max(1, round(height_px * scale)))
    image = document.render(index, size)
    _on_white(image)
    x = paper.x() + (paper.width() - size.width()) / 2
    y = paper.y() + (paper.height() - size.height()) / 2
    painter.drawImage(QPointF(x, y), image)
    if stamp:
        _stamp(painter, stamp, QRectF(x, y, size.width(), size.height()), dpi)


def _on_white(image: QImage) -> None:
    """The PDF module leaves the page transparent; printers want paper white, not alpha."""
    fill = QPainter(image)
    fill.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationOver)
    fill.fillRect(image.rect(), Qt.GlobalColor.white)
    fill.end()
    image.convertTo(QImage.Format.Format_RGB32)


def _stamp(painter: QPainter, text: str, page: QRectF, dpi: int) -> None:
    """A small boxed label in the top margin, above the clinic's header."""
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(8, round(9 / 72 * dpi)))
    painter.save()
    painter.setFont(font)
    metrics = painter.fontMetrics()
    pad = dpi * 1.5 / 25.4
    width = metrics.horizontalAdvance(text.upper()) + 2 * pad
    height = metrics.height() + pad
    box = QRectF(page.right() - dpi * 18 / 25.4 - width, page.top() + dpi * 6 / 25.4,
                 width, height)
    painter.setPen(QPen(QColor("#1f4e79"), max(1.0, dpi / 150)))
    painter.drawRect(box)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text.upper())
    painter.restore()


def _refused(printer: QPrinter) -> str:
    return _(
        "The printer “{name}” did not accept the document. Check that it is switched on and "
        "connected, then try again; the consent stays saved.").format(
        name=printer.printerName() or _("chosen"))


# -- printing with the dialog -----------------------------------------------------------------


def _print_with_options(pdf_bytes: bytes, options: PrintOptions
                        ) -> Callable[[Progress], PrintResult]:
    """The work of one print job, for a :class:`~mesocheck.ui.tasks.Task`."""
    def work(report: Progress) -> PrintResult:
        return _print(pdf_bytes, options, report)

    return work


class PrintOutcome(Struct):
    """What became of a print request: ``result`` when printed, else ``error``; both
    None when the person cancelled the dialog."""

    result: PrintResult | None = None
    error: str | None = None


def print_dialog(pdf_bytes: bytes, parent: QWidget, *, patient_copy: bool = False,
                 stamp: str | None = None, doc_name: str = "Consent",
                 on_done: Callable[[PrintOutcome], None] | None = None,
                 on_progress: Progress | None = None) -> QPrintDialog | None:
    """Open the native print dialog for ``pdf_bytes`` and print what the person chooses.

    Returns the dialog, already open and not blocking (tests accept or reject it), or
    None when there is no printer: then a message says so. ``on_done`` is called once
    with the outcome. A patient copy is stamped "Patient copy" and defaults to 1 copy.
    """
    def finish(outcome: PrintOutcome) -> None:
        if on_done is not None:
            on_done(outcome)

    printers = QPrinterInfo.availablePrinters()
    if not printers:
        show_message(parent, _("Cannot print"), no_printer())
        finish(PrintOutcome(error=no_printer()))
        return None
    # A default printer in trouble must not hide the others: the person chooses in the
    # dialog, and the chosen one is checked before printing.
    info = QPrinterInfo.defaultPrinter()
    printer = QPrinter(printers[0] if info.isNull() else info,
                       QPrinter.PrinterMode.HighResolution)
    printer.setDocName(doc_name)
    printer.setCopyCount(1)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(_("Print patient copy") if patient_copy else _("Print consent"))
    dialog.setOption(QPrintDialog.PrintDialogOption.PrintToFile, False)
    dialog.setOption(QPrintDialog.PrintDialogOption.PrintSelection, False)
    dialog.setOption(QPrintDialog.PrintDialogOption.PrintPageRange, True)
    dialog.setOption(QPrintDialog.PrintDialogOption.PrintCollateCopies, True)
    dialog.setMinMax(1, _page_count(pdf_bytes))
    dialog.printer_ref = printer  # the dialog works on this printer: keep it alive with it
    mark = stamp or (_(PATIENT_COPY) if patient_copy else None)

    def accepted() -> None:
        options = options_from(printer, mark)

        def failed(error: Any) -> None:
            show_message(parent, _("Printing failed"), error.message)
            finish(PrintOutcome(error=error.message))

        task = Task(_print_with_options(pdf_bytes, options), what=N_("printing"),
                    success=lambda result: finish(PrintOutcome(result=result))).failure(failed)
        task.with_progress(on_progress or (lambda _done, _total: None))
        dialog.task = task.run_in_background()

    dialog.accepted.connect(accepted)
    dialog.rejected.connect(lambda: finish(PrintOutcome()))
    dialog.finished.connect(lambda _code: dialog.deleteLater())
    # What QDialog.open() does (QPrintDialog hides it behind its own open(receiver, slot)):
    # modal to its window only, and returns at once instead of running its own event loop.
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.show()
    return dialog


def show_message(parent: QWidget | None, title: str, text: str) -> QMessageBox:
    """A warning that does not block the window; it removes itself once closed."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                      parent)
    box.setObjectName("print-message")
    box.finished.connect(lambda _code: box.deleteLater())
    box.open()
    return box


def _page_count(pdf_bytes: bytes) -> int:
    try:
        document, buffer = _open_pdf(pdf_bytes)
    except PrintError:
        return 1
    count = document.pageCount()
    document.close()
    buffer.close()
    return count
