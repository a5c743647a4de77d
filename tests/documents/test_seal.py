"""The clinic's seal on stored consent documents: sealed when unlocked, countersigned when
reviewed, timestamped when an authority answers, and sealed or upgraded later when not.
Every document is read back and checked with pyHanko."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from io import BytesIO

import pytest

from mesocheck.documents import archive, certificate
from mesocheck.documents.check import check_pdf
from mesocheck.documents.consent import store_consent_pdf
from mesocheck.documents.seal import COUNTERSIGN_FIELD, SEAL_FIELD
from mesocheck.store.records import CONSENT, REVIEWED_CONSENT
from tests.support import pki
from tests.support.intakes import make_intake
from tests.support.pki import PASSPHRASE
from tests.support.sealing import countersign


@pytest.fixture
def store(clinic_store):
    return clinic_store


def submitted_intake(store, form) -> str:
    """A signed intake whose consent document the test makes."""
    return make_intake(store, with_pdf=False)


def validated(pdf: bytes, trusted) -> list:
    """pyHanko's own verdict on every signature, trusting only ``trusted``."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(BytesIO(pdf))
    context = ValidationContext(trust_roots=[trusted], allow_fetching=False)
    return [validate_pdf_signature(s, context) for s in reader.embedded_regular_signatures]


def test_a_stored_consent_is_sealed_by_the_clinic(store, form, clinic_seal):
    intake_id = submitted_intake(store, form)
    doc_id = store_consent_pdf(store, intake_id)
    info, pdf = store.latest_document(intake_id), store.document_bytes(doc_id)
    assert (info.kind, info.seal) == (CONSENT, "B-B")
    (status,) = validated(pdf, clinic_seal.certificate)
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.sha256 == clinic_seal.certificate.sha256
    assert status.coverage.name == "ENTIRE_FILE"
    result = check_pdf(pdf, clinic=[clinic_seal.certificate])
    assert result.ok, result.problems
    assert (result.intake, result.form, result.archival) == (intake_id, f"mesotherapy {form.version}",
                                                             "PDF/A-3b")
    assert [s.field for s in result.signatures] == [SEAL_FIELD]


def test_the_reviewed_document_carries_the_countersignature_after_the_seal(
        store, form, clinic_seal):
    intake_id = submitted_intake(store, form)
    store_consent_pdf(store, intake_id)
    countersign(store, intake_id)
    doc_id = store_consent_pdf(store, intake_id)
    info, pdf = store.latest_document(intake_id), store.document_bytes(doc_id)
    assert info.kind == REVIEWED_CONSENT and info.seal == "B-B"
    seal, counter = validated(pdf, clinic_seal.certificate)
    assert seal.bottom_line and counter.bottom_line
    assert seal.modification_level.name == "FORM_FILLING"  # only the countersignature after
    result = check_pdf(pdf, clinic=[clinic_seal.certificate])
    assert result.ok, result.problems
    assert [(s.field, s.signer_name) for s in result.signatures] == [
        (SEAL_FIELD, None), (COUNTERSIGN_FIELD, "Dr Ana Ferreira")]


def test_with_a_time_stamping_authority_the_seal_is_b_t(store, form, clinic_seal, tsa):
    store.set_settings({archive.TSA_URL: tsa.url, archive.TSA_TRUST: tsa.root_pem}, "system")
    intake_id = submitted_intake(store, form)
    before = tsa.requests
    doc_id = store_consent_pdf(store, intake_id)
    assert store.latest_document(intake_id).seal == "B-T"
    assert tsa.requests > before
    result = check_pdf(store.document_bytes(doc_id), clinic=[clinic_seal.certificate],
                       trust=certificate.certificates_of(tsa.root_pem))
    assert result.ok and result.level == "B-T"
    assert "by Test Timestamping Unit" in result.signatures[0].timestamp
    assert "does not know" not in result.signatures[0].timestamp


