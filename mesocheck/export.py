"""Exporting intakes for audits and spreadsheets: JSON (complete) or CSV (one row per intake).

Both stream, so exporting 100,000 intakes needs little memory; a file is written to a
temporary name and renamed, so a failed export never leaves half a file behind.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from mesocheck.fileio import atomic_writer
from mesocheck.forms.registry import shipped_forms

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
FIXED_COLUMNS = [
    "intake_id", "patient_name", "birth_date", "appointment_at", "area", "status",
    "form_id", "form_version", "language", "submitted_at", "flags", "decisions",
    "signed_by", "signed_at", "patient_id", "course_sessions", "course_until",
    "copy_wanted", "copy_printed_at", "understanding_tries", "understood", "guardian",
    "continues", "reconsent", "reconsent_asked_at",
]


def write_export(store: Any, fmt: str, output: Path | None, *, flagged_only: bool = False,
                 on_problem: Callable[[str], None] | None = None) -> int:
    if fmt == "fhir":  # one Bundle per signed intake (mesocheck.fhir)
        from mesocheck.fhir.export import write_bundles

        with _target(output, store.path) as stream:
            return write_bundles(store, stream, flagged_only=flagged_only,
                                 on_problem=on_problem)
    rows = store.iter_export(flagged_only=flagged_only)
    with _target(output, store.path) as stream:
        if fmt == "json":
            return _write_json(rows, stream)
        return _write_csv(rows, stream)


@contextmanager
def _target(output: Path | None, database: Path) -> Iterator[IO[str]]:
    if output is None:
        yield sys.stdout
        return
    with atomic_writer(output, database=database) as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8", newline="")
        yield text
        text.flush()
        text.detach()


def _write_json(rows: Iterator[dict], stream: IO[str]) -> int:
    count = 0
    stream.write("[")
    for row in rows:
        stream.write(",\n  " if count else "\n  ")
        stream.write(json.dumps(row, ensure_ascii=False, sort_keys=True, default=str))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


def answer_columns() -> list[str]:
    seen: dict[str, None] = {}
    for form in shipped_forms():
        for question in form.questions:
            seen.setdefault(question.id, None)
    return list(seen)


def _write_csv(rows: Iterator[dict], stream: IO[str]) -> int:
    questions = answer_columns()
    writer = csv.writer(stream)
    writer.writerow(FIXED_COLUMNS + [f"answer.{q}" for q in questions] + ["other_answers"])
    count = 0
    for row in rows:
        answers = dict(row.get("answers") or {})
        fixed = _csv_fixed(row)
        writer.writerow(
            [_cell(fixed.get(c)) for c in FIXED_COLUMNS]
            + [_cell(answers.pop(q, None)) for q in questions]
            + [_cell(answers) if answers else ""]
        )
        count += 1
    return count


def _csv_fixed(row: dict) -> dict:
    patient = row.get("patient") or {}
    signature = next(
        (s for s in row.get("signatures") or [] if s.get("role") == "patient"), {}
    )
    flags = row.get("flags") or []
    return {
        **row,
        "intake_id": row.get("intake_id") or row.get("id"),
        "patient_name": patient.get("name"),
        "birth_date": patient.get("birth_date"),
        "flags": "; ".join(f"{f.get('severity')}:{f.get('rule_id')}" for f in flags),
        "decisions": "; ".join(
            f"{f.get('rule_id')}={f.get('decision')}" for f in flags if f.get("decision")
        ),
        "signed_by": signature.get("printed_name"),
        "signed_at": signature.get("signed_at"),
        "patient_id": patient.get("id"),
        "course_sessions": (row.get("course") or {}).get("sessions"),
        "course_until": (row.get("course") or {}).get("until"),
        "copy_wanted": (row.get("patient_copy") or {}).get("wanted"),
        "copy_printed_at": (row.get("patient_copy") or {}).get("printed_at"),
        # The check before signing: how many tries, and whether the last was all right.
        "understanding_tries": len(row.get("understanding") or []) or None,
        "understood": (not row["understanding"][-1]["wrong"]) if row.get("understanding")
        else None,
        # A minor's parent or guardian who signed the consent: name (relationship).
        "guardian": next((f"{s.get('printed_name')} ({s.get('relationship')})"
                          for s in reversed(row.get("signatures") or [])
                          if s.get("role") == "guardian"), None),
        # A course's visits: the consent a check-in continues; why a full form was asked
        # again (reasons); when a practitioner asked for that at the next visit.
        "continues": (row.get("visit") or {}).get("continues"),
        "reconsent": "; ".join(((row.get("visit") or {}).get("reconsent") or {})
                               .get("reasons", [])) or None,
        "reconsent_asked_at": (row.get("visit") or {}).get("reconsent_asked_at"),
    }


def _cell(value: Any) -> str:
    """One cell; formula-looking text is defused so a spreadsheet never runs it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    # Full-width and small forms (＝, ﹢, ＠...) are read as = + - @ by some spreadsheets.
    if unicodedata.normalize("NFKC", text[:1]) in _FORMULA_STARTS:
        text = "'" + text
    return text
