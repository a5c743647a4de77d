"""A group of clinics: a site's hub publishes its record, the group's PostgreSQL (a cluster
of its own) subscribes, and a signed intake with its consent PDF that a tablet sends to
the site arrives at the group as it is, with the tablet's audit chain."""

from __future__ import annotations

import hashlib
import time

import psycopg
import pytest

from mesocheck.hub import group, migrate
from mesocheck.hub.connect import connect
from mesocheck.store import Store
from mesocheck.sync import Tablet
from tests.support.postgres import HUB_PASSWORD, HUB_USER, Cluster
from tests.support.store_rows import submitted
from tests.support import at_rest


@pytest.fixture
def clusters():
    made = []
    try:
        for name, logical in (("site", True), ("group", False)):
            cluster = Cluster(name=name, logical=logical)
            made.append(cluster)
            cluster.start()
            cluster.create_hub_user()
        yield made
    finally:
        for cluster in made:
            cluster.destroy()


def test_a_signed_intake_with_its_pdf_arrives_at_the_group(clusters, tmp_path, capsys):
    from mesocheck import cli

    site, central = clusters
    site_url = site.create_database("clinic")
    group_url = central.create_database("group_record")
    assert cli.main(["hub", "init", "--hub", site_url, "--site", "3"]) == 0
    assert cli.main(["hub", "init", "--hub", group_url, "--group"]) == 0
    assert "group database set up" in capsys.readouterr().out

    conn = connect(site_url)
    conn.execute(group.publication_sql())  # by the hub's user, who owns the tables
    conn.close()
    site_conninfo = (f"host=127.0.0.1 port={site.port} dbname=clinic user={HUB_USER} "
                     f"password={HUB_PASSWORD}")
    central.sql(group.subscription_sql("site_3", site_conninfo), "group_record")

    pdf = b"%PDF-1.7 the patient's signed copy " + bytes(range(256)) * 40
    with Store.open(at_rest.ready(tmp_path / "tablet.sqlite3")) as store:
        intake_id = submitted(store)
        store.add_document(intake_id, "consent", pdf)
        tablet = Tablet(store, site_url, name="front desk")
        tablet.push()
        device = tablet.device
        tablet.close()
        chain = store.connection.execute("SELECT id, hash FROM audit ORDER BY id").fetchall()
    assert device >> 12 == 3  # the site's number is in every id it gives

    with psycopg.connect(central.admin_url("group_record"), autocommit=True) as group_db:
        end = time.monotonic() + 60
        while True:
            row = group_db.execute(
                "SELECT d.pdf, d.sha256, i.status FROM mesocheck.documents d "
                "JOIN mesocheck.intakes i ON i.id = d.intake_id WHERE d.intake_id = %s",
                (intake_id,)).fetchone()
            if row is not None or time.monotonic() > end:
                break
            time.sleep(0.2)
        assert row is not None, "the intake did not reach the group"
        assert bytes(row[0]) == pdf and row[1] == hashlib.sha256(pdf).hexdigest()
        assert row[2] == "submitted"
        end = time.monotonic() + 30
        while len(group_db.execute("SELECT id FROM mesocheck.audit WHERE device = %s",
                                   (device,)).fetchall()) < len(chain) and \
                time.monotonic() < end:
            time.sleep(0.2)
        received = group_db.execute(
            "SELECT id, hash FROM mesocheck.audit WHERE device = %s ORDER BY id",
            (device,)).fetchall()
        assert [(i, bytes(h)) for i, h in received] == [(i, bytes(h)) for i, h in chain]
    conn = connect(group_url)
    try:
        with pytest.raises(Exception, match="group of clinics"):
            migrate.hub_device_number(conn)
    finally:
        conn.close()
