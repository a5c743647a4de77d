"""Every character of every shipped language has a glyph in the PDF: the form's texts and the
app's words can all be drawn, and the fonts embedded in a built document, read back, hold a
real glyph (not .notdef, not an empty outline) for every character drawn."""

import tomllib
from io import BytesIO

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ContentStream

from mesocheck.documents.consent import CLINIC, PATIENT, Review, build_consent_pdf
from mesocheck.documents.fonts import BOLD, REGULAR
from mesocheck.documents.text import MISSING, visible
from mesocheck.i18n import translations
from mesocheck.paths import resource
from tests.support.answers import LONG_ANSWERS
from tests.support.records import SETTINGS, STAFF, make_record

LANGUAGES = ["ar", "zh", "es", "fr"]
NAMES = {"ar": "محمد عبد الله", "zh": "王小明", "es": "José Núñez", "fr": "Zoë Lefèvre"}


def _form_texts(node, language):
    """Every text of the form file in ``language``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == language and isinstance(value, str):
                yield value
            else:
                yield from _form_texts(value, language)
    elif isinstance(node, list):
        for item in node:
            yield from _form_texts(item, language)


def _app_words(language):
    catalog = translations(language)._catalog  # every msgstr of the compiled catalogue
    for value in catalog.values():
        if isinstance(value, str):
            yield value


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_of_the_language_can_be_drawn(language):
    with open(resource("forms", "mesotherapy.toml"), "rb") as f:
        form_file = tomllib.load(f)
    texts = list(_form_texts(form_file, language)) + list(_app_words(language))
    assert len(texts) > 300
    for font in (REGULAR, BOLD):
        missing = {ch for text in texts for ch, shown in zip(text, visible(text, font))
                   if shown == MISSING}
        assert not missing, f"{language}: no glyph for {sorted(missing)}"


def _glyph_problems(pdf: bytes) -> tuple[int, list[str]]:
    """How many characters the PDF's pages draw, and each one whose embedded font has no
    real glyph for it (or that reads back as U+FFFD)."""
    reader = PdfReader(BytesIO(pdf))
    drawn, problems, faces = 0, [], {}
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        current = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                current = fonts[operands[0]].get_object()
                continue
            if operator not in (b"Tj", b"TJ", b"'", b'"'):
                continue
            strings = operands[0] if operator == b"TJ" else operands[-1:]
            key = current.indirect_reference
            if key not in faces:
                faces[key] = _face(current)
            name, cmap, glyf, to_unicode = faces[key]
            for string in strings:
                if not hasattr(string, "get_original_bytes"):
                    continue  # a kerning number
                for code in string.get_original_bytes():
                    drawn += 1
                    text, glyph = to_unicode.get(code, "?"), cmap.get(code)
                    if text == "\ufffd" or glyph in (None, ".notdef"):
                        problems.append(f"{name}: {text!r}")
                    elif not text.isspace() and glyf[glyph].numberOfContours == 0:
                        problems.append(f"{name}: {text!r} has an empty glyph")
    return drawn, problems


def _face(font):
    descriptor = font["/FontDescriptor"].get_object()
    face = TTFont(BytesIO(descriptor["/FontFile2"].get_object().get_data()))
    cmap = face["cmap"].getcmap(1, 0).cmap  # reportlab's subset: code -> glyph
    return (str(font["/BaseFont"]), cmap, face["glyf"],
            _to_unicode(font["/ToUnicode"].get_object().get_data()))


def _to_unicode(cmap: bytes) -> dict[int, str]:
    """A ToUnicode CMap's bfchar entries (reportlab writes only those)."""
    out = {}
    inside = False
    for line in cmap.decode("latin-1").splitlines():
        if line.endswith("beginbfchar"):
            inside = True
        elif line.endswith("endbfchar"):
            inside = False
        elif inside and line.startswith("<"):
            code, text = line.replace("<", " ").replace(">", " ").split()
            out[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
    return out


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("copy", [CLINIC, PATIENT])
def test_every_character_drawn_has_a_glyph(form, language, copy):
    record = make_record(form, LONG_ANSWERS, name=NAMES[language], area="scalp",
                         language=language,
                         decisions={"bleeding_disorder": ("decline", "—", 7)})
    pdf = build_consent_pdf(record, form, SETTINGS, review=Review(staff_names=STAFF),
                            copy=copy)
    drawn, problems = _glyph_problems(pdf)
    assert drawn > 100
    assert not problems
    if language == "zh":  # the Chinese is drawn from the embedded CJK font
        fonts = {str(f) for p in PdfReader(BytesIO(pdf)).pages
                 for f in (p["/Resources"]["/Font"][n]["/BaseFont"]
                           for n in p["/Resources"]["/Font"])}
        assert any(f.endswith("DroidSansFallback") for f in fonts)


@pytest.mark.parametrize("language", ["ar", "zh"])
def test_archival_and_tagged_in_every_language(form, language):
    """Both copies made archival (PDF/A-3b) stay tagged: every text drawn is inside a
    structure element or an artifact, and Arabic reads back as typed (its ActualText)."""
    import pikepdf

    from mesocheck.documents.pdfa import is_archival, make_archival
    from tests.documents.test_tagging import elements
    from tests.support.records import SUBMITTED

    record = make_record(form, LONG_ANSWERS, name=NAMES[language], language=language)
    for copy in (CLINIC, PATIENT):
        pdf = make_archival(build_consent_pdf(record, form, SETTINGS, copy=copy), None,
                            created=SUBMITTED)
        assert is_archival(pdf)
        tags = elements(pdf)
        assert [t for t, _a, _x in tags].count("H1") == 1
        if language == "ar":
            assert form.title.get("ar") in {actual for _t, _a, actual in tags}
        with pikepdf.open(BytesIO(pdf)) as doc:
            for page in doc.pages:
                depth = 0
                for _operands, operator in pikepdf.parse_content_stream(page):
                    depth += {"BDC": 1, "BMC": 1, "EMC": -1}.get(str(operator), 0)
                    if str(operator) in ("Tj", "TJ"):
                        assert depth > 0, "text drawn outside any tag"