def test_an_authority_that_times_out_leaves_the_seal_at_b_b_and_it_is_upgraded_later(
        store, form, clinic_seal, silent_tsa, tsa):
    store.set_settings({archive.TSA_URL: silent_tsa.url, archive.TSA_TIMEOUT: 0.5}, "system")
    intake_id = submitted_intake(store, form)
    began = time.monotonic()
    doc_id = store_consent_pdf(store, intake_id)
    assert time.monotonic() - began < 5  # the patient's document is not held up for long
    assert store.latest_document(intake_id).seal == "B-B"
    stored = store.document_bytes(doc_id)
    began = time.monotonic()  # the next document does not wait for it again
    store_consent_pdf(store, submitted_intake(store, form))
    assert time.monotonic() - began < 0.5

    report = archive.seal_pending(store)  # still silent: a sentence, nothing changed
    assert report.upgraded == 0 and report.to_upgrade == 4  # each intake's two copies
    assert report.problems == [f"the time-stamping authority at {silent_tsa.url} did not "
                               "answer in time; seals are upgraded when it answers"]
    assert store.latest_document(intake_id).id == doc_id

    store.set_settings({archive.TSA_URL: tsa.url, archive.TSA_TRUST: tsa.root_pem}, "system")
    report = archive.seal_pending(store)
    assert (report.upgraded, report.problems) == (4, [])
    upgraded = store.latest_document(intake_id)
    assert upgraded.seal == "B-LT" and upgraded.supersedes == doc_id
    pdf = store.document_bytes(upgraded.id)
    assert pdf.startswith(stored)  # an incremental update: the sealed revision is kept whole
    result = check_pdf(pdf, clinic=[clinic_seal.certificate],
                       trust=certificate.certificates_of(tsa.root_pem))
    assert result.ok, result.problems
    assert result.level == "B-LT"


def test_a_document_made_while_the_seal_is_locked_is_stored_and_sealed_later(
        store, form, clinic_seal):
    certificate.lock_all()
    intake_id = submitted_intake(store, form)
    doc_id = store_consent_pdf(store, intake_id)
    assert store.latest_document(intake_id).seal is None
    unsealed = store.document_bytes(doc_id)
    assert check_pdf(unsealed).problems[-1] == ("it carries no seal: nothing shows whether it "
                                                "was changed")
    assert archive.seal_pending(store).waiting == 2  # the clinic's record, the patient's copy

    certificate.unlock(store, PASSPHRASE)
    assert archive.seal_pending(store).sealed == 2
    sealed = store.latest_document(intake_id)
    assert sealed.seal == "B-B" and sealed.supersedes == doc_id
    pdf = store.document_bytes(sealed.id)
    assert pdf.startswith(unsealed)
    assert check_pdf(pdf, clinic=[clinic_seal.certificate]).ok
    assert archive.seal_pending(store).sealed == 0  # nothing left: a second run adds nothing
    assert store.verify() == []


def test_an_expired_clinic_certificate_seals_nothing_and_loses_nothing(store, form):
    now = datetime.now(timezone.utc)
    key, cert = pki.certificate("Clinique Lumière", not_before=now - timedelta(days=400),
                                not_after=now - timedelta(days=1))
    # Set up while it was valid, ten days ago; it has expired since.
    certificate.store_seal(store, key, [cert], PASSPHRASE, now=now - timedelta(days=10))
    seal = certificate.unlock(store, PASSPHRASE)
    with pytest.raises(certificate.SealUnavailable, match="expired on .*; set up a new seal"):
        seal.usable_at(now)
    intake_id = submitted_intake(store, form)
    store_consent_pdf(store, intake_id)
    assert store.latest_document(intake_id).seal is None  # kept, unsealed, sealed later


def test_unlocking_with_the_wrong_passphrase_is_refused(store, clinic_seal):
    certificate.lock_all()
    from mesocheck.keys import WrongPassphrase

    with pytest.raises(WrongPassphrase):
        certificate.unlock(store, "not the clinic passphrase")
    assert certificate.unlocked_seal(store) is None
