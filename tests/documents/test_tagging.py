"""The consent document is a tagged PDF, as stored (archival and sealed): a screen reader
gets its content in reading order with headings, the signatures' alternative text, right-
to-left text as typed, and no running headers or footers."""

from io import BytesIO

import pikepdf
import pytest

from mesocheck.documents.consent import PATIENT, store_consent_pdf
from mesocheck.store.records import PATIENT_COPY
from tests.documents.test_store_consent import submitted_intake
from tests.support.answers import SHORT_ANSWERS

ARABIC = "مريم الحسن"


@pytest.fixture
def stored(store, form, clinic_seal):
    store.set_settings({"clinic_name": "Clinique Lumière", "time_zone": "Europe/Paris"},
                       "system")
    intake_id = submitted_intake(store, form)
    store.connection.execute("UPDATE patients SET name = ?", (ARABIC,))  # before signing
    store_consent_pdf(store, intake_id)
    clinic = store.latest_document(intake_id)
    copy = store.latest_document(intake_id, kinds=(PATIENT_COPY,))
    assert clinic.seal == copy.seal == "B-B"  # sealed: the structure survives the seal
    return store.document_bytes(clinic.id), store.document_bytes(copy.id)


def elements(pdf: bytes) -> list[tuple[str, str | None, str | None]]:
    with pikepdf.open(BytesIO(pdf)) as doc:
        assert doc.Root.MarkInfo.Marked is True
        assert doc.Root.ViewerPreferences.DisplayDocTitle is True
        root = doc.Root.StructTreeRoot
        (document,) = root.K
        assert document.S == "/Document"
        for index, page in enumerate(doc.pages):
            assert page.obj.StructParents == index
        return [(str(e.S)[1:], str(e.Alt) if "/Alt" in e else None,
                 str(e.ActualText) if "/ActualText" in e else None) for e in document.K]


def test_headings_in_reading_order_and_signatures_described(stored, form):
    clinic, copy = stored
    tags = elements(clinic)
    headings = [t for t, _a, _x in tags if t.startswith("H")]
    assert headings[0] == "H1" and headings.count("H1") == 1  # the title
    assert len(headings) > 15 and len(tags) > 150
    figures = [alt for tag, alt, _x in tags if tag == "Figure"]
    assert any(alt.startswith("Patient's signature: the handwritten signature of Élodie "
                              "Marchand, drawn on the tablet on ") for alt in figures)
    assert any("empty box to sign in" in alt for alt in figures)  # the review to do
    patient = [alt for tag, alt, _x in elements(copy) if tag == "Figure"]
    assert len(patient) == 1 and "Élodie Marchand" in patient[0]


def test_right_to_left_text_reads_as_typed(stored):
    for pdf in stored:
        assert ARABIC in {actual for _t, _a, actual in elements(pdf)}


def test_every_text_is_content_or_an_artifact(stored):
    """Nothing is drawn outside a structure element or an artifact, and every page's
    running header and footer are artifacts."""
    for pdf in stored:
        with pikepdf.open(BytesIO(pdf)) as doc:
            for page in doc.pages:
                depth, kinds, artifacts = 0, [], 0
                for operands, operator in pikepdf.parse_content_stream(page):
                    op = str(operator)
                    if op in ("BDC", "BMC"):
                        kinds.append(str(operands[0]))
                        depth += 1
                    elif op == "EMC":
                        depth -= 1
                        kinds.pop()
                    elif op in ("Tj", "TJ", "'", '"'):
                        assert depth > 0, "text drawn outside any tag"
                        artifacts += kinds[0] == "/Artifact"
                assert artifacts >= 3  # the footer's lines, and the header after page 1


def test_the_patients_copy_built_alone_is_tagged_too(form):
    from mesocheck.documents.consent import build_consent_pdf
    from mesocheck.documents.pdfa import make_archival
    from tests.support.records import SETTINGS, SUBMITTED, make_record

    record = make_record(form, SHORT_ANSWERS)
    pdf = make_archival(build_consent_pdf(record, form, SETTINGS, copy=PATIENT), None,
                        created=SUBMITTED)
    tags = [t for t, _a, _x in elements(pdf)]
    assert tags[:3] == ["P", "P", "H1"]  # the clinic's name and address, then the title
