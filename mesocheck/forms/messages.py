"""Messages the patient reads about their own answers, in every language the app carries.

Form content is translated in the form file; these are the app's own words.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "required": "Please answer this question.",
        "choose_yes_no": "Please choose Yes or No.",
        "choose_one": "Please choose one of the answers shown.",
        "choose_listed": "Please choose only from the answers shown.",
        "exclusive": "“{label}” cannot be chosen together with other answers.",
        "text_type": "Please type your answer as text.",
        "too_long": "This answer is too long: please keep it under {limit} characters "
                    "(it has {length}).",
        "date_format": "Please enter a real date, for example 31/12/1980.",
        "datetime_format": "Please enter a real date and time.",
        "future": "This cannot be in the future. Please check the date.",
        "too_early": "Please check the date: it is too long ago.",
        "last_taken": "Please choose “Never”, “Not recently”, or enter when it was.",
        "name_required": "Please enter the patient's full name.",
        "name_too_long": "The name is too long: please keep it under {limit} characters.",
        "birth_date_future": "The date of birth cannot be in the future.",
        "birth_date_too_old": "Please check the date of birth: it is more than {years} years ago.",
        "area_required": "Please choose the treatment area.",
        "appointment_required": "Please enter the appointment date and time.",
    },
}


def message(key: str, language: str = "en", **values: object) -> str:
    table = MESSAGES.get(language) or MESSAGES["en"]
    template = table.get(key) or MESSAGES["en"][key]
    return template.format(**values)
