"""``mesocheck seal`` and ``check-pdf`` at the command line: setting the seal up, every way a
certificate or a passphrase can be wrong (one sentence, nothing stored changed), and
checking PDFs from anywhere."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest

from mesocheck import cli
from mesocheck.store import Store
from tests.support import pki

NOW = datetime.now(timezone.utc)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def fingerprint(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


@pytest.fixture
def passphrase_file(tmp_path):
    path = tmp_path / "passphrase"
    path.write_text(pki.PASSPHRASE + "\n")
    return path


@pytest.fixture
def wrong_passphrase_file(tmp_path):
    path = tmp_path / "wrong"
    path.write_text("another passphrase entirely\n")
    return path


def _signed(db_path) -> int:
    """How many of the demo's intakes are signed (an unfinished one has no document)."""
    with Store.open(db_path) as store:
        return sum(store.intake(row.intake_id).status != "in_progress"
                   for row in store.queue(limit=100))


def test_a_self_signed_seal_is_set_up_and_demo_documents_are_sealed(
        db_path, passphrase_file, capsys, tmp_path):
    code, out, err = run(capsys, "--db", db_path, "seal", "setup", "--name",
                         "Clinique Lumière", "--passphrase-file", passphrase_file)
    assert code == 0, err
    assert out.startswith("clinic seal set up: O=Clinique Lumière,CN=Clinique Lumière, "
                          "certificate SHA-256 ")
    code, out, err = run(capsys, "--db", db_path, "demo", "--count", "3",
                         "--passphrase-file", passphrase_file)
    assert code == 0, err
    code, out, _err = run(capsys, "--db", db_path, "seal", "show")
    signed = _signed(db_path)
    assert signed >= 1
    assert ("documents (each intake's newest record and patient's copy) "
            f"B-B: {2 * signed}") in out
    with Store.open(db_path) as store:
        seal = store.current_seal()
        assert pki.PASSPHRASE not in seal.key and "PRIVATE KEY" not in seal.key
        raw = db_path.read_bytes()
    assert b"PRIVATE KEY" not in raw  # never in clear in the database
    assert run(capsys, "--db", db_path, "verify")[0] == 0


def test_a_second_seal_takes_the_clinic_passphrase_it_already_has(
        db_path, passphrase_file, wrong_passphrase_file, capsys):
    assert run(capsys, "--db", db_path, "seal", "setup", "--name", "Clinique Lumière",
               "--passphrase-file", passphrase_file)[0] == 0
    before = fingerprint(db_path)
    code, _out, err = run(capsys, "--db", db_path, "seal", "setup", "--name",
                          "Clinique Lumière", "--passphrase-file", wrong_passphrase_file)
    assert (code, err.strip()) == (
        1, "mesocheck: the clinic passphrase is wrong; nothing was changed")
    assert fingerprint(db_path) == before


def test_demo_with_the_wrong_passphrase_stores_nothing(
        db_path, passphrase_file, wrong_passphrase_file, capsys):
    assert run(capsys, "--db", db_path, "seal", "setup", "--name", "Clinique Lumière",
               "--passphrase-file", passphrase_file)[0] == 0
    code, _out, err = run(capsys, "--db", db_path, "demo", "--count", "2",
                          "--passphrase-file", wrong_passphrase_file)
    assert (code, err.strip()) == (
        1, "mesocheck: the clinic passphrase is wrong; nothing was changed")
    with Store.open(db_path) as store:
        assert store.queue_count() == 0


def _p12(tmp_path, name="clinic.p12", **kwargs):
    path = tmp_path / name
    key = kwargs.pop("key", None) or pki.rsa_key()
    root_key, root = pki.certificate("Test CA", ca=True)
    _key, cert = pki.certificate("Clinique Lumière", issuer=(root_key, root), key=key,
                                 not_before=kwargs.pop("not_before", None),
                                 not_after=kwargs.pop("not_after", None))
    path.write_bytes(pki.p12(key, cert, [root], **kwargs))
    return path


def test_a_pkcs12_from_a_ca_is_imported(db_path, passphrase_file, tmp_path, capsys):
    bundle = _p12(tmp_path)
    password = tmp_path / "p12pass"
    password.write_text("secret\n")
    code, out, err = run(capsys, "--db", db_path, "seal", "setup", "--import", bundle,
                         "--import-password-file", password, "--passphrase-file",
                         passphrase_file)
    assert code == 0, err
    assert "CN=Clinique Lumière" in out
    with Store.open(db_path) as store:
        assert store.current_seal().certificate.count("BEGIN CERTIFICATE") == 2  # its chain


@pytest.mark.parametrize("make, password, expected", [
    (lambda tmp: _p12(tmp, with_key=False), "secret",
     "holds no private key, only certificates: export the certificate together with its "
     "private key"),
    (lambda tmp: _p12(tmp), "not-the-password", "the password of {p12} is wrong"),
    (lambda tmp: _p12(tmp, not_before=NOW - timedelta(days=800),
                      not_after=NOW - timedelta(days=2)), "secret",
     "the certificate in {p12} expired on "),
    (lambda tmp: _p12(tmp, not_before=NOW + timedelta(days=3)), "secret",
     "the certificate in {p12} is valid only from "),
    (lambda tmp: (tmp / "notes.p12").write_text("hello") and tmp / "notes.p12", "secret",
     "is not a PKCS#12 bundle"),
])
def test_an_unusable_pkcs12_is_a_sentence_and_nothing_is_stored(
        db_path, passphrase_file, tmp_path, capsys, make, password, expected):
    bundle = make(tmp_path)
    password_file = tmp_path / "p12pass"
    password_file.write_text(password + "\n")
    with Store.open(db_path):
        pass
    before = fingerprint(db_path)
    code, out, err = run(capsys, "--db", db_path, "seal", "setup", "--import", bundle,
                         "--import-password-file", password_file, "--passphrase-file",
                         passphrase_file)
    assert code == 1
    assert expected.format(p12=bundle) in err
    assert err.count("\n") == 1 and "Traceback" not in err and out == ""
    assert fingerprint(db_path) == before


