"""Starting the app: a database that cannot be used is a message and exit code 1; the
benchmark hook quits once the first wizard step has painted; the look meets its rules."""

from __future__ import annotations

import re

from app_child import run_app
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from mesocheck.store import Store
from mesocheck.ui.shell import app as app_module
from mesocheck.ui.widgets import style
from mesocheck.ui.widgets.dialogs import Dialog


def _close_dialogs_soon(seen: list[str]) -> QTimer:
    def close() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, Dialog) and widget.isVisible():
                seen.append(widget.text_label.text())
                widget.accept_button.click()

    timer = QTimer()
    timer.timeout.connect(close)
    timer.start(50)
    return timer


def test_a_damaged_database_is_a_message_and_exit_code_1(tmp_path):
    bad = tmp_path / "not-a-database.sqlite3"
    bad.write_bytes(b"this is not sqlite at all" * 10)
    result = run_app(bad, tmp_path / "home")
    assert result.returncode == 1, result.stderr
    assert "DIALOG:" in result.stdout and "damaged" in result.stdout
    assert "Traceback" not in result.stderr


def test_exit_after_first_paint_with_a_demo_intake(tmp_path):
    db = tmp_path / "bench.sqlite3"
    result = run_app(db, tmp_path / "home", "demo", MESOCHECK_EXIT_AFTER_FIRST_PAINT="1")
    assert result.returncode == 0, result.stderr
    assert "DIALOG:" not in result.stdout  # no apology: nothing went wrong
    # The hook names the moment of the paint, for the benchmark that launched the app.
    assert re.search(r"^painted \d+\.\d+$", result.stdout, re.MULTILINE), result.stdout
    with Store.open(db) as store:
        (unfinished,) = store.unfinished_intakes()
    assert unfinished.patient_name == "Demo Patient"
    assert unfinished.current_step == "step:about"


def test_a_bug_is_logged_and_apologised_for(qtbot, tmp_path):
    seen: list[str] = []
    timer = _close_dialogs_soon(seen)
    try:
        try:
            secret = "secret " + "patient text"
            raise RuntimeError(secret)
        except RuntimeError as exc:
            app_module._excepthook(type(exc), exc, exc.__traceback__)
        qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    finally:
        timer.stop()
    path = seen[0].rsplit("\n", 1)[-1]  # the dialog names the log file
    assert path.endswith("mesocheck.log")
    log = open(path, encoding="utf-8").read()
    assert "RuntimeError" in log and "secret patient text" not in log


def test_the_style_sheet_meets_its_rules():
    sheet = style.style_sheet()
    assert "${" not in sheet
    assert style.THEME["body_pt"] >= 16 and style.THEME["touch"] >= 48
    for foreground, background in style.CONTRAST_PAIRS:
        ratio = style.contrast(style.THEME[foreground], style.THEME[background])
        assert ratio >= 4.5, f"{foreground} on {background}: {ratio:.2f}"
    sizes = [int(n) for n in re.findall(r"font-size:\s*(\d+)pt", sheet)]
    assert min(sizes) >= style.THEME["small_pt"] >= 14
    for value in re.findall(r"min-height:\s*(\d+)px", sheet):
        assert int(value) >= 10  # progress bars; touch targets are checked on screen
