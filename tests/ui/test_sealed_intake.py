"""A consent made through the real wizard is sealed by the clinic; a byte changed in it, or
a revision forged onto it, is reported by ``check-pdf`` and by ``verify``. And the seal is
unlocked on the staff screen, sealing what waited."""

from __future__ import annotations

import hashlib
from io import BytesIO

import pytest

from mesocheck import cli
from mesocheck.documents import certificate
from mesocheck.documents.check import check_pdf
from mesocheck.store import Store
from tests.support import intake_driver as drive
from tests.support.at_rest import raw_connect
from tests.support import pki
from tests.support.layout_check import layout_problems

SIZES = {"landscape": (1280, 800), "portrait": (800, 1280)}


def stored_consent(qtbot, db_path, intake_id):
    """The consent document the app stores in the background once the patient signed."""
    found = []

    def stored() -> bool:
        with Store.open(db_path) as store:
            info = store.latest_document(intake_id)
            if info is not None:
                found[:] = [info, store.document_bytes(info.id)]
        return bool(found)

    qtbot.waitUntil(stored, timeout=30_000)
    return found


def replace_stored_pdf(db_path, document_id, pdf: bytes, *, with_hash: bool) -> None:
    """Someone with the key and an SQLite shell puts other bytes in, and the append-only
    guard back."""
    conn = raw_connect(db_path)
    try:
        (guard,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = "
                                "'documents_no_update'").fetchone()
        conn.execute("DROP TRIGGER documents_no_update")
        sha = hashlib.sha256(pdf).hexdigest() if with_hash else None
        conn.execute("UPDATE documents SET pdf = ?, sha256 = coalesce(?, sha256) WHERE id = ?",
                     (pdf, sha, document_id))
        conn.execute(guard)
    finally:
        conn.close()


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_consent_made_through_the_wizard_is_sealed_and_tampering_is_reported(
        qtbot, make_window, db_path, practitioner, clinic_seal, tmp_path, capsys):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    window = make_window()
    intake_id = drive.walk_in_and_sign(qtbot, window)
    drive.settle(qtbot, window)
    info, pdf = stored_consent(qtbot, db_path, intake_id)
    assert info.seal == "B-B"

    # pyHanko, trusting only the clinic's certificate: intact, and signed by the clinic.
    (signature,) = PdfFileReader(BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(
        trust_roots=[clinic_seal.certificate], allow_fetching=False))
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.sha256 == clinic_seal.certificate.sha256
    assert status.coverage.name == "ENTIRE_FILE"

    clinic_pem = tmp_path / "clinic.pem"
    assert run(capsys, "--db", db_path, "seal", "certificate", "-o", clinic_pem)[0] == 0
    original, flipped, forged = (tmp_path / n for n in ("consent.pdf", "flipped.pdf",
                                                        "forged.pdf"))
    original.write_bytes(pdf)
    flipped.write_bytes(pki.flip_byte(pdf))
    forged.write_bytes(pki.forged_revision(pdf))

    code, out, err = run(capsys, "check-pdf", original, "--certificate", clinic_pem)
    assert code == 0, err
    assert f"records intake {intake_id}, form mesotherapy" in out
    assert "signature 1: the clinic's seal, made with the certificate of Clinique Lumière" in out
    assert out.rstrip().endswith("ok: sealed by the clinic, and nothing was changed after")

    code, out, err = run(capsys, "check-pdf", flipped, "--certificate", clinic_pem)
    assert code == 1
    assert ("problem: signature 1 (the clinic's seal) does not match the document: the bytes "
            "it covers were changed after it was made") in err
    assert "Traceback" not in out + err

    code, out, err = run(capsys, "check-pdf", forged, "--certificate", clinic_pem)
    assert code == 1
    assert "problem: the document was changed after signature 1 (the clinic's seal)" in err
    assert ("problem: signature 2 (a signature named 'Forged') was made with another "
            "certificate (Clinique Lumière, SHA-256") in err

    assert run(capsys, "--db", db_path, "verify")[0] == 0
    replace_stored_pdf(db_path, info.id, pki.flip_byte(pdf), with_hash=False)
    code, _out, err = run(capsys, "--db", db_path, "verify")
    assert code == 1
    assert f"document_hash: documents row {info.id} (intake {intake_id})" in err
    assert (f"seal: documents row {info.id} (intake {intake_id}): signature 1 (the clinic's "
            "seal) does not match the document") in err

    replace_stored_pdf(db_path, info.id, pki.forged_revision(pdf), with_hash=True)
    code, _out, err = run(capsys, "--db", db_path, "verify")
    assert code == 1
    assert (f"seal: documents row {info.id} (intake {intake_id}): the document was changed "
            "after signature 1 (the clinic's seal)") in err
    assert (f"seal: documents row {info.id} (intake {intake_id}): signature 2 (a signature "
            "named 'Forged') was made with another certificate") in err
    assert f"changed: documents row {info.id}" in err  # and the audit log saw other bytes


