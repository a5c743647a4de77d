"""The clinic's settings a practitioner changes on the tablet, each checked before it is
stored: a name for the screens and the documents, how long the tablet waits before it
clears a screen nobody touches, the clinic's time zone, whether the app fills the screen, the
clinic's language (of the staff screens and the clinic's records), the languages patients are
offered besides the form's own (each enabled by a practitioner, in the audit log like every
setting), and the course a signed consent covers (sessions, months).
Other settings (the seal's, the logo's) are written by the commands that own them."""

from __future__ import annotations

from typing import Any

from mesocheck.forms.validation import clean_text
from mesocheck.i18n import N_, _
from mesocheck.store.db import StoreError

CLINIC_NAME_LIMIT = 120
IDLE_LIMITS_S = (30, 3600)
COURSE_DEFAULTS = {"course_sessions": 10, "course_months": 12}  # sessions within months
COURSE_LIMITS = {  # lowest, highest, and the refusal of anything else
    "course_sessions": (1, 50, N_("A course covers between {low} and {high} sessions.")),
    "course_months": (1, 36, N_("A course lasts between {low} and {high} months.")),
}


class InvalidSetting(StoreError):
    default_message = N_("This setting cannot be kept.")


def check_setting(key: str, value: Any) -> Any:
    """The value as stored, or :class:`InvalidSetting` saying what to change."""
    if key == "clinic_name":
        if not isinstance(value, str):
            raise InvalidSetting(_("The clinic's name must be text."))
        name = " ".join(clean_text(value).split())
        if len(name) > CLINIC_NAME_LIMIT:
            raise InvalidSetting(_("Please keep the clinic's name under {n} "
                                   "characters.").format(n=CLINIC_NAME_LIMIT))
        return name
    if key == "idle_timeout_s":
        low, high = IDLE_LIMITS_S
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidSetting(_("The idle time must be between {low} seconds and {minutes} "
                                   "minutes.").format(low=low, minutes=high // 60))
        return value
    if key == "time_zone":
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # not at start-up: sysconfig

        if value in (None, ""):
            return None
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidSetting(_("That time zone is not known; choose one from the list, such "
                                   "as Europe/Paris.")) from None
        return str(value)
    if key == "clinic_language":
        from mesocheck.i18n import shipped_languages

        if value not in shipped_languages():
            raise InvalidSetting(_("That language is not one the app has; choose one from the "
                                   "list."))
        return value
    if key == "patient_languages":
        from mesocheck.i18n import shipped_languages

        if (not isinstance(value, (list, tuple)) or len(set(value)) != len(value)
                or any(v not in shipped_languages() for v in value)):
            raise InvalidSetting(_("That language is not one the app has; choose one from the "
                                   "list."))
        return list(value)
    if key in COURSE_LIMITS:
        low, high, refusal = COURSE_LIMITS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidSetting(_(refusal).format(low=low, high=high))
        return value
    if key == "full_screen":
        if not isinstance(value, bool):
            raise InvalidSetting(_("Full screen is either on or off."))
        return value
    return value
