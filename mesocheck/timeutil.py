"""Times: stored in UTC as ISO 8601 text, shown to people in the clinic's zone.

Every screen and the consent PDF show a moment with the functions here, in the zone of
:func:`clinic_zone` (the clinic's setting, else this machine's zone), so the wizard, the
review and the printed record never tell the same moment two ways.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path

from mesocheck.i18n import N_, translations

# A day in words, one whole pattern per month so each language words and orders it its own
# way ("3 de marzo de 2026", "2026年3月3日").
DAY_PATTERNS = (
    N_("{day} January {year}"), N_("{day} February {year}"), N_("{day} March {year}"),
    N_("{day} April {year}"), N_("{day} May {year}"), N_("{day} June {year}"),
    N_("{day} July {year}"), N_("{day} August {year}"), N_("{day} September {year}"),
    N_("{day} October {year}"), N_("{day} November {year}"), N_("{day} December {year}"))


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def to_iso(moment: datetime) -> str:
    """Canonical stored form: UTC, millisecond precision, explicit offset."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored; attach a time zone first")
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def from_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"time without a zone: {text!r}")
    return moment


def age_on(birth_date: date, on: date) -> int:
    """Whole years; a person born on 29 February ages on 1 March in common years."""
    years = on.year - birth_date.year
    try:
        birthday = birth_date.replace(year=on.year)
    except ValueError:
        birthday = date(on.year, 3, 1)
    return years - (on < birthday)


# -- the clinic's zone -----------------------------------------------------------------------


def clinic_zone(setting: str | None = None) -> tzinfo:
    """The clinic's zone: the setting when given, else this machine's zone (with its DST
    rules when they can be found, so a future appointment gets the right offset)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    candidates = [setting, os.environ.get("TZ", "").lstrip(":") or None, _system_zone_name()]
    for name in candidates:
        if not name:
            continue
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return datetime.now().astimezone().tzinfo or timezone.utc


def _system_zone_name() -> str | None:
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:
        return None
    marker = "zoneinfo" + os.sep
    if marker in target:
        return target.split(marker, 1)[1]
    try:
        return Path("/etc/timezone").read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def zone_name(zone: tzinfo) -> str:
    """The zone as a signature records it: ``Europe/Paris`` where known."""
    key = getattr(zone, "key", None)
    return key or datetime.now(zone).tzname() or "UTC"


# -- in words ------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day where it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def day_text(day: date, language: str = "en") -> str:
    """"3 March 2026", in ``language``."""
    pattern = translations(language).gettext(DAY_PATTERNS[day.month - 1])
    return pattern.format(day=day.day, year=day.year)


def moment_text(value: str, zone: tzinfo, language: str = "en") -> str:
    """ISO date or date-time text as "3 March 2026" or "3 March 2026 at 14:05" (in
    ``zone``), in ``language``; text that is neither comes back as it is."""
    try:
        if "T" in value:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                moment = moment.astimezone(zone)
            return translations(language).gettext("{date} at {time}").format(
                date=day_text(moment.date(), language), time=moment.strftime("%H:%M"))
        return day_text(date.fromisoformat(value), language)
    except ValueError:
        return value


def show(moment: datetime, zone: tzinfo) -> str:
    """A moment for staff: in ``zone``, to the minute, with the zone's name."""
    here = moment.astimezone(zone)
    return here.strftime("%Y-%m-%d %H:%M ") + (here.tzname() or here.strftime("%z"))
