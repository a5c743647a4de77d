"""What the consent document's sections share: the review's extra inputs, the refusal,
the severity badge and small text helpers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Mapping

from msgspec import Struct, field
from reportlab.platypus import Flowable

from mesocheck.documents import styles as st
from mesocheck.documents.text import para
from mesocheck.errors import MesocheckError

# Changes whenever the layout changes on purpose (and the golden files are regenerated).
LAYOUT_VERSION = "7"

CLINIC, PATIENT = "clinic", "patient"  # the two copies of a consent document


class DocumentRefused(MesocheckError):
    """The consent document cannot be made faithfully for this intake."""


class Review(Struct, frozen=True):
    """What the practitioner review adds that the intake record does not carry itself."""

    staff_names: Mapping[int, str] = field(default_factory=dict)
    notes: str = ""


def signatures_of(record: Any, role: str) -> list[Any]:
    return [s for s in record.signatures if s.role == role]


def created_at(record: Any) -> datetime:
    """The document's time: its newest signature (the patient's, again after an amendment,
    or the practitioner's), or when its review was completed."""
    moments = [record.submitted_at or record.updated_at]
    moments += [s.signed_at for s in record.signatures]
    if record.reviewed_at is not None:
        moments.append(record.reviewed_at)
    return max(moments)


def badge(severity: str) -> str:
    """Inline markup for a severity: symbol and word on a tint, legible without colour."""
    look = st.SEVERITY.get(severity, st.SEVERITY["info"])
    return (f'<font backColor="{hex_colour(look.tint)}" color="{hex_colour(look.ink)}">'
            f"<b>\u00a0{look.symbol}\u00a0{look.word}\u00a0</b></font>")


def in_reading_order(parts: list[str], rtl: bool, gap: str = "  ") -> str:
    """Markup pieces side by side, the first where a line begins: on the right in a
    right-to-left copy (markup is laid out left to right)."""
    return gap.join(reversed(parts) if rtl else parts)


def hex_colour(color) -> str:
    return "#" + color.hexval()[2:]


def triggers(raw: Any) -> list[tuple[str, Any]]:
    out = []
    for item in raw or ():
        if isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str):
            out.append((item[0], item[1]))
        elif isinstance(item, dict) and isinstance(item.get("source"), str):
            out.append((item["source"], item.get("value")))
    return out


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def bullet(text: str, style) -> Flowable:
    return para(text, style, bullet="\u2022")


def day(day: date) -> str:
    return day.isoformat()


def grouped(text: str) -> str:
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))
