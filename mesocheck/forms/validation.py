"""Turning what a person entered into a stored answer, or a message saying what to fix.

Every value that reaches the store passes through here, so the store, the rules and the
PDF only ever see normalised values: text as clean NFC, dates as ISO text, choices from the
list. A rejection never raises: it comes back as a message in the patient's language.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timezone
from typing import Any

from msgspec import Struct

from mesocheck.forms.isolation import strip_direction_controls
from mesocheck.forms.messages import message
from mesocheck.forms.model import NEVER, NOT_RECENT, Question

NAME_LIMIT = 200
OLDEST_YEARS = 130
# C0 and C1 controls except tab and newline: invisible, and some break files and printers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A Python string only holds surrogate code points when they are unpaired: not encodable.
_SURROGATE = re.compile("[\ud800-\udfff]")


class Checked(Struct, frozen=True):
    """A normalised value (None: no answer) or the reason it cannot be kept."""

    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def clean_text(raw: str) -> str:
    """NFC, no control characters, no direction controls (the screen and the PDF isolate
    typed text and order it themselves: :mod:`mesocheck.forms.isolation`), no lone
    surrogates; line breaks and tabs kept."""
    text = _SURROGATE.sub("\ufffd", raw)
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return strip_direction_controls(_CONTROL.sub("", text)).strip()


def check_answer(question: Question, raw: Any, *, now: datetime, language: str = "en") -> Checked:
    """Check one answer; ``now`` (aware) decides what "in the future" means."""
    if raw is None or raw == "" or raw == []:
        return Checked(None)
    checker = _CHECKERS[question.type]
    return checker(question, raw, now, language)


def _boolean(q: Question, raw: Any, now: datetime, lang: str) -> Checked:
    if isinstance(raw, bool):
        return Checked(raw)
    return Checked(error=message("choose_yes_no", lang))


def _choice(q: Question, raw: Any, now: datetime, lang: str) -> Checked:
    if isinstance(raw, str) and q.option(raw) is not None:
        return Checked(raw)
    return Checked(error=message("choose_one", lang))


def _multi_choice(q: Question, raw: Any, now: datetime, lang: str) -> Checked:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, (list, tuple, set)) or not all(
        isinstance(v, str) and q.option(v) is not None for v in raw
    ):
        return Checked(error=message("choose_listed", lang))
    chosen = set(raw)
    ordered = [o.value for o in q.options if o.value in chosen]
    if len(ordered) > 1:
        for value in ordered:
            option = q.option(value)
            if option is not None and option.exclusive:
                return Checked(error=message("exclusive", lang, label=option.label.get(lang)))
    return Checked(ordered)


def _text(q: Question, raw: Any, now: datetime, lang: str) -> Checked:
    if not isinstance(raw, str):
        return Checked(error=message("text_type", lang))
    text = clean_text(raw)
    limit = q.max_length
    if limit is not None and len(text) > limit:
        return Checked(error=message("too_long", lang, limit=limit, length=len(text)))
    return Checked(text or None)


def parse_date(raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def parse_datetime(raw: Any) -> datetime | None:
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw.strip())
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else None


def _date(q: Question, raw: Any, now: datetime, lang: str) -> Checked:
    day = parse_date(raw)
    if day is None:
        return Checked(error=message("date_format", lang))
    return _date_limits(q, day, now.date(), lang) or Checked(day.isoformat())


def _date_limits(q: Question, day: date, today: date, lang: str) -> Checked | None:
    if q.past_only and day > today:
        return Checked(error=message("future", lang))
    if day.year < today.year - OLDEST_YEARS:
        return Checked(error=message("too_early", lang))
    return None


def _datetime(q: Question, raw: Any, now: datetime, lang: str) -> Checked:
    moment = parse_datetime(raw)
    if moment is None:
        return Checked(error=message("datetime_format", lang))
    if q.past_only and moment > now:
        return Checked(error=message("future", lang))
    if moment.year < now.year - OLDEST_YEARS:
        return Checked(error=message("too_early", lang))
    return Checked(moment.astimezone(timezone.utc).isoformat(timespec="minutes"))


def _last_taken(q: Question, raw: Any, now: datetime, lang: str) -> Checked:
    if raw == NEVER or (raw == NOT_RECENT and q.recent_window_hours is not None):
        return Checked(raw)
    timed = q.precision == "datetime"
    if (parse_datetime if timed else parse_date)(raw) is None:
        return Checked(error=message("last_taken", lang))
    return (_datetime if timed else _date)(q, raw, now, lang)


_CHECKERS = {
    "boolean": _boolean,
    "choice": _choice,
    "multi_choice": _multi_choice,
    "text": _text,
    "date": _date,
    "datetime": _datetime,
    "last_taken": _last_taken,
}


# -- the patient's details, entered when an intake starts ---------------------------------


def check_name(raw: Any, language: str = "en") -> Checked:
    if not isinstance(raw, str):
        return Checked(error=message("name_required", language))
    name = " ".join(clean_text(raw).split())
    if not any(unicodedata.category(c)[0] in "LN" for c in name):  # e.g. only zero-width
        return Checked(error=message("name_required", language))
    if len(name) > NAME_LIMIT:
        return Checked(error=message("name_too_long", language, limit=NAME_LIMIT))
    return Checked(name)


def check_birth_date(raw: Any, *, today: date, language: str = "en") -> Checked:
    day = parse_date(raw)
    if day is None:
        return Checked(error=message("date_format", language))
    if day > today:
        return Checked(error=message("birth_date_future", language))
    if day.year < today.year - OLDEST_YEARS:
        return Checked(error=message("birth_date_too_old", language, years=OLDEST_YEARS))
    return Checked(day)
