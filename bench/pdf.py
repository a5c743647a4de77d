"""pdf_ms, pdf_ratio, pdf_kib: the consent PDF, built in process, warm; pdf_kib_zh: the
same full document for a Chinese intake (its CJK font embedded as a subset), with its build
time against the English one's.

The full document is the document tests' long sample (every question answered, every
disclosure acknowledged, flags of every severity with decisions, an amendment, patient and
practitioner signatures, the review and the aftercare). The floor it is divided by is a
plain reportlab document holding the same paragraphs of text in the same fonts and sizes:
what reportlab itself costs to set that much text, without tables, panels or signatures.
Builds alternate consent / floor, one ratio per pair.
"""

from __future__ import annotations

import re
import statistics
import time
from io import BytesIO
from typing import Any, Iterator

from bench.common import Figure
from tests.support.answers import LONG_ANSWERS, SHORT_ANSWERS
from tests.support.records import SETTINGS, STAFF, make_record


def full_record(form, language: str = "en", name: str = "Zoë Ångström-Łukasiewicz") -> Any:
    return make_record(
        form, LONG_ANSWERS, name=name, area="scalp", language=language,
        practitioner=True,
        decisions={
            "bleeding_disorder": ("decline", "Needs haematology advice first.", 7),
            "no_consultation": ("proceed", "Consultation done today.", 8),
        },
        amendments={"transport_arranged": (True, "Partner will drive; confirmed by phone.")},
    )


def _texts(flowable: Any) -> Iterator[tuple[str, str, float]]:
    """(plain text, font, size) of every paragraph inside ``flowable``."""
    from reportlab.platypus import Paragraph, Table

    from mesocheck.documents.layout import Block
    from mesocheck.documents.text import BidiParagraph

    if isinstance(flowable, (list, tuple)):
        for item in flowable:
            yield from _texts(item)
    elif isinstance(flowable, Paragraph):
        yield flowable.getPlainText(), flowable.style.fontName, flowable.style.fontSize
    elif isinstance(flowable, BidiParagraph):
        yield flowable.plain_text(), flowable.style.fontName, flowable.style.fontSize
    elif isinstance(flowable, Table):
        for row in flowable._cellvalues:
            for cell in row:
                if isinstance(cell, str):
                    yield cell, "DejaVuSans", 9.5
                else:
                    yield from _texts(cell)
    elif isinstance(flowable, Block):
        yield from _texts(flowable.content)
    elif hasattr(flowable, "_content"):  # KeepTogether and friends
        yield from _texts(flowable._content)


