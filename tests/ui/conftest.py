"""The tablet app's tests: their own home folder, cheap PINs, no threads left behind.

The window on a real database (``make_window``) is in ``tests/support/fixtures.py``, shared
with the reliability tests."""

from __future__ import annotations

import threading

import pytest

from mesocheck.store import staff as staff_accounts


@pytest.fixture(autouse=True)
def _quiet_home(tmp_path, monkeypatch):
    """Logs and settings go to the test's folder, never the developer's."""
    monkeypatch.setenv("MESOCHECK_HOME", str(tmp_path / "home"))
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
    from mesocheck.ui.tasks import wait_for_threads

    wait_for_threads(10)
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()
            and t.name.startswith("mesocheck")]
    assert left == [], f"threads left running: {left}"