@pytest.fixture
def shots(tmp_path):
    """Where the screens' pictures go: ``$MESOCHECK_SCREENSHOTS``, or the test's folder."""
    import os
    from pathlib import Path

    folder = Path(os.environ.get("MESOCHECK_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Camera:
    """Each picture of the window is saved and checked for cut-off text and small targets."""

    def __init__(self, qtbot, window, folder, name: str):
        self.qtbot, self.window, self.folder, self.name = qtbot, window, folder, name
        self.problems: list[str] = []
        self.count = 0

    def __call__(self, what: str) -> None:
        self.count += 1
        self.qtbot.wait(30)  # let queued layout and paint events run
        self.window.grab().save(str(self.folder / f"{self.name}-{self.count:02d}-{what}.png"))
        self.problems += [f"{what}: {p}" for p in layout_problems(self.window)]


@pytest.fixture
def locked_seal(clinic_seal):
    certificate.lock_all()
    return clinic_seal


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_the_seal_is_unlocked_on_the_staff_screen_and_what_waited_is_sealed(
        qtbot, make_window, db_path, practitioner, locked_seal, shots, orientation):
    from mesocheck.ui.staff.seal import SealScreen

    window = make_window()
    window.resize(*SIZES[orientation])
    shoot = Camera(qtbot, window, shots, f"seal-{orientation}")
    intake_id = drive.walk_in_and_sign(qtbot, window)
    drive.settle(qtbot, window)
    info, _pdf = stored_consent(qtbot, db_path, intake_id)
    assert info.seal is None  # stored at once, unsealed: the patient never waits for it

    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=10_000)
    screen = window.staff_home.open_screen("Seal")
    assert isinstance(screen, SealScreen)
    qtbot.waitUntil(lambda: screen.state is not None, timeout=5000)
    assert "The seal is locked" in screen.status.text()
    assert "2 documents wait to be sealed" in screen.status.text()
    shoot("locked")

    drive.type_text(qtbot, screen.passphrase, "not the passphrase")
    drive.click(qtbot, screen.unlock_button)
    qtbot.waitUntil(lambda: screen.error.text.text() != "", timeout=10_000)
    assert screen.error.text.text() == "The clinic passphrase is wrong; nothing was changed"
    assert screen.passphrase.text() == ""
    shoot("wrong-passphrase")

    drive.type_text(qtbot, screen.passphrase, pki.PASSPHRASE)
    drive.click(qtbot, screen.unlock_button)

    def sealed() -> bool:
        with Store.open(db_path) as store:
            return store.latest_document(intake_id).seal == "B-B"

    qtbot.waitUntil(sealed, timeout=30_000)
    qtbot.waitUntil(lambda: "unlocked" in screen.status.text() and
                    "waits" not in screen.status.text(), timeout=10_000)
    assert not screen.passphrase.isVisible()
    shoot("unlocked")
    assert shoot.problems == [], "\n".join(shoot.problems)
    with Store.open(db_path) as store:
        document = store.latest_document(intake_id)
        assert check_pdf(store.document_bytes(document.id),
                         clinic=[locked_seal.certificate]).ok
