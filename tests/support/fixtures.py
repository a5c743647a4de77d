"""The fixtures every test directory shares (a pytest plugin, named in ``tests/conftest.py``):
a fresh database file per test (``db_path``), the store on it with a clock the test controls
(``store``, ``clock``), the same with staff whose full-strength PIN hashes are computed once
per session (``staffed``), a practitioner on ``db_path`` (``practitioner``), the shipped form,
and the tablet app's window on the database (``make_window``; Qt is imported only when a test
uses it)."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mesocheck.cli_keys import PASSPHRASE_FILE_ENV
from mesocheck.forms.registry import default_form
from mesocheck.store import Store, atrest
from tests.support import at_rest
from tests.support.store_rows import FRONT_DESK_PIN, PRACTITIONER_PIN


class Clock:
    """Starts at a fixed moment and moves one second per reading, so times are distinct."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)):
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def form():
    return default_form()


@pytest.fixture(scope="session", autouse=True)
def clinic_passphrase_file(tmp_path_factory) -> Path:
    """The clinic passphrase of every test database, in the file that the programs the
    tests start are pointed at (``MESOCHECK_PASSPHRASE_FILE``)."""
    path = at_rest.write_passphrase_file(tmp_path_factory.mktemp("passphrase"))
    os.environ[PASSPHRASE_FILE_ENV] = str(path)
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database file of this test's own, not yet created, but set up: encrypted, as the
    tablet's is (see tests/support/at_rest.py)."""
    path = tmp_path / "data" / "clinic.sqlite3"
    at_rest.set_up(path)
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db_path: Path, clock: Clock):
    """A fresh store on ``db_path``."""
    with Store.open(db_path, clock=clock) as opened:
        yield opened


@pytest.fixture(scope="session")
def _staffed_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "staffed.sqlite3"
    at_rest.set_up(path)
    with Store.open(path, clock=Clock()) as template:
        template.add_staff("Dr Ada Practitioner", "practitioner", PRACTITIONER_PIN, "system")
        template.add_staff("Ben Desk", "front-desk", FRONT_DESK_PIN, "system")
    return path


@pytest.fixture
def staffed(_staffed_template: Path, db_path: Path, clock: Clock):
    """A store with a practitioner (id 1) and a front-desk member (id 2)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(_staffed_template, db_path)
    shutil.copy(atrest.key_file(_staffed_template), atrest.key_file(db_path))
    at_rest.ready(db_path)  # unlocked again where a test before locked every key
    with Store.open(db_path, clock=clock) as opened:
        yield opened


@pytest.fixture
def practitioner(db_path):
    """A practitioner "Dr Rowan Hale" with PIN 264819 on ``db_path``; returns the staff id."""
    with Store.open(db_path) as store:
        return store.add_staff("Dr Rowan Hale", "practitioner", "264819", actor="system")


@pytest.fixture
def make_window(qtbot, qapp, db_path, form):
    """Build the main window on the database; afterwards closes it, and waits for its
    database thread to write what is queued and for the other background tasks.

    The clinic has a practitioner (Dr Rowan Hale, PIN 264819: made here if the database has
    none), as the app opens on the patient's welcome screen only then; ``first_run=True``
    leaves a database without one (the app opens on the first practitioner's set-up)."""
    made = []

    def make(*, first_run: bool = False, **kwargs):
        if not first_run:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            with Store.open(db_path) as store:
                if not store.has_practitioner():
                    store.add_staff("Dr Rowan Hale", "practitioner", "264819", actor="system")
        from mesocheck.ui.shell.main_window import MainWindow
        from mesocheck.ui.tasks import Database
        from mesocheck.ui.widgets import style

        style.apply(qapp)

        db = Database.open(db_path, retry_delays=(0.05,))
        settings, has_practitioner = db.call(
            lambda store: (store.settings(), store.has_practitioner()))
        options = dict(settings=settings, zone=timezone.utc, has_practitioner=has_practitioner)
        options.update(kwargs)
        window = MainWindow(db, options.pop("form", form), **options)  # form=: another wording
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        made.append((window, db))
        return window

    yield make
    from mesocheck.ui.tasks import shut_down

    for window, db in made:
        try:
            qtbot.waitUntil(lambda: db.pending == 0, timeout=10_000)
        finally:
            window.close()
            window.deleteLater()
            assert shut_down(db), "queued writes were not all saved"
