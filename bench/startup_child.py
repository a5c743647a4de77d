"""One start-up, in its own process: ``app`` (mesocheck's real command line, opening at the
first step of a walk-in intake), ``bare`` (a PySide6 QWizard with one page) or ``bare-qt``
(the same, its label aligned with a ``Qt`` flag: every real page uses Qt's ``Qt`` namespace,
whose enums PySide6 builds on first use, so this is the floor ``startup_ratio`` is held to).

All print ``painted <time.monotonic()>`` on the turn of the event loop after the page has
painted, then quit (the app through the benchmark's hook, ``bench/first_paint.py``), so
the parent can time launch -> first paint on the system-wide monotonic clock without
counting the tear-down.

    python bench/startup_child.py app   (with MESOCHECK_DEMO_INTAKE=1 and MESOCHECK_HOME)
    python bench/startup_child.py bare
    python bench/startup_child.py bare-qt
"""

import sys
import time


def app() -> int:
    # What ``mesocheck`` with no arguments does first (cli._run_app): the collector off,
    # then the plain-Python parts, then Qt, which the hook needs before the command runs.
    import gc

    gc.disable()
    import mesocheck.session  # noqa: F401
    import mesocheck.store  # noqa: F401
    from bench.first_paint import FirstPaintApp

    FirstPaintApp(sys.argv[:1])  # the app takes the running QApplication as its own
    from mesocheck.cli import main

    return main([])  # no arguments, as the tablet starts it


def bare(use_qt_namespace: bool = False) -> int:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWizard, QWizardPage

    class QuitOnPaint(QObject):  # what the app's hook does
        def eventFilter(self, obj, event):  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                obj.removeEventFilter(self)
                QTimer.singleShot(0, report_and_quit)
            return False

    def report_and_quit() -> None:
        print(f"painted {time.monotonic():.6f}", flush=True)
        QApplication.quit()

    app = QApplication(sys.argv[:1])
    wizard = QWizard()
    page = QWizardPage()
    page.setTitle("Before your treatment")
    layout = QVBoxLayout(page)
    question = QLabel("Have you discussed your goals with a practitioner?")
    if use_qt_namespace:  # PySide6 makes all 94 enums of the Qt namespace on its first use
        from PySide6.QtCore import Qt

        question.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    layout.addWidget(question)
    wizard.addPage(page)
    wizard.resize(1280, 800)
    watcher = QuitOnPaint()
    page.installEventFilter(watcher)
    wizard.show()
    return app.exec()


if __name__ == "__main__":
    mode = sys.argv[1]
    sys.exit(app() if mode == "app" else bare(use_qt_namespace=mode == "bare-qt"))
