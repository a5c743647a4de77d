"""The hub's schema: plain-SQL migrations (``schema/NNNN_name.sql``) applied in order,
each in its own transaction with its row in the version table ``schema_migrations``.

``hub init`` sets up an empty database (its own schema ``mesocheck``, the migrations, the
hub's own device); ``hub upgrade`` applies what a newer mesocheck added. Every connection
checks first that it speaks to a hub of exactly its version (:func:`check`), so a station
never writes into another program's database, nor into a hub it does not understand.
"""

from __future__ import annotations

import re
import uuid
from importlib import resources
from typing import Any

from mesocheck.hub import errors
from mesocheck.hub.connect import SCHEMA
from mesocheck.i18n import _
from mesocheck.ids import LOCAL_BITS, MAX_SITE, hub_device

APPLICATION = "mesocheck hub"
MIGRATION_LOCK = 0x4D45534D  # "MESM": one set-up or upgrade at a time
_NAME = re.compile(r"^([0-9]{4})_([a-z0-9_]+)\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, SQL) of every shipped migration, in order."""
    found = []
    for entry in resources.files("mesocheck.hub").joinpath("schema").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort()
    assert [v for v, _, _ in found] == list(range(1, len(found) + 1)), "migrations numbered 1.."
    return found


SCHEMA_VERSION = len(migrations())


def state(conn: Any) -> tuple[str, int]:
    """("empty" | "foreign" | "hub", schema version) of the database ``conn`` is on."""
    has_schema = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s",
                              (SCHEMA,)).fetchone() is not None
    if has_schema:
        table = conn.execute(
            "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = 'hub_meta'",
            (SCHEMA,)).fetchone()
        versions = conn.execute(
            "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = 'schema_migrations'",
            (SCHEMA,)).fetchone()
        if table and versions:
            marker = conn.execute(f"SELECT value FROM {SCHEMA}.hub_meta "
                                  "WHERE key = 'application'").fetchone()
            if marker and marker[0] == APPLICATION:
                version = conn.execute(
                    f"SELECT coalesce(max(version), 0) FROM {SCHEMA}.schema_migrations"
                ).fetchone()[0]
                return "hub", version
        return "foreign", 0
    others = conn.execute(
        "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN "
        "('pg_catalog', 'information_schema')").fetchone()[0]
    return ("foreign" if others else "empty"), 0


def check(conn: Any) -> int:
    """The hub's version, if this mesocheck may use it; else the HubError saying why."""
    kind, version = state(conn)
    if kind == "empty":
        raise errors.HubNotSetUp()
    if kind == "foreign":
        raise errors.HubForeign()
    if version > SCHEMA_VERSION:
        raise errors.HubTooNew()
    if version < SCHEMA_VERSION:
        raise errors.HubOutdated()
    return version


def init(conn: Any, *, site: int = 1, name: str = "hub", group: bool = False) -> bool:
    """Set up an empty database as a hub (``group``: as a group's database, which receives
    the sites' records by replication and has no device of its own); False when it already
    is one (nothing done)."""
    if not 1 <= site <= MAX_SITE:
        raise errors.HubError(_("A site number is between 1 and {n}.").format(
            n=MAX_SITE))
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        kind, version = state(conn)
        if kind == "hub":
            conn.execute("ROLLBACK")
            if version > SCHEMA_VERSION:
                raise errors.HubTooNew()
            return False
        if kind == "foreign":
            raise errors.HubForeign()
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
        conn.execute(f"SET LOCAL search_path = {SCHEMA}")
        conn.execute("CREATE TABLE schema_migrations (version integer PRIMARY KEY, "
                     "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
        for version, step, sql in migrations():
            _apply(conn, version, step, sql)
        hub = hub_device(site)
        meta = [("application", APPLICATION)]
        meta += [("role", "group")] if group else [("site", str(site)), ("hub_device", str(hub))]
        conn.cursor().executemany("INSERT INTO hub_meta (key, value) VALUES (%s, %s)", meta)
        if not group:
            conn.execute("INSERT INTO devices (number, uid, name, kind) VALUES "
                         "(%s, %s, %s, 'hub')", (hub, str(uuid.uuid4()), name))
        conn.execute("CREATE SEQUENCE device_numbers MINVALUE 1 MAXVALUE 4094")
        # The hub's own rows are numbered clinic-wide from the start (see ids.py).
        for (sequence,) in conn.execute(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = %s "
                "AND sequencename LIKE %s", (SCHEMA, "%\\_id\\_seq")).fetchall():
            conn.execute(f"SELECT setval('{SCHEMA}.{sequence}', %s, false)",
                         ((hub << LOCAL_BITS) + 1,))
        conn.execute("COMMIT")
    except BaseException:
        if conn.info.transaction_status != 0:
            conn.execute("ROLLBACK")
        raise
    return True


def upgrade(conn: Any) -> list[int]:
    """Apply the migrations this hub lacks; the versions applied."""
    applied = []
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        kind, version = state(conn)
        if kind == "empty":
            raise errors.HubNotSetUp()
        if kind == "foreign":
            raise errors.HubForeign()
        if version > SCHEMA_VERSION:
            raise errors.HubTooNew()
        conn.execute(f"SET LOCAL search_path = {SCHEMA}")
        for number, step, sql in migrations():
            if number > version:
                _apply(conn, number, step, sql)
                applied.append(number)
        conn.execute("COMMIT")
    except BaseException:
        if conn.info.transaction_status != 0:
            conn.execute("ROLLBACK")
        raise
    return applied


def _apply(conn: Any, version: int, name: str, sql: str) -> None:
    conn.execute(sql)
    conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                 (version, name))


def hub_device_number(conn: Any) -> int:
    row = conn.execute(f"SELECT value FROM {SCHEMA}.hub_meta WHERE key = 'hub_device'"
                       ).fetchone()
    if row is None:
        raise errors.HubError(
            _("This is a group of clinics' database, which receives every site's record; "
              "stations and tablets work with their own site's hub."))
    return int(row[0])
