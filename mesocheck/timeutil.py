"""Times are stored in UTC as ISO 8601 text and shown in local time with the zone."""

from __future__ import annotations

from datetime import date, datetime, timezone


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


def local(moment: datetime) -> datetime:
    """The same instant in this machine's zone, for display."""
    return moment.astimezone()


def show(moment: datetime) -> str:
    """A time as people read it: local, to the minute, with the zone's name."""
    here = local(moment)
    return here.strftime("%Y-%m-%d %H:%M ") + (here.tzname() or here.strftime("%z"))


def age_on(birth_date: date, on: date) -> int:
    """Whole years; a person born on 29 February ages on 1 March in common years."""
    years = on.year - birth_date.year
    try:
        birthday = birth_date.replace(year=on.year)
    except ValueError:
        birthday = date(on.year, 3, 1)
    return years - (on < birthday)
