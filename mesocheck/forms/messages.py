"""Messages the patient reads about their own answers, in the patient's language.

Form content is translated in the form file; these are the app's own words, from the
catalogue (:mod:`mesocheck.i18n`).
"""

from __future__ import annotations

from mesocheck.i18n import N_, translations

MESSAGES: dict[str, str] = {
    "required": N_("Please answer this question."),
    "choose_yes_no": N_("Please choose Yes or No."),
    "choose_one": N_("Please choose one of the answers shown."),
    "choose_listed": N_("Please choose only from the answers shown."),
    "exclusive": N_("“{label}” cannot be chosen together with other answers."),
    "text_type": N_("Please type your answer as text."),
    "too_long": N_("This answer is too long: please keep it under {limit} characters "
                   "(it has {length})."),
    "date_format": N_("Please enter a real date, for example 31/12/1980."),
    "datetime_format": N_("Please enter a real date and time."),
    "future": N_("This cannot be in the future. Please check the date."),
    "too_early": N_("Please check the date: it is too long ago."),
    "last_taken": N_("Please choose “Never”, “Not recently”, or enter when it was."),
    "name_required": N_("Please enter the patient's full name."),
    "name_too_long": N_("The name is too long: please keep it under {limit} characters."),
    "birth_date_future": N_("The date of birth cannot be in the future."),
    "birth_date_too_old": N_("Please check the date of birth: it is more than {years} years "
                             "ago."),
    "area_required": N_("Please choose the treatment area."),
    "appointment_required": N_("Please enter the appointment date and time."),
}


def message(key: str, language: str = "en", **values: object) -> str:
    template = translations(language).gettext(MESSAGES[key])
    return template.format(**values) if values else template
