"""The admin command line, run as a user would: a real process, a real database file."""

import csv
import json
import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from mesocheck.paths import default_form_path

from tests.support.at_rest import raw_connect


# The commands speak the environment's language: these tests read English, whatever the
# machine running them is set to, unless a test names a language.
ENGLISH = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}


def run(*args: str, home: Path, stdin: str | None = None,
        language: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **ENGLISH, **(language or {}), "MESOCHECK_HOME": str(home),
           "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "mesocheck", *args],
        capture_output=True, text=True, env=env, input=stdin, timeout=300,
    )


def assert_clean_failure(done: subprocess.CompletedProcess, *expected: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    for text in expected:
        assert text in done.stderr


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("home")
    db = home / "demo.sqlite3"
    done = run("demo", "--count", "40", "--seed", "7", "--db", str(db), home=home)
    assert done.returncode == 0, done.stderr
    assert "created 40 demo intakes" in done.stdout
    return db


def test_check_form_passes_the_shipped_form(tmp_path):
    done = run("check-form", str(default_form_path()), home=tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip().endswith(": ok")


def test_check_form_lists_every_problem(tmp_path):
    text = default_form_path().read_text(encoding="utf-8")
    broken = (
        text.replace('id = "allergies_any"', 'id = "consultation"', 1)          # duplicate id
        .replace('question = "sun_recent"', 'question = "sunbathing"', 1)       # unknown id
        .replace('"last_aspirin", op = "within"', '"last_aspirin", op = "inside"', 1)  # operator
        .replace('title.en = "Your health"\n', '', 1)                        # translation
    )
    bad = tmp_path / "broken.toml"
    bad.write_text(broken, encoding="utf-8")
    done = run("check-form", str(bad), home=tmp_path)
    assert_clean_failure(done, "duplicate id 'consultation'", "unknown question id 'sunbathing'",
                         "unknown operator 'inside'", "missing translation for 'en'",
                         "problems found")


def test_demo_data_verifies_and_exports(demo_db, tmp_path):
    home = demo_db.parent
    done = run("verify", "--db", str(demo_db), home=home)
    assert done.returncode == 0, done.stderr
    assert "ok" in done.stdout

    out = tmp_path / "all.json"
    assert run("export", "--db", str(demo_db), "-o", str(out), home=home).returncode == 0
    intakes = json.loads(out.read_text(encoding="utf-8"))
    assert len(intakes) == 40
    first = intakes[0]
    assert first["answers"] and first["patient"]["name"]
    assert {"rule_id", "severity", "decision"} <= set(first["flags"][0]) if first["flags"] else True
    assert any(i["status"] in ("cleared", "postponed", "declined") for i in intakes)
    assert any(f["severity"] == "stop" for i in intakes for f in i["flags"])
    signed = [i for i in intakes if i["submitted_at"]]
    consents = [i for i in signed if not i["visit"]["continues"]]  # a check-in opens none
    assert consents and all(i["course"]["sessions"] == 10 and i["course"]["until"] > i[
        "submitted_at"][:10] for i in consents)
    assert all(i["course"] is None for i in signed if i["visit"]["continues"])
    assert all(i["course"] is None for i in intakes if not i["submitted_at"])
    assert all(isinstance(i["patient"]["id"], int) for i in intakes)

    flagged = tmp_path / "flagged.csv"
    done = run("export", "--db", str(demo_db), "--format", "csv", "--flagged", "-o", str(flagged),
               home=home)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(flagged.open(encoding="utf-8", newline="")))
    assert 0 < len(rows) < 40
    assert all(r["flags"] for r in rows)
    assert "answer.consultation" in rows[0]
    assert all(r["course_sessions"] == "10" and r["course_until"] and r["patient_id"]
               for r in rows if r["signed_at"] and not r["continues"])


def test_pdf_writes_the_stored_consent(demo_db, tmp_path):
    home = demo_db.parent
    with closing(raw_connect(demo_db)) as conn:
        (intake_id,) = conn.execute(
            "SELECT intake_id FROM documents ORDER BY id LIMIT 1").fetchone()
        stored = conn.execute(
            "SELECT pdf FROM documents WHERE intake_id = ? AND kind != 'patient_copy' "
            "ORDER BY id DESC LIMIT 1",
            (intake_id,)).fetchone()[0]
    out = tmp_path / "consent.pdf"
    done = run("pdf", intake_id, "-o", str(out), "--db", str(demo_db), home=home)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == stored and stored.startswith(b"%PDF")

    done = run("pdf", "no-such-intake", "-o", str(out), "--db", str(demo_db), home=home)
    assert_clean_failure(done, "no consent PDF")


def test_backup_is_verified_and_opens(demo_db, tmp_path):
    dest = tmp_path / "backup.sqlite3"
    done = run("backup", str(dest), "--db", str(demo_db), home=demo_db.parent)
    assert done.returncode == 0, done.stderr
    assert run("verify", "--db", str(dest), home=tmp_path).returncode == 0
    done = run("backup", str(tmp_path / "missing" / "b.sqlite3"), "--db", str(demo_db),
               home=demo_db.parent)
    assert_clean_failure(done, "mesocheck:")


def test_staff_add_stores_only_a_hash(tmp_path):
    db = tmp_path / "staff.sqlite3"
    done = run("staff", "add", "Dr Ana Ruiz", "--role", "practitioner", "--db", str(db),
               home=tmp_path, stdin="482913\n482913\n")
    assert done.returncode == 0, done.stderr
    with closing(raw_connect(db)) as conn:
        name, role, pin_hash = conn.execute("SELECT name, role, pin_hash FROM staff").fetchone()
    assert (name, role) == ("Dr Ana Ruiz", "practitioner")
    assert "482913" not in pin_hash and pin_hash.startswith("scrypt$")

    done = run("staff", "add", "Sam", "--role", "front-desk", "--db", str(db), home=tmp_path,
               stdin="1234\n4321\n")
    assert_clean_failure(done, "the two PINs differ")


def test_broken_databases_get_one_clear_line(tmp_path):
    missing = tmp_path / "nothing-here.sqlite3"
    assert_clean_failure(run("verify", "--db", str(missing), home=tmp_path), "mesocheck:")
    assert not missing.exists()

    corrupt = tmp_path / "corrupt.sqlite3"
    corrupt.write_bytes(b"this is not a database at all" * 100)
    done = run("verify", "--db", str(corrupt), home=tmp_path)
    assert_clean_failure(done, "mesocheck:")
    assert len(done.stderr.strip().splitlines()) == 1


def test_usage_errors_exit_2(tmp_path):
    done = run("demo", "--count", "zero", home=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_commands_speak_the_language_the_environment_asks_for(tmp_path):
    db = tmp_path / "staff.sqlite3"
    french = {"LANG": "fr_FR.UTF-8"}
    done = run("staff", "add", "Dr Ana Ruiz", "--role", "practitioner", "--db", str(db),
               home=tmp_path, stdin="482913\n482913\n", language=french)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "membre du personnel n° 1 ajouté (practitioner)"
    done = run("staff", "add", "Sam", "--role", "front-desk", "--db", str(db), home=tmp_path,
               stdin="1234\n4321\n", language=french)
    assert_clean_failure(done, "les deux codes PIN diffèrent ; rien n'a été enregistré")
    done = run("verify", "--db", str(tmp_path / "missing.sqlite3"), home=tmp_path,
               language=french)  # the store's own sentence, in the same language
    assert_clean_failure(done, "mesocheck: Le fichier de la base de données n'existe pas.")
    done = run("demo", "--count", "zero", home=tmp_path, language=french)
    assert done.returncode == 2 and "'zero' n'est pas un nombre entier" in done.stderr
    done = run("--help", home=tmp_path, language={"LANGUAGE": "es", "LANG": "fr_FR.UTF-8"})
    help_text = " ".join(done.stdout.split()).lower()
    assert "sin un comando, abre la aplicación de la tableta" in help_text

    done = run("staff", "add", "Sam", "--role", "front-desk", "--db", str(db), home=tmp_path,
               stdin="1234\n4321\n", language={"LANG": "C"})
    assert_clean_failure(done, "the two PINs differ; nothing was saved")
    done = run("demo", "--count", "zero", home=tmp_path, language={"LANG": "de_DE.UTF-8"})
    assert "'zero' is not a whole number" in done.stderr
