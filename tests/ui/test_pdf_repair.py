"""A consent PDF lost to a crash between signing and storing it is made at the next start."""

from mesocheck.demo import create_demo_intakes
from mesocheck.store import Store
from mesocheck.ui.shell.app import check_database
from mesocheck.ui.tasks import Database, shut_down


def test_signed_intakes_without_their_pdf_get_it_at_start_up(qtbot, qapp, db_path):
    with Store.open(db_path) as store:
        create_demo_intakes(store, 4, seed=3, with_pdf=False)
        missing = store.signed_without_document()
    assert missing

    db = Database.open(db_path)
    try:
        check_database(qapp, db, repair=True)  # what the app does once its first screen shows
        qtbot.waitUntil(lambda: db.pending == 0, timeout=60_000)
    finally:
        assert shut_down(db)

    with Store.open(db_path) as store:
        assert store.signed_without_document() == []
        for intake_id in missing:
            document = store.latest_document(intake_id)
            assert document is not None
            assert store.document_bytes(document.id).startswith(b"%PDF")
        assert store.verify() == []
