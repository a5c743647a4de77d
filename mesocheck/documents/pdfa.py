"""The consent PDF as an archival document: PDF/A-3b, carrying its record as data.

reportlab writes the pages (every font a DejaVu subset embedded in the file) but not what
PDF/A asks beyond them; pikepdf adds it, rewriting the file once, before it is sealed (a
seal is an incremental update, which must find the document already archival):

- XMP metadata matching the document information (title, author, subject, keywords,
  creator, dates) and naming the conformance (``pdfaid:part`` 3, ``conformance`` B);
- an sRGB output intent (``resources/icc/sRGB.icc``, zlib licence beside it);
- the intake's FHIR Bundle as an associated file (``application/fhir+json``, relationship
  ``Alternative``: the same record, machine-readable), listed in the catalog's ``/AF``;
- the structure tree of a tagged PDF, from the marks the pages were drawn with
  (:mod:`~mesocheck.documents.tagging`);
- PDF 1.7 header, and a file identifier computed from the content (the same document
  always gives the same bytes).

No validator runs here: ``tests/documents/test_pdfa.py`` checks this structure, and
veraPDF is the external validator to use (see README).
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from io import BytesIO

from mesocheck.documents.tagging import add_structure
from mesocheck.paths import resource

ATTACHMENT_NAME = "intake.fhir.json"
ATTACHMENT_TYPE = "application/fhir+json"
OUTPUT_CONDITION = "sRGB IEC61966-2.1"


@lru_cache(maxsize=1)
def _srgb_profile() -> bytes:
    return resource("icc", "sRGB.icc").read_bytes()


def make_archival(pdf: bytes, record_json: bytes | None, *, created: datetime) -> bytes:
    """``pdf`` (reportlab's output) as PDF/A-3b with ``record_json`` (the intake's FHIR
    Bundle) attached when given; ``created`` dates the attachment."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    with pikepdf.open(BytesIO(pdf)) as doc:
        if "/Trapped" in doc.docinfo:  # no XMP equivalent: PDF/A wants the two to agree
            del doc.docinfo["/Trapped"]
        profile = doc.make_stream(_srgb_profile(), N=3)
        doc.Root.OutputIntents = Array([Dictionary(
            Type=Name.OutputIntent, S=Name.GTS_PDFA1,
            OutputConditionIdentifier=String(OUTPUT_CONDITION), Info=String(OUTPUT_CONDITION),
            RegistryName=String("http://www.color.org"), DestOutputProfile=profile,
        )])
        if record_json is not None:
            spec = pikepdf.AttachedFileSpec(
                doc, record_json, description="The intake as a FHIR R4 Bundle",
                filename=ATTACHMENT_NAME, mime_type=ATTACHMENT_TYPE,
                relationship=Name.Alternative,
                creation_date=_pdf_date(created), mod_date=_pdf_date(created),
            )
            doc.attachments[ATTACHMENT_NAME] = spec
            doc.Root.AF = Array([spec.obj])
        add_structure(doc)  # tagged: reading order, headings, signatures' alternative text
        with doc.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta.load_from_docinfo(doc.docinfo)
            meta["pdfaid:part"] = "3"
            meta["pdfaid:conformance"] = "B"
        out = BytesIO()
        doc.save(out, deterministic_id=True, min_version="1.7",
                 object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def is_archival(pdf: bytes) -> bool:
    """Whether ``pdf`` claims PDF/A (its XMP names a part), read from its last revision."""
    import pikepdf

    try:
        with pikepdf.open(BytesIO(pdf)) as doc:
            if "/Metadata" not in doc.Root:
                return False
            return bool(doc.open_metadata().get("pdfaid:part"))
    except pikepdf.PdfError:
        return False


def attached_record(pdf: bytes) -> bytes | None:
    """The FHIR Bundle a consent PDF carries, or None."""
    import pikepdf

    with pikepdf.open(BytesIO(pdf)) as doc:
        spec = doc.attachments.get(ATTACHMENT_NAME)
        return spec.get_file().read_bytes() if spec is not None else None


def _pdf_date(moment: datetime) -> str:
    utc = moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(
        tzinfo=timezone.utc)
    return utc.strftime("D:%Y%m%d%H%M%SZ")
