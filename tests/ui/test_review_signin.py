"""Staff sign-in through the real screen before a review: five wrong PINs lock the account
(shown as such, and audited), another practitioner signs in, and the review actions that
follow are audited with that practitioner's staff id as the actor."""

from __future__ import annotations

from datetime import timezone

import pytest
from PySide6.QtCore import Qt

from mesocheck import review
from mesocheck.store.store import Store
from mesocheck.ui.review.panel import ReviewPanel
from mesocheck.ui.staff.signin import SignInScreen
from mesocheck.ui.tasks import Database, shut_down
from tests.support.intakes import audit_rows, make_intake

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def worker(db_path):
    path = db_path
    with Store.open(path) as store:
        store.add_staff("Dr Ines Okafor", "practitioner", "264819", actor="system")
        store.add_staff("Dr Rowan Hale", "practitioner", "175392", actor="system")
        make_intake(store, with_pdf=False)
    db = Database.open(path)
    yield db
    assert shut_down(db)


def choose(screen: SignInScreen, name: str) -> None:
    button = next(b for b in screen.group.buttons() if b.accessibleName() == name)
    button.click()


def enter_pin(qtbot, screen: SignInScreen, pin: str) -> None:
    screen.pin.clear()
    qtbot.keyClicks(screen.pin, pin)
    qtbot.mouseClick(screen.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen._busy, timeout=10000)


def test_five_wrong_pins_lock_the_account_then_a_colleague_reviews(qtbot, worker, db_path):
    screen = SignInScreen(worker, timezone.utc)
    qtbot.addWidget(screen)
    screen.show()
    screen.refresh()
    qtbot.waitUntil(lambda: len(screen.group.buttons()) == 2)

    choose(screen, "Dr Ines Okafor")
    for attempt in range(1, 5):
        enter_pin(qtbot, screen, "0000")
        assert f"{5 - attempt} more tr" in screen.error.text.text()
    enter_pin(qtbot, screen, "0000")
    assert "locked until" in screen.error.text.text()
    # Locked means locked: the right PIN is refused too.
    with qtbot.assertNotEmitted(screen.signed_in):
        enter_pin(qtbot, screen, "264819")
    assert "locked until" in screen.error.text.text()

    choose(screen, "Dr Rowan Hale")
    with qtbot.waitSignal(screen.signed_in, timeout=10000) as signed:
        qtbot.keyClicks(screen.pin, "175392")
        qtbot.mouseClick(screen.sign_in_button, Qt.MouseButton.LeftButton)
    member = signed.args[0]
    assert member.name == "Dr Rowan Hale"

    with Store.open(db_path) as store:
        actions = [a for (a,) in store.connection.execute(
            "SELECT action FROM audit WHERE action LIKE 'sign_in%' ORDER BY id")]
        assert actions == ["sign_in_failed"] * 4 + ["sign_in_locked_out", "sign_in_refused",
                                                    "sign_in"]
        locked = next(m for m in store.staff_members() if m.name == "Dr Ines Okafor")
        assert locked.locked_until is not None

        panel = ReviewPanel(worker, member, timezone.utc)
        qtbot.addWidget(panel)
        panel.show()
        qtbot.waitUntil(lambda: worker.pending == 0, timeout=10_000)
        intake_id = panel.queue.model.row_at(0).intake_id
        panel.open_intake(intake_id)
        qtbot.waitUntil(lambda: worker.pending == 0, timeout=10_000)
        card = next(c for c in panel.detail.flag_cards if c.flag.severity == "review")
        qtbot.mouseClick(card.buttons["postpone"], Qt.MouseButton.LeftButton)
        panel.dialog.note.setPlainText("Patient unwell today")
        qtbot.mouseClick(panel.dialog.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: worker.pending == 0, timeout=10_000)
        assert store.intake(intake_id).status == "postponed"
        rows = audit_rows(store, intake_id)
        assert (f"staff:{member.id}", "decide") in rows
        assert (f"staff:{member.id}", "set_status:postponed") in rows
        assert review.status_after_decisions(store.intake(intake_id)) == "postponed"
        panel.close()
