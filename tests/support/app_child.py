"""The tablet app in a child process, as a person would start it, for start-up tests.

``python -m tests.support.app_child DB [demo] [quit-after-first-paint] [locked]`` runs the
app on DB (``demo``: straight into a walk-in intake for a made-up patient;
``quit-after-first-paint``: with the start-up benchmark's hook, which reports the first paint
and quits, and the screen then on show), prints each message dialog as a ``DIALOG:`` line
and closes it, and gives up after 30 seconds so a test run never hangs. An encrypted
database is unlocked first with the tests' passphrase file, as ``mesocheck
--passphrase-file`` does, and a new one set up (``locked``: neither, so the unlock or
set-up screen shows). :func:`run_app` runs
it and returns the finished process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_app(db: Path, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MESOCHECK_HOME": str(home),
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                               os.environ.get("PYTHONPATH")])),
                   **env}
    return subprocess.run([sys.executable, "-m", "tests.support.app_child", str(db), *args],
                          env=environment, cwd=REPO, capture_output=True, text=True, timeout=120)


def main(argv: list[str]) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from mesocheck.i18n import clinic_language
    from mesocheck.ui.shell.app import run
    from mesocheck.ui.shell.main_window import MainWindow
    from mesocheck.ui.widgets.dialogs import Dialog

    if "quit-after-first-paint" in argv:
        from bench.first_paint import FirstPaintApp

        class ScreenAtFirstPaint(FirstPaintApp):
            def report(self) -> None:
                for widget in self.topLevelWidgets():
                    if isinstance(widget, MainWindow):
                        print("screen:", widget.current_screen, flush=True)
                print("clinic language:", clinic_language(), flush=True)
                super().report()

        app = ScreenAtFirstPaint([])
    else:
        app = QApplication([])

    def close_dialogs() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, Dialog) and widget.isVisible():
                print("DIALOG:", widget.text_label.text().replace("\n", " "), flush=True)
                widget.accept_button.click()

    timer = QTimer()
    timer.timeout.connect(close_dialogs)
    timer.start(50)
    QTimer.singleShot(30_000, lambda: app.exit(99))
    if "locked" not in argv[1:]:
        from mesocheck.store import atrest
        from tests.support import at_rest

        if atrest.is_encrypted(argv[0]):
            at_rest.unlock(Path(argv[0]))
        elif not os.path.lexists(argv[0]):  # as `mesocheck setup` makes a new one
            at_rest.set_up(Path(argv[0]))
    return run(argv[0], demo_intake="demo" in argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
