"""The head file beside the database: what it names, when it changes, and when it must not."""

from __future__ import annotations

import stat

from mesocheck.store import Store
from mesocheck.store.witness import chain_head, head_file, head_file_witness, read_head, record

from mesocheck.store.atrest import key_file
from tests.support import at_rest
from tests.support.store_rows import intake_fields


def test_a_new_database_has_a_private_head_file_naming_its_newest_row(db_path, clock):
    with Store.open(db_path, clock=clock) as store:
        assert read_head(head_file(db_path)) == chain_head(store.connection)
    assert stat.S_IMODE(head_file(db_path).stat().st_mode) == 0o600


def test_each_save_with_an_audit_row_moves_it_and_navigation_does_not(db_path, clock):
    with Store.open(db_path, clock=clock) as store:
        intake = store.start_intake(**intake_fields())
        store.save_answers(intake, {"notes": "first"})
        after_save = read_head(head_file(db_path))
        assert after_save == chain_head(store.connection)
        store.set_current_step(intake, "health")  # not audited
        assert read_head(head_file(db_path)) == after_save
        store.save_answers(intake, {"notes": "first"})  # unchanged: nothing written
        assert read_head(head_file(db_path)) == after_save


def test_a_slower_program_never_moves_it_back(db_path, clock):
    with Store.open(db_path, clock=clock) as first, Store.open(db_path, clock=clock) as second:
        intake = first.start_intake(**intake_fields())
        older = chain_head(first.connection)
        second.save_answers(intake, {"notes": "from the other program"})
        newer = read_head(head_file(db_path))
        record(first.connection, db_path, older)  # the first program's late write
        assert read_head(head_file(db_path)) == newer != older


def test_a_head_the_chain_no_longer_holds_is_kept_until_a_person_acts(db_path, clock):
    with Store.open(db_path, clock=clock) as store:
        store.start_intake(**intake_fields())
        seen = chain_head(store.connection)
    other = db_path.with_name("other.sqlite3")
    at_rest.set_up(other)
    with Store.open(other, clock=clock) as store:  # a different database, put in its place
        pass
    db_path.unlink()
    other.rename(db_path)
    key_file(other).rename(key_file(db_path))
    with Store.open(db_path, clock=clock) as store:
        store.start_intake(**intake_fields())
        assert read_head(head_file(db_path)) == seen  # evidence, not overwritten
        assert [p.kind for p in store.verify()] == ["witness"]


def test_an_unreadable_head_file_is_no_witness_and_is_written_again(db_path, clock):
    with Store.open(db_path, clock=clock) as store:
        head_file(db_path).write_bytes(b"\0\0\0 cut short by a power cut")
        assert head_file_witness(db_path) is None and store.verify() == []
        store.start_intake(**intake_fields())
        assert read_head(head_file(db_path)) == chain_head(store.connection)


def test_a_new_database_replaces_a_head_file_left_by_another(db_path, clock):
    head_file(db_path).write_text("mesocheck audit head 999 " + "ab" * 32 + "\n")
    with Store.open(db_path, clock=clock) as store:
        assert read_head(head_file(db_path)) == chain_head(store.connection)
        assert store.verify() == []
