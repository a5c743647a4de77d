"""Promise 2: two processes, one database.

The wizard (one process) writes intakes answer by answer while the review screen (another
process) reads the queue, decides flags, countersigns and stores PDFs, and the admin
commands (``verify``, ``export``, ``backup``) run as further processes meanwhile. No write
may fail with "database is locked" (the busy timeout must absorb every wait), every wait
is bounded, and every command run during the writes must give a true answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mesocheck.store import Store
from mesocheck.store.db import BUSY_TIMEOUT_MS
from tests.support import at_rest

from tests.support.intakes import add_staff
from .harness import record_figures

DRIVER = "tests.reliability.load_driver"  # run with -m from the repository
REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MESOCHECK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "mesocheck", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def run_side_by_side(tmp_path: Path, wizard_writes: int) -> dict:
    db = tmp_path / "clinic.sqlite3"
    at_rest.set_up(db)
    with Store.open(db) as store:
        add_staff(store)
    stop = tmp_path / "stop"
    env = {**os.environ, "MESOCHECK_HOME": str(tmp_path)}
    wizard = subprocess.Popen([sys.executable, "-m", DRIVER, "wizard", str(db),
                               str(wizard_writes), "1"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    reviewer = subprocess.Popen([sys.executable, "-m", DRIVER, "review", str(db), str(stop),
                                 "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env, cwd=REPO)
    commands: dict[str, int] = {"verify": 0, "export": 0, "backup": 0}
    failures = []
    try:
        turn = 0
        while wizard.poll() is None:
            name = ("verify", "export", "backup")[turn % 3]
            turn += 1
            if name == "verify":
                done = _cli("verify", "--db", str(db), home=tmp_path)
            elif name == "export":
                done = _cli("export", "--format", "json", "-o", str(tmp_path / "out.json"),
                            "--db", str(db), home=tmp_path)
            else:
                done = _cli("backup", str(tmp_path / "backup.sqlite3"), "--db", str(db),
                            home=tmp_path)
            commands[name] += 1
            if done.returncode != 0:
                failures.append((name, done.stderr.strip()[-2000:]))
            time.sleep(0.05)
    finally:
        stop.touch()
        w_out, w_err = wizard.communicate(timeout=600)
        r_out, r_err = reviewer.communicate(timeout=600)
    assert wizard.returncode == 0, w_err
    assert reviewer.returncode == 0, r_err
    w, r = json.loads(w_out.splitlines()[-1]), json.loads(r_out.splitlines()[-1])
    with Store.open(db) as store:
        assert store.verify() == []
        exported = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
        assert exported, "the export ran against an empty database"
    with Store.open(tmp_path / "backup.sqlite3", create=False) as copy:
        assert copy.verify() == []
    return {"wizard": w, "review": r, "commands": commands, "failures": failures}


def _check(figures: dict, min_writes: int) -> None:
    w, r = figures["wizard"], figures["review"]
    assert w["errors"] == [] and r["errors"] == [], (w["errors"], r["errors"])
    assert figures["failures"] == [], figures["failures"]
    assert w["writes"] + r["writes"] >= min_writes
    assert r["reviewed"] > 0 and all(figures["commands"].values())
    slowest = max(w["max_s"], r["max_s"])
    assert slowest < BUSY_TIMEOUT_MS / 1000 / 2, f"a write waited {slowest:.2f} s"


def test_wizard_and_review_write_side_by_side_without_lock_errors(tmp_path):
    figures = run_side_by_side(tmp_path, wizard_writes=1200)
    _check(figures, min_writes=1000)
    record_figures("two_processes", writes=figures["wizard"]["writes"]
                   + figures["review"]["writes"], wizard=figures["wizard"],
                   review=figures["review"], commands=figures["commands"])


@pytest.mark.long
def test_ten_thousand_writes_side_by_side(tmp_path):
    figures = run_side_by_side(tmp_path, wizard_writes=8000)
    _check(figures, min_writes=10000)
    record_figures("two_processes.long", writes=figures["wizard"]["writes"]
                   + figures["review"]["writes"], wizard=figures["wizard"],
                   review=figures["review"], commands=figures["commands"])
