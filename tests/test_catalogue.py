"""The app's own words: every message id in the code is in the catalogue's template, every
shipped language translates all of them, and each compiled ``.mo`` matches its ``.po``."""

from __future__ import annotations

from babel.messages.catalog import Catalog

from mesocheck.forms.answers import recent_label
from mesocheck.forms.loader import load_form
from mesocheck.i18n import environment_language, shipped_languages, translations
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


def test_a_translation_naming_a_placeholder_the_code_never_fills_is_found():
    catalog = Catalog(locale="es", domain=catalogue.DOMAIN)
    catalog.add("Step {n} of {total}", "Paso {n} de {todos}")
    catalog.add("Welcome", "Bienvenido/a")
    assert catalogue.foreign_placeholders(catalog) == [("Step {n} of {total}", {"{todos}"})]


def test_each_shipped_language_counts_with_its_own_plural_forms():
    form = load_form(default_form_path())
    aspirin = form.question("last_aspirin")  # "not in the last 7 days"
    assert recent_label(aspirin, "es") == "No en los últimos 7 días"
    assert recent_label(aspirin, "fr") == "Pas dans les 7 derniers jours"
    assert recent_label(aspirin, "ar") == "ليس في آخر 7 أيام"  # 3 to 10: the "few" form
    assert recent_label(aspirin, "zh") == "最近 7 天内没有"
    arabic = translations("ar")
    said = [arabic.ngettext("{n} year", "{n} years", n).format(n=n) for n in (1, 2, 5, 11, 100)]
    assert said == ["سنة واحدة", "سنتان", "5 سنوات", "11 سنة", "100 سنة"]


def test_the_patients_words_read_in_each_shipped_language():
    assert [translations(lang).gettext("Start my form") for lang in ("es", "fr", "ar", "zh")] \
        == ["Empezar mi formulario", "Commencer mon formulaire", "ابدأ النموذج", "开始填写表格"]


def test_the_command_line_language_is_the_first_variable_naming_a_shipped_language():
    assert environment_language({"LANG": "fr_FR.UTF-8"}) == "fr"
    assert environment_language({"LANGUAGE": "de:es", "LANG": "fr_FR.UTF-8"}) == "es"
    assert environment_language({"LANGUAGE": "de", "LANG": "zh_CN.UTF-8"}) == "zh"
    assert environment_language({"LC_ALL": "C", "LANG": "ar_EG.UTF-8"}) == "en"
    assert environment_language({"LC_MESSAGES": "es_ES@euro", "LANG": "C"}) == "es"
    assert environment_language({"LANG": "de_DE.UTF-8"}) == "en"
    assert environment_language({}) == "en"
    assert shipped_languages()[0] == "en"
    assert set(shipped_languages()) >= {"en", "es", "fr", "ar", "zh"}


def test_a_translation_leaving_out_a_placeholder_is_found_but_a_plural_form_may_say_one():
    catalog = Catalog(locale="ar", domain=catalogue.DOMAIN)
    catalog.add("wrote {file}", "كُتب")
    catalog.add(("{n} day", "{n} days"), ("لا أيام", "يوم واحد", "يومان", "{n} أيام",
                                          "{n} يوماً", "{n} يوم"))
    assert catalogue.lost_placeholders(catalog) == [("wrote {file}", {"{file}"})]
