"""A patient under 18, through the real widgets: the consent page asks for a parent or
guardian (name, relationship, signature) beside the patient's own agreement; both are
stored, shown in the review, printed and exported, and the practitioner is asked to check
the guardian rather than stopped. The page is looked at in both screen shapes."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from mesocheck import cli
from mesocheck.store import Store
from tests.support import intake_driver as drive
from tests.support.layout_check import look_in_both_shapes
from tests.support.pdf_text import all_text
from tests.support.review_driver import make_panel, open_row

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the review panel, offscreen


def test_a_minor_signs_with_a_parent_who_consents(qtbot, make_window, db_path, practitioner,
                                                   form, tmp_path):
    window = make_window()
    today = date.today()
    wizard = drive.start_walk_in(qtbot, window, name="Mia Minor",
                                 birth=date(today.year - 15, 1, 1))
    drive.walk_to(qtbot, wizard, "consent")
    page = wizard.current
    box = page.guardian
    assert box is not None and box.isVisible()
    drive.type_text(qtbot, page.name, "Mia Minor")
    drive.sign(page.pad)
    assert wizard.reason.text() == "Your parent or guardian types their name to finish."
    assert not wizard.next_button.isEnabled()
    drive.type_text(qtbot, box.name, "Maria Minor")
    assert "related to you" in wizard.reason.text()
    drive.click(qtbot, box.relation_buttons[0])  # Mother
    assert wizard.reason.text() == "Your parent or guardian signs in their box to finish."
    page.ensure_visible(box.pad)
    drive.sign(box.pad)
    assert wizard.next_button.isEnabled()
    look_in_both_shapes(qtbot, window, "guardian-signature", tmp_path,
                        show=lambda: page.ensure_visible(box.pad))
    intake_id = drive.send_and_wait(qtbot, window)

    with Store.open(db_path) as store:
        record = store.intake(intake_id)
        pdf = store.document_bytes(store.latest_document(intake_id).id)
        doctor = next(m for m in store.staff_members() if m.id == practitioner)
        assert store.verify() == []
    patient, parent = record.signatures
    assert (patient.role, patient.meaning) == ("patient", "Agreement of the patient, who is "
                                                          "under 18")
    assert (parent.role, parent.printed_name, parent.relationship) == (
        "guardian", "Maria Minor", "mother")
    assert parent.strokes and parent.content_hash == patient.content_hash
    flags = {f.rule_id for f in record.flags}
    assert "guardian_consent" in flags and "under_18" not in flags
    text = " ".join(all_text(pdf).split())
    assert "Signature of the parent or guardian (Mother)" in text
    assert "Consent as the patient's parent or legal guardian" in text

    panel = make_panel(qtbot, window.db, doctor)
    open_row(qtbot, panel, "Mia Minor")
    shown = drive.visible_texts(panel.detail)
    assert any(t.startswith("Parent or guardian (Mother): Maria Minor") for t in shown)

    out = tmp_path / "export.json"
    assert cli.main(["export", "--db", str(db_path), "--output", str(out)]) == 0
    (row,) = [r for r in json.loads(out.read_text()) if r["intake_id"] == intake_id]
    assert [(s["role"], s["relationship"]) for s in row["signatures"]] == [
        ("patient", None), ("guardian", "mother")]
    out = tmp_path / "export.csv"
    assert cli.main(["export", "--db", str(db_path), "--format", "csv",
                     "--output", str(out)]) == 0
    (line,) = [r for r in csv.DictReader(out.open()) if r["intake_id"] == intake_id]
    assert line["guardian"] == "Maria Minor (mother)"


def test_the_parents_part_of_the_page_in_arabic_fits_and_reads_right_to_left(
        qtbot, make_window, db_path, practitioner, tmp_path):
    from PySide6.QtCore import Qt

    with Store.open(db_path) as store:
        store.set_settings({"patient_languages": ["ar"]}, "system")
    window = make_window()
    drive.click(qtbot, window.welcome.language_buttons["ar"])
    qtbot.waitUntil(lambda: window.welcome.language == "ar", timeout=3000)
    today = date.today()
    wizard = drive.start_walk_in(qtbot, window, name="Mia Minor",
                                 birth=date(today.year - 16, 1, 1))
    drive.walk_to(qtbot, wizard, "consent")
    box = wizard.current.guardian
    assert box is not None and box.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert box.relation_buttons[0].label_text() == "الأم"
    drive.type_text(qtbot, box.name, "Maria Minor")
    drive.click(qtbot, box.relation_buttons[2])
    look_in_both_shapes(qtbot, window, "guardian-signature-ar", tmp_path,
                        show=lambda: wizard.current.ensure_visible(box.pad))
