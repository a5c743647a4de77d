"""How dates, times and paragraphs of form text are shown to people."""

from __future__ import annotations

from datetime import date, datetime, tzinfo


def paragraphs(text: str) -> list[str]:
    """Form text split at blank lines; single line breaks inside a paragraph are spaces."""
    blocks = [" ".join(block.split()) for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]


def format_date(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def format_time(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def format_moment(value: str, zone: tzinfo) -> str:
    """ISO date or date-time text as "3 March 2026" or "3 March 2026 at 14:05"."""
    try:
        if "T" in value:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                moment = moment.astimezone(zone)
            return f"{format_date(moment.date())} at {format_time(moment)}"
        return format_date(date.fromisoformat(value))
    except ValueError:
        return value
