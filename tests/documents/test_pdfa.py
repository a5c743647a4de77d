"""The stored consent document's PDF/A-3b structure, checked rule by rule on the file itself
(no PDF/A validator runs here; veraPDF is the one to use, see README): before sealing and
after the seal, the countersignature, a timestamp and validation data were appended."""

from __future__ import annotations

import json
from datetime import datetime
from io import BytesIO

import pikepdf
import pytest

from mesocheck.documents import archive
from mesocheck.documents.consent import store_consent_pdf
from mesocheck.paths import resource
from tests.support.intakes import make_intake
from tests.support.sealing import countersign


@pytest.fixture
def store(clinic_store):
    return clinic_store


def submitted_intake(store, form) -> str:
    return make_intake(store, with_pdf=False)

STANDARD_14 = {"Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats"}


@pytest.fixture
def reviewed_sealed_pdf(store, form, clinic_seal, tsa):
    """The reviewed document, sealed, countersigned, timestamped, then upgraded to B-LT."""
    store.set_settings({archive.TSA_URL: tsa.url, archive.TSA_TRUST: tsa.root_pem}, "system")
    intake_id = submitted_intake(store, form)
    store_consent_pdf(store, intake_id)
    countersign(store, intake_id)
    store_consent_pdf(store, intake_id)
    document = store.latest_document(intake_id)
    upgraded = archive.upgrade_document(store, document)  # B-T: validation data on top
    return store.document_bytes(upgraded)


@pytest.fixture
def unsealed_pdf(store, form):
    intake_id = submitted_intake(store, form)
    return store.document_bytes(store_consent_pdf(store, intake_id))


@pytest.fixture(params=["unsealed", "reviewed, sealed and upgraded"])
def document(request, store):
    name = "unsealed_pdf" if request.param == "unsealed" else "reviewed_sealed_pdf"
    return request.getfixturevalue(name)


def test_header_identifier_and_no_encryption(document):
    assert document.startswith(b"%PDF-1.7\n")
    with pikepdf.open(BytesIO(document)) as pdf:
        assert not pdf.is_encrypted
        assert len(pdf.trailer.ID) == 2 and all(len(bytes(i)) == 16 for i in pdf.trailer.ID)


def test_xmp_names_pdf_a_3b_and_agrees_with_the_document_information(document):
    with pikepdf.open(BytesIO(document)) as pdf:
        stream = pdf.Root.Metadata
        assert (stream.Type, stream.Subtype) == ("/Metadata", "/XML")
        assert "/Filter" not in stream  # plain XML, readable without PDF tools
        meta, info = pdf.open_metadata(), pdf.docinfo
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("3", "B")
        assert meta["dc:title"] == str(info.Title)
        assert meta["dc:creator"] == [str(info.Author)]
        assert meta["dc:description"] == str(info.Subject)
        assert meta["pdf:Keywords"] == str(info.Keywords)
        assert meta["xmp:CreatorTool"] == str(info.Creator)
        assert meta["pdf:Producer"] == str(info.Producer)
        assert _date(meta["xmp:CreateDate"]) == _pdf_date(info.CreationDate)
        assert _date(meta["xmp:ModifyDate"]) == _pdf_date(info.ModDate)
        assert "/Trapped" not in info


def test_an_srgb_output_intent_with_the_shipped_profile(document):
    with pikepdf.open(BytesIO(document)) as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        assert str(intent.OutputConditionIdentifier) == "sRGB IEC61966-2.1"
        profile = intent.DestOutputProfile
        assert profile.N == 3
        assert profile.read_bytes() == resource("icc", "sRGB.icc").read_bytes()
    assert resource("icc", "LICENSE-sRGB.txt").read_text().count("zlib/libpng License") == 1


def test_every_font_is_embedded_none_left_for_the_viewer(document):
    fonts = 0
    with pikepdf.open(BytesIO(document)) as pdf:
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font":
                continue
            fonts += 1
            base = str(obj.get("/BaseFont", "")).lstrip("/")
            assert base.split("+")[-1].split("-")[0] not in STANDARD_14, base
            assert obj.Subtype in ("/TrueType", "/Type0", "/Type1", "/CIDFontType2"), base
            if obj.Subtype == "/Type0":
                continue  # its descendant font is checked in turn
            descriptor = obj.FontDescriptor
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), base
    assert fonts >= 2


def test_the_intake_is_attached_as_a_fhir_bundle_and_listed_as_associated(document):
    from fhir.resources.R4B.bundle import Bundle

    with pikepdf.open(BytesIO(document)) as pdf:
        names = list(pdf.Root.Names.EmbeddedFiles.Names)
        assert str(names[0]) == "intake.fhir.json"
        spec = names[1]
        assert spec.AFRelationship == "/Alternative"
        assert str(spec.F) == str(spec.UF) == "intake.fhir.json"
        assert "FHIR" in str(spec.Desc)
        stream = spec.EF.F
        assert stream.Subtype == "/application/fhir+json"
        assert str(stream.Params.ModDate).startswith("D:")
        assert [a.objgen for a in pdf.Root.AF] == [spec.objgen]
        data = stream.read_bytes()
    bundle = json.loads(data)
    Bundle.model_validate(bundle)
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Questionnaire", "QuestionnaireResponse", "Consent", "Provenance",
            "Patient"} <= kinds
    assert "DocumentReference" not in kinds  # a file cannot hold its own hash


def test_annotations_print_and_show_what_they_draw(document):
    with pikepdf.open(BytesIO(document)) as pdf:
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                flags = int(annot.get("/F", 0))
                assert flags & 4 and not flags & (1 | 2 | 32), flags  # print; never hidden
                x1, y1, x2, y2 = (float(v) for v in annot.Rect)
                if x2 > x1 and y2 > y1:
                    assert "/N" in annot.AP
        assert "/NeedAppearances" not in pdf.Root.get("/AcroForm", {})
        assert "/JavaScript" not in pdf.Root.get("/Names", {})
        assert "/OpenAction" not in pdf.Root and "/AA" not in pdf.Root


def test_sealing_appends_and_keeps_the_archival_revision_whole(reviewed_sealed_pdf):
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(reviewed_sealed_pdf))
    # the document, the seal, the countersignature, validation data, the archive timestamp
    assert reader.xrefs.total_revisions >= 5
    original = reviewed_sealed_pdf[:reviewed_sealed_pdf.index(b"%%EOF") + 5]
    with pikepdf.open(BytesIO(original)) as pdf:
        assert pdf.open_metadata()["pdfaid:part"] == "3"


def _date(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _pdf_date(value) -> datetime:
    from pikepdf.models.metadata import decode_pdf_date

    return decode_pdf_date(str(value))
