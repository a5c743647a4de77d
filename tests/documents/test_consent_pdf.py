"""The consent PDF read back as a reader (or a court) would: text, pages, fonts, metadata."""

import re
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from msgspec.structs import replace
from pypdf import PdfReader

from mesocheck.documents.consent import (
    Review,
    ConsentDocument,
    build_consent_pdf,
)
from mesocheck.documents.text import visible
from mesocheck.forms import Facts
from mesocheck.forms.flow import Flow
from mesocheck.forms.model import NEVER, NOT_RECENT
from mesocheck.forms.registry import default_form
from tests.support.answers import LONG_ANSWERS, SHORT_ANSWERS
from tests.support.pdf_text import LONG_NAME, all_text, flat, page_texts
from tests.support.records import SETTINGS, STAFF, make_record


def expected_answer_words(form, question, value) -> list[str]:
    """The words a reader must find for an answer (choice labels, Yes/No, dates...)."""
    if question.type == "boolean":
        return ["Yes" if value else "No"]
    if question.type in ("choice", "multi_choice"):
        values = value if isinstance(value, list) else [value]
        return [question.option(v).label.get("en") for v in values]
    if question.type == "last_taken" and value == NEVER:
        return ["Never"]
    if question.type == "last_taken" and value == NOT_RECENT:
        return ["Not in the last"]
    if question.type == "last_taken":  # a date, or a time in the clinic's zone, in words
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(ZoneInfo(SETTINGS["time_zone"]))
        return [f"{moment.day} {moment.strftime('%B %Y')}"]
    # Free text as drawn (a missing glyph marked); right-to-left runs are checked on images.
    text = visible(value)
    rtl = re.search("[\u0590-\u08ff]", text)
    return [text[:rtl.start()] if rtl else text]


@pytest.mark.parametrize("which", ["short", "flagged"])
def test_every_shown_question_and_answer_is_printed(request, form, which):
    record = request.getfixturevalue(f"{which}_record")
    text = all_text(request.getfixturevalue(f"{which}_pdf"))
    facts = Facts(appointment=record.appointment_at, birth_date=record.patient.birth_date,
                  area=record.area)
    flow = Flow(form, facts)
    shown = 0
    for step in flow.shown_steps(record.answers):
        assert flat(step.title.get("en")) in text
        for question in flow.shown_questions(step, record.answers):
            assert flat(question.text.get("en")) in text, question.id
            value = record.answers.get(question.id)
            if value is None:
                continue
            shown += 1
            for words in expected_answer_words(form, question, value):
                if question.type == "text" and len(words) > 300:
                    words = words[:300]
                assert flat(words) in text, (question.id, words)
    assert shown >= len(SHORT_ANSWERS) - 1


def test_answers_hidden_by_skip_logic_are_not_printed(form):
    answers = dict(SHORT_ANSWERS, anticoagulant_name="Warfarin secret dose")  # not shown: no
    record = make_record(form, answers)
    assert "Warfarin secret dose" not in all_text(build_consent_pdf(record, form, SETTINGS))


def test_every_disclosure_is_printed_with_its_acknowledgement_time(flagged_record, flagged_pdf, form):
    text = all_text(flagged_pdf)
    acks = {a.disclosure_id: a for a in flagged_record.acknowledgements}
    assert len(acks) >= 8
    for disclosure_id, ack in acks.items():
        disclosure = form.disclosure(disclosure_id)
        assert flat(disclosure.title.get("en")) in text
        for paragraph in disclosure.body.get("en").split("\n\n"):
            assert flat(paragraph) in text
        local = ack.acknowledged_at.astimezone(_paris())
        assert f"Acknowledged {local:%Y-%m-%d %H:%M:%S} CET" in text


def test_unacknowledged_disclosure_is_said_plainly(form):
    record = make_record(form, SHORT_ANSWERS, acknowledge=False)
    assert "NOT ACKNOWLEDGED" in all_text(build_consent_pdf(record, form, SETTINGS))


def test_signature_block_names_the_signer_date_zone_and_meaning(short_record, short_pdf):
    text = all_text(short_pdf)
    signed = short_record.signatures[0].signed_at.astimezone(_paris())
    assert "Patient's signature" in text
    assert "Signed by Élodie Marchand" in text
    assert "Meaning of this signature Consent to treatment" in text
    assert f"{signed:%Y-%m-%d %H:%M:%S} CET (UTC+01:00)" in text


