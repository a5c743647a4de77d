"""A consent PDF lost to a crash between signing and storing it is made at the next start."""

from PySide6.QtCore import QThreadPool

from mesocheck.demo import create_demo_intakes
from mesocheck.store import Store
from mesocheck.ui.pdf_job import repair_missing_pdfs


def test_signed_intakes_without_their_pdf_get_it_at_start_up(db_path):
    with Store.open(db_path) as store:
        create_demo_intakes(store, 4, seed=3, with_pdf=False)
        missing = store.signed_without_document()
    assert missing

    pool = QThreadPool()
    assert repair_missing_pdfs(db_path, pool)
    assert pool.waitForDone(60_000)

    with Store.open(db_path) as store:
        assert store.signed_without_document() == []
        for intake_id in missing:
            document = store.latest_document(intake_id)
            assert document is not None
            assert store.document_bytes(document.id).startswith(b"%PDF")
        assert store.verify() == []
