"""The app's own words in one gettext catalogue, in the patient's or the clinic's language.

The English text is the message id; each other language has ``resources/locale/<lang>/
LC_MESSAGES/mesocheck.po`` and the ``.mo`` compiled from it, committed beside it so that a
fresh checkout runs without a build step (a test compiles every ``.po`` again and fails when
a ``.mo`` is stale or a message id has no translation). Python's own :mod:`gettext` reads
them; plural forms come from each catalogue's ``Plural-Forms`` header.

Two languages are at work on one tablet: the clinic's (staff screens, the command line,
errors: :func:`_` and :func:`ngettext` here) and the patient's (the wizard and the patient's
copy: :func:`translations` for that language). Text marked with :func:`N_` is translated
where it is shown, in whichever of the two applies.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Mapping
from functools import cache

from mesocheck.paths import resource

DOMAIN = "mesocheck"
SOURCE_LANGUAGE = "en"
LOCALE_DIR = None  # a folder of catalogues to read instead of the shipped ones (tests)

_clinic = SOURCE_LANGUAGE

# Each shipped language named in itself, as a person who reads it looks for it.
NATIVE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "ar": "العربية",
                "zh": "中文"}


RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})


def right_to_left(language: str) -> bool:
    """Whether ``language`` is written from right to left (screens and documents mirror)."""
    return language.split("-")[0] in RIGHT_TO_LEFT


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue; it is translated later, where it is shown."""
    return message


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The catalogue for ``language``; English (the message ids themselves) when there is
    none."""
    if language == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    try:
        return _gettext.translation(DOMAIN, LOCALE_DIR or resource("locale"),
                                    languages=[language])

    except FileNotFoundError:
        return _gettext.NullTranslations()


@cache
def shipped_languages() -> tuple[str, ...]:
    """English and every language with a compiled catalogue, English first."""
    folder = resource("locale")
    found = sorted(p.name for p in folder.iterdir()
                   if (p / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file())
    return (SOURCE_LANGUAGE, *(lang for lang in found if lang != SOURCE_LANGUAGE))


def native_name(language: str) -> str:
    return NATIVE_NAMES.get(language, language)


def environment_language(environ: Mapping[str, str] | None = None) -> str:
    """The shipped language the environment asks for, as Unix tools read it: LANGUAGE (a
    colon-separated list), LC_ALL, LC_MESSAGES, LANG; English when none names one."""
    environ = os.environ if environ is None else environ
    shipped = shipped_languages()
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable, "")
        if not value:
            continue
        for entry in value.split(":") if variable == "LANGUAGE" else [value]:
            code = entry.split(".")[0].split("@")[0].split("_")[0].lower()
            if code in shipped:
                return code
            if code in ("c", "posix"):
                return SOURCE_LANGUAGE
        if variable != "LANGUAGE":
            return SOURCE_LANGUAGE  # the first one set decides, as for gettext's categories
    return SOURCE_LANGUAGE


def set_clinic_language(language: str) -> None:
    """The language of staff screens, the command line and errors."""
    global _clinic
    _clinic = language


def clinic_language() -> str:
    return _clinic


def _(message: str) -> str:
    """``message`` in the clinic's language."""
    return translations(_clinic).gettext(message)


def pgettext(context: str, message: str) -> str:
    """``message`` in the clinic's language, where the same English word means something
    else elsewhere ("Stop" the severity is not "Stop" the button)."""
    return translations(_clinic).pgettext(context, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted message that ``n`` takes in the clinic's language."""
    return translations(_clinic).ngettext(singular, plural, n)