def test_consent_statement_and_aftercare_are_printed(form, short_pdf):
    text = all_text(short_pdf)
    for section in (form.consent, form.aftercare):
        assert flat(section.title.get("en")) in text
        for item in section.items:
            assert flat(item.get("en")) in text


@pytest.mark.parametrize("which", ["short", "flagged"])
def test_every_page_has_the_footer_and_page_x_of_y(request, which):
    pdf = request.getfixturevalue(f"{which}_pdf")
    record = request.getfixturevalue(f"{which}_record")
    pages = page_texts(pdf)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        text = flat(text)
        assert f"Page {number} of {len(pages)}" in text
        assert record.patient.name in text
        assert f"born {record.patient.birth_date.isoformat()}" in text
        assert f"Form mesotherapy v{default_form().version}" in text
        assert f"Intake {record.id}" in text


def test_flagged_answers_carry_the_severity_word(flagged_pdf, flagged_record):
    text = all_text(flagged_pdf)
    for severity, word in (("stop", "STOP"), ("review", "REVIEW"), ("info", "INFO")):
        count = sum(1 for f in flagged_record.flags if f.severity == severity)
        assert count and f"{word} × {count}" in text
    # the answer's own row says it was flagged, with the rule's message
    assert "Do you have any of these?" in text
    assert re.search(r"STOP flag \d+ Bleeding disorder", text)


def test_practitioner_review_shows_decisions_and_blanks(flagged_pdf):
    text = all_text(flagged_pdf)
    assert "Practitioner review" in text
    assert "Decision: Decline by Dr Ana Ferreira, 2026-01-15" in text
    assert "Reason: Needs haematology advice first." in text
    assert "Decision: Proceed by Nurse Tomasz Wiśniewski" in text
    assert "☐ Proceed" in text  # undecided flags leave boxes to tick
    assert "Notes: Discussed expectations." in text
    assert "To be completed by the practitioner" in text


def test_countersigned_review_is_printed_with_outcome(form):
    record = make_record(form, SHORT_ANSWERS, practitioner=True)
    text = all_text(build_consent_pdf(record, form, SETTINGS,
                                      review=Review(staff_names=STAFF)))
    assert "Practitioner's signature" in text
    assert "Signed by Dr Ana Ferreira" in text
    assert "Outcome: Cleared for treatment" in text
    assert "To be completed" not in text


def test_amended_answer_keeps_the_patients_own_answer(flagged_pdf):
    text = all_text(flagged_pdf)
    assert ("Corrected after signing by Dr Ana Ferreira, 2026-01-15 10:42 CET: Partner will "
            "drive; confirmed by phone. (Patient: No)") in text


def test_form_hash_and_document_id_are_printed_at_the_end(form, short_pdf, short_record):
    last = flat(page_texts(short_pdf)[-1])
    assert form.content_hash in last
    doc_id = ConsentDocument(short_record, form, SETTINGS, Review()).document_id
    assert " ".join(doc_id[i:i + 4] for i in range(0, len(doc_id), 4)) in last
    assert f"document {doc_id}" in PdfReader(BytesIO(short_pdf)).metadata["/Keywords"]


def test_metadata_title_author_subject(short_pdf, short_record):
    meta = PdfReader(BytesIO(short_pdf)).metadata
    assert meta.title == "Mesotherapy: preparation and consent – Élodie Marchand"
    assert meta.author == "Clinique Lumière"
    assert meta.subject == f"Signed consent record, intake {short_record.id}"
    assert meta["/CreationDate"] == "D:20260115091240+00'00'"


@pytest.mark.parametrize("which", ["short", "flagged"])
def test_only_embedded_fonts(request, which):
    reader = PdfReader(BytesIO(request.getfixturevalue(f"{which}_pdf")))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            names.add(font["/BaseFont"])
            descendant = font
            if "/DescendantFonts" in font:
                descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]
    assert names and all("DejaVuSans" in name or "NotoEmoji" in name for name in names)


def test_accented_greek_and_cyrillic_text_extracts_exactly(flagged_pdf):
    text = all_text(flagged_pdf)
    assert LONG_NAME in text
    assert "Ελληνικά: αλλεργία στη γύρη." in text
    assert "Русский: аллергия на пыльцу." in text
    assert "levothyroxine 75 µg" in text
    assert "Nurse Tomasz Wiśniewski" in text


