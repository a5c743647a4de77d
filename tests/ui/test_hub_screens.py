"""The hub on screen: the practitioner's station (``mesocheck --hub``) opens at the staff
sign-in, then the review queue of every tablet's intakes, kept up to date as tablets
send; a tablet with a hub shows staff one quiet line about it, and patients nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mesocheck.forms.registry import default_form
from mesocheck.store import Store
from mesocheck.sync import Status, SyncWorker, Tablet
from mesocheck.ui.shell.main_window import MainWindow
from mesocheck.ui.staff.hub_status import hub_line
from mesocheck.ui.tasks import Database, shut_down
from mesocheck.ui.widgets import style
from tests.support import intake_driver as drive
from tests.support.intakes import make_intake, today_at
from tests.support import at_rest

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
ZONE = timezone(timedelta(hours=1))


def test_the_hub_line_in_words():
    since = datetime(2026, 3, 2, 9, 42, tzinfo=timezone.utc)
    line = lambda **kw: hub_line(Status(**{"hub": "mesocheck@hub:5432/clinic",  # noqa: E731
                                           "connected": False, "last_ok_at": None,
                                           "failing_since": None, "problem": None,
                                           "waiting": 0, **kw}), ZONE)
    assert line(problem="gone", failing_since=since, waiting=3) == \
        "hub: not reachable since 10:42, 3 intakes waiting"
    assert line(problem="gone", failing_since=since, waiting=1) == \
        "hub: not reachable since 10:42, 1 intake waiting"
    assert line(connected=True) == "hub: connected, all sent"
    assert line(connected=True, waiting=2) == "hub: connected, 2 intakes waiting"
    assert line() == "hub: connecting"


def test_the_station_opens_at_sign_in_then_the_live_queue(qtbot, qapp, hub_url, tmp_path):
    form = default_form()
    tablet_db = tmp_path / "tablet.sqlite3"
    with Store.open(at_rest.ready(tablet_db)) as store:
        store.add_staff("Dr Rowan Hale", "practitioner", "264819", "system")
        first = make_intake(store, name="Amelia Smith", appointment=today_at(10))
        link = Tablet(store, hub_url, name="front desk")
        link.push()
    style.apply(qapp)
    db = Database.open_hub(hub_url, retry_delays=(0.05,))
    try:
        settings, has_practitioner = db.call(
            lambda s: (s.settings(), s.has_practitioner()))
        window = MainWindow(db, form, settings=settings, zone=timezone.utc,
                            has_practitioner=has_practitioner, station=True)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        assert window.current_screen == "sign_in"  # no patient's welcome on the station
        drive.sign_in(qtbot, window, pin="264819")
        qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=10_000)
        panel = window.staff_home.stack.currentWidget()
        assert window.staff_home.screens["Review queue"] is panel
        model = panel.queue.model
        qtbot.waitUntil(lambda: model.intake_ids() == [first], timeout=10_000)

        with Store.open(tablet_db) as store:  # a tablet sends another: it shows by itself
            second = make_intake(store, name="Zoë Kowalski", appointment=today_at(9))
            Tablet(store, hub_url, name="front desk").push()
        qtbot.waitUntil(lambda: set(model.intake_ids()) == {first, second}, timeout=10_000)
        window.staff_home.lock_requested.emit()
        assert window.current_screen == "sign_in"
        window.close()
    finally:
        qtbot.waitUntil(lambda: db.pending == 0, timeout=10_000)
        assert shut_down(db)
    link.close()


def test_a_tablet_with_a_hub_tells_staff_and_never_patients(qtbot, make_window, db_path,
                                                           practitioner):
    with Store.open(at_rest.ready(db_path)) as store:
        make_intake(store, name="Amelia Smith", with_pdf=False)
    window = make_window()
    window.db.sync = SyncWorker(lambda: Store.open(at_rest.ready(db_path), create=False),
                                "postgresql://mesocheck:secret@127.0.0.1:1/clinic",
                                name="front desk")
    window.db.sync.start()
    qtbot.waitUntil(lambda: window.db.sync.status().problem is not None, timeout=20_000)
    assert not any("hub" in text for text in drive.visible_texts(window))  # the welcome
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=10_000)
    line = window.staff_home.hub_status.label
    qtbot.waitUntil(lambda: "not reachable since" in line.text(), timeout=5_000)
    assert line.text().endswith("1 intake waiting") and line.isVisible()
    assert "secret" not in line.toolTip() + line.text()
    window.lock()
    assert not any("hub" in text for text in drive.visible_texts(window))
