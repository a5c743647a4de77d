"""The schema, as an ordered list of migrations; ``PRAGMA user_version`` counts those applied.

A shipped migration is never edited: a change is a new function appended to MIGRATIONS.
Each runs in its own write transaction together with its audit row and the version bump.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from mesocheck.store import audit
from mesocheck.store.db import APPLICATION_ID, NotAMesocheckDatabase, SchemaTooNew, sqlite

if TYPE_CHECKING:
    from sqlite_utils import Database

APPEND_ONLY = ("audit", "signatures", "decisions", "documents")  # guarded since schema 1
GUARDED_TABLES = APPEND_ONLY + ("seals", "fhir_pushes")  # every append-only table now


def _append_only(db: Database, table: str) -> None:
    """Refuse UPDATE and DELETE in SQLite itself; ``verify`` notices if the guard is dropped."""
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END"
        )


def m001_initial(db: Database) -> None:
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db["settings"].create({"key": str, "value": str}, pk="key", not_null={"value"}, strict=True)
    db["forms"].create(
        {"hash": str, "form_id": str, "form_version": str, "content": str, "stored_at": str},
        pk="hash",
        not_null={"form_id", "form_version", "content", "stored_at"},
        strict=True,
    )
    db["staff"].create(
        {
            "id": int,
            "name": str,
            "role": str,
            "pin_hash": str,
            "failed_attempts": int,
            "locked_until": str,
            "created_at": str,
            "active": int,
        },
        pk="id",
        not_null={"name", "role", "pin_hash", "failed_attempts", "created_at", "active"},
        defaults={"failed_attempts": 0, "active": 1},
        strict=True,
    )
    db["patients"].create(
        {
            "id": int,
            "name": str,
            "search_key": str,
            "birth_date": str,
            "contact": str,
            "created_at": str,
        },
        pk="id",
        not_null={"name", "search_key", "birth_date", "created_at"},
        strict=True,
    )
    db["intakes"].create(
        {
            "id": str,
            "patient_id": int,
            "form_id": str,
            "form_version": str,
            "form_hash": str,
            "language": str,
            "area": str,
            "appointment_at": str,
            "status": str,
            "current_step": str,
            "device": str,
            "created_at": str,
            "updated_at": str,
            "submitted_at": str,
            "locked_at": str,
            "reviewed_at": str,
            "void_reason": str,
            "n_stop": int,
            "n_review": int,
            "n_info": int,
            "flag_rank": int,
        },
        pk="id",
        foreign_keys=[("patient_id", "patients", "id")],
        not_null={
            "patient_id", "form_id", "form_version", "form_hash", "language", "area",
            "appointment_at", "status", "created_at", "updated_at",
            "n_stop", "n_review", "n_info", "flag_rank",
        },
        defaults={"n_stop": 0, "n_review": 0, "n_info": 0, "flag_rank": 3},
        strict=True,
    )
    intakes = db["intakes"]
    intakes.create_index(["patient_id"])
    intakes.create_index(["appointment_at"])
    intakes.create_index(["status", "appointment_at"])
    intakes.create_index(["flag_rank", "appointment_at"])
    intakes.create_index(["status", "flag_rank", "appointment_at"])
    db["answers"].create(
        {
            "id": int,
            "intake_id": str,
            "question_id": str,
            "value": str,
            "answered_at": str,
            "actor": str,
            "amends": int,
            "reason": str,
        },
        pk="id",
        foreign_keys=[("intake_id", "intakes", "id"), ("amends", "answers", "id")],
        not_null={"intake_id", "question_id", "value", "answered_at", "actor"},
        strict=True,
    )
    db["answers"].create_index(["intake_id", "question_id"])
    db["acknowledgements"].create(
        {
            "id": int,
            "intake_id": str,
            "disclosure_id": str,
            "text_hash": str,
            "acknowledged_at": str,
        },
        pk="id",
        foreign_keys=[("intake_id", "intakes", "id")],
        not_null={"intake_id", "disclosure_id", "text_hash", "acknowledged_at"},
        strict=True,
    )
    db["acknowledgements"].create_index(["intake_id", "disclosure_id"])
    db["flags"].create(
        {
            "id": int,
            "intake_id": str,
            "rule_id": str,
            "severity": str,
            "practitioner_message": str,
            "patient_message": str,
            "triggers": str,
            "raised_at": str,
            "superseded_at": str,
        },
        pk="id",
        foreign_keys=[("intake_id", "intakes", "id")],
        not_null={"intake_id", "rule_id", "severity", "practitioner_message", "triggers",
                  "raised_at"},
        strict=True,
    )
    db["flags"].create_index(["intake_id"])
    db["decisions"].create(
        {
            "id": int,
            "flag_id": int,
            "decision": str,
            "reason": str,
            "new_date": str,
            "staff_id": int,
            "decided_at": str,
            "supersedes": int,
        },
        pk="id",
        foreign_keys=[
            ("flag_id", "flags", "id"),
            ("staff_id", "staff", "id"),
            ("supersedes", "decisions", "id"),
        ],
        not_null={"flag_id", "decision", "reason", "staff_id", "decided_at"},
        strict=True,
    )
    db["decisions"].create_index(["flag_id"])
    db["signatures"].create(
        {
            "id": int,
            "intake_id": str,
            "role": str,
            "printed_name": str,
            "meaning": str,
            "strokes": str,
            "pad_width": int,
            "pad_height": int,
            "signed_at": str,
            "tz": str,
            "content_hash": str,
            "staff_id": int,
        },
        pk="id",
        foreign_keys=[("intake_id", "intakes", "id"), ("staff_id", "staff", "id")],
        not_null={"intake_id", "role", "printed_name", "meaning", "strokes", "pad_width",
                  "pad_height", "signed_at", "tz", "content_hash"},
        strict=True,
    )
    db["signatures"].create_index(["intake_id"])
    db["documents"].create(
        {
            "id": int,
            "intake_id": str,
            "kind": str,
            "pdf": bytes,
            "sha256": str,
            "created_at": str,
            "supersedes": int,
        },
        pk="id",
        foreign_keys=[("intake_id", "intakes", "id"), ("supersedes", "documents", "id")],
        not_null={"intake_id", "kind", "pdf", "sha256", "created_at"},
        strict=True,
    )
    db["documents"].create_index(["intake_id", "kind"])
    db["audit"].create(
        {
            "id": int,
            "at": str,
            "actor": str,
            "action": str,
            "intake_id": str,
            "rows": str,
            "prev_hash": str,
            "hash": str,
        },
        pk="id",
        not_null={"at", "actor", "action", "rows", "prev_hash", "hash"},
        strict=True,
    )
    db["audit"].create_index(["intake_id"])
    for table in APPEND_ONLY:
        _append_only(db, table)


def m002_compact(db: Database) -> None:
    """The same evidence in fewer bytes.

    - ``audit.hash`` holds its 32 bytes instead of 64 hex digits, and ``prev_hash`` goes:
      the link to the previous row is that row's hash, which ``verify`` recomputes every
      link from. The hash definition is unchanged, so the converted rows still verify. (An
      old row whose ``prev_hash`` alone was edited, changing no record, passes from now on;
      any other edit fails its hash check as before.)
    - Audit entries written from now on name each row by the first 16 bytes of its hash
      (32 hex digits, all that ``verify`` compares); older entries keep their 64.
    - No index on ``audit.intake_id``: nothing reads the log by intake.
    - ``signatures.strokes`` also takes deflated JSON (a BLOB, a third of the size). Rows
      signed before keep their JSON text, and so their hashes.
    """
    conn = db.conn
    conn.execute("DROP INDEX idx_audit_intake_id")
    _rebuild(conn, "audit", """
        CREATE TABLE audit_new (
           id INTEGER PRIMARY KEY,
           at TEXT NOT NULL,
           actor TEXT NOT NULL,
           action TEXT NOT NULL,
           intake_id TEXT,
           rows TEXT NOT NULL,
           hash BLOB NOT NULL
        ) STRICT""")
    conn.executemany(
        "INSERT INTO audit_new (id, at, actor, action, intake_id, rows, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        ((*row[:-1], _hash_bytes(row[-1])) for row in conn.execute(
            "SELECT id, at, actor, action, intake_id, rows, hash FROM audit ORDER BY id")))
    _swap(db, "audit")
    _rebuild(conn, "signatures", """
        CREATE TABLE signatures_new (
           id INTEGER PRIMARY KEY,
           intake_id TEXT NOT NULL REFERENCES intakes(id),
           role TEXT NOT NULL,
           printed_name TEXT NOT NULL,
           meaning TEXT NOT NULL,
           strokes ANY NOT NULL,
           pad_width INTEGER NOT NULL,
           pad_height INTEGER NOT NULL,
           signed_at TEXT NOT NULL,
           tz TEXT NOT NULL,
           content_hash TEXT NOT NULL,
           staff_id INTEGER REFERENCES staff(id)
        ) STRICT""")
    conn.execute("INSERT INTO signatures_new SELECT * FROM signatures ORDER BY id")
    _swap(db, "signatures")
    db["signatures"].create_index(["intake_id"])


def _rebuild(conn: sqlite.Connection, table: str, create_new: str) -> None:
    for event in ("update", "delete"):
        conn.execute(f"DROP TRIGGER {table}_no_{event}")
    conn.execute(create_new)


def _swap(db: Database, table: str) -> None:
    db.execute(f"DROP TABLE {table}")
    db.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
    _append_only(db, table)


def _hash_bytes(text: str) -> bytes:
    """A schema-1 hex hash as its bytes; text that is not one (an edited row) as its UTF-8,
    which no hash equals, so ``verify`` still reports the row."""
    if len(text) == 64:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    return text.encode()


def m003_seal(db: Database) -> None:
    """The record others can check.

    - ``seals``: the clinic's certificates (PEM, the chain after the certificate), each with
      its private key wrapped by the clinic passphrase (``mesocheck.keys``). The newest seals
      new documents; every one of them stays the clinic's for checking older documents.
    - ``documents.seal``: the PAdES level a stored PDF was sealed at (``B-B``, ``B-T``,
      ``B-LT``); NULL for a document stored unsealed (made before a seal was set up, or
      while it was locked), which a sealed copy supersedes later.
    - ``fhir_pushes``: each intake's Bundle handed to a FHIR server: the state of the intake
      it was made from and the Bundle's SHA-256, so a replay sends nothing new.
    """
    db["seals"].create(
        {"id": int, "certificate": str, "key": str, "fingerprint": str, "subject": str,
         "not_before": str, "not_after": str, "created_at": str},
        pk="id",
        not_null={"certificate", "key", "fingerprint", "subject", "not_before", "not_after",
                  "created_at"},
        strict=True,
    )
    db.execute("ALTER TABLE documents ADD COLUMN seal TEXT")
    db["fhir_pushes"].create(
        {"id": int, "intake_id": str, "server": str, "state": str, "bundle_sha256": str,
         "pushed_at": str},
        pk="id",
        not_null={"intake_id", "server", "state", "bundle_sha256", "pushed_at"},
        foreign_keys=[("intake_id", "intakes", "id")],
        strict=True,
    )
    db["fhir_pushes"].create_index(["server", "intake_id"])
    for table in ("seals", "fhir_pushes"):
        _append_only(db, table)


def m004_manifestation(db: Database) -> None:
    """How each signature was given, and what the patient was told before signing.

    - ``signatures.method``: ``typed`` (the typed name adopted as the signature, for a
      patient who cannot draw), ``mark`` (a mark on the pad, made before a witness), or
      NULL: drawn on the pad, as every signature before this schema was.
    - ``signatures.witness``: the printed name of the witness of a mark.
    - ``flags.patient_told``: 1 when the rule's message for the patient was on the screen
      before they signed; NULL when it was not, or is not known (flags before this schema).

    Nullable columns: the hashes of older rows stay as they were (NULLs are not hashed).
    """
    db.execute("ALTER TABLE signatures ADD COLUMN method TEXT")
    db.execute("ALTER TABLE signatures ADD COLUMN witness TEXT")
    db.execute("ALTER TABLE flags ADD COLUMN patient_told INTEGER")


def m005_sync(db: Database) -> None:
    """The tablet's side of a clinic's hub (``mesocheck.sync``).

    - ``sync_state``: this database's device id and number on the hub, and how far sending
      and fetching have got. Bookkeeping, like ``intakes.current_step``: not audited, and
      not the record (the hub holds the truth of what it received; a lost or edited value
      here only makes the next sync ask again). The audit log itself is the outbox: every
      write already records, in its own transaction, each row it wrote.
    """
    db["sync_state"].create({"key": str, "value": str}, pk="key", not_null={"value"},
                            strict=True)


def m006_read_at(db: Database) -> None:
    """When each risk card was read to its end.

    - ``acknowledgements.read_at``: the moment the patient had scrolled the card's text to
      its end (the screen enables "I understand" only then), kept with the acknowledgement
      it led to; NULL for acknowledgements from before this schema, whose hashes stay as
      they were (NULLs are not hashed).
    """
    db.execute("ALTER TABLE acknowledgements ADD COLUMN read_at TEXT")


def m007_course(db: Database) -> None:
    """The course a signed consent covers.

    - ``intakes.course_sessions`` and ``intakes.course_until``: how many sessions, until which
      day (inclusive, the clinic's calendar), the consent signed on this intake covers; set
      when the patient signs, from the clinic's settings then. NULL on intakes signed before
      this schema, or not signed; their hashes stay as they were (NULLs are not hashed).
    """
    db.execute("ALTER TABLE intakes ADD COLUMN course_sessions INTEGER")
    db.execute("ALTER TABLE intakes ADD COLUMN course_until TEXT")


def m008_copy(db: Database) -> None:
    """The patient's own copy: offered at the end of every signed form.

    - ``intakes.copy_wanted``: 1 when the patient asked for a printed copy, 0 when they
      declined it, NULL when not asked (intakes from before this schema);
      ``intakes.copy_chosen_at`` when they chose; ``intakes.copy_printed_at`` when staff last
      printed the patient's copy.
    """
    db.execute("ALTER TABLE intakes ADD COLUMN copy_wanted INTEGER")
    db.execute("ALTER TABLE intakes ADD COLUMN copy_chosen_at TEXT")
    db.execute("ALTER TABLE intakes ADD COLUMN copy_printed_at TEXT")


def m009_understanding(db: Database) -> None:
    """The understanding check before signing (teach-back).

    - ``intakes.understanding``: every try, in order, as JSON: ``[{"answers": {question id:
      option}, "wrong": [question ids], "at": ISO time}, ...]``; NULL when not asked (forms
      without the check, intakes from before this schema).
    """
    db.execute("ALTER TABLE intakes ADD COLUMN understanding TEXT")


def m010_guardian(db: Database) -> None:
    """A minor's parent or guardian signs too.

    - ``signatures.relationship``: on a signature of role ``guardian``, how they are related
      to the patient (the form's option value, e.g. ``mother``); NULL on every other one.
    """
    db.execute("ALTER TABLE signatures ADD COLUMN relationship TEXT")


def m011_visits(db: Database) -> None:
    """The visits of a course: check-ins, and the full consent asked again.

    - ``intakes.continues``: on a check-in, the id of the intake whose signed consent it
      continues (the course's); NULL on a full form.
    - ``intakes.reconsent``: on a full form asked again within a course, why, as JSON
      ``{"previous": intake id, "reasons": [...], "changed": [disclosure ids]}`` (reasons:
      ``wording``, ``sessions``, ``expired``, ``requested``); NULL otherwise.
    - ``intakes.reconsent_asked_at`` and ``intakes.reconsent_asked_by`` (a staff id): on a
      course's consent, when a practitioner asked for the full consent at the next visit.
    NULL on every intake from before this schema; their hashes stay as they were.
    """
    db.execute("ALTER TABLE intakes ADD COLUMN continues TEXT")
    db.execute("ALTER TABLE intakes ADD COLUMN reconsent TEXT")
    db.execute("ALTER TABLE intakes ADD COLUMN reconsent_asked_at TEXT")
    db.execute("ALTER TABLE intakes ADD COLUMN reconsent_asked_by INTEGER")


MIGRATIONS: list[Callable[[Database], None]] = [m001_initial, m002_compact, m003_seal,
                                                m004_manifestation, m005_sync, m006_read_at,
                                                m007_course, m008_copy, m009_understanding,
                                                m010_guardian, m011_visits]
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def pending(conn: sqlite.Connection) -> bool:
    """Whether :func:`migrate` has anything to do (or to refuse)."""
    return user_version(conn) != SCHEMA_VERSION


def _log(conn: sqlite.Connection, version: int, at: str, action: str) -> None:
    """The migration's audit row, in the format of the schema it reached. Schema 1 is only
    ever reached by a new file, so its row is the first: hex hashes and a ``prev_hash``."""
    if version == 1:
        digest = audit.audit_hash(audit.GENESIS, 1, at, "system", action, None, "[]")
        conn.execute(
            "INSERT INTO audit (id, at, actor, action, intake_id, rows, prev_hash, hash) "
            "VALUES (1, ?, 'system', ?, NULL, '[]', ?, ?)",
            (at, action, audit.GENESIS.hex(), digest.hex()))
    else:
        audit.append(conn, at=at, actor="system", action=action, intake_id=None, rows=[])


def migrate(db: Database, at: str) -> int:
    """Apply the pending migrations; return the schema version reached."""
    conn = db.conn
    version = user_version(conn)
    if version > SCHEMA_VERSION:
        raise SchemaTooNew()
    if version == 0 and conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    ).fetchone()[0]:
        raise NotAMesocheckDatabase()
    for number, step in enumerate(MIGRATIONS, start=1):
        if number <= version:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = user_version(conn)
            if version > SCHEMA_VERSION:
                raise SchemaTooNew()
            if number > version:
                step(db)
                _log(conn, number, at, f"migrate:{step.__name__}")
                conn.execute(f"PRAGMA user_version = {number}")
                version = number
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return version
