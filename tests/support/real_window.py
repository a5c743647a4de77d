"""The staff screens and every dialog in a real X window, with the font metrics a real window
gets: an X server (Xvfb) started for the test, and the app's screens shown on it by a child
process on Qt's xcb platform.

``start_xvfb()`` starts the server on a free display (Xvfb picks it: ``-displayfd``);
``python -m tests.support.real_window OUT WIDTHxHEIGHT [shots]`` (with ``DISPLAY`` set) shows
each screen and dialog at that size, prints one JSON line with what the layout check found
on each, and saves a PNG of each in OUT when ``shots`` is given.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def xvfb(width: int = 1920, height: int = 1280) -> Iterator[str]:
    """An X server of its own for as long as the block runs; yields its DISPLAY."""
    binary = shutil.which("Xvfb")
    if binary is None:
        raise FileNotFoundError("Xvfb")
    read, write = os.pipe()
    server = subprocess.Popen(
        [binary, "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24",
         "-nolisten", "tcp", "-noreset"],
        pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def show_screens(display: str, size: tuple[int, int], out: Path, shots: bool) -> dict:
    """Run the child on ``display``; returns {screen name: [problems]}."""
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "MESOCHECK_HOME": str(out / "home"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                       os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.real_window", str(out), f"{size[0]}x{size[1]}",
         *(["shots"] if shots else [])], env=env, cwd=REPO, capture_output=True, text=True,
        timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise AssertionError(f"the screens did not show (exit {done.returncode}):\n"
                             f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(lines[-1])


# -- the child ------------------------------------------------------------------------------


def _database(path: Path):
    """Staff, a flagged intake, one awaiting the patient's new signature, one cleared and
    countersigned, one unfinished: every staff screen and dialog has something to show."""
    from datetime import date, timedelta

    from mesocheck import review
    from mesocheck.forms.registry import default_form
    from mesocheck.session import IntakeSession, PatientDetails
    from mesocheck.store import Store
    from tests.support.answers import CLEAN_ANSWERS
    from tests.support.intakes import (
        REVIEW_ZONE, countersign_now, decide_all, fast_pins, make_intake, make_staff, today_at,
    )

    class _Patch:
        def setattr(self, target, name, value):
            setattr(target, name, value)

    fast_pins(_Patch())
    from tests.support import at_rest

    with Store.open(at_rest.ready(path)) as store:
        doctor, _desk = make_staff(store)
        ids = {
            "flagged": make_intake(store, name="Maximiliana Alexandra "
                                   "Wolfeschlegelsteinhausen-Bergerdorff",
                                   appointment=today_at(9)),
            "rtl": make_intake(store, name="مريم الحسن", appointment=today_at(10)),
            "resign": make_intake(store, name="Zoë Kowalski", appointment=today_at(11)),
            "cleared": make_intake(store, name="Hiroshi Tanaka", answers=CLEAN_ANSWERS,
                                   appointment=today_at(12)),
        }
        record = store.intake(ids["flagged"])
        stop = next(f for f in record.flags if f.severity == "stop")
        review.decide(store, ids["flagged"], stop.id, "postpone", "Wait for the "
                      "haematologist's letter", doctor, new_date=date.today() + timedelta(14))
        review.amend(store, ids["resign"], "conditions_other", "Asthma since childhood",
                     "The patient remembered at review", doctor, zone=REVIEW_ZONE)
        review.sync_status(store, ids["cleared"], doctor)
        countersign_now(store, ids["cleared"], doctor)
        session = IntakeSession.start(store, default_form(), PatientDetails(
            "Tomasz Nowak-Kowalczyk", date(1980, 3, 14), "face", today_at(16)))
        session.answer("consultation", True)
        ready = make_intake(store, name="Amelia Smith", appointment=today_at(13))
        decide_all(store, ready, doctor)  # every flag decided: a long list to countersign
        ids["ready"] = ready
        return doctor, ids


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication, QWidget

    from mesocheck.forms.registry import default_form
    from mesocheck.timeutil import clinic_zone
    from mesocheck.ui.shell.main_window import MainWindow
    from mesocheck.ui.tasks import Database, shut_down
    from mesocheck.ui.widgets import style
    from tests.support.layout_check import layout_problems, window_problems

    out = Path(argv[0])
    width, height = (int(n) for n in argv[1].split("x"))
    shots = "shots" in argv[2:]
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication([])
    style.apply(app)
    found: dict[str, list[str]] = {}
    tmp = Path(tempfile.mkdtemp())
    doctor, ids = _database(tmp / "clinic.sqlite3")
    size = f"{width}x{height}"

    def settle(db: Database, until=lambda: True) -> None:
        """Until every database job has come back (and ``until()``), and what they queued
        has been laid out."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            app.processEvents()
            if not db.pending and until():
                break
            time.sleep(0.005)
        for _ in range(5):
            app.processEvents()

    def shoot(window: QWidget, db: Database, name: str, dialog: QWidget | None = None) -> None:
        settle(db)
        problems = layout_problems(window)
        if dialog is not None:
            problems += layout_problems(dialog) + window_problems(dialog, window)
        found[name] = problems
        if shots:
            image = (dialog or window).grab() if dialog is not None else window.grab()
            image.save(str(out / f"{size}-{name}.png"))

    def open_window(path: Path, has_practitioner: bool) -> tuple[MainWindow, Database]:
        from tests.support import at_rest

        db = Database.open(at_rest.ready(path))
        settings = db.call(lambda store: store.settings())
        window = MainWindow(db, default_form(), settings=settings, zone=clinic_zone(),
                            has_practitioner=has_practitioner)
        window.setGeometry(0, 0, width, height)
        window.show()
        settle(db)
        return window, db

    # A new clinic: the first practitioner's set-up.
    window, db = open_window(tmp / "new.sqlite3", False)
    shoot(window, db, "first-run")
    window.close()
    shut_down(db)

    window, db = open_window(tmp / "clinic.sqlite3", True)
    window.request_staff()
    settle(db)
    window.sign_in.group.buttons()[0].setChecked(True)
    shoot(window, db, "sign-in")
    window.staff_signed_in(doctor)
    home = window.staff_home
    for title in list(home.screens):
        screen = home.open_screen(title)
        shoot(window, db, "staff-" + title.lower().replace(" ", "-"))
        if title == "Unfinished intakes":
            dialog = screen.ask_void(screen.items[0])
            shoot(window, db, "dialog-void", dialog)
            dialog.reject()
        if title == "Staff":
            for name, make in (("dialog-new-pin", lambda: screen.ask_pin(screen.members[0])),
                               ("dialog-deactivate",
                                lambda: screen.ask_deactivate(screen.members[-1]))):
                dialog = make()
                shoot(window, db, name, dialog)
                dialog.reject()
    panel = home.open_screen("Review queue")
    settle(db)
    shoot(window, db, "review-queue")
    for key in ("flagged", "rtl", "resign", "cleared", "ready"):
        panel.open_intake(ids[key])
        settle(db, lambda: panel.detail.record is not None
               and panel.detail.record.id == ids[key])
        shoot(window, db, f"review-detail-{key}")
        if key == "flagged":
            bar = panel.detail.scroll.verticalScrollBar()
            bar.setValue(bar.maximum())
            shoot(window, db, "review-detail-flagged-end")
            flags = panel.detail.record.flags
            for decision in ("proceed", "postpone", "decline"):
                flag = next(f for f in flags if f.severity == "stop" or decision != "proceed")
                dialog = panel.ask_decision(flag, decision)
                shoot(window, db, f"dialog-decision-{decision}", dialog)
                dialog.reject()
            dialog = panel.ask_amendment()
            shoot(window, db, "dialog-amendment", dialog)
            dialog.reject()
        if key == "ready":
            dialog = panel.ask_countersign()
            shoot(window, db, "dialog-countersign", dialog)
            dialog.reject()
        if key == "resign":
            dialog = panel.ask_resign()
            shoot(window, db, "dialog-resign", dialog)
            dialog.reject()
            window.staff_signed_in(doctor)
            home = window.staff_home
            panel = home.open_screen("Review queue")
            settle(db)
    window.close()
    shut_down(db)
    print(json.dumps(found), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
