"""``verify --hub``: the hub's record checked as a tablet checks its file.

Every device's audit chain on the hub is replayed (links, ids without gaps, each row's
hash), and must end at the head the hub recorded for that device. Every row of the shared
tables is then hashed as the device that wrote it last stores it (its ids in that device's
form, ``ids.py``) and compared with what that device's chain says it should be: an edited
row, a row no chain wrote, and a row a chain wrote that is gone are each reported, with its
table, id and intake. The append-only guards must be in place, and every document's bytes
must match its SHA-256.

A tablet's rows that live only on the tablet (its settings, its own FHIR hand-overs) are
not sent to the hub: their entries in its chain are checked on the tablet
(``mesocheck verify --hub URL --db FILE`` checks the file, and that it still holds the head
the hub saw).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from mesocheck.hub import ids
from mesocheck.hub.dialect import BOOKKEEPING
from mesocheck.i18n import _
from mesocheck.store.audit import (
    AUDITED_TABLES, GENESIS, ROW_HASH_BYTES, UNHASHED_COLUMNS, audit_hash, primary_key,
    row_digester,
)
from mesocheck.store.db import translated
from mesocheck.store.records import Problem

PUSHED_TABLES = ("forms", "staff", "seals", "patients", "intakes", "answers",
                 "acknowledgements", "flags", "decisions", "signatures", "documents")
HUB_ONLY_TABLES = ("settings", "fhir_pushes")  # a device's own; the hub's are checked
GUARDED = ("audit", "signatures", "decisions", "documents", "seals", "fhir_pushes")


def verify_hub(store: Any) -> list[Problem]:
    conn = store.connection
    with translated():
        store.dialect.begin_snapshot(conn)
        try:
            return _verify(conn, store)
        finally:
            conn.execute("ROLLBACK")


def _verify(conn: Any, store: Any) -> list[Problem]:
    problems: list[Problem] = []
    _guards(conn, problems)
    devices = {number: (kind, head_id, bytes(head_hash) if head_hash else None)
               for number, kind, head_id, head_hash in conn.execute(
                   "SELECT number, kind, head_id, head_hash FROM devices ORDER BY number")}
    expected: dict[int, dict[str, dict[Any, tuple[int, str | None]]]] = {}
    for device, (kind, head_id, head_hash) in devices.items():
        expected[device] = _replay(conn, device, kind, head_id, head_hash, problems)
    hub = store.device
    for table in AUDITED_TABLES:
        if table not in PUSHED_TABLES and table not in HUB_ONLY_TABLES:
            continue
        _check_table(conn, store, table, expected, hub, problems)
    return problems


def _guards(conn: Any, problems: list[Problem]) -> None:
    present = {name for (name,) in conn.execute(
        "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND NOT t.tgisinternal AND t.tgenabled != 'D'")}
    for table in GUARDED:
        if f"{table}_append_only" not in present:
            problems.append(Problem("schema", table, None, None,
                                    _("the append-only guard {name} was removed or "
                                      "disabled").format(name=f"{table}_append_only")))


def _replay(conn: Any, device: int, kind: str, head_id: int, head_hash: bytes | None,
            problems: list[Problem]) -> dict[str, dict[Any, tuple[int, str | None]]]:
    """Check one device's chain; the last (audit id, row hash) each row got from it."""
    expected: dict[str, dict[Any, tuple[int, str | None]]] = {t: {} for t in AUDITED_TABLES}
    prev, next_id, last = GENESIS, 1, 0
    where = _("device {number}").format(number=device)
    for audit_id, at, actor, action, intake_id, rows_json, digest in conn.execute(
            "SELECT id, at, actor, action, intake_id, rows, hash FROM audit WHERE device = ? "
            "ORDER BY id", (device,)):
        def report(detail: str) -> None:
            problems.append(Problem("audit_chain", "audit", f"{device}/{audit_id}",
                                    intake_id, f"({where}) {detail}"))

        if audit_id != next_id:
            report(_("audit rows {first} to {last} are missing (deleted)").format(
                first=next_id, last=audit_id - 1)
                   if audit_id > next_id else _("audit ids are out of order"))
        digest = bytes(digest)
        if audit_hash(prev, audit_id, at, actor, action, intake_id, rows_json) != digest:
            report(_("does not match its hash: it was edited or moved, or a row before it "
                     "was deleted, inserted, edited or moved"))
        prev, next_id, last = digest, audit_id + 1, audit_id
        try:
            for table, key, row_hash in json.loads(rows_json):
                expected[table][key] = (audit_id, row_hash)
        except (ValueError, TypeError, KeyError):
            report(_("its list of written rows is unreadable"))
    if kind != "hub" and (last != head_id or (last and prev != head_hash)):
        problems.append(Problem(
            "witness", "audit", f"{device}/{head_id}", None,
            f"({where}) " + _("the hub received this device's audit log up to row {head}, but "
                              "holds it up to row {last}: rows received were deleted or "
                              "changed on the hub").format(head=head_id, last=last)))
    return expected


def _check_table(conn: Any, store: Any, table: str, expected: dict, hub: int,
                 problems: list[Problem]) -> None:
    skip = UNHASHED_COLUMNS.get(table, frozenset())
    names = tuple(sorted(c for c in store.dialect.columns(conn, table) if c not in skip))
    digest_row = row_digester(names)
    pk = primary_key(table)
    pdf_at = names.index("pdf") if "pdf" in names else None
    strokes_at = names.index("strokes") if "strokes" in names else None
    intake_at = names.index("intake_id") if "intake_id" in names else None
    present: set[Any] = set()
    for row in conn.execute(f"SELECT {', '.join(names)}, written_by FROM {table}"):
        *values, writer = row
        record = dict(zip(names, values))
        key = record[pk]
        present.add(key)
        intake = values[intake_at] if intake_at is not None else (
            key if table == "intakes" else None)
        if strokes_at is not None and bytes(values[strokes_at])[:1] == b"[":
            record["strokes"] = bytes(values[strokes_at]).decode()  # stored as JSON text
        if pdf_at is not None:
            if hashlib.sha256(bytes(values[pdf_at])).hexdigest() != record.get("sha256"):
                problems.append(Problem("document_hash", table, key, intake,
                                        _("the stored PDF does not match its SHA-256")))
        local = ids.to_device(writer, table, record)
        local_key = ids.key_to_device(writer, table, key)
        chain = expected.get(writer, {}).get(table, {})
        audit_id, wanted = chain.get(local_key, (0, None))
        if wanted is None:
            problems.append(Problem(
                "unaudited", table, key, intake,
                _("device {number}'s audit log, which it names as its last writer, never "
                  "wrote it (inserted outside mesocheck)").format(number=writer)))
            continue
        actual = digest_row(tuple(local[c] for c in names))[:ROW_HASH_BYTES].hex()
        if actual != wanted[:2 * ROW_HASH_BYTES]:
            problems.append(Problem(
                "changed", table, key, intake,
                _("does not match what device {number}'s audit log recorded (edited on the "
                  "hub, or its id was swapped with another row's)").format(number=writer)))
    devices = [hub] if table in HUB_ONLY_TABLES else list(expected)
    for device in devices:
        for local_key, (audit_id, wanted) in expected[device][table].items():
            if wanted is None:
                continue
            key = ids.key_to_hub(device, table, local_key)
            if key not in present:
                problems.append(Problem(
                    "missing", table, key, None,
                    _("device {number}'s audit log wrote it (row {row}), but it is not on the "
                      "hub (deleted outside mesocheck)").format(number=device, row=audit_id)))
