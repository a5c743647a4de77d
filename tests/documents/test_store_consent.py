"""Building the consent PDF from a real store, keeping it, and writing it out."""

import errno
import hashlib
import os
import threading
from datetime import date

import pytest
from msgspec.structs import replace

from mesocheck.documents.archive import archival_copy
from mesocheck.documents.consent import (
    DocumentRefused, build_consent_pdf, store_consent_pdf,
)
from mesocheck.fileio import CannotWrite, write_atomic
from mesocheck.forms import Facts, disclosure_text_hash, evaluate_rules
from mesocheck.forms.flow import Flow
from mesocheck.forms.registry import canonical_content
from mesocheck.store import Store
from mesocheck import review
from mesocheck.store.records import CONSENT, PATIENT_COPY, REVIEWED_CONSENT
from mesocheck.store.witness import pdf_head
from tests.support.answers import SHORT_ANSWERS, signature_strokes
from tests.support.intakes import cheap_pins
from tests.support.pdf_text import all_text
from tests.support.records import APPOINTMENT


@pytest.fixture
def store(store):
    """The fresh store, with the clinic's name and zone."""
    store.set_settings({"clinic_name": "Clinique Lumière", "time_zone": "Europe/Paris"},
                       "system")
    return store


def submitted_intake(store, form, *, form_hash=None, archive=True, sign=True) -> str:
    intake_id = store.start_intake(
        name="Élodie Marchand", birth_date="1988-04-23", form_id=form.id,
        form_version=form.version, form_hash=form_hash or form.content_hash,
        form_content=canonical_content(form) if archive else None, language="en",
        area="face", appointment_at=APPOINTMENT, device="tablet", actor="system")
    store.save_answers(intake_id, SHORT_ANSWERS)
    facts = Facts(appointment=APPOINTMENT, birth_date=date(1988, 4, 23), area="face")
    for disclosure in Flow(form, facts).shown_disclosures(SHORT_ANSWERS):
        store.acknowledge(intake_id, disclosure.id, disclosure_text_hash(disclosure, "en"))
    if sign:
        store.submit(intake_id, signature={
            "printed_name": "Élodie Marchand", "meaning": "Consent to treatment",
            "strokes": signature_strokes(), "pad_width": 600, "pad_height": 200,
            "tz": "Europe/Paris", "content_hash": "0" * 64,
        }, flags=[f.as_dict() for f in evaluate_rules(form, SHORT_ANSWERS, facts)])
    return intake_id


def test_stored_with_its_sha256_and_rebuilt_identically(store, form):
    intake_id = submitted_intake(store, form)
    doc_id = store_consent_pdf(store, intake_id)
    info = store.latest_document(intake_id)
    data = store.document_bytes(doc_id)
    assert info.id == doc_id and info.kind == CONSENT
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert data.startswith(b"%PDF-")
    # What it witnessed: the audit log's newest row when the intake was read to make it.
    head = pdf_head(data)
    assert head is not None and head.audit_id < store.intake(intake_id).audit_head.audit_id
    record = replace(store.intake(intake_id), audit_head=head)
    pages = build_consent_pdf(record, form, store.settings(), review={"staff_names": {}})
    # No seal is set up: the document kept is the archival copy of those pages, as made.
    assert info.seal is None
    assert archival_copy(store, record, form, pages, store.settings(),
                         info.created_at) == data
    assert info.created_at == record.submitted_at
    assert store.verify() == []


def test_both_copies_are_kept_and_building_again_without_change_adds_nothing(store, form):
    intake_id = submitted_intake(store, form)
    first = store_consent_pdf(store, intake_id)
    assert store_consent_pdf(store, intake_id) == first
    kinds = sorted(d.kind for d in store.intake(intake_id).documents)
    assert kinds == [CONSENT, PATIENT_COPY]
    copy = store.latest_document(intake_id, kinds=(PATIENT_COPY,))
    assert "The patient's copy" in all_text(store.document_bytes(copy.id))