def test_user_text_is_escaped_not_interpreted(form):
    answers = dict(SHORT_ANSWERS, transport_arranged=False,
                   other_instructions='<b>bold?</b> & <font size="40">big</font> <br/>')
    record = make_record(form, answers, name='Ann <i>"O\'Neil"</i> & Co')
    text = all_text(build_consent_pdf(record, form, SETTINGS))
    assert '<b>bold?</b> & <font size="40">big</font> <br/>' in text
    assert 'Ann <i>"O\'Neil"</i> & Co' in text


def test_a_character_no_font_has_is_marked_not_dropped(form):
    # Egyptian hieroglyphs and Javanese: in none of the shipped fonts.
    answers = dict(SHORT_ANSWERS, other_instructions="𓂀ꦄ and 漢字 and 👍🏽 and ✅ ok")
    record = make_record(form, answers, name="ꦄꦏ 山田 Hanako")
    text = all_text(build_consent_pdf(record, form, SETTINGS))
    assert "\ufffd\ufffd 山田 Hanako" in text  # Chinese from the CJK font
    assert "\ufffd\ufffd and 漢字 and 👍 and ✅ ok" in text  # the emoji from the emoji font


def test_long_free_text_flows_over_pages(form):
    long_text = "\n".join(f"Line {i}: a detail of my health history." for i in range(70))
    answers = dict(LONG_ANSWERS, conditions_other=long_text)
    record = make_record(form, answers)
    pdf = build_consent_pdf(record, form, SETTINGS)
    text = all_text(pdf)
    for i in range(70):
        assert f"Line {i}: a detail of my health history." in text


@pytest.mark.parametrize("padding", range(0, 40, 3))
def test_signature_block_is_never_split(form, padding):
    """Whatever the length of the answers, the heading, drawing, name and meaning of the
    patient's signature land on the same page."""
    answers = dict(SHORT_ANSWERS, transport_arranged=False,
                   other_instructions=" ".join(["word"] * (padding * 9 + 1)))
    record = make_record(form, answers)
    pdf = build_consent_pdf(record, form, SETTINGS)
    reader = PdfReader(BytesIO(pdf))
    pages = [flat(p.extract_text()) for p in reader.pages]
    on = [i for i, t in enumerate(pages) if "Patient's signature" in t]
    assert len(on) == 1
    page = on[0]
    assert "Signed by Élodie Marchand" in pages[page]
    assert "Consent to treatment" in pages[page]
    assert _curves(reader.pages[page]) > 20


def test_signature_is_drawn_as_vector_paths_not_an_image(short_pdf):
    reader = PdfReader(BytesIO(short_pdf))
    page = next(p for p in reader.pages if "Patient's signature" in p.extract_text())
    assert _curves(page) > 50
    assert "/XObject" not in page["/Resources"]


def test_empty_signature_and_missing_logo_do_not_fail(form, short_record):
    blank = replace(short_record.signatures[0], strokes=[])
    record = replace(short_record, signatures=(blank,))
    settings = dict(SETTINGS, logo_path="/nonexistent/logo.png", clinic_name="")
    text = all_text(build_consent_pdf(record, form, settings))
    assert "No signature was drawn." in text


def test_logo_is_embedded_small(form, short_record, tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (3000, 1500), (31, 78, 121)).save(logo)
    pdf = build_consent_pdf(short_record, form, dict(SETTINGS, logo_path=str(logo)))
    reader = PdfReader(BytesIO(pdf))
    images = reader.pages[0].images
    assert len(images) == 1
    assert images[0].image.size[0] <= 600
    assert len(pdf) < 150 * 1024


def test_times_follow_the_clinic_zone_not_the_machine(form, short_record, monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    import time

    time.tzset()
    try:
        text = all_text(build_consent_pdf(short_record, form,
                                          dict(SETTINGS, time_zone="America/New_York")))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert "2026-01-15 04:30 EST" in text  # the appointment, 09:30 UTC


def test_size_stays_small(flagged_pdf, short_pdf):
    assert len(short_pdf) < 100 * 1024
    assert len(flagged_pdf) < 150 * 1024


def _curves(page) -> int:
    data = page.get_contents().get_data().decode("latin-1")
    return len(re.findall(r" c\n", data)) + len(re.findall(r" c ", data))


def _paris():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Paris")
