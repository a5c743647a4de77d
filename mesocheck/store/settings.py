"""The clinic's settings a practitioner changes on the tablet, each checked before it is
stored: a name for the screens and the documents, how long the tablet waits before it
clears a screen nobody touches, the clinic's time zone, whether the app fills the screen, and
the course a signed consent covers (sessions, months).
Other settings (the seal's, the logo's) are written by the commands that own them."""

from __future__ import annotations

from typing import Any

from mesocheck.forms.validation import clean_text
from mesocheck.store.db import StoreError

CLINIC_NAME_LIMIT = 120
IDLE_LIMITS_S = (30, 3600)
COURSE_DEFAULTS = {"course_sessions": 10, "course_months": 12}  # sessions within months
COURSE_LIMITS = {"course_sessions": (1, 50, "sessions"), "course_months": (1, 36, "months")}


class InvalidSetting(StoreError):
    default_message = "This setting cannot be kept."


def check_setting(key: str, value: Any) -> Any:
    """The value as stored, or :class:`InvalidSetting` saying what to change."""
    if key == "clinic_name":
        if not isinstance(value, str):
            raise InvalidSetting("The clinic's name must be text.")
        name = " ".join(clean_text(value).split())
        if len(name) > CLINIC_NAME_LIMIT:
            raise InvalidSetting(f"Please keep the clinic's name under {CLINIC_NAME_LIMIT} "
                                 "characters.")
        return name
    if key == "idle_timeout_s":
        low, high = IDLE_LIMITS_S
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidSetting(f"The idle time must be between {low} seconds and "
                                 f"{high // 60} minutes.")
        return value
    if key == "time_zone":
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # not at start-up: sysconfig

        if value in (None, ""):
            return None
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidSetting("That time zone is not known; choose one from the list, "
                                 "such as Europe/Paris.") from None
        return str(value)
    if key in COURSE_LIMITS:
        low, high, what = COURSE_LIMITS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidSetting(f"A course covers between {low} and {high} {what}.")
        return value
    if key == "full_screen":
        if not isinstance(value, bool):
            raise InvalidSetting("Full screen is either on or off.")
        return value
    return value