def test_a_self_signed_seal_needs_the_clinic_name(db_path, passphrase_file, capsys):
    code, _out, err = run(capsys, "--db", db_path, "seal", "setup", "--passphrase-file",
                          passphrase_file)
    assert code == 1
    assert "give the clinic's name with --name" in err


def test_a_new_passphrase_that_is_too_short_is_refused(tmp_path, capsys):
    """On an unencrypted database the seal's passphrase is new; on an encrypted one it is
    the database's (the next test)."""
    short = tmp_path / "short"
    short.write_text("abc\n")
    db = tmp_path / "plain.sqlite3"
    code, _out, err = run(capsys, "--db", db, "seal", "setup", "--name", "Clinic", "--plain",
                          "--passphrase-file", short)
    assert code == 1 and "at least 10 characters" in err
    with Store.open(db) as store:
        assert store.current_seal() is None


def test_the_seal_of_an_encrypted_database_takes_its_passphrase(
        db_path, wrong_passphrase_file, passphrase_file, capsys):
    code, _out, err = run(capsys, "--db", db_path, "seal", "setup", "--name", "Clinic",
                          "--passphrase-file", wrong_passphrase_file)
    assert (code, err) == (1, "mesocheck: the clinic passphrase is wrong; nothing was changed\n")
    assert run(capsys, "--db", db_path, "seal", "setup", "--name", "Clinic",
               "--passphrase-file", passphrase_file)[0] == 0


def test_seal_upgrade_names_an_authority_that_times_out(
        db_path, passphrase_file, silent_tsa, capsys):
    assert run(capsys, "--db", db_path, "seal", "setup", "--name", "Clinique Lumière",
               "--passphrase-file", passphrase_file)[0] == 0
    assert run(capsys, "--db", db_path, "demo", "--count", "1",
               "--passphrase-file", passphrase_file)[0] == 0
    with Store.open(db_path) as store:
        store.set_settings({"seal_tsa_url": silent_tsa.url, "seal_tsa_timeout_s": 0.5},
                           "system")
        before = [d.id for d, _pdf in store.all_documents()]
    code, out, err = run(capsys, "--db", db_path, "seal", "upgrade")
    assert code == 1
    assert "2 documents are sealed without a timestamp (B-B)" in out
    assert err.strip() == (f"the time-stamping authority at {silent_tsa.url} did not answer "
                           "in time; seals are upgraded when it answers")
    with Store.open(db_path) as store:
        assert [d.id for d, _pdf in store.all_documents()] == before


def test_check_pdf_on_a_pdf_from_another_program(tmp_path, capsys):
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    out = BytesIO()
    canvas = Canvas(out)
    canvas.drawString(100, 700, "An invoice")
    canvas.save()
    other = tmp_path / "invoice.pdf"
    other.write_bytes(out.getvalue())
    code, _out, err = run(capsys, "check-pdf", other)
    assert code == 1
    assert ("problem: it records no mesocheck intake: it was not made by mesocheck, or its "
            "metadata was removed") in err
    assert "problem: it carries no seal: nothing shows whether it was changed" in err


@pytest.mark.parametrize("content", [b"", b"%PDF-1.7\ngarbage", b"\x00" * 100, "Ω".encode()])
def test_check_pdf_on_something_that_is_not_a_pdf(tmp_path, capsys, content):
    path = tmp_path / "thing.pdf"
    path.write_bytes(content)
    code, out, err = run(capsys, "check-pdf", path)
    assert code == 1
    assert out.strip() == f"{path}: not a readable PDF"
    assert err.startswith("problem: it is not a readable PDF (")
    assert "Traceback" not in err


def test_check_pdf_on_a_missing_file(tmp_path, capsys):
    code, _out, err = run(capsys, "check-pdf", tmp_path / "none.pdf")
    assert (code, err.strip()) == (1, f"mesocheck: {tmp_path / 'none.pdf'} does not exist")


def test_rebuild_pdfs_seals_what_it_makes(db_path, passphrase_file, capsys):
    assert run(capsys, "--db", db_path, "seal", "setup", "--name", "Clinique Lumière",
               "--passphrase-file", passphrase_file)[0] == 0
    assert run(capsys, "--db", db_path, "demo", "--count", "3", "--no-pdf")[0] == 0
    code, out, err = run(capsys, "--db", db_path, "rebuild-pdfs", "--passphrase-file",
                         passphrase_file)
    assert code == 0, err
    signed = _signed(db_path)
    with Store.open(db_path) as store:  # a record and a patient's copy each
        assert signed >= 1 and store.seal_levels() == {"B-B": 2 * signed}
