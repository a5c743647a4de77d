"""Driving the practitioner's review like a person: the panel on its own database thread,
the queue, the dialogs, a signature drawn on the pad."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt

from mesocheck.ui.review.dialogs import DecisionDialog
from mesocheck.ui.review.panel import ReviewPanel
from tests.support.intakes import REVIEW_ZONE


def make_panel(qtbot, db, staff, **kwargs) -> ReviewPanel:
    panel = ReviewPanel(db, staff, REVIEW_ZONE, **kwargs)
    qtbot.addWidget(panel)
    panel.resize(1280, 800)
    panel.show()
    qtbot.waitExposed(panel)
    settle(qtbot, panel)
    return panel


def settle(qtbot, panel: ReviewPanel) -> None:
    """Wait until every read and write the panel asked of the database has come back."""
    qtbot.waitUntil(lambda: panel.db.pending == 0, timeout=30_000)


def names_in_queue(panel: ReviewPanel) -> list[str]:
    model = panel.queue.model
    return [model.row_at(i).patient_name for i in range(model.rowCount())]


def shown(qtbot, panel: ReviewPanel) -> list[str]:
    """The names in the queue once the database has answered."""
    settle(qtbot, panel)
    return names_in_queue(panel)


def open_row(qtbot, panel: ReviewPanel, name: str) -> None:
    row = names_in_queue(panel).index(name)
    table = panel.queue.table
    index = panel.queue.model.index(row, 1)
    rect = table.visualRect(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    settle(qtbot, panel)
    assert panel.stack.currentWidget() is panel.detail


def current_dialog(panel: ReviewPanel, kind: type):
    dialog = panel.dialog
    assert isinstance(dialog, kind) and dialog.isVisible()
    return dialog


def decide_through_dialog(qtbot, panel, card, decision: str, note: str,
                          *, wait: bool = True) -> DecisionDialog:
    """Click a flag's decision, write the note and save; with ``wait``, until the database
    has answered (the dialog closed, or saying why not)."""
    qtbot.mouseClick(card.buttons[decision], Qt.MouseButton.LeftButton)
    dialog = current_dialog(panel, DecisionDialog)
    dialog.note.setPlainText(note)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    if wait:
        settle(qtbot, panel)
    return dialog


def sign_on(qtbot, pad) -> None:
    """Draw a signature through the pad's pen entry points (what mouse, touch and stylus
    events all call), with timed points as a real hand makes them."""
    width, height = pad.width(), pad.height()
    t = 0.0
    for stroke in range(2):
        pad.press(QPointF(width * 0.1, height * (0.5 + 0.1 * stroke)), t_ms=t)
        for i in range(1, 40):
            t += 12
            x = width * (0.1 + 0.8 * i / 40)
            y = height * (0.5 + 0.2 * ((-1) ** (i // 5)) + 0.1 * stroke)
            pad.move(QPointF(x, y), t_ms=t)
        pad.release(t_ms=t + 12)
        t += 200
    assert pad.is_trivial() is None
