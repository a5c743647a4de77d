"""The layers hold: import-linter checks the contracts in pyproject.toml (Qt only in the UI;
ui > session | review > documents > fhir > store > forms; the patient's screens and the review
apart; the screens above the shared widgets and the task runner), indirect imports too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT), "--no-cache"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)


def test_every_import_contract_is_kept():
    done = lint(REPO)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_a_qt_import_in_the_core_breaks_a_contract(tmp_path):
    shutil.copytree(REPO / "mesocheck", tmp_path / "mesocheck",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    rules = tmp_path / "mesocheck" / "forms" / "rules.py"
    rules.write_text(rules.read_text() + "\nfrom PySide6.QtCore import QObject  # noqa\n")
    done = lint(tmp_path)
    assert done.returncode != 0
    assert "mesocheck.forms.rules -> PySide6" in done.stdout
