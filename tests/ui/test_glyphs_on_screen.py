"""Every text of a shipped language has glyphs on screen: with the shipped fonts registered
(DejaVu Sans, and Droid Sans Fallback for Chinese), Qt lays out each of the form's texts and
the app's words without a missing glyph (glyph 0, drawn as a box), whatever fonts the machine
has (this one has no CJK font of its own)."""

import tomllib

import pytest
from PySide6.QtGui import QTextLayout
from PySide6.QtWidgets import QLabel

from mesocheck.i18n import translations
from mesocheck.paths import resource
from mesocheck.ui.widgets import style
from tests.documents.test_every_language import _form_texts


def _missing(text: str, font) -> tuple[set[str], set[str]]:
    """The characters of ``text`` Qt has no glyph for, and the font families it used."""
    layout = QTextLayout(text, font)
    layout.beginLayout()
    while layout.createLine().isValid():
        pass
    layout.endLayout()
    missing, families = set(), set()
    for run in layout.glyphRuns():
        families.add(run.rawFont().familyName())
        if 0 in run.glyphIndexes():
            missing.add(text)
    return missing, families


@pytest.mark.parametrize("language", ["zh", "ar", "es", "fr"])
def test_every_text_has_glyphs_on_screen(qapp, language):
    style.apply(qapp)
    label = QLabel()
    style.set_role(label, "question")
    with open(resource("forms", "mesotherapy.toml"), "rb") as f:
        texts = list(_form_texts(tomllib.load(f), language))
    texts += [v for v in translations(language)._catalog.values() if isinstance(v, str)]
    missing, families = set(), set()
    for text in texts:
        m, fams = _missing(text.replace("\n", " "), label.font())
        missing |= m
        families |= fams
    assert not missing
    if language == "zh":
        assert "Droid Sans Fallback" in families