def floor_story(record, form, settings, review) -> list:
    """The same text, font by font, as plain paragraphs."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph
    from xml.sax.saxutils import escape

    from mesocheck.documents.consent import ConsentDocument, _review

    story = ConsentDocument(record, form, settings, _review(review)).story()
    styles: dict[tuple[str, float], ParagraphStyle] = {}
    out = []
    for text, font, size in _texts(story):
        if not text.strip():
            continue
        style = styles.setdefault((font, size), ParagraphStyle(
            f"{font}-{size}", fontName=font, fontSize=size, leading=size * 1.3))
        out.append(Paragraph(escape(text).replace("\n", "<br/>"), style))
    return out


def build_floor(story_factory) -> bytes:
    from reportlab.platypus import SimpleDocTemplate

    from mesocheck.documents import styles as st

    out = BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=st.PAGE_SIZE, leftMargin=st.MARGIN_LEFT, rightMargin=st.MARGIN_RIGHT,
        topMargin=st.MARGIN_TOP, bottomMargin=st.MARGIN_BOTTOM, invariant=1,
        pageCompression=1,
    )
    doc.build(story_factory())
    return out.getvalue()


def pdf_figures(builds: int) -> list[Figure]:
    from mesocheck.documents.consent import Review, build_consent_pdf
    from mesocheck.forms.registry import default_form

    form = default_form()
    record = full_record(form)
    review = Review(staff_names=STAFF, notes="Discussed expectations.")

    def consent() -> bytes:
        return build_consent_pdf(record, form, SETTINGS, review=review)

    def floor() -> bytes:
        return build_floor(lambda: floor_story(record, form, SETTINGS, review))

    full_pdf, floor_pdf = consent(), floor()  # warm: fonts registered, caches filled
    consent_ms, consent_cpu_ms, floor_ms, ratios, cpu_ratios = [], [], [], [], []
    for n in range(builds):
        wall, cpu = {}, {}
        for name, fn in ((("consent", consent), ("floor", floor)) if n % 2 == 0 else
                         (("floor", floor), ("consent", consent))):
            began, began_cpu = time.perf_counter(), time.thread_time()
            fn()
            wall[name] = (time.perf_counter() - began) * 1000
            cpu[name] = (time.thread_time() - began_cpu) * 1000
        consent_ms.append(wall["consent"])
        consent_cpu_ms.append(cpu["consent"])
        floor_ms.append(wall["floor"])
        ratios.append(wall["consent"] / wall["floor"])
        cpu_ratios.append(cpu["consent"] / cpu["floor"])

    from bench.record import stored_typical

    pages_only, archival_typical, typical = stored_typical()
    pages = len(re.findall(rb"/Type /Page\b(?!s)", full_pdf))
    return [
        Figure("pdf_ms", "ms", 80, consent_ms,
               note=f"full consent PDF ({len(full_pdf) // 1024} KiB, {pages} pages), "
                    f"{builds} warm builds in process",
               detail={"cpu_ms_median": round(statistics.median(consent_cpu_ms), 1),
                       "floor_ms_median": round(statistics.median(floor_ms), 1)}),
        Figure("pdf_ratio", "x", 1.5, ratios,
               note="over a plain reportlab document with the same paragraphs in the same "
                    "fonts, alternating builds",
               detail={"cpu_ratio_median": round(statistics.median(cpu_ratios), 2),
                       "floor_kib": round(len(floor_pdf) / 1024, 1)}),
        Figure("pdf_kib", "KiB", 150, [len(typical) / 1024],
               note="typical consent PDF as stored at submission (short answers, patient "
                    "signature): PDF/A-3b with its FHIR record, sealed with its stamp; one "
                    "sample (only the signature's bytes vary)",
               detail={"full_pdf_kib": round(len(full_pdf) / 1024, 1),
                       "pages_only_kib": round(len(pages_only) / 1024, 1),
                       "archival_kib": round(len(archival_typical) / 1024, 1)}),
    ]


def pdf_zh_figures(builds: int) -> list[Figure]:
    """The full Chinese consent PDF's size, and its build time over the English one's
    (alternating builds): what the CJK font costs."""
    from mesocheck.documents.consent import Review, build_consent_pdf
    from mesocheck.forms.registry import default_form

    form = default_form()
    review = Review(staff_names=STAFF, notes="Discussed expectations.")
    records = {"zh": full_record(form, "zh", "王小明"), "en": full_record(form)}

    def build(language: str) -> bytes:
        return build_consent_pdf(records[language], form, SETTINGS, review=review)

    sizes = {language: len(build(language)) for language in records}  # warm
    ms: dict[str, list[float]] = {"zh": [], "en": []}
    for n in range(builds):
        for language in ("zh", "en") if n % 2 == 0 else ("en", "zh"):
            began = time.perf_counter()
            build(language)
            ms[language].append((time.perf_counter() - began) * 1000)
    zh_ms, en_ms = statistics.median(ms["zh"]), statistics.median(ms["en"])
    return [Figure("pdf_kib_zh", "KiB", 250, [sizes["zh"] / 1024],
                   note="full consent PDF of a Chinese intake (the long sample), pages only: "
                        "DejaVu, and Droid Sans Fallback embedded as a subset",
                   detail={"en_kib": round(sizes["en"] / 1024, 1),
                           "zh_pdf_ms_median": round(zh_ms, 1),
                           "en_pdf_ms_median": round(en_ms, 1),
                           "zh_over_en_ms": round(zh_ms / en_ms, 2)})]
