"""An Arabic intake's PDF is laid out right to left: its headings end at the right margin,
its tables' first column (the labels, the questions) is on the right, its page number on
the left; an English one is the mirror image. Positions are read back from the PDF (pypdf's
text visitor, each line's start and its drawn width)."""

from io import BytesIO

import pytest
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth

from mesocheck.documents import styles as st
from mesocheck.documents.consent import CLINIC, PATIENT, build_consent_pdf
from mesocheck.documents.fonts import BOLD, CJK, EMOJI, REGULAR, cmap
from mesocheck.documents.text import shape
from mesocheck.documents.wording import words
from tests.support.answers import LONG_ANSWERS
from tests.support.records import SETTINGS, make_record

LEFT = st.MARGIN_LEFT
RIGHT = st.PAGE_SIZE[0] - st.MARGIN_RIGHT
MIDDLE = st.PAGE_SIZE[0] / 2


def _lines(pdf: bytes, page: int = 0) -> list[tuple[float, float, float, str]]:
    """(start x, end x, font size, text) of every line drawn on ``page``."""
    for name in (REGULAR, BOLD, EMOJI, CJK):
        cmap(name)  # registered (the CJK font is read when first needed)
    # The embedded fonts' PostScript names -> the names they are registered under.
    names = {_text(pdfmetrics.getFont(n).face.name): n for n in (REGULAR, BOLD, EMOJI, CJK)}
    lines: dict[tuple[float, float], list] = {}

    def visit(text, cm, tm, font, size):
        if not text.strip() or font is None:
            return
        x, y = cm[4] + tm[4] * cm[0], cm[5] + tm[5] * cm[3]
        name = names[str(font["/BaseFont"]).split("+", 1)[-1]]
        line = lines.setdefault((round(x, 1), round(y, 1)), [size, 0.0, ""])
        clean = text.replace("\n", "")
        line[1] += stringWidth(clean, name, size)
        line[2] += clean

    PdfReader(BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return [(x, x + width, size, text) for (x, _y), (size, width, text) in lines.items()]


def _settings(language: str) -> dict:
    """A clinic working in the intake's language: no summary page in another language."""
    return dict(SETTINGS, clinic_language=language)


def _text(name) -> str:
    return name.decode() if isinstance(name, bytes) else name


@pytest.mark.parametrize("copy, sizes", [(CLINIC, st.CLINIC_SIZES), (PATIENT, st.PATIENT_SIZES)])
@pytest.mark.parametrize("language", ["ar", "en"])
def test_headings_begin_at_the_margin_their_language_begins_at(form, copy, sizes, language):
    record = make_record(form, LONG_ANSWERS, name="Sara", language=language)
    pdf = build_consent_pdf(record, form, _settings(language), copy=copy)
    pages = range(len(PdfReader(BytesIO(pdf)).pages))
    headings = [line for page in pages for line in _lines(pdf, page)
                if line[2] in (sizes.title, sizes.h1)]
    assert len(headings) >= 4  # the title and the sections' headings
    for start, end, _size, text in headings:
        if language == "ar":
            assert abs(end - RIGHT) < 2 and start > LEFT + 20, text
        else:
            assert abs(start - LEFT) < 1 and end < RIGHT - 20, text


@pytest.mark.parametrize("language", ["ar", "en"])
def test_table_columns_and_page_number_are_mirrored(form, language):
    record = make_record(form, LONG_ANSWERS, name="Sara", language=language)
    pdf = build_consent_pdf(record, form, _settings(language))
    lines = _lines(pdf)
    labels = [line for line in lines if line[2] == st.CLINIC_SIZES.label]
    assert len(labels) >= 8  # the patient block: two columns of labels
    first_column = sorted(labels, key=lambda line: -line[0] if language == "ar" else line[0])
    first_x = {round(line[1 if language == "ar" else 0]) for line in first_column[:4]}
    if language == "ar":  # labels end at the right padding of the right-hand column
        assert all(x > RIGHT - 10 for x in first_x)
        assert all(line[0] > MIDDLE for line in first_column[:4])
    else:
        assert all(x < LEFT + 10 for x in first_x)
    pages = len(PdfReader(BytesIO(pdf)).pages)
    page_of = shape(words(language)("page_of", page=1, pages=pages)).split()
    [(start, end, _size, _text)] = [
        line for line in lines if line[2] == st.CLINIC_SIZES.footer
        and all(word in line[3] for word in page_of)]
    if language == "ar":
        assert abs(start - LEFT) < 1
    else:
        assert abs(end - RIGHT) < 1


@pytest.mark.parametrize("language", ["en", "zh"])
def test_chosen_and_other_options_are_printed_the_same_size_on_the_patients_copy(form,
                                                                                 language):
    record = make_record(form, LONG_ANSWERS, name="Sara", language=language)
    pdf = build_consent_pdf(record, form, _settings(language), copy=PATIENT)
    chosen, other = {"en": ("Diabetes", "None of these"), "zh": ("糖尿病", "以上都没有")}[language]
    sizes = {text: size for page in range(len(PdfReader(BytesIO(pdf)).pages))
             for _s, _e, size, text in _lines(pdf, page) if text in (chosen, other)}
    assert sizes == {chosen: st.PATIENT_SIZES.body, other: st.PATIENT_SIZES.body}


@pytest.mark.parametrize("bullet", ["\u2611", "\u2022"])
def test_a_right_to_left_item_hangs_its_lines_beside_its_bullet(bullet):
    """Every line of an Arabic list item ends at the same place, left of its bullet, as an
    English item's lines begin right of theirs (its second line ran under the bullet)."""
    from reportlab.pdfgen.canvas import Canvas

    from mesocheck.documents.text import para

    style = st.styles(st.PATIENT_SIZES, "ar").option_chosen
    item = para("اضطراب نزيف، أو تنزف أو تظهر عليك الكدمات بسهولة كبيرة جدًا", style,
                bullet=bullet)
    out = BytesIO()
    canvas = Canvas(out, pagesize=(400, 300))
    _width, height = item.wrap(160, 300)
    item.drawOn(canvas, 100, 280 - height)
    canvas.save()
    lines = _lines(out.getvalue())
    marks = [line for line in lines if bullet in line[3]]
    words_ = [line for line in lines if bullet not in line[3]]
    assert len(marks) == 1 and len(words_) >= 2  # the item wraps
    # Where each line's letters end (a space a line break left at its right adds nothing).
    ends = [end - stringWidth(text[len(text.rstrip()):], style.fontName, style.fontSize)
            for _start, end, _size, text in words_]
    assert max(ends) - min(ends) < 0.5  # one right edge for every line
    assert marks[0][0] > max(ends) + 2  # the bullet beside the lines, not above them
    assert abs(marks[0][1] - 260) < 1  # at the right edge of the space it was given
