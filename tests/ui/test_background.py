"""The one front door for work off the UI thread (mesocheck.ui.background)."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QWidget

from mesocheck.store import Store, StoreError
from mesocheck.ui import background


def _follow(job: background.Job) -> list:
    events: list = []
    job.progress.connect(lambda done, total: events.append(("progress", done, total)))
    job.succeeded.connect(lambda result: events.append(("succeeded", result)))
    job.failed.connect(lambda message: events.append(("failed", message)))
    job.done.connect(lambda: events.append(("done", job.is_running())))
    return events


def test_work_runs_off_the_ui_thread_and_reports_back(qtbot):
    ui_thread = threading.get_ident()

    def work(report):
        for n in range(1, 4):
            report(n, 3)
        return threading.get_ident()

    job = background.Job(work, "counting")
    events = _follow(job)
    with qtbot.waitSignal(job.done, timeout=10_000):
        job.start()
    assert events[:3] == [("progress", 1, 3), ("progress", 2, 3), ("progress", 3, 3)]
    assert events[3][0] == "succeeded" and events[3][1] != ui_thread
    assert events[4] == ("done", False)  # the thread has stopped when done arrives


def test_a_problem_the_user_can_act_on_is_its_own_sentence(qtbot, tmp_path):
    missing = tmp_path / "nowhere.sqlite3"
    with pytest.raises(StoreError) as expected:
        Store.open(missing, create=False)
    job = background.run_with_store(missing, lambda store, report: 1, "opening the records")
    events = _follow(job)
    qtbot.waitUntil(lambda: bool(events) and events[-1][0] == "done", timeout=10_000)
    assert events == [("failed", expected.value.message), ("done", False)]


def test_a_bug_is_logged_and_shown_as_an_apology_without_details(qtbot, tmp_path):
    patient = "".join(["Ada", " Lovelace"])  # a value the source code does not show

    def work(report):
        raise KeyError(patient)  # patient data in an exception must not surface

    job = background.run(work, "printing today's consents")
    events = _follow(job)
    qtbot.waitUntil(lambda: bool(events) and events[-1][0] == "done", timeout=10_000)
    kind, message = events[0]
    assert kind == "failed"
    assert message.startswith("Sorry, printing today's consents failed unexpectedly.")
    assert "Ada" not in message and "Traceback" not in message
    log = message.split("Details were written to ")[1].rstrip(".")
    logged = open(log, encoding="utf-8").read()
    assert "KeyError" in logged and "Ada" not in logged


def test_a_window_closed_while_its_job_runs_is_no_crash(qtbot):
    release = threading.Event()
    window = QWidget()
    job = background.run(lambda report: release.wait(10) and "late", "waiting", window)
    heard = []
    job.succeeded.connect(heard.append)
    window.deleteLater()
    qtbot.waitUntil(lambda: not _alive(window), timeout=5_000)
    release.set()
    assert background.wait_for_all(10_000)
    qtbot.wait(50)  # a result for a window that is gone goes nowhere
    assert heard == []


def _alive(widget: QWidget) -> bool:
    import shiboken6

    return shiboken6.isValid(widget)
