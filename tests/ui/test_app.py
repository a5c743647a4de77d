"""Starting the app: a database that cannot be used is a message and exit code 1; a demo
intake opens at its first step (the start-up benchmark's hook reports its first paint); a
bug is logged and apologised for, and a native crash leaves its trace in the log folder; the
look meets its rules."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from mesocheck.store import Store
from mesocheck.ui.shell.crash import CrashHandler
from mesocheck.ui.widgets import style
from tests.support import at_rest
from tests.support.app_child import run_app


def test_a_damaged_database_is_a_message_and_exit_code_1(tmp_path):
    bad = tmp_path / "not-a-database.sqlite3"
    bad.write_bytes(b"this is not sqlite at all" * 10)
    result = run_app(bad, tmp_path / "home")
    assert result.returncode == 1, result.stderr
    assert "DIALOG:" in result.stdout and "damaged" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_demo_intake_opens_at_its_first_step_and_the_benchmark_sees_it_painted(tmp_path):
    db = tmp_path / "bench.sqlite3"
    result = run_app(db, tmp_path / "home", "demo", "quit-after-first-paint")
    assert result.returncode == 0, result.stderr
    assert "DIALOG:" not in result.stdout  # no apology: nothing went wrong
    # The hook names the moment of the paint, for the benchmark that launched the app.
    assert re.search(r"^painted \d+\.\d+$", result.stdout, re.MULTILINE), result.stdout
    assert "screen: wizard" in result.stdout  # on screen at the first paint: the wizard
    at_rest.unlock(db)
    with Store.open(db) as store:
        (unfinished,) = store.unfinished_intakes()
    assert unfinished.patient_name == "Demo Patient"
    assert unfinished.current_step == "step:about"


def test_the_app_speaks_the_clinics_language_from_its_settings(tmp_path):
    db = tmp_path / "clinic.sqlite3"
    at_rest.set_up(db)
    at_rest.unlock(db)
    with Store.open(db) as store:
        store.set_setting("clinic_language", "ar", "system")
    result = run_app(db, tmp_path / "home", "demo", "quit-after-first-paint",
                     LANG="fr_FR.UTF-8")  # the app reads the clinic's setting, not the shell's
    assert result.returncode == 0, result.stderr
    assert "clinic language: ar" in result.stdout


def test_a_bug_is_logged_and_apologised_for(qtbot, tmp_path):
    handler = CrashHandler()
    handler.activate()
    try:
        try:
            secret = "secret " + "patient text"
            raise RuntimeError(secret)
        except RuntimeError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
        qtbot.waitUntil(lambda: handler.dialog is not None, timeout=3000)
        text = handler.dialog.text_label.text()
        handler.dialog.accept_button.click()
    finally:
        handler.deactivate()
    path = text.rsplit("\n", 1)[-1]  # the apology names the log file
    assert path.endswith("mesocheck.log")
    log = open(path, encoding="utf-8").read()
    assert "RuntimeError" in log and "secret patient text" not in log


NATIVE_CRASH = """
import ctypes, sys
from PySide6.QtWidgets import QApplication
from mesocheck.ui.shell.crash import CrashHandler

app = QApplication([])
CrashHandler(app).activate()
ctypes.string_at(0)  # a crash in C: Python cannot catch it
"""


def test_a_native_crash_leaves_a_trace_in_the_log_folder(tmp_path):
    home = tmp_path / "home"
    done = subprocess.run([sys.executable, "-c", NATIVE_CRASH], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                                           "MESOCHECK_HOME": str(home)})
    assert done.returncode < 0, done.stderr  # killed by the signal, not a Python error
    log = home / "logs" / "native-crash.log"
    trace = log.read_text()
    assert "Segmentation fault" in trace and "string_at" in trace
    assert log.stat().st_mode & 0o777 == 0o600


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


# -- a fresh machine: Qt's X11 platform cannot start -------------------------------------------


def _app_command(env: dict, home) -> subprocess.CompletedProcess:
    environment = {**os.environ, "MESOCHECK_HOME": str(home), **env}
    environment.pop("WAYLAND_DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "mesocheck", "--db", str(home / "db.sqlite3")],
                          env=environment, capture_output=True, text=True, timeout=60)


def test_no_display_is_one_clear_line_not_qt_aborting(tmp_path):
    result = _app_command({"QT_QPA_PLATFORM": "", "DISPLAY": ""}, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "mesocheck: the tablet app cannot start: there is no screen to show the app on "
        "(DISPLAY is not set): start it from the tablet's desktop session"]
    assert not (tmp_path / "db.sqlite3").exists()  # nothing made before it could show


def test_a_library_qts_x11_platform_lacks_is_named(tmp_path):
    """A copy of Qt's own X11 plugin where the library it needs next to it cannot be found:
    the loader's answer, as a missing X library on a fresh machine gives it."""
    import shutil

    from PySide6.QtCore import QLibraryInfo

    plugins = tmp_path / "platforms"
    plugins.mkdir()
    shutil.copy(os.path.join(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath),
                             "platforms", "libqxcb.so"), plugins)
    result = _app_command({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":99",
                           "QT_QPA_PLATFORM_PLUGIN_PATH": str(plugins)}, tmp_path)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("mesocheck: the tablet app cannot start: Qt's X11 platform needs "
                           "libQt6XcbQpa.so.6, which is not installed")
    assert "Traceback" not in result.stderr and "Aborted" not in result.stderr


def test_the_missing_librarys_debian_package_is_named():
    from mesocheck.ui.shell.platform_check import debian_package

    assert [debian_package(name) for name in (
        "libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1",
        "libxcb-xinerama.so.0", "libxkbcommon-x11.so.0", "libxcb-render-util.so.0")] == [
        "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-xinerama0",
        "libxkbcommon-x11-0", "libxcb-render-util0"]
