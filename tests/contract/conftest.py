"""One contract for the store, run on both of its engines: every test here takes
``contract_store``, which is a tablet's SQLite store once and the hub's PostgreSQL store
once (as SQLAlchemy's and Django's suites run their backend tests against each database
they are given). What the two must do alike is written once, here.

Staff PIN hashes are computed once per session (full strength, as stored): the tests
check what is done with them, not scrypt's cost again and again."""

from __future__ import annotations

import functools

import pytest

from mesocheck.store import Store, staff as staff_module
from tests.support import at_rest
from tests.support.store_rows import FRONT_DESK_PIN, PRACTITIONER_PIN
from tests.support import at_rest


@functools.lru_cache(maxsize=None)
def _hash_once(pin: str) -> str:
    return _real_hash_pin(pin)


_real_hash_pin = staff_module.hash_pin


@pytest.fixture(params=["sqlite", "postgresql"])
def contract_store(request, tmp_path, clock, monkeypatch):
    monkeypatch.setattr(staff_module, "hash_pin", _hash_once)
    if request.param == "sqlite":
        store = Store.open(at_rest.ready(tmp_path / "tablet.sqlite3"), clock=clock)
    else:
        from mesocheck.hub.store import HubStore

        store = HubStore.open(request.getfixturevalue("hub_url"), clock=clock)
    try:
        yield store
    finally:
        store.close()


class Staff:
    """The two staff members of a contract store, with the ids it gave them."""

    def __init__(self, store):
        self.practitioner = store.add_staff("Dr Ada Practitioner", "practitioner",
                                            PRACTITIONER_PIN, "system")
        self.front_desk = store.add_staff("Ben Desk", "front-desk", FRONT_DESK_PIN, "system")

    def actor(self, staff_id: int) -> str:
        return f"staff:{staff_id}"


@pytest.fixture
def staff(contract_store) -> Staff:
    return Staff(contract_store)


def own_audit(store, columns: str = "action", where: str = "", params: tuple = ()) -> list:
    """Rows of the store's own audit chain, oldest first."""
    device = getattr(store, "device", None)
    clauses = [where] if where else []
    if device is not None:
        clauses.append(f"device = {int(device)}")
    sql = f"SELECT {columns} FROM audit" + (" WHERE " + " AND ".join(clauses) if clauses else "")
    return store.connection.execute(sql + " ORDER BY id", params).fetchall()


@pytest.fixture
def tamper(request):
    """``tamper(store, sql, params)``: change the store's database behind its back, as
    someone with the database's own shell could (its append-only guards lifted for the
    change and put back: only the data can give it away)."""

    def change(store, sql: str, params: tuple = ()) -> None:
        if getattr(store, "device", None) is None:
            _tamper_sqlite(store.path, sql, params)
        else:
            cluster = request.getfixturevalue("pg_cluster")
            from psycopg.conninfo import conninfo_to_dict

            import psycopg

            database = conninfo_to_dict(store.url)["dbname"]
            with psycopg.connect(cluster.admin_url(database), autocommit=True) as conn:
                conn.execute("SET search_path = mesocheck")
                conn.execute("SET session_replication_role = replica")  # no triggers
                conn.execute(sql.replace("?", "%s"), params)

    return change


def _tamper_sqlite(path, sql: str, params: tuple) -> None:
    conn = at_rest.raw_connect(path)
    try:
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for name, _ in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(sql, params)
        for _, create in triggers:
            conn.execute(create)
    finally:
        conn.close()
