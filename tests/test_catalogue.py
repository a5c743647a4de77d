"""The app's own words: every message id in the code is in the catalogue's template, every
shipped language translates all of them, and each compiled ``.mo`` matches its ``.po``."""

from __future__ import annotations

from babel.messages.catalog import Catalog

from mesocheck.forms.answers import recent_label
from mesocheck.forms.loader import load_form
from mesocheck.i18n import translations
from mesocheck.paths import default_form_path
from scripts import catalogue


def test_the_catalogue_is_in_step_with_the_code_and_every_language_is_complete():
    assert catalogue.problems() == []


def test_a_language_missing_a_message_is_named_with_the_message():
    template = catalogue.extract()
    empty = Catalog(locale="es", domain=catalogue.DOMAIN)
    missing = catalogue.untranslated(empty, template)
    assert "Please answer this question." in missing
    assert "Not in the last {n} day" in missing  # a plural's singular names it
    assert len(missing) == len([m for m in template if m.id])


def test_english_is_the_message_ids_and_counts_take_their_plural():
    form = load_form(default_form_path())
    assert translations("en").gettext("Please answer this question.") == \
        "Please answer this question."
    assert recent_label(form.question("last_alcohol"), "en") == "Not in the last 24 hours"
