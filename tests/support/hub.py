"""Fixtures for the hub's tests (a pytest plugin named in ``tests/conftest.py``): one
throwaway PostgreSQL cluster per test session (``pg_cluster``), a fresh hub database per
test made from a template set up once (``hub_url``), and the hub's store on it
(``hub_store``). PostgreSQL is started only when a test asks for one of these."""

from __future__ import annotations

import itertools
import time

import pytest

from tests.support.postgres import Cluster, hub_on_own_cluster

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = Cluster()
    try:
        cluster.start()
        cluster.create_hub_user()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def _hub_template(pg_cluster) -> str:
    """A database set up as a hub once (``hub init``), copied for each test."""
    from mesocheck.hub import migrate
    from mesocheck.hub.connect import connect

    url = pg_cluster.create_database("hub_template")
    conn = connect(url)
    try:
        migrate.init(conn, site=1)
    finally:
        conn.close()
    return "hub_template"


@pytest.fixture
def hub_url(pg_cluster, _hub_template) -> str:
    """The address of a new hub of this test's own (with its password)."""
    return pg_cluster.create_database(f"hub_{next(_numbers)}", template=_hub_template)


@pytest.fixture
def empty_database_url(pg_cluster) -> str:
    """A new, empty PostgreSQL database: not yet a hub."""
    return pg_cluster.create_database(f"empty_{next(_numbers)}")


@pytest.fixture
def hub_store(hub_url, clock):
    from mesocheck.hub.store import HubStore

    with HubStore.open(hub_url, clock=clock) as opened:
        yield opened


@pytest.fixture
def own_hub():
    """A hub on a cluster of this test's own (for tests that stop or cut it): (cluster,
    its address)."""
    with hub_on_own_cluster("own") as made:
        yield made


def wait_for(condition, timeout: float, what) -> None:
    """Until ``condition()`` holds; fails after ``timeout`` seconds naming ``what`` (a text,
    or a function giving one, for a message made at that moment)."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")
        time.sleep(0.05)


def hub_count(url: str, sql: str, params=()) -> int:
    """The first column of the first row ``sql`` gives on the hub at ``url``."""
    from mesocheck.hub.store import HubStore

    with HubStore.open(url) as hub:
        return hub.connection.execute(sql, params).fetchone()[0]