def test_countersigned_intake_gives_a_reviewed_consent_that_supersedes(store, form):
    intake_id = submitted_intake(store, form)
    first = store_consent_pdf(store, intake_id)
    copy = store.latest_document(intake_id, kinds=(PATIENT_COPY,))
    with cheap_pins():
        store.add_staff("Dr Ana Ferreira", "practitioner", "264819", "system")
    doctor = store.staff_members()[0]
    for flag in review.undecided(store.intake(intake_id).flags):
        review.decide(store, intake_id, flag.id, "proceed", "Checked with the patient", doctor)
    review.countersign(store, intake_id, doctor, strokes=signature_strokes(3),
                       pad_width=600, pad_height=200, tz="Europe/Paris")
    second = store_consent_pdf(store, intake_id)
    info = store.latest_document(intake_id)
    assert info.id == second != first
    assert info.kind == REVIEWED_CONSENT and info.supersedes == first
    assert "Outcome: Cleared for treatment" in all_text(store.document_bytes(second))
    # The review is not on the patient's copy, so it stays as it was.
    assert store.latest_document(intake_id, kinds=(PATIENT_COPY,)) == copy


def test_refused_when_the_forms_text_is_not_the_one_shown(store, form):
    intake_id = submitted_intake(store, form, form_hash="f" * 64, archive=False)
    with pytest.raises(DocumentRefused) as refused:
        store_consent_pdf(store, intake_id)
    assert "text cannot be shown faithfully" in refused.value.message
    assert f"Restore version {form.version} of the form file" in refused.value.message
    assert store.intake(intake_id).documents == ()


def test_refused_before_the_patient_signs(store, form):
    intake_id = submitted_intake(store, form, sign=False)
    with pytest.raises(DocumentRefused, match="has not signed"):
        store_consent_pdf(store, intake_id)


def test_safe_in_a_worker_thread_with_its_own_store(store, form):
    intake_id = submitted_intake(store, form)
    results = []

    def work():
        own = Store.open(store.path)
        try:
            results.append(store_consent_pdf(own, intake_id))
        finally:
            own.close()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(60)
    assert results and store.latest_document(intake_id).id == results[0]


def test_write_atomic_writes_whole_file_privately(tmp_path):
    target = tmp_path / "consent.pdf"
    target.write_bytes(b"old")
    write_atomic(target, b"%PDF-new")
    assert target.read_bytes() == b"%PDF-new"
    assert os.stat(target).st_mode & 0o077 == 0
    assert [p.name for p in tmp_path.iterdir()] == ["consent.pdf"]


def test_write_atomic_leaves_the_old_file_when_the_disk_is_full(tmp_path, monkeypatch):
    target = tmp_path / "consent.pdf"
    target.write_bytes(b"old")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(CannotWrite, match="the disk is full"):
        write_atomic(target, b"%PDF-new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["consent.pdf"]


def test_write_atomic_names_a_missing_folder(tmp_path):
    with pytest.raises(CannotWrite, match="does not exist"):
        write_atomic(tmp_path / "nowhere" / "consent.pdf", b"x")


def test_command_line_writes_the_stored_pdf_and_verify_rehashes_it(store, form, tmp_path):
    from mesocheck.cli import main

    intake_id = submitted_intake(store, form)
    doc_id = store_consent_pdf(store, intake_id)
    stored = store.document_bytes(doc_id)
    out = tmp_path / "out" / "consent.pdf"
    out.parent.mkdir()
    db = str(store.path)
    assert main(["pdf", intake_id, "-o", str(out), "--db", db]) == 0
    assert out.read_bytes() == stored
    assert [p.name for p in out.parent.iterdir()] == ["consent.pdf"]  # no temporary left
    assert main(["verify", "--db", db]) == 0


def test_the_consent_prints_the_course_it_covers(store, form):
    from tests.support.pdf_text import pdf_text

    store.set_settings({"course_sessions": 8, "course_months": 6}, "system")
    intake_id = submitted_intake(store, form)  # signed 2 March 2026 (the test clock)
    store_consent_pdf(store, intake_id)
    record = store.intake(intake_id)
    assert (record.course_sessions, record.course_until) == (8, date(2026, 9, 2))
    for kind in (CONSENT, PATIENT_COPY):
        document = store.latest_document(intake_id, kinds=(kind,))
        text = " ".join(pdf_text(store.document_bytes(document.id)).split())
        assert "This consent covers up to 8 sessions until 2026-09-02." in text
