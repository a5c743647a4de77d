"""The practitioner's review driven through the real widgets: filter the queue, open a flagged
intake, decide each flag (an override with and without a reason), countersign, and check
what the store kept: decisions, statuses, audit rows and the rebuilt PDF."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QWidget

from mesocheck import review
from mesocheck.forms.isolation import strip_direction_controls
from mesocheck.timeutil import day_text
from mesocheck.ui.review.dialogs import (
    AmendmentDialog,
    CountersignDialog,
    DecisionDialog,
    ResignDialog,
)
from mesocheck.ui.review.queue_model import IntakeIdRole
from mesocheck.ui.tasks import Database, shut_down
from tests.support.answers import CLEAN_ANSWERS
from tests.support.intakes import (
    audit_rows,
    countersign_now,
    fast_pins,
    make_intake,
    make_staff,
    today_at,
)
from tests.support.pdf_text import pdf_text
from tests.support.review_driver import (
    current_dialog,
    decide_through_dialog,
    make_panel,
    names_in_queue,
    open_row,
    settle,
    shown,
    sign_on,
)

# The offscreen platform says this of every top-level window it shows; it is not our warning.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def db(store):
    """The panel's front door to the same file the test builds and checks through ``store``."""
    opened = Database.open(store.path)
    yield opened
    assert shut_down(opened)


@pytest.fixture
def people(store, monkeypatch):
    fast_pins(monkeypatch)
    doctor, desk = make_staff(store)
    flagged = make_intake(store, name="Amelia Smith", appointment=today_at(10))
    clean = make_intake(store, name="Zoë Kowalski", answers=CLEAN_ANSWERS,
                        appointment=today_at(9))
    review.sync_status(store, clean, doctor)
    rtl = make_intake(store, name="مريم الحسن", appointment=today_at(11), with_pdf=False)
    later = make_intake(store, name="Hiroshi Tanaka", answers=CLEAN_ANSWERS,
                        appointment=today_at(10, day=date.today() + timedelta(days=2)),
                        with_pdf=False)
    return {"doctor": doctor, "desk": desk, "flagged": flagged, "clean": clean, "rtl": rtl,
            "later": later}


# -- the queue -------------------------------------------------------------------------------


def test_queue_shows_today_sorted_by_severity_with_icons_and_words(qtbot, store, db, people):
    panel = make_panel(qtbot, db, people["doctor"])
    assert shown(qtbot, panel) == ["Amelia Smith", "مريم الحسن", "Zoë Kowalski"]
    model = panel.queue.model
    first = model.index(0, 0)
    assert first.data() == "Stop"
    assert not first.data(Qt.ItemDataRole.DecorationRole).isNull()
    assert model.index(0, 4).data(Qt.ItemDataRole.AccessibleTextRole) == (
        "Flags: 2 stop, 3 review, 4 information")
    assert model.index(2, 0).data() == "No flags"
    assert model.index(2, 3).data() == "Cleared"
    assert panel.queue.count_label.text() == "3 intakes"


def test_queue_filters(qtbot, store, db, people):
    panel = make_panel(qtbot, db, people["doctor"])
    queue = panel.queue
    queue.flagged_only.setChecked(True)
    assert shown(qtbot, panel) == ["Amelia Smith", "مريم الحسن"]
    queue.flagged_only.setChecked(False)

    queue.status.setCurrentIndex(queue.status.findText("Cleared"))
    assert shown(qtbot, panel) == ["Zoë Kowalski"]
    queue.status.setCurrentIndex(0)

    queue.severity.setCurrentIndex(queue.severity.findData("stop"))
    assert shown(qtbot, panel) == ["Amelia Smith", "مريم الحسن"]
    queue.severity.setCurrentIndex(0)

    qtbot.keyClicks(queue.search, "amelia")
    qtbot.waitUntil(lambda: names_in_queue(panel) == ["Amelia Smith"])
    queue.search.clear()
    qtbot.waitUntil(lambda: len(names_in_queue(panel)) == 3)

    queue.set_range(date.today(), date.today() + timedelta(days=3))
    assert shown(qtbot, panel)[-1] == "Hiroshi Tanaka"
    queue.set_range(date.today() + timedelta(days=5), date.today() + timedelta(days=6))
    assert shown(qtbot, panel) == []
    assert queue.empty.isVisible() and "No intakes match" in queue.empty.text()
    qtbot.mouseClick(queue.today_button, Qt.MouseButton.LeftButton)
    assert len(shown(qtbot, panel)) == 3


