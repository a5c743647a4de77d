"""Writing many complete intakes fast (synthetic data for training and benchmarks).

The audited path reads every row back to hash it; here ids are assigned up front, each row
is hashed from the exact tuple inserted, and tables are written with ``executemany``. Each
intake still gets its own audit row, chained like any other, so ``verify`` treats bulk data
exactly like data entered on the tablet.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from mesocheck.store import rows, witness
from mesocheck.store.audit import (
    INSERT_SQL, UNHASHED_COLUMNS, audit_hash, canonical_json, chain_head, check_actor,
    entry_hash, primary_key, to_json,
)
from mesocheck.store.db import translated
from mesocheck.ids import LOCAL_ID_LIMIT
from mesocheck.store.records import DECISIONS, OUTCOMES, STATUSES

try:
    import fcntl
except ImportError:  # Windows: bulk loads do not take turns
    fcntl = None  # type: ignore[assignment]

_TEXT_KEYED = ("forms", "intakes")
# Other programs wait for the write lock (SQLite's busy timeout, 5 s) while a batch holds
# it: each transaction's work is sized to take about this long, measured on the last one
# (even made again under the lock, it holds the lock no longer)...
MAX_HOLD_S = 0.5
FIRST_BATCH = 50
# ...and the lock is then left free at least this long (making the next batch usually
# takes longer): longer than SQLite's busy handler sleeps between two tries (100 ms at
# most), so a waiting writer's next try always lands in it.
YIELD_S = 0.12
# Intakes come in any appointment order (and may bring their own ids), so rows land all
# over the intakes' indexes: with SQLite's 2 MiB default cache, dirty index pages would
# spill to the WAL again and again within one batch.
_BULK_CACHE_KIB = 256 * 1024
_ORDER = ("forms", "patients", "intakes", "answers", "acknowledgements", "flags", "decisions",
          "signatures", "documents")


def bulk_insert(store, intakes: Iterable[Mapping[str, Any]], *, actor: str = "system",
                batch_size: int = 2000, progress: Callable[[int], None] | None = None
                ) -> list[str]:
    """Insert complete intakes; each transaction holds up to ``batch_size`` of them (so a
    crash leaves whole intakes only) and each intake gets one audit row. Returns the ids.

    Other programs keep writing meanwhile: a transaction holds the write lock about
    ``MAX_HOLD_S`` at most, then leaves it free for ``YIELD_S`` at least (see
    :func:`_write_batch`), and bulk loads into one folder take turns, so no other
    writer's wait comes near the busy timeout. ``progress(n)`` is told the number of
    intakes committed after each transaction.

    One intake is a mapping (times are aware datetimes or ISO 8601 text)::

        {
          "id": "UUID text",                   # optional, generated when absent
          "patient": {"name": str, "birth_date": date | "YYYY-MM-DD", "contact": str | None},
          "form_id": str, "form_version": str, "form_hash": str,
          "form_content": str | None,          # archived once per form_hash
          "language": str, "area": str, "appointment_at": time, "device": str | None,
          "created_at": time,                  # optional, default now
          "status": one of STATUSES,           # default "submitted"
          "submitted_at": time | None,         # default created_at, except in_progress and
                                               # voided (a voided intake may have one)
          "reviewed_at": time | None,          # default: the last decision, or submitted_at
          "void_reason": str | None,
          "current_step": str | None,
          "course_sessions": int | None, "course_until": date | None,  # what it covers, signed
          "understanding": [{"answers": {id: option}, "wrong": [ids], "at": time}],  # tries
          "answers": {question_id: JSON-able value},   # answered at created_at
          "acknowledgements": [(disclosure_id, text_hash, acknowledged_at[, read_at]) or a
                               mapping with those keys; the times optional],
          "signature": signature dict as for Store.submit, or None,    # the patient's
          "signatures": [further signature dicts],                      # optional
          "flags": [flag dicts as for Store.submit],
          "decisions": [{"flag_index": int (into flags), "decision": proceed|postpone|decline,
                         "reason": str, "staff_id": int, "new_date": date | None,
                         "decided_at": time (optional)}],  # in order; later ones supersede
          "documents": [{"kind": str, "pdf": bytes, "created_at": time (optional)}],
        }

    Signed intakes (``submitted_at`` set) get ``locked_at = submitted_at``. The store's
    lifecycle rules (who may decide what) are not re-checked here: this is a loader for
    data produced by trusted code.

    Commits but the last skip their fsync (``synchronous=NORMAL``, safe in WAL mode: a power
    cut can lose the last batches, never corrupt the file) and use a 256 MiB page cache;
    the last commit syncs the log, and with it every one before it, and only then is the
    new head written to the head file (see witness.py).
    """
    check_actor(actor)
    conn = store.connection
    ids: list[str] = []
    pending = iter(intakes)
    size = min(FIRST_BATCH, batch_size)
    with translated(), one_bulk_at_a_time(store.path):
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA cache_size = {-_BULK_CACHE_KIB}")
        try:
            free_since = 0.0  # nobody has waited on this program yet
            batch = list(islice(pending, size))
            while batch:
                following = list(islice(pending, 1))
                if not following:  # the last commit syncs the log, and every one before it
                    conn.execute("PRAGMA synchronous = FULL")
                written, took = _write_batch(store, batch, actor, free_since)
                free_since = time.perf_counter()
                ids += written
                if progress:
                    progress(len(ids))
                size = max(1, min(batch_size, int(MAX_HOLD_S * len(batch) / max(took, 1e-6))))
                batch = following + list(islice(pending, size - 1)) if following else []
        finally:
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute(f"PRAGMA cache_size = {cache}")
        if ids:
            witness.record(conn, store.path)  # durable now: the last commit was synced
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        conn.execute("PRAGMA analysis_limit = 400")
        # Statistics for the query planner come from sampling indexes; a table without one
        # (the audit log) would be read whole just to be counted.
        for (table,) in conn.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_schema WHERE type = 'index'").fetchall():
            conn.execute(f"ANALYZE {table}")
    return ids


@contextmanager
def one_bulk_at_a_time(db: Path) -> Iterator[None]:
    """Bulk loads into one folder take turns (a flock on the folder, released with the
    process), so that the gaps one leaves between its transactions go to the other
    programs' small writes rather than to another bulk load. Not reentrant: a process
    holding its turn must not ask again."""
    fd = None
    if fcntl is not None:
        try:
            fd = os.open(Path(db).parent, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)


class _Batch:
    """Rows of one transaction, in insert order per table, with their ids and hashes."""

    def __init__(self, store) -> None:
        conn = store.connection
        self.columns = {table: store._columns[table] for table in _ORDER}
        self.digest = {table: store._columns.digester(table) for table in _ORDER}
        self.unhashed = {table: tuple(sorted(UNHASHED_COLUMNS.get(table, ()))) for table in _ORDER}
        self.next_id = {  # below the ids of rows copied from a hub, as the dialect numbers
            table: conn.execute(f"SELECT coalesce((SELECT id FROM {table} WHERE id < ? "
                                "ORDER BY id DESC LIMIT 1), 0)",
                                (LOCAL_ID_LIMIT,)).fetchone()[0] + 1
            for table in _ORDER if table not in _TEXT_KEYED
        }
        self.forms = {h for (h,) in conn.execute("SELECT hash FROM forms")}
        self.head = chain_head(conn)
        # What the rows were numbered and chained from: still so when the lock is taken?
        self.base = (tuple(self.next_id.items()), frozenset(self.forms), self.head)
        self.values: dict[str, list[tuple]] = {table: [] for table in _ORDER}
        self.written: list[list] = []
        self._encoded: dict[int, tuple[Any, str]] = {}
        self._packed: dict[int, tuple[Any, bytes]] = {}

    def encode(self, value: Any) -> str:
        """JSON of a list or dict, computed once per object: synthetic data shares stroke
        and trigger lists between intakes, and float-heavy strokes are slow to encode."""
        if not isinstance(value, (list, dict)):
            return to_json(value)
        known = self._encoded.get(id(value))
        if known is None:
            # Keeping the value alive keeps its id from being reused by another object.
            known = self._encoded[id(value)] = (value, to_json(value))
        return known[1]

    def pack(self, strokes: Any) -> bytes:
        """Packed strokes, computed once per object like :meth:`encode`."""
        if isinstance(strokes, str):
            return rows.packed_strokes(strokes)
        known = self._packed.get(id(strokes))
        if known is None:
            known = self._packed[id(strokes)] = (strokes, rows.packed_strokes(strokes))
        return known[1]

    def add(self, table: str, values: dict[str, Any]) -> Any:
        if table in _TEXT_KEYED:
            key = values[primary_key(table)]
        else:
            key = values["id"] = self.next_id[table]
            self.next_id[table] = key + 1
        row = tuple(map(values.get, self.columns[table]))
        self.written.append([table, key, entry_hash(self.digest[table](row))])
        unhashed = self.unhashed[table]
        self.values[table].append(row + tuple(map(values.get, unhashed)) if unhashed else row)
        return key

    def insert_sql(self, table: str) -> str:
        columns = self.columns[table] + self.unhashed[table]
        return (f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})")


def _write_batch(store, batch: list[Mapping[str, Any]], actor: str, free_since: float
                 ) -> tuple[list[str], float]:
    """Write one transaction; returns the intake ids and how long its work took.

    The rows are numbered, hashed and chained before the write lock is taken, from what
    the database holds then; under the lock they are written if nobody wrote meanwhile,
    and made again otherwise. So the lock is mostly held for SQLite's own work, and the
    making of the next batch is time other programs can write in."""
    conn = store.connection
    with translated():
        started = time.perf_counter()
        prepared = _prepare(store, batch, actor)
        wait = YIELD_S - (time.perf_counter() - free_since)
        if wait > 0:
            time.sleep(wait)  # the lock is free: a waiting writer takes it now
        conn.execute("BEGIN IMMEDIATE")
        try:
            if _Batch(store).base != prepared[0].base:  # someone wrote meanwhile
                prepared = _prepare(store, batch, actor)
            out, audit_rows, ids = prepared
            for table in _ORDER:
                if out.values[table]:
                    conn.executemany(out.insert_sql(table), out.values[table])
            conn.executemany(INSERT_SQL, audit_rows)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return ids, time.perf_counter() - started


def _prepare(store, batch: list[Mapping[str, Any]], actor: str
             ) -> tuple[_Batch, list[tuple], list[str]]:
    at = store.now()
    out = _Batch(store)
    audit_id, prev = out.head
    audit_rows, ids = [], []
    for intake in batch:
        out.written = []
        intake_id = _add_intake(out, intake, at)
        ids.append(intake_id)
        audit_id += 1
        rows_json = canonical_json(out.written)
        digest = audit_hash(prev, audit_id, at, actor, "bulk_insert", intake_id, rows_json)
        audit_rows.append((audit_id, at, actor, "bulk_insert", intake_id, rows_json, digest))
        prev = digest
    return out, audit_rows, ids


def _add_intake(out: _Batch, item: Mapping[str, Any], now: str) -> str:
    intake_id = str(item.get("id") or rows.new_intake_id())
    created = rows.iso_time(item["created_at"]) if item.get("created_at") else now
    status = item.get("status", "submitted")
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    submitted = None
    if item.get("submitted_at"):
        submitted = rows.iso_time(item["submitted_at"])
    elif status not in ("in_progress", "voided"):
        submitted = created
    signed = submitted or created
    decisions = []
    for decision in item.get("decisions") or ():
        if decision["decision"] not in DECISIONS:
            raise ValueError(f"unknown decision {decision['decision']!r}")
        if decision.get("staff_id") is None:
            raise ValueError("every decision needs the staff_id of who made it")
        when = decision.get("decided_at")
        decisions.append((decision, rows.iso_time(when) if when else signed))
    reviewed = None
    if status in OUTCOMES:
        if item.get("reviewed_at"):
            reviewed = rows.iso_time(item["reviewed_at"])
        else:
            reviewed = max([signed, *(when for _, when in decisions)])
    if item.get("form_content") and item["form_hash"] not in out.forms:
        out.forms.add(item["form_hash"])
        out.add("forms", {"hash": item["form_hash"], "form_id": item["form_id"],
                          "form_version": str(item["form_version"]),
                          "content": item["form_content"], "stored_at": now})
    patient = item["patient"]
    name = " ".join(patient["name"].split())
    patient_id = out.add("patients", {
        "name": name, "search_key": rows.search_key(name),
        "birth_date": rows.iso_date(patient["birth_date"]),
        "contact": patient.get("contact") or None, "created_at": created,
    })
    flags = [rows.flag_values(flag, intake_id, signed, out.encode)
             for flag in item.get("flags") or ()]
    out.add("intakes", {
        "id": intake_id, "patient_id": patient_id, "form_id": item["form_id"],
        "form_version": str(item["form_version"]), "form_hash": item["form_hash"],
        "language": item["language"], "area": item["area"],
        "appointment_at": rows.iso_time(item["appointment_at"]), "status": status,
        "device": item.get("device"), "created_at": created,
        "updated_at": reviewed or signed, "submitted_at": submitted,
        "locked_at": submitted, "reviewed_at": reviewed,
        "void_reason": item.get("void_reason") if status == "voided" else None,
        "current_step": item.get("current_step"),
        "course_sessions": item.get("course_sessions") if submitted else None,
        "course_until": rows.iso_date(item["course_until"])
        if submitted and item.get("course_until") else None,
        "understanding": json.dumps([
            {"answers": dict(t["answers"]), "wrong": list(t["wrong"]),
             "at": rows.iso_time(t["at"])} for t in item["understanding"]],
            ensure_ascii=False, separators=(",", ":")) if item.get("understanding") else None,
        **rows.flag_counts([flag["severity"] for flag in flags]),
    })
    for question_id, value in (item.get("answers") or {}).items():
        out.add("answers", {"intake_id": intake_id, "question_id": question_id,
                            "value": to_json(value), "answered_at": created,
                            "actor": "patient"})
    for ack in item.get("acknowledgements") or ():
        if isinstance(ack, (tuple, list)):
            ack = dict(zip(("disclosure_id", "text_hash", "acknowledged_at", "read_at"), ack))
        when, read = ack.get("acknowledged_at"), ack.get("read_at")
        out.add("acknowledgements", {
            "intake_id": intake_id, "disclosure_id": ack["disclosure_id"],
            "text_hash": ack["text_hash"],
            "acknowledged_at": rows.iso_time(when) if when else created,
            "read_at": rows.iso_time(read) if read else None,
        })
    flag_ids = [out.add("flags", values) for values in flags]
    latest: dict[int, int] = {}
    for decision, when in decisions:
        flag_id = flag_ids[decision["flag_index"]]
        new_date = decision.get("new_date")
        latest[flag_id] = out.add("decisions", {
            "flag_id": flag_id, "decision": decision["decision"],
            "reason": (decision.get("reason") or "").strip(),
            "new_date": rows.iso_day_or_time(new_date) if new_date else None,
            "staff_id": int(decision["staff_id"]), "decided_at": when,
            "supersedes": latest.get(flag_id),
        })
    signatures = list(item.get("signatures") or ())
    if item.get("signature"):
        signatures.insert(0, item["signature"])
    for signature in signatures:
        out.add("signatures", rows.signature_values(signature, intake_id, signed, out.pack))
    for document in item.get("documents") or ():
        pdf = bytes(document["pdf"])
        when = document.get("created_at")
        out.add("documents", {
            "intake_id": intake_id, "kind": document["kind"], "pdf": pdf,
            "sha256": hashlib.sha256(pdf).hexdigest(),
            "created_at": rows.iso_time(when) if when else signed,
        })
    return intake_id
