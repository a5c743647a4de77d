"""When the patient read each risk card to its end is kept with its acknowledgement, shown in
the review and printed on the consent document."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mesocheck.store import Store
from mesocheck.ui.intake.pages import DisclosurePage
from tests.support import intake_driver as drive
from tests.support.pdf_text import all_text
from tests.support.review_driver import make_panel, open_row

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the review panel, offscreen


def test_the_moment_a_card_was_read_to_its_end_is_kept_shown_and_printed(
        qtbot, make_window, db_path, practitioner):
    window = make_window()
    window.resize(1280, 560)  # a short screen: the first card's text has to be scrolled
    wizard = drive.start_walk_in(qtbot, window, name="Rhea Reader")
    drive.walk_to(qtbot, wizard, "disclosure")
    card = wizard.current
    assert isinstance(card, DisclosurePage)
    bar = card.body_scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=3000)
    assert not card.understood.isEnabled() and card.disclosure.id not in wizard.session.read_at
    before = datetime.now(timezone.utc)
    bar.setValue(bar.maximum())  # read to the end
    qtbot.waitUntil(card.understood.isEnabled, timeout=3000)
    read = wizard.session.read_at[card.disclosure.id]
    assert read >= before.replace(microsecond=0)
    drive.acknowledge(qtbot, card)
    drive.walk_to(qtbot, wizard, "consent")
    drive.type_text(qtbot, wizard.current.name, "Rhea Reader")
    drive.sign(wizard.current.pad)
    intake_id = drive.send_and_wait(qtbot, window)

    with Store.open(db_path) as store:
        record = store.intake(intake_id)
        pdf = store.document_bytes(store.latest_document(intake_id).id)
        doctor = next(m for m in store.staff_members() if m.id == practitioner)
        assert store.verify() == []
    acks = {a.disclosure_id: a for a in record.acknowledgements}
    first = acks[card.disclosure.id]
    assert abs((first.read_at - read).total_seconds()) < 0.002  # stored to the millisecond
    # Every card shown was read to its end before its "I understand", never after.
    assert all(a.read_at is not None and a.read_at <= a.acknowledged_at for a in acks.values())
    text = " ".join(all_text(pdf).split())
    assert text.count("Read to the end at ") == len(acks)
    assert f"Read to the end at {first.read_at.astimezone(timezone.utc):%H:%M:%S}" in text

    panel = make_panel(qtbot, window.db, doctor)
    open_row(qtbot, panel, "Rhea Reader")
    shown = " ".join(drive.visible_texts(panel.detail)) + " ".join(
        w.text() for w in panel.detail.findChildren(type(card.read_hint)))
    assert "(read to the end at " in shown
