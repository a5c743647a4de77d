"""The one front door for work off the UI thread (mesocheck.ui.tasks): a task's result, its
failure and its progress come back on the UI thread; database tasks run in order on the one
database thread; a bug is logged once and becomes an apology without details."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtWidgets import QWidget

from mesocheck.store import DiskFull, InvalidState
from mesocheck.ui import gc_guard, tasks
from mesocheck.ui.tasks import Bug, Database, Task, shut_down


def _follow(task: Task) -> list:
    events: list = []
    task.then(lambda result: events.append(("success", result)),
              lambda error: events.append(("failure", error)))
    return events


def test_work_runs_off_the_ui_thread_and_reports_back(qtbot):
    ui_thread = threading.get_ident()
    seen: list = []

    def work(report):
        for n in range(1, 4):
            report(n, 3)
        return threading.get_ident()

    task = Task(work, what="counting").with_progress(
        lambda done, total: seen.append((done, total, threading.get_ident())))
    events = _follow(task)
    task.run_in_background()
    qtbot.waitUntil(lambda: bool(events), timeout=10_000)
    assert [(d, t) for d, t, _ in seen] == [(1, 3), (2, 3), (3, 3)]
    assert {thread for _, _, thread in seen} == {ui_thread}  # progress arrives on the UI thread
    assert events[0][0] == "success" and events[0][1] != ui_thread
    assert tasks.wait_for_threads(10)


def test_database_tasks_run_in_order_on_the_one_database_thread(qtbot, db_path):
    db = Database.open(db_path)
    try:
        threads, results = [], []
        for n in range(5):
            Task(lambda store, n=n: (threads.append(threading.current_thread().name), n)[1],
                 success=results.append, what="counting").run_in_background(db)
        qtbot.waitUntil(lambda: db.pending == 0, timeout=10_000)
        assert results == [0, 1, 2, 3, 4]
        assert set(threads) == {"mesocheck-db"}
    finally:
        assert shut_down(db)


def test_a_problem_the_user_can_act_on_is_its_own_sentence(qtbot, db_path):
    db = Database.open(db_path)
    try:
        def refuse(store):
            raise InvalidState("This intake was voided; start a new one.")

        events = _follow(Task(refuse, what="saving").run_in_background(db))
        qtbot.waitUntil(lambda: bool(events), timeout=10_000)
        kind, error = events[0]
        assert kind == "failure" and isinstance(error, InvalidState)
        # With no failure callback, a refusal is the database's to say.
        with qtbot.waitSignal(db.refused, timeout=10_000) as refused:
            Task(refuse, what="saving").run_in_background(db)
        assert refused.args == ["This intake was voided; start a new one."]
    finally:
        assert shut_down(db)


def test_a_refused_save_is_retried_until_it_goes_through(qtbot, db_path):
    db = Database.open(db_path, retry_delays=(0.05,))
    try:
        left = {"failures": 2}

        def flaky(store):
            if left["failures"]:
                left["failures"] -= 1
                raise DiskFull()
            return "saved"

        with qtbot.waitSignal(db.recovered, timeout=10_000):
            events = _follow(Task(flaky, what="saving").retrying().run_in_background(db))
        qtbot.waitUntil(lambda: bool(events), timeout=10_000)
        assert events == [("success", "saved")] and not db.in_trouble
    finally:
        assert shut_down(db)


def test_a_bug_is_logged_and_becomes_an_apology_without_details(qtbot):
    patient = "".join(["Ada", " Lovelace"])  # a value the source code does not show

    def work():
        raise KeyError(patient)  # patient data in an exception must not surface

    events = _follow(Task(work, what="printing today's consents").run_in_background())
    qtbot.waitUntil(lambda: bool(events), timeout=10_000)
    kind, error = events[0]
    assert kind == "failure" and isinstance(error, Bug)
    assert error.message.startswith(
        "Sorry, something went wrong while printing today's consents that should not have.")
    assert "Ada" not in error.message and "Traceback" not in error.message
    log = error.message.rsplit("\n", 1)[-1]
    logged = open(log, encoding="utf-8").read()
    assert "KeyError" in logged and "Ada" not in logged
    # A bug no task took goes to the crash handler.
    with qtbot.waitSignal(tasks.unhandled.bug, timeout=10_000) as unhandled:
        Task(work, what="printing").run_in_background()
    assert isinstance(unhandled.args[0], Bug)


def test_a_window_closed_while_its_task_runs_is_no_crash(qtbot):
    release = threading.Event()
    window = QWidget()
    heard: list = []
    Task(lambda: release.wait(10) and "late", what="waiting", parent=window,
         success=heard.append).run_in_background()
    window.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(window), timeout=5_000)
    release.set()
    assert tasks.wait_for_threads(10)
    qtbot.wait(50)  # a result for a window that is gone goes nowhere
    assert heard == []


def test_a_heavy_task_pauses_the_collector_until_it_is_done(qtbot, qapp):
    release = threading.Event()
    task = Task(lambda: release.wait(10), what="making a PDF").heavy().run_in_background()
    guard = gc_guard.installed()
    assert guard is not None and not guard.timer.isActive()  # paused while it runs
    release.set()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    assert guard.timer.isActive()


def test_a_task_for_a_closed_database_fails_and_is_counted_back(qtbot, db_path):
    db = Database.open(db_path)
    assert shut_down(db)
    task = Task(lambda store: 1, what="making a PDF").heavy()
    events = _follow(task)
    task.run_in_background(db)
    qtbot.waitUntil(lambda: bool(events), timeout=10_000)
    kind, error = events[0]
    assert kind == "failure" and isinstance(error, tasks.Closed)
    assert db.pending == 0
    assert gc_guard.installed().timer.isActive()  # the collector is not left paused
