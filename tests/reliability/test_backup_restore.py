"""Promise 7: ``mesocheck backup`` while the tablet writes gives a consistent copy that
``verify`` passes and that the app opens and carries on with.

Each copy must hold at least everything committed before the command started, be a single
self-contained file (no -wal beside it), verify clean, resume the intake the patient was
filling in, and open in the real tablet app (which then saves into it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from tests.support import at_rest
from tests.support.at_rest import raw_connect
from tests.support.intakes import add_staff
from .harness import record_figures
from mesocheck.session import IntakeSession
from mesocheck.store import Store

DRIVER = "tests.reliability.load_driver"  # run with -m from the repository
REPO = Path(__file__).resolve().parents[2]

APP = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from bench.first_paint import FirstPaintApp
from mesocheck.ui.shell.app import run
from mesocheck.ui.widgets.dialogs import Dialog

app = FirstPaintApp([])  # quits once the window has painted
def refuse_dialogs():
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, Dialog) and widget.isVisible():
            print("DIALOG:", widget.text_label.text().replace(chr(10), " "), flush=True)
            app.exit(3)
timer = QTimer()
timer.timeout.connect(refuse_dialogs)
timer.start(50)
QTimer.singleShot(60_000, lambda: app.exit(99))
from pathlib import Path
from tests.support.at_rest import unlock
unlock(Path(sys.argv[1]))  # as the unlock screen does: a backup has the database's key
sys.exit(run(sys.argv[1], demo_intake=True))
"""


def _env(home: Path, **more: str) -> dict:
    return {**os.environ, "MESOCHECK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", **more}


def test_backups_taken_while_the_wizard_writes_verify_resume_and_open(tmp_path):
    db = tmp_path / "clinic.sqlite3"
    at_rest.set_up(db)
    with Store.open(db) as store:
        add_staff(store)
    wizard = subprocess.Popen([sys.executable, "-m", DRIVER, "wizard", str(db), "700", "7"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=_env(tmp_path), cwd=REPO)
    copies = []
    try:
        while wizard.poll() is None:
            with closing(raw_connect(db)) as conn:
                before = conn.execute("SELECT max(id) FROM audit").fetchone()[0]
            dest = tmp_path / "backups" / f"clinic-{len(copies):03}.sqlite3"
            dest.parent.mkdir(exist_ok=True)
            done = subprocess.run([sys.executable, "-m", "mesocheck", "backup", str(dest),
                                   "--db", str(db)], capture_output=True, text=True,
                                  env=_env(tmp_path), timeout=300)
            assert done.returncode == 0, done.stderr
            copies.append((dest, before))
    finally:
        out, err = wizard.communicate(timeout=600)
    assert wizard.returncode == 0, err
    assert len(copies) >= 3, "the wizard finished before enough backups were taken"

    resumed = 0
    for dest, before in copies:
        assert not Path(f"{dest}-wal").exists() and not Path(f"{dest}-journal").exists()
        with Store.open(dest, create=False) as copy:
            assert copy.verify() == []
            assert copy.connection.execute("SELECT max(id) FROM audit").fetchone()[0] >= before
            assert copy.pragmas()["journal_mode"] == "wal"  # the app's settings, on opening
            for unfinished in copy.unfinished_intakes():
                session = IntakeSession.resume(copy, unfinished.intake_id)
                assert set(session.answers) <= set(copy.intake(unfinished.intake_id).answers)
                resumed += 1

    newest = copies[-1][0]
    app = subprocess.run([sys.executable, "-c", APP, str(newest)], capture_output=True,
                         text=True, timeout=120,
                         env=_env(tmp_path / "home", PYTHONPATH=str(REPO)))
    assert app.returncode == 0, (app.stdout, app.stderr)
    assert "DIALOG:" not in app.stdout and "Traceback" not in app.stderr
    with Store.open(newest, create=False) as copy:
        assert "Demo Patient" in [u.patient_name for u in copy.unfinished_intakes()]
        assert copy.verify() == []
    record_figures("backup_while_writing", backups=len(copies), resumed_from_copies=resumed)
