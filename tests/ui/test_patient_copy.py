"""The patient's copy: offered on "thank you", the choice stored and shown in review, and
the time a copy was printed (through the preview's real print dialog and a CUPS queue)
recorded beside it."""

from __future__ import annotations

import uuid
from io import BytesIO

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from mesocheck.i18n import translations
from mesocheck.store import Store
from mesocheck.store.records import PATIENT_COPY
from mesocheck.ui.review.preview import PreviewWindow
from tests.support import intake_driver as drive
from tests.support.review_driver import settle
from tests.ui.test_printing import choose_in_dialog, print_server, wait_for_printed


pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the print dialog, offscreen


def _review(qtbot, window, intake_id):
    window.show_welcome()
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    panel = window.staff_home.open_screen("Review queue")
    settle(qtbot, panel)
    panel.open_intake(intake_id)
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.detail, timeout=5000)
    return panel


def _copy_line(panel) -> str:
    texts = [w.text() for w in panel.detail.findChildren(QLabel)]
    return texts[texts.index("Patient's copy") + 1]


def test_a_patient_who_declines_is_recorded_as_offered(qtbot, make_window, db_path,
                                                      practitioner):
    window = make_window()
    intake_id = drive.walk_in_and_sign(qtbot, window)
    thanks = window.thanks
    assert thanks.copy_yes.isVisible() and thanks.copy_no.isVisible()
    assert thanks.copy_yes.height() >= 48 and thanks.copy_no.height() >= 48  # large targets
    drive.click(qtbot, thanks.copy_no)
    qtbot.waitUntil(thanks.copy_answer.isVisible, timeout=5000)
    assert "can ask the staff for one" in thanks.copy_answer.text()
    drive.settle(qtbot, window)
    with Store.open(db_path) as store:
        record = store.intake(intake_id)
    assert record.copy_wanted is False and record.copy_chosen_at is not None
    panel = _review(qtbot, window, intake_id)
    assert _copy_line(panel).startswith("Declined a printed copy (")


@pytest.mark.printing
def test_a_copy_asked_for_is_printed_and_the_time_recorded(qtbot, make_window, db_path,
                                                            practitioner):
    queue, folder = print_server()
    window = make_window()
    intake_id = drive.walk_in_and_sign(qtbot, window)
    thanks = window.thanks
    thanks.copy_yes.setFocus()
    qtbot.keyClick(thanks.copy_yes, Qt.Key.Key_Space)  # by keyboard too
    qtbot.waitUntil(thanks.copy_answer.isVisible, timeout=5000)
    assert thanks.copy_answer.text() == translations("en").gettext(
        "Thank you. Please ask the staff for your printed copy.")
    drive.settle(qtbot, window)  # the consent PDF and its patient's copy are made
    panel = _review(qtbot, window, intake_id)
    assert _copy_line(panel).endswith("; not printed yet")
    with Store.open(db_path) as store:
        record_document = store.latest_document(intake_id).id
    panel.preview_document(record_document)
    qtbot.waitUntil(lambda: any(w.isVisible() for w in panel.findChildren(PreviewWindow)),
                    timeout=10_000)
    preview = next(w for w in panel.findChildren(PreviewWindow) if w.isVisible()).preview
    qtbot.waitUntil(lambda: preview.copy_button.isEnabled(), timeout=10_000)
    preview.print_patient_copy()
    dialog = preview.dialog
    token = f"mc-{uuid.uuid4().hex[:10]}"
    dialog.printer().setDocName(token)
    choose_in_dialog(dialog, queue)
    dialog.accept()
    qtbot.waitUntil(lambda: "; printed " in _copy_line(panel), timeout=180_000)
    with Store.open(db_path) as store:
        assert store.intake(intake_id).copy_printed_at is not None
        copy = store.latest_document(intake_id, kinds=(PATIENT_COPY,))
        pages = len(PdfReader(BytesIO(store.document_bytes(copy.id))).pages)
    wait_for_printed(folder, token, pages).unlink()
