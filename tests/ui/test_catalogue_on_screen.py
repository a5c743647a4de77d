"""The patient's screens take their words from the catalogue: with a pseudo-language
catalogue (every message accented and 40 % longer) in place of English, the welcome screen,
the walk-in details and the wizard's chrome and messages show the catalogue's words."""

from __future__ import annotations

from datetime import date

import pytest


from mesocheck import i18n
from scripts.catalogue import pseudo, write_pseudo
from tests.support import intake_driver as drive


@pytest.fixture
def pseudo_english(tmp_path, monkeypatch):
    """English read from a compiled pseudo catalogue instead of the message ids."""
    write_pseudo(tmp_path, "en")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n, "SOURCE_LANGUAGE", "none")
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


def test_the_patients_screens_show_the_catalogues_words(qtbot, make_window, pseudo_english):
    window = make_window()
    assert window.welcome.start_button.text() == pseudo("Start my form")
    drive.click(qtbot, window.welcome.start_button)
    walk_in = window.walk_in
    assert walk_in.go_button.text() == pseudo("Continue  ›")
    assert walk_in.birth_date.month.itemText(0) == pseudo("January")
    drive.type_text(qtbot, walk_in.name, "Ada Example")
    walk_in.birth_date.set_value(date(1990, 5, 1))
    drive.click(qtbot, walk_in.area_buttons["face"])
    drive.click(qtbot, walk_in.go_button)
    qtbot.waitUntil(lambda: window.current_screen == "wizard", timeout=5000)
    wizard = window.wizard
    pages = wizard.session.pages()
    assert wizard.progress_label.text() == pseudo("Step {n} of {total}").format(
        n=1, total=len(pages))
    assert wizard.next_button.text() == pseudo("Next  ›")
    # A counted message takes the catalogue's singular for one.
    assert wizard.reason.text() == pseudo("{n} question still needs an answer.").format(n=1)
