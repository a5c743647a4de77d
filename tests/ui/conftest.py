"""Fixtures for driving the tablet app through its real widgets, on a real database."""

from __future__ import annotations

import threading
from datetime import timezone
from pathlib import Path

import pytest

import mesocheck.ui  # noqa: F401 - applies the PySide6 reference-count fix first
from mesocheck.forms.registry import default_form
from mesocheck.store import Store
from mesocheck.store import staff as staff_accounts


@pytest.fixture(autouse=True)
def _quiet_home(tmp_path, monkeypatch):
    """Logs and settings go to the test's folder, never the developer's."""
    monkeypatch.setenv("MESOCHECK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MESOCHECK_EXIT_AFTER_FIRST_PAINT", raising=False)
    monkeypatch.delenv("MESOCHECK_DEMO_INTAKE", raising=False)


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch):
    """A PIN check costs 0.3 s and 128 MiB by design; tests use a tiny scrypt cost."""
    monkeypatch.setattr(staff_accounts, "SCRYPT_N", 2**4)


@pytest.fixture(autouse=True)
def _no_leftover_threads(qapp):
    """Fail a test that leaves a worker thread running (napari's fixture idea)."""
    before = set(threading.enumerate())
    yield
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(10_000)
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()
            and t.name.startswith("mesocheck")]
    assert left == [], f"threads left running: {left}"


@pytest.fixture
def form():
    return default_form()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "clinic.sqlite3"


@pytest.fixture
def practitioner(db_path):
    """A practitioner "Dr Rowan Hale" with PIN 2468; returns the staff id."""
    with Store.open(db_path) as store:
        return store.add_staff("Dr Rowan Hale", "practitioner", "2468", actor="system")


@pytest.fixture
def make_window(qtbot, qapp, db_path, form):
    """Build the main window on the database; closes it and its worker afterwards."""
    made = []

    def make(**kwargs):
        from mesocheck.ui import style
        from mesocheck.ui.dbworker import DbWorker
        from mesocheck.ui.main_window import MainWindow

        style.apply(qapp)

        worker = DbWorker.open(db_path, retry_delays=(0.05,))
        settings, has_practitioner = worker.call(
            lambda store: (store.settings(), store.has_practitioner()))
        options = dict(settings=settings, zone=timezone.utc, has_practitioner=has_practitioner)
        options.update(kwargs)
        window = MainWindow(worker, form, **options)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        made.append((window, worker))
        return window

    yield make
    for window, worker in made:
        try:
            qtbot.waitUntil(lambda: worker.pending == 0, timeout=10_000)
        finally:
            window.close()
            window.deleteLater()
            assert worker.close(), "queued writes were not all saved"
