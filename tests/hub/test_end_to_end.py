"""The clinic with a hub, end to end: two tablets (processes of their own, each with the
app's background sync) take intakes, one of them while the hub is stopped for part of the
run; the practitioner (this process: the review panel on the hub, as ``mesocheck --hub``
opens it) sees each signed intake arrive in the open queue without refreshing it, decides
and countersigns through the dialogs; the decisions reach both tablets' own records. Then
``mesocheck verify --hub`` passes on the hub and on each tablet's file, and a tail deleted
from one tablet's file is reported."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mesocheck import cli, review
from mesocheck.hub.store import HubStore
from mesocheck.store import Store
from mesocheck.ui.review.dialogs import CountersignDialog
from mesocheck.ui.tasks import Database, shut_down
from tests.support.intakes import PRACTITIONER_PIN
from tests.support import at_rest
from tests.support.hub import hub_count, wait_for
from tests.support.review_driver import (
    current_dialog, decide_through_dialog, make_panel, open_row, settle, sign_on,
)

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
REPO = Path(__file__).resolve().parents[2]


def tablet(db: Path, url: str, name: str, count: int, until: Path, *extra: str
           ) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.hub_tablet", str(db), url, "--count",
         str(count), "--name", name, "--until", str(until), *extra],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_tablets_a_hub_and_the_practitioner(qtbot, tmp_path, own_hub, capsys):
    cluster, url = own_hub
    stop = tmp_path / "stop"
    a_db, b_db = tmp_path / "a" / "tablet.sqlite3", tmp_path / "b" / "tablet.sqlite3"
    a = tablet(a_db, url, "front desk a", 3, stop, "--staff", "--pace", "0.3")
    wait_for(lambda: hub_count(url, "SELECT count(*) FROM staff") == 2, 60, "the staff")
    b = tablet(b_db, url, "front desk b", 4, stop, "--pace", "1.5", "--seed", "2")

    with HubStore.open(url) as hub:
        doctor = next(m for m in hub.staff_members() if m.role == "practitioner")
        assert hub.check_pin(doctor.id, PRACTITIONER_PIN).ok  # added on a, signs in here
    db = Database.open_hub(url)
    try:
        panel = make_panel(qtbot, db, doctor)
        panel.queue.set_range(date.today() - timedelta(days=1), date.today() + timedelta(days=2))
        settle(qtbot, panel)

        # The hub stops while b keeps taking intakes, and comes back.
        wait_for(lambda: hub_count(url, "SELECT count(*) FROM intakes") >= 2, 60,
                 "the first intakes")
        cluster.stop("immediate")
        time.sleep(3)
        cluster.start()

        ids = intakes_of_running(a) + intakes_of_running(b)
        assert len(ids) == 7
        queue = panel.queue.model
        qtbot.waitUntil(lambda: set(queue.intake_ids()) >= set(ids), timeout=60_000)

        for intake_id in ids:
            name = queue.row_at(queue.intake_ids().index(intake_id)).patient_name
            open_row(qtbot, panel, name)
            detail = panel.detail
            while pending := [c for c in detail.flag_cards if review.needs_decision(c.flag)
                              and review.decision_of(c.flag) is None]:
                decide_through_dialog(qtbot, panel, pending[0], "proceed",
                                      "Discussed with the patient")
            qtbot.mouseClick(detail.countersign_button, Qt.MouseButton.LeftButton)
            dialog = current_dialog(panel, CountersignDialog)
            sign_on(qtbot, dialog.pad)
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: panel.dialog is None, timeout=30_000)
            settle(qtbot, panel)
            panel.show_queue()
            settle(qtbot, panel)
    finally:
        assert shut_down(db)

    # The decisions and countersignatures reach the tablets' own records.
    def reached(path: Path, own: list[str]) -> bool:
        with Store.open(at_rest.ready(path), create=False) as store:
            return all(review.countersigned(store.intake(i)) for i in own)

    a_ids, b_ids = ids[:3], ids[3:]
    wait_for(lambda: reached(a_db, a_ids) and reached(b_db, b_ids), 60, "the tablets' records")
    stop.touch()
    for child in (a, b):
        child.wait(timeout=60)
        assert child.returncode == 0
    with Store.open(at_rest.ready(a_db), create=False) as store:
        record = store.intake(a_ids[0])
        assert all(d.staff_id is not None for f in record.flags for d in f.decisions)

    assert cli.main(["verify", "--hub", url]) == 0
    assert "ok" in capsys.readouterr().out
    for path in (a_db, b_db):
        assert cli.main(["verify", "--hub", url, "--db", str(path)]) == 0
    capsys.readouterr()

    # A tail deleted from tablet b's file (the newest audit rows and what they wrote) is
    # reported: the hub saw them.
    from tests.contract.conftest import _tamper_sqlite

    _tamper_sqlite(b_db, "DELETE FROM audit WHERE id > (SELECT max(id) - 3 FROM audit)", ())
    assert cli.main(["verify", "--hub", url, "--db", str(b_db)]) == 1
    err = capsys.readouterr().err
    assert "the hub" in err and "were deleted" in err


def intakes_of_running(child: subprocess.Popen) -> list[str]:
    """The intake ids a tablet prints, read until it says it is done (it keeps syncing)."""
    found = []
    for line in child.stdout:
        if line.startswith("intake "):
            found.append(line.split()[1])
        if line.strip() == "done":
            return found
    raise AssertionError(f"the tablet ended early: {child.stderr.read()[-3000:]}")
