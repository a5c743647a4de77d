"""The hub at the command line: setting it up and upgrading it, a tablet joining it,
status, sync, and export, pdf, backup and verify on the hub's record; and every wrong
address, password, database or schema refused with one sentence that never holds the
password, nothing written."""

from __future__ import annotations

import json

import pytest

from mesocheck import cli
from mesocheck.hub.migrate import SCHEMA_VERSION
from mesocheck.hub.store import HubStore
from mesocheck.store import Store
from tests.support.postgres import HUB_PASSWORD, HUB_USER
from tests.support.store_rows import submitted
from tests.support import at_rest


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert HUB_PASSWORD not in out + err and "Traceback" not in out + err
    return code, out, err


def test_a_hub_is_set_up_once_and_upgraded(empty_database_url, capsys):
    code, out, _ = run(capsys, "hub", "status", "--hub", empty_database_url)
    assert code == 1
    code, out, _ = run(capsys, "hub", "init", "--hub", empty_database_url)
    assert code == 0 and "hub set up at mesocheck@127.0.0.1" in out
    assert f"(schema {SCHEMA_VERSION}, site 1)" in out
    code, out, _ = run(capsys, "hub", "init", "--hub", empty_database_url)
    assert code == 0 and "already a mesocheck hub" in out
    code, out, _ = run(capsys, "hub", "upgrade", "--hub", empty_database_url)
    assert code == 0 and f"up to date (schema {SCHEMA_VERSION})" in out
    code, out, _ = run(capsys, "hub", "status", "--hub", empty_database_url)
    assert code == 0 and "0 intakes" in out and "hub #8191 hub" in out


@pytest.mark.parametrize("fault,expected", [
    ("password", "refused the user name or password"),
    ("user", "refused the user name or password"),
    ("database", "has no such database: create it"),
    ("port", "cannot be reached"),
    ("address", "not a PostgreSQL address"),
])
def test_a_wrong_address_or_password_is_one_sentence(pg_cluster, hub_url, capsys, fault,
                                                     expected):
    database = hub_url.rsplit("/", 1)[1]
    url = {
        "password": pg_cluster.url(database, password="not-the-password"),
        "user": pg_cluster.url(database, user="nobody"),
        "database": pg_cluster.url("no_such_database"),
        "port": f"postgresql://{HUB_USER}:{HUB_PASSWORD}@127.0.0.1:1/{database}",
        "address": "mysql://somewhere",
    }[fault]
    for command in (["hub", "status"], ["verify"], ["export"], ["sync", "--once"]):
        code, out, err = run(capsys, *command, "--hub", url)
        assert code == 1 and expected in err, (command, err)
        assert len(err.strip().splitlines()) == 1


def test_another_programs_database_and_a_newer_hub_are_refused(pg_cluster, hub_url,
                                                               empty_database_url, capsys):
    pg_cluster.sql("CREATE TABLE invoices (id integer)", empty_database_url.rsplit("/", 1)[1])
    for command in (["hub", "init"], ["hub", "status"], ["verify"]):
        code, _, err = run(capsys, *command, "--hub", empty_database_url)
        assert code == 1 and "another program's tables" in err
    assert pg_cluster.sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'mesocheck'",
                          empty_database_url.rsplit("/", 1)[1]) == [(0,)]
    pg_cluster.sql("INSERT INTO mesocheck.schema_migrations (version, name) VALUES (99, 'later')",
                   hub_url.rsplit("/", 1)[1])
    for command in (["hub", "status"], ["hub", "upgrade"], ["sync", "--once"], ["export"]):
        code, _, err = run(capsys, *command, "--hub", hub_url)
        assert code == 1 and "set up by a newer version of mesocheck" in err


def test_a_tablet_joins_syncs_and_is_seen(hub_url, tmp_path, capsys):
    db = tmp_path / "tablet.sqlite3"
    with Store.open(at_rest.ready(db)) as store:
        intake_id = submitted(store)
        store.add_document(intake_id, "consent", b"%PDF-1.7 the patient's copy")
    code, out, _ = run(capsys, "hub", "connect", "--hub", hub_url, "--db", db, "--name",
                       "front desk")
    assert code == 0 and "as device #4097 (front desk)" in out
    code, out, _ = run(capsys, "sync", "--once", "--db", db)  # the hub from the setting
    assert code == 0 and "1 intakes" in out and "0 signed intakes waiting" in out
    code, out, _ = run(capsys, "hub", "status", "--hub", hub_url)
    assert "tablet #4097 front desk" in out and "0 signed intakes waiting" in out

    code, out, _ = run(capsys, "export", "--hub", hub_url)
    assert code == 0 and [r["intake_id"] for r in json.loads(out)] == [intake_id]
    pdf = tmp_path / "copy.pdf"
    code, _, _ = run(capsys, "pdf", intake_id, "-o", pdf, "--hub", hub_url)
    assert code == 0 and pdf.read_bytes() == b"%PDF-1.7 the patient's copy"
    dump = tmp_path / "hub.dump"
    code, out, _ = run(capsys, "backup", dump, "--hub", hub_url)
    assert code == 0 and dump.read_bytes()[:5] == b"PGDMP"
    code, out, _ = run(capsys, "verify", "--hub", hub_url)
    assert code == 0 and "1 tablet" in out
    code, out, _ = run(capsys, "verify", "--hub", hub_url, "--db", db)
    assert code == 0 and "as sent to the hub as device #4097" in out


def test_verify_finds_a_record_changed_on_the_hub(hub_url, tmp_path, pg_cluster, capsys):
    db = tmp_path / "tablet.sqlite3"
    with Store.open(at_rest.ready(db)) as store:
        submitted(store)
    run(capsys, "hub", "connect", "--hub", hub_url, "--db", db)
    run(capsys, "sync", "--once", "--db", db)
    database = hub_url.rsplit("/", 1)[1]
    pg_cluster.sql("SET session_replication_role = replica; "
                   "UPDATE mesocheck.answers SET value = 'false' "
                   "WHERE question_id = 'anticoagulant'", database)
    code, _, err = run(capsys, "verify", "--hub", hub_url)
    assert code == 1
    assert "changed: answers row" in err and "device 4097's audit log" in err
    assert "keep the hub as it is" in err.splitlines()[-1]


def test_review_on_a_tablet_with_a_hub_is_the_hubs(hub_url, tmp_path, capsys):
    """A tablet that sends to a hub leaves review to the hub's record."""
    db = tmp_path / "tablet.sqlite3"
    with Store.open(at_rest.ready(db)) as store:
        doctor = store.add_staff("Dr Ada", "practitioner", "264819", "system")
        intake_id = submitted(store)
    run(capsys, "hub", "connect", "--hub", hub_url, "--db", db)
    from mesocheck.store import InvalidState

    with Store.open(at_rest.ready(db)) as store:
        flag = store.intake(intake_id).flags[0]
        with pytest.raises(InvalidState, match="practitioner's station"):
            store.decide(flag.id, "decline", "Not today", doctor)
        with pytest.raises(InvalidState, match="practitioner's station"):
            store.set_status(intake_id, "declined", f"staff:{doctor}")
    with HubStore.open(hub_url) as hub:
        assert hub.queue_count() == 0