def test_keyboard_opens_an_intake_from_the_queue(qtbot, store, db, people):
    panel = make_panel(qtbot, db, people["doctor"])
    table = panel.queue.table
    table.setFocus()
    table.selectRow(1)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    settle(qtbot, panel)
    assert panel.stack.currentWidget() is panel.detail
    assert panel.detail.record.id == people["rtl"]
    qtbot.keyClick(panel.detail, Qt.Key.Key_Escape)
    assert panel.stack.currentWidget() is panel.queue


# -- one intake, start to finish -----------------------------------------------------------


def test_review_decide_override_countersign_and_rebuilt_pdf(qtbot, store, db, people):
    doctor = people["doctor"]
    panel = make_panel(qtbot, db, doctor)
    open_row(qtbot, panel, "Amelia Smith")
    detail = panel.detail
    severities = [card.flag.severity for card in detail.flag_cards]
    assert severities == sorted(severities, key=lambda s: ("stop", "review", "info").index(s))
    assert severities.count("stop") == 2 and severities.count("info") == 4
    assert "5 flags still need a decision" in detail.banner.text()
    assert not detail.countersign_button.isEnabled()
    info_card = next(c for c in detail.flag_cards if c.flag.severity == "info")
    assert info_card.buttons == {}

    # An override without a reason is refused, and nothing is stored.
    stop_card = detail.flag_cards[0]
    assert stop_card.buttons["proceed"].text() == "Override and proceed…"
    qtbot.mouseClick(stop_card.buttons["proceed"], Qt.MouseButton.LeftButton)
    dialog = current_dialog(panel, DecisionDialog)
    assert dialog.findChild(type(dialog.heading), "overrideWarning").isVisible()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, panel)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "written reason" in dialog.error.text()
    assert all(f.decisions == () for f in store.intake(people["flagged"]).flags)
    # With a reason it goes through.
    dialog.note.setPlainText("Haematologist's letter: clotting normal")
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, panel)

    # Decide every other review and stop flag through its card.
    while True:
        pending = [c for c in detail.flag_cards
                   if review.needs_decision(c.flag) and c.flag.decision is None]
        if not pending:
            break
        decide_through_dialog(qtbot, panel, pending[0], "proceed",
                              f"Discussed with the patient: {pending[0].flag.rule_id}")
    record = store.intake(people["flagged"])
    assert record.status == "cleared"
    assert "countersign to finish" in detail.banner.text()
    stop = next(f for f in record.flags if f.rule_id == "bleeding_disorder")
    assert stop.decision.reason == "Haematologist's letter: clotting normal"
    assert stop.decision.staff_id == doctor.id

    # A changed decision is a new row; the history shows on the card.
    card = next(c for c in detail.flag_cards if c.flag.rule_id == "keloid_history")
    decide_through_dialog(qtbot, panel, card, "postpone", "Wait for the scar to settle")
    assert store.intake(people["flagged"]).status == "postponed"
    card = next(c for c in detail.flag_cards if c.flag.rule_id == "keloid_history")
    decide_through_dialog(qtbot, panel, card, "proceed", "Scar checked: flat and settled")
    card = next(c for c in detail.flag_cards if c.flag.rule_id == "keloid_history")
    earlier = card.findChildren(type(detail.banner), "decisionEarlier")
    assert len(earlier) == 2 and "superseded" in earlier[0].text()
    assert store.intake(people["flagged"]).status == "cleared"

    # Countersign with the pad; the reviewed PDF is built in the background.
    assert detail.countersign_button.isEnabled()
    qtbot.mouseClick(detail.countersign_button, Qt.MouseButton.LeftButton)
    dialog = current_dialog(panel, CountersignDialog)
    assert "Reviewed and approved for treatment" in dialog.meaning.text()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, panel)
    assert "sign in the box" in dialog.error.text()
    sign_on(qtbot, dialog.pad)
    with qtbot.waitSignal(panel.job_finished, timeout=30000,
                          check_params_cb=lambda key: key == "countersign_pdf"):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert panel.dialog is None  # saved, and closed
    settle(qtbot, panel)
    record = store.intake(people["flagged"])
    assert review.countersigned(record)
    documents = {d.kind: d for d in record.documents}
    assert documents["reviewed_consent"].supersedes == documents["consent"].id
    assert review.printable_document(record).kind == "reviewed_consent"
    assert detail.print_button.text() == "Print reviewed consent…"
    assert "countersigned by Dr Ines Okafor" in strip_direction_controls(detail.banner.text())
    text = " ".join(pdf_text(store.document_bytes(documents["reviewed_consent"].id)).split())
    assert "Haematologist's letter: clotting normal" in text
    assert "Scar checked: flat and settled" in text
    assert "Dr Ines Okafor" in text

    actor = f"staff:{doctor.id}"
    actions = [a for who, a in audit_rows(store, people["flagged"]) if who == actor]
    assert actions.count("decide") == 7
    assert {"set_status:cleared", "set_status:postponed", "add_signature"} <= set(actions)
    assert store.verify() == []


