"""Store fixtures: a real SQLite file per test, a clock the test controls, and staff whose
full-strength scrypt PIN hashes are computed once per session and copied in with the file."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mesocheck.store import Store

from .helpers import FRONT_DESK_PIN, PRACTITIONER_PIN


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
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "mesocheck.sqlite3"


@pytest.fixture
def store(db_path: Path, clock: Clock):
    with Store.open(db_path, clock=clock) as opened:
        yield opened


@pytest.fixture(scope="session")
def _staffed_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "staffed.sqlite3"
    with Store.open(path, clock=Clock()) as template:
        template.add_staff("Dr Ada Practitioner", "practitioner", PRACTITIONER_PIN, "system")
        template.add_staff("Ben Desk", "front-desk", FRONT_DESK_PIN, "system")
    return path


@pytest.fixture
def staffed(_staffed_template: Path, db_path: Path, clock: Clock):
    """A store with a practitioner (id 1) and a front-desk member (id 2)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(_staffed_template, db_path)
    with Store.open(db_path, clock=clock) as opened:
        yield opened
