"""Caller data turned into stored column values, shared by the audited and the bulk paths.

Values are normalised here (ISO times, canonical JSON, ints) so that what is hashed is
exactly what SQLite hands back later.
"""

from __future__ import annotations

import json
import os
import threading
import unicodedata
import uuid
import zlib
from datetime import date, datetime, time
from time import time_ns
from typing import Any, Callable, Mapping

from mesocheck.store.audit import to_json
from mesocheck.store.records import (
    CLEAN_RANK, SEVERITIES, SEVERITY_RANK, SIGNER_ROLES, SIGNING_METHODS,
)
from mesocheck.timeutil import from_iso, to_iso


_last_id = 0
_id_lock = threading.Lock()


def new_intake_id() -> str:
    """A version 7 UUID: 48 bits of Unix milliseconds, then 74 random bits.

    Ids in creation order keep every index that begins with ``intake_id`` growing at its
    end, as a log does, instead of being written all over. Within one process each id is
    greater than the last even within a millisecond (the random part counts up).
    """
    global _last_id
    random_part = int.from_bytes(os.urandom(10), "big") >> 6
    with _id_lock:
        value = max((time_ns() // 1_000_000) << 74 | random_part, _last_id + 1)
        _last_id = value
    stamp, rest = value >> 74, value & (1 << 74) - 1
    return str(uuid.UUID(int=stamp << 80 | 0x7 << 76 | (rest >> 62) << 64
                         | 0b10 << 62 | rest & (1 << 62) - 1))


def packed_strokes(strokes: Any) -> bytes:
    """Signature strokes as stored: their canonical JSON, deflated (a third of the size;
    reading them back gives exactly the same numbers). Pre-encoded JSON text is taken."""
    return zlib.compress((strokes if isinstance(strokes, str) else to_json(strokes)).encode())


def unpacked_strokes(stored: bytes | str) -> Any:
    """Stored strokes back as lists; schema 1 stored the JSON text itself."""
    return json.loads(zlib.decompress(stored) if isinstance(stored, bytes) else stored)


def iso_time(value: datetime | str) -> str:
    """A moment as stored: UTC ISO 8601; text is parsed and normalised, so it needs a zone.

    Parse errors are re-raised without the value: it may be a patient's data.
    """
    try:
        if isinstance(value, datetime):
            return to_iso(value)
        if isinstance(value, str):
            return to_iso(from_iso(value))
    except ValueError:
        pass
    raise ValueError("expected an aware datetime or ISO 8601 text with a zone") from None


def iso_date(value: date | str) -> str:
    try:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, str):
            return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise ValueError("expected a date or ISO 8601 date text (YYYY-MM-DD)") from None


def iso_day_or_time(value: date | datetime | str) -> str:
    """A postponement date: a day, or a moment."""
    if isinstance(value, datetime):
        return to_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return iso_date(value) if len(value) == 10 else iso_time(value)
    raise TypeError("expected a date, a datetime or ISO 8601 text")


def day_start(value: date | datetime) -> str:
    """A queue bound: a datetime as is, a date as midnight in this machine's zone."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time()).astimezone()
    return to_iso(value)


def search_key(name: str) -> str:
    """Name folded for search: accents stripped, case folded, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def required_text(mapping: Mapping[str, Any], key: str, what: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what}: '{key}' must be non-empty text")
    return value.strip()


def signature_values(
    sig: Mapping[str, Any], intake_id: str, at: str,
    pack: Callable[[Any], bytes] = packed_strokes,
) -> dict[str, Any]:
    """Columns of a signature row. ``sig`` keys: printed_name, meaning, strokes (list of
    strokes, each a list of [x, y, t_ms, pressure]; opaque here), pad_width, pad_height,
    tz, content_hash; optional role (default patient), signed_at, staff_id, method (drawn,
    typed or mark; default drawn, stored as NULL), witness (a mark's witness) and
    relationship (a guardian's, to the patient)."""
    role = sig.get("role", "patient")
    if role not in SIGNER_ROLES:
        raise ValueError(f"signature: unknown role {role!r}")
    method = sig.get("method") or "drawn"
    if method not in SIGNING_METHODS:
        raise ValueError(f"signature: unknown method {method!r}")
    if (method == "mark") != bool(sig.get("witness")):
        raise ValueError("signature: a mark, and only a mark, names its witness")
    if (role == "guardian") != bool(sig.get("relationship")):
        raise ValueError("signature: a guardian, and only a guardian, names a relationship")
    strokes = sig.get("strokes")
    if strokes is None:
        raise ValueError("signature: 'strokes' is required")
    staff_id = sig.get("staff_id")
    return {
        "intake_id": intake_id,
        "role": role,
        "printed_name": required_text(sig, "printed_name", "signature"),
        "meaning": required_text(sig, "meaning", "signature"),
        "strokes": pack(strokes),
        "pad_width": int(round(sig["pad_width"])),
        "pad_height": int(round(sig["pad_height"])),
        "signed_at": iso_time(sig["signed_at"]) if sig.get("signed_at") else at,
        "tz": required_text(sig, "tz", "signature"),
        "content_hash": required_text(sig, "content_hash", "signature"),
        "staff_id": None if staff_id is None else int(staff_id),
        "method": None if method == "drawn" else method,
        "witness": sig.get("witness") or None,
        "relationship": sig.get("relationship") or None,
    }


def flag_values(
    flag: Any, intake_id: str, at: str, encode: Callable[[Any], str] = to_json
) -> dict[str, Any]:
    """Columns of a flag row, from a mapping or anything with ``as_dict()`` (forms.Flag):
    rule_id, severity (info|review|stop), practitioner_message, optional patient_message,
    patient_told (it was on the patient's screen before signing), triggers (JSON-able) and
    raised_at."""
    if hasattr(flag, "as_dict"):
        flag = flag.as_dict()
    severity = flag.get("severity")
    if severity not in SEVERITIES:
        raise ValueError(f"flag: unknown severity {severity!r}")
    raised = flag.get("raised_at")
    return {
        "intake_id": intake_id,
        "rule_id": required_text(flag, "rule_id", "flag"),
        "severity": severity,
        "practitioner_message": required_text(flag, "practitioner_message", "flag"),
        "patient_message": flag.get("patient_message") or None,
        "triggers": encode(flag.get("triggers") or []),
        "raised_at": iso_time(raised) if raised else at,
        "patient_told": 1 if flag.get("patient_told") and flag.get("patient_message") else None,
    }


def flag_counts(severities: list[str]) -> dict[str, int]:
    """The per-intake counters the review queue sorts and filters on."""
    counts = {s: severities.count(s) for s in SEVERITIES}
    rank = min((SEVERITY_RANK[s] for s in severities), default=CLEAN_RANK)
    return {
        "n_stop": counts["stop"],
        "n_review": counts["review"],
        "n_info": counts["info"],
        "flag_rank": rank,
    }