def test_front_desk_cannot_override_a_stop(qtbot, store, db, people):
    panel = make_panel(qtbot, db, people["desk"])
    panel.open_intake(people["flagged"])
    settle(qtbot, panel)
    card = panel.detail.flag_cards[0]
    assert not panel.detail.countersign_button.isEnabled()
    decide_through_dialog(qtbot, panel, card, "proceed", "Patient says it is fine")
    dialog = current_dialog(panel, DecisionDialog)
    assert "Only a practitioner" in dialog.error.text()
    dialog.close()
    decide_through_dialog(qtbot, panel, card, "postpone", "Practitioner away today")
    assert store.intake(people["flagged"]).status == "postponed"
    assert (f"staff:{people['desk'].id}", "decide") in audit_rows(store, people["flagged"])


def test_amendment_then_the_patient_signs_again(qtbot, store, db, people):
    doctor = people["doctor"]
    panel = make_panel(qtbot, db, doctor)
    panel.open_intake(people["flagged"])
    settle(qtbot, panel)
    detail = panel.detail
    assert "blood_thinner_recent" in {c.flag.rule_id for c in detail.flag_cards}
    qtbot.mouseClick(detail.amend_button, Qt.MouseButton.LeftButton)
    dialog = current_dialog(panel, AmendmentDialog)
    dialog.select_question("last_aspirin")
    assert dialog.current.text() == "On " + day_text(date.today() - timedelta(days=3))
    dialog.editor._combo.setCurrentIndex(dialog.editor._combo.findData("never"))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, panel)
    assert "Write why" in dialog.error.text()
    dialog.reason.setPlainText("Patient confused aspirin with paracetamol")
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, panel)

    assert "blood_thinner_recent" not in {c.flag.rule_id for c in detail.flag_cards}
    assert "Awaiting the patient's new signature" in detail.banner.text()
    assert all(not b.isEnabled() for c in detail.flag_cards for b in c.buttons.values())
    assert detail.resign_button.isVisible()
    amendment = detail.content.findChild(type(detail.banner), "amendment")
    assert "Patient confused aspirin with paracetamol" in amendment.text()

    with qtbot.waitSignal(panel.lock_requested):
        qtbot.mouseClick(detail.resign_button, Qt.MouseButton.LeftButton)
    dialog = current_dialog(panel, ResignDialog)
    assert "was:" in dialog.findChild(type(detail.banner), "resignChanges").text()
    sign_on(qtbot, dialog.pad)
    with qtbot.waitSignal(panel.job_finished, timeout=30000,
                          check_params_cb=lambda key: key == "resign_pdf"):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, panel)
    record = store.intake(people["flagged"])
    assert review.patient_signed_current(record)
    assert [d.kind for d in record.documents] == [
        "consent", "patient_copy", "consent", "patient_copy"]
    assert "still need" in detail.banner.text()
    actions = audit_rows(store, people["flagged"])
    for action in ("amend_answer", "replace_flags"):
        assert (f"staff:{doctor.id}", action) in actions
    assert ("patient", "add_signature") in actions


def test_print_today_batch_with_progress(qtbot, store, db, people):
    doctor = people["doctor"]
    countersign_now(store, people["clean"], doctor)
    review.build_reviewed_consent(store, people["clean"])
    printed: list[bytes] = []
    panel = make_panel(qtbot, db, doctor, printer=lambda datas: printed.extend(datas))
    with qtbot.waitSignal(panel.job_finished, timeout=30000):
        qtbot.mouseClick(panel.queue.print_today, Qt.MouseButton.LeftButton)
    bar = panel.batch_bar
    assert bar.isVisible() and bar.bar.value() == bar.bar.maximum() == 1
    assert bar.text.text() == "Printed 1 cleared consent."
    expected = review.printable_document(store.intake(people["clean"]))
    assert printed == [store.document_bytes(expected.id)]


def test_print_from_the_detail_view(qtbot, store, db, people):
    printed: list[bytes] = []
    panel = make_panel(qtbot, db, people["doctor"],
                       printer=lambda datas: printed.extend(datas))
    panel.open_intake(people["flagged"])
    settle(qtbot, panel)
    assert panel.detail.print_button.text() == "Print patient-signed consent…"
    qtbot.mouseClick(panel.detail.print_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.detail.print_button, Qt.MouseButton.LeftButton)  # a reprint
    settle(qtbot, panel)
    document = review.printable_document(store.intake(people["flagged"]))
    assert printed == [store.document_bytes(document.id)] * 2


