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
from functools import cache

from mesocheck.paths import resource

DOMAIN = "mesocheck"
SOURCE_LANGUAGE = "en"

_clinic = SOURCE_LANGUAGE


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
        return _gettext.translation(DOMAIN, resource("locale"), languages=[language])
    except FileNotFoundError:
        return _gettext.NullTranslations()


def set_clinic_language(language: str) -> None:
    """The language of staff screens, the command line and errors."""
    global _clinic
    _clinic = language


def clinic_language() -> str:
    return _clinic


def _(message: str) -> str:
    """``message`` in the clinic's language."""
    return translations(_clinic).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted message that ``n`` takes in the clinic's language."""
    return translations(_clinic).ngettext(singular, plural, n)
