"""A crash mid-intake loses at most the keystroke in flight: a second process on the same
database resumes the intake at the step where it stopped, with every saved answer."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from mesocheck.store import Store
from mesocheck.ui.intake.pages import StepPage
from mesocheck.ui.tasks import Task
from tests.support import intake_driver as drive
from tests.support.store_rows import start

REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import os, sys, time
    from datetime import timezone
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from mesocheck.forms.registry import default_form
    from mesocheck.ui.widgets import style
    from mesocheck.ui.tasks import Database
    from mesocheck.ui.shell.main_window import MainWindow
    from tests.support import intake_driver as drive

    class Bot:
        def mouseClick(self, widget, button):
            QTest.mouseClick(widget, button)
        def keyClicks(self, widget, text):
            QTest.keyClicks(widget, text)
        def waitUntil(self, condition, timeout=5000):
            end = time.monotonic() + timeout / 1000
            while not condition():
                if time.monotonic() > end:
                    raise TimeoutError
                QApplication.processEvents()
                time.sleep(0.005)

    app = QApplication([])
    style.apply(app)
    from pathlib import Path
    from tests.support.at_rest import unlock
    unlock(Path({db!r}))  # as the unlock screen does
    worker = Database.open({db!r})
    window = MainWindow(worker, default_form(), zone=timezone.utc, has_practitioner=True)
    window.show()
    bot = Bot()
    wizard = drive.start_walk_in(bot, window, name="Tomasz Nowak")
    drive.fill_step(bot, wizard.current)
    drive.click(bot, wizard.next_button)
    page = wizard.current
    drive.answer(bot, page.views["conditions"], ["keloid"])
    drive.answer(bot, page.views["conditions_other"], "Asthma")
    # Typing stopped: the answers are written a moment later, without any Next.
    bot.waitUntil(lambda: not wizard.session.has_pending and worker.pending == 0)
    print(wizard.session.intake_id, flush=True)
    QTest.keyClicks(page.views["conditions_other"].input.edit, "!")  # the keystroke in flight
    os._exit(3)  # the power cut: no clean-up at all
    """
)


def test_a_new_process_resumes_where_the_crashed_one_stopped(
        qtbot, make_window, db_path, practitioner, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MESOCHECK_HOME": str(tmp_path)}
    child = subprocess.run(
        [sys.executable, "-c", CHILD.format(db=str(db_path))], cwd=REPO,
        env=env, capture_output=True, text=True, timeout=120)
    assert child.returncode == 3, child.stderr
    intake_id = child.stdout.strip().splitlines()[-1]

    with Store.open(db_path) as store:
        record = store.intake(intake_id)
    assert record.status == "in_progress"
    assert record.answers["conditions"] == ["keloid"]
    assert record.answers["conditions_other"] == "Asthma"
    assert record.current_step == "step:health"

    window = make_window()
    qtbot.waitUntil(lambda: window.welcome.waiting.isVisible(), timeout=5000)
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    window.staff_home.open_screen("Unfinished intakes")
    unfinished = window.staff_home.unfinished
    qtbot.waitUntil(lambda: [i.intake_id for i in unfinished.items] == [intake_id],
                    timeout=5000)
    window.resume_intake(intake_id)
    qtbot.waitUntil(lambda: window.current_screen == "ready", timeout=5000)
    drive.begin(qtbot, window)
    page = window.wizard.current
    assert isinstance(page, StepPage) and page.step.id == "health"
    assert page.views["conditions"].raw() == ["keloid"]
    assert page.views["conditions_other"].raw() == "Asthma"
    assert window.wizard.progress_label.text().startswith("Step 2 of")
    # The first step's answer is there too, one Back away.
    drive.click(qtbot, window.wizard.back_button)
    assert window.wizard.current.views["consultation"].raw() is True


def test_the_welcome_never_shows_a_count_of_waiting_forms_made_before(
        qtbot, make_window, db_path, practitioner):
    """Back on the welcome screen while the database thread is busy (a consent PDF): no
    note until the new count comes back, then the count as it is now."""
    with Store.open(db_path) as store:
        start(store)
    window = make_window()
    qtbot.waitUntil(lambda: window.welcome.waiting.isVisible(), timeout=5000)
    assert window.welcome.waiting.text().startswith("1 form is waiting")

    busy, go_on = threading.Event(), threading.Event()

    def pdf_like(store):  # holds the database thread, as a consent PDF does
        busy.set()
        go_on.wait(10)
        start(store)
        start(store)

    Task(pdf_like, what="holding the database thread").run_in_background(window.db)
    assert busy.wait(5)
    window.show_welcome()
    qtbot.wait(50)
    assert not window.welcome.waiting.isVisible()
    go_on.set()
    qtbot.waitUntil(lambda: window.welcome.waiting.isVisible(), timeout=5000)
    assert window.welcome.waiting.text().startswith("3 forms are waiting")