def test_detail_lists_answers_disclosures_and_signature(qtbot, store, db, people):
    panel = make_panel(qtbot, db, people["doctor"])
    panel.open_intake(people["rtl"])
    settle(qtbot, panel)
    detail = panel.detail
    assert detail.title.text() == "مريم الحسن"
    from PySide6.QtWidgets import QLabel

    texts = [label.text() for label in detail.content.findChildren(QLabel)]
    assert "Answers" in texts and "Risks and statements acknowledged" in texts
    assert any(t.startswith("Acknowledged ") for t in texts)
    assert any(t.endswith("[Stop flag]") for t in texts)
    views = detail.content.findChildren(type(detail.content), "signatureView")
    assert len(views) == 1
    assert views[0].accessibleName() == "Signature of مريم الحسن"
    intake_id = panel.queue.model.index(0, 0).data(IntakeIdRole)
    assert intake_id in (people["flagged"], people["rtl"])


# -- the window never waits on the disk --------------------------------------------------------

HOLD_THE_WRITE_LOCK = """
import os, sys
from mesocheck.store import atrest
from mesocheck.store.db import connect
with open(os.environ["MESOCHECK_PASSPHRASE_FILE"]) as passphrase:
    atrest.unlock(sys.argv[1], passphrase.readline().rstrip("\\n"))
conn = connect(sys.argv[1], atrest.key_for(sys.argv[1]))
conn.execute("BEGIN IMMEDIATE")  # another program writing: every other writer must wait
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


class PaintCounter(QWidget):
    """A spinner's worth of repainting: asks for a paint every 20 ms and counts the paints
    the event loop delivers."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.paints = 0
        self.resize(40, 40)
        self.timer = QTimer(self, interval=20)
        self.timer.timeout.connect(self.update)
        self.timer.start()

    def paintEvent(self, event) -> None:  # noqa: N802
        self.paints += 1


def test_the_window_keeps_painting_while_another_program_holds_the_database(
        qtbot, store, db, people):
    panel = make_panel(qtbot, db, people["doctor"])
    panel.open_intake(people["flagged"])
    settle(qtbot, panel)
    counter = PaintCounter(panel)
    counter.show()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_WRITE_LOCK, str(store.path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        stop = panel.detail.flag_cards[0]
        dialog = decide_through_dialog(qtbot, panel, stop, "proceed",
                                       "Haematologist's letter: clotting normal", wait=False)
        # The decision waits for the lock on the database thread; the window goes on.
        start = counter.paints
        qtbot.waitUntil(lambda: counter.paints >= start + 25, timeout=4_000)
        assert dialog.isVisible() and not dialog.save_button.isEnabled()
        assert store.intake(people["flagged"]).flags[0].decisions == ()
    finally:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(10)
    settle(qtbot, panel)
    assert panel.dialog is None
    decision = store.intake(people["flagged"]).flags[0].decision
    assert decision.reason == "Haematologist's letter: clotting normal"


def test_a_minor_and_their_parent_sign_the_correction_in_the_dialog(qtbot, store, db,
                                                                     monkeypatch):
    import random

    from tests.support.answers import scribble
    from tests.support.intakes import fill_intake
    from mesocheck.forms.registry import default_form
    from tests.support.intakes import REVIEW_ZONE

    fast_pins(monkeypatch)
    doctor, _desk = make_staff(store)
    minor = date.today().replace(year=date.today().year - 15, month=1, day=1)
    session = fill_intake(store, default_form(), random.Random(5), name="Mia Minor",
                          birth=minor, submit=False)
    session.clock = store.clock
    session.submit(session.prepare_signature("Mia Minor", scribble(), 600, 200, guardian={
        "printed_name": "Pat Parent", "relationship": "father", "strokes": scribble(),
        "pad_width": 600, "pad_height": 200}))
    intake_id = session.intake_id
    was = store.intake(intake_id).answers["consultation"]
    review.amend(store, intake_id, "consultation", not was, "Told at review", doctor,
                 zone=REVIEW_ZONE)
    panel = make_panel(qtbot, db, doctor)
    panel.open_intake(intake_id)
    settle(qtbot, panel)
    dialog = panel.ask_resign()
    box = dialog.guardian_box
    assert box is not None and box.name.text() == "Pat Parent"  # who signed before
    assert box.relationship() == "father"
    sign_on(qtbot, dialog.pad)
    with qtbot.waitSignal(dialog.finished, timeout=10000, raising=False):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "Your parent or guardian signs in their box to finish."
    sign_on(qtbot, box.pad)
    with qtbot.waitSignal(panel.job_finished, timeout=30000,
                          check_params_cb=lambda key: key == "resign_pdf"):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, panel)
    record = store.intake(intake_id)
    assert [s.role for s in record.signatures][-2:] == ["patient", "guardian"]
    assert record.signatures[-2].meaning == default_form().guardian.assent_meaning.get("en")
    assert review.patient_signed_current(record)
