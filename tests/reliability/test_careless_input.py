"""Promise 4 at the command line: a user's mistake gets a sentence, never the bug apology.

The admin commands are run as a real process with what people really type, paste or
script: empty and blank names, names full of escapes and invisible characters, bytes that
are not UTF-8, a "form" that is a device or holds a number thousands of digits long, a PIN
with a newline, a database holding a value changed by hand. Each must end in one plain
line and a non-zero exit, with nothing logged as a bug; what is stored must be clean.
Also here: what a spreadsheet must never run, and who may read the log.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mesocheck.demo import create_demo_intakes
from mesocheck.export import _cell
from mesocheck.store import InvalidPin, Store
from mesocheck.store.staff import check_pin_format

from tests.support.intakes import cheap_pins
from tests.support import at_rest
from tests.support.at_rest import raw_connect
from .harness import record_figures

APOLOGY = "sorry, something went wrong"


def run_cli(*args: str | bytes, home: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "MESOCHECK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "mesocheck", *args], capture_output=True,
                          env=env, timeout=300, input=stdin.encode())
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode(errors="replace"),
                                       done.stderr.decode(errors="replace"))


def a_sentence(done: subprocess.CompletedProcess, home: Path) -> str:
    assert done.returncode not in (0, 70), (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines and (lines[-1].startswith("mesocheck")
                      or lines[-1].endswith(("problem found", "problems found"))), done.stderr
    assert APOLOGY not in done.stderr, done.stderr
    log = home / "logs" / "mesocheck.log"
    assert not log.exists() or "unexpected" not in log.read_text(), "logged as a bug"
    return lines[-1]


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "clinic.sqlite3"
    at_rest.set_up(path)
    with Store.open(path) as store:
        with cheap_pins():
            create_demo_intakes(store, 3, seed=2, with_pdf=False)
    return path


# -- 7 and 8: staff names ---------------------------------------------------------------


@pytest.mark.parametrize("name", [
    pytest.param("", id="empty"), pytest.param("   ", id="blank"),
    pytest.param("\u200b\u200b\u200b", id="only-zero-width-spaces"),
    pytest.param("\u202e\u2066\u200b", id="only-invisible-controls"),
    pytest.param("x" * 100_000, id="100000-characters"),
])
def test_staff_add_refuses_a_name_that_is_not_one(db, tmp_path, name):
    before = _staff(db)
    message = a_sentence(run_cli("staff", "add", name, "--role", "front-desk", "--db", str(db),
                                 home=tmp_path, stdin="482175\n482175\n"), tmp_path)
    assert "name" in message, message
    assert _staff(db) == before


@pytest.mark.parametrize("typed,stored", [
    ("\x1b[31mRed Alert\x1b[0m", "[31mRed Alert[0m"),  # the escapes cannot reach a screen
    ("\u202eLaila Haddad", "Laila Haddad"),  # no override can make it look like another
    ("  Ana \t María\x07  López ", "Ana María López"),
])
def test_staff_names_get_the_checks_patient_names_get(db, tmp_path, typed, stored):
    done = run_cli("staff", "add", typed, "--role", "front-desk", "--db", str(db),
                   home=tmp_path, stdin="482175\n482175\n")
    assert done.returncode == 0, done.stderr
    assert stored in _staff(db)


def _staff(db: Path) -> list[str]:
    conn = raw_connect(db)
    try:
        return [n for (n,) in conn.execute("SELECT name FROM staff ORDER BY id")]
    finally:
        conn.close()


# -- 7: bytes that are not UTF-8 --------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="Windows hands programs text, not bytes")
@pytest.mark.parametrize("args", [
    pytest.param((b"staff", b"add", b"\xff", b"--role", b"front-desk"), id="staff-name"),
    pytest.param((b"pdf", b"\xff", b"-o", b"{out}/x.pdf"), id="intake-id"),
    pytest.param((b"export", b"-o", b"{out}/caf\xe9.json"), id="latin-1-path"),
    pytest.param((b"check-form", b"{out}/\xfe.toml"), id="form-path"),
])
def test_bytes_that_are_not_utf8_get_a_sentence(db, tmp_path, args):
    out = os.fsencode(tmp_path / "out")
    args = [arg.replace(b"{out}", out) for arg in args]
    message = a_sentence(run_cli(*args, b"--db", os.fsencode(db), home=tmp_path,
                                 stdin="482175\n482175\n"), tmp_path)
    assert "UTF-8" in message, message
    assert not (tmp_path / "out").exists()


# -- 7: check-form on what is not a form ------------------------------------------------


def test_check_form_never_reads_a_device_without_end(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # a reader would wait for a writer for ever
    for target in (Path("/dev/zero"), fifo):
        done = run_cli("check-form", str(target), home=tmp_path)
        a_sentence(done, tmp_path)
        assert "not a file but a device or a pipe" in done.stderr


def test_check_form_names_a_number_too_long_to_read(tmp_path):
    form = tmp_path / "form.toml"
    form.write_text('id = "x"\nversion = ' + "9" * 5000 + "\n")
    done = run_cli("check-form", str(form), home=tmp_path)
    a_sentence(done, tmp_path)
    assert "number too long" in done.stderr


# -- 7: a value changed by hand ---------------------------------------------------------


@pytest.mark.parametrize("edit", [
    "UPDATE flags SET raised_at = 'yesterday-ish'",
    "UPDATE answers SET value = '{not json'",
])
def test_export_of_a_hand_edited_value_is_a_sentence(db, tmp_path, edit):
    conn = raw_connect(db)
    conn.execute(edit)
    conn.close()
    for fmt in ("json", "csv"):
        out = tmp_path / f"all.{fmt}"
        message = a_sentence(run_cli("export", "--format", fmt, "-o", str(out), "--db", str(db),
                                     home=tmp_path), tmp_path)
        assert "mesocheck verify" in message, message
        assert not out.exists()


# -- 10: PINs, spreadsheets, the log --------------------------------------------------------


@pytest.mark.parametrize("pin", ["1234\n", "1234\r\n", "\n1234", " 1234", "１２３４"])
def test_a_pin_with_anything_but_digits_is_refused(pin):
    with pytest.raises(InvalidPin):
        check_pin_format(pin)


@pytest.mark.parametrize("text", ["=1+1", "＝1+1", "﹦1+1", "＋1", "﹢1", "－1", "﹣1", "＠SUM(A1)",
                                  "﹫A1", "\n=1", "\t=1", "-2+3", "@A1"])
def test_formula_looking_text_is_defused_in_csv_whatever_its_width(text):
    cell = _cell(text)
    assert cell.startswith("'") and cell[1:] == text
    parsed = next(csv.reader(io.StringIO(_csv_line(cell))))
    assert parsed == [cell]


def _csv_line(cell: str) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([cell])
    return out.getvalue()


def test_the_log_is_private_even_after_a_rotation(tmp_path):
    home = tmp_path / "home"
    code = (
        "import logging, mesocheck.logs as l; l.MAX_BYTES = 500; p = l.setup_logging(); "
        "[logging.getLogger('mesocheck.t').warning('event %d %s', n, 'x' * 60) "
        "for n in range(40)]; print(p)")
    env = {**os.environ, "MESOCHECK_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    folder = home / "logs"
    files = sorted(folder.iterdir())
    assert len(files) == 4  # the log and three rotated ones
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}
    record_figures("careless.log_modes", folder="0700", files=["0600"] * len(files))


def test_an_older_log_readable_by_all_is_made_private(tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir(mode=0o755)
    (folder / "mesocheck.log").write_text("old\n")
    os.chmod(folder / "mesocheck.log", 0o644)
    os.chmod(folder, 0o755)
    done = subprocess.run([sys.executable, "-c", "import mesocheck.logs as l; l.setup_logging()"],
                          env={**os.environ, "MESOCHECK_HOME": str(tmp_path)}, timeout=60)
    assert done.returncode == 0
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "mesocheck.log").stat().st_mode) == 0o600
