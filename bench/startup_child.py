"""One start-up, in its own process: ``app`` (mesocheck's real command line, opening at the
first step of a walk-in intake) or ``bare`` (a PySide6 QWizard with one page).

Both quit once the page has painted (the app through its own hook,
``MESOCHECK_EXIT_AFTER_FIRST_PAINT=1``) and print ``painted <time.monotonic()>`` when their
event loop ends, one loop turn after the paint, so the parent can time launch -> first
paint on the system-wide monotonic clock without counting the tear-down.

    python bench/startup_child.py app --db PATH   (with MESOCHECK_EXIT_AFTER_FIRST_PAINT=1
                                                   and MESOCHECK_DEMO_INTAKE=1)
    python bench/startup_child.py bare
"""

import sys
import time


def _report() -> None:
    print(f"painted {time.monotonic():.6f}", flush=True)


def app(argv: list[str]) -> int:
    import mesocheck.ui  # noqa: F401 - its Qt fix goes first, as when the app imports it
    from PySide6.QtWidgets import QApplication

    # The application object the app would make itself (run() takes an existing one), made
    # here only to hear when its event loop ends.
    application = QApplication(sys.argv[:1])
    application.aboutToQuit.connect(_report)
    from mesocheck.cli import main

    return main(argv)


def bare() -> int:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWizard, QWizardPage

    class QuitOnPaint(QObject):  # what the app's hook does
        def eventFilter(self, obj, event):  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                obj.removeEventFilter(self)
                QTimer.singleShot(0, QApplication.quit)
            return False

    app = QApplication(sys.argv[:1])
    app.aboutToQuit.connect(_report)
    wizard = QWizard()
    page = QWizardPage()
    page.setTitle("Before your treatment")
    layout = QVBoxLayout(page)
    layout.addWidget(QLabel("Have you discussed your goals with a practitioner?"))
    wizard.addPage(page)
    wizard.resize(1280, 800)
    watcher = QuitOnPaint()
    page.installEventFilter(watcher)
    wizard.show()
    return app.exec()


if __name__ == "__main__":
    mode, rest = sys.argv[1], sys.argv[2:]
    sys.exit(app(rest) if mode == "app" else bare())
