"""Rows in their two forms: as their device stores them (*local*) and as the hub stores
them (*clinic-wide*, see ``mesocheck.ids``). Only the id columns listed here differ;
:func:`to_hub` and :func:`to_device` turn one into the other. The hub's own rows are
created clinic-wide, so for the hub device both forms are the same.
"""

from __future__ import annotations

from typing import Any, Mapping

from mesocheck.ids import global_id, local_id

# The columns holding row ids (the row's own, and references to other rows).
ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "staff": ("id",),
    "patients": ("id",),
    "intakes": ("patient_id", "reconsent_asked_by"),
    "answers": ("id", "amends"),
    "acknowledgements": ("id",),
    "flags": ("id",),
    "decisions": ("id", "flag_id", "staff_id", "supersedes"),
    "signatures": ("id", "staff_id"),
    "documents": ("id", "supersedes"),
    "seals": ("id",),
    "fhir_pushes": ("id",),
    "settings": (),
    "forms": (),
}
INTEGER_KEYED = frozenset(t for t, columns in ID_COLUMNS.items() if "id" in columns)


def to_hub(device: int, table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for column in ID_COLUMNS.get(table, ()):
        value = out.get(column)
        if value is not None:
            out[column] = global_id(device, value)
    return out


def to_device(device: int, table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for column in ID_COLUMNS.get(table, ()):
        value = out.get(column)
        if value is not None:
            out[column] = local_id(device, value)
    return out


def key_to_hub(device: int, table: str, key: Any) -> Any:
    return global_id(device, key) if table in INTEGER_KEYED and isinstance(key, int) else key


def key_to_device(device: int, table: str, key: Any) -> Any:
    return local_id(device, key) if table in INTEGER_KEYED and isinstance(key, int) else key
