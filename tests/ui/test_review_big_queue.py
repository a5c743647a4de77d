"""The review queue on a 100,000-intake database opens on its first page at once.

Building the database takes a while (bulk inserts of 100,000 audited intakes), so it is
made once per test session and shared; the figure for opening the queue belongs to the
benchmark suite, this test checks what the practitioner sees.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pytest

from mesocheck.forms.registry import default_form
from mesocheck.store.records import SEVERITY_RANK
from mesocheck.store.store import Store
from mesocheck.timeutil import clinic_zone
from mesocheck.ui.review.queue_model import PAGE_SIZE
from mesocheck.ui.review.queue_view import QueueView
from mesocheck.ui.tasks import Database, shut_down

from tests.support import at_rest

COUNT = 100_000
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _intakes(count: int, seed: int):
    """Intakes spread over 100 days around today, a few hundred a day, with flags of every
    severity in realistic proportions."""
    form = default_form()
    rng = random.Random(seed)
    rules = {severity: [r for r in form.rules if r.severity == severity]
             for severity in ("stop", "review", "info")}
    today = date.today()
    for i in range(count):
        day = today + timedelta(days=rng.randint(-60, 40))
        moment = datetime.combine(day, time(8 + rng.randint(0, 9), rng.choice((0, 15, 30, 45))))
        flags = []
        for severity, odds in (("stop", 0.05), ("review", 0.25), ("info", 0.4)):
            if rng.random() < odds:
                rule = rng.choice(rules[severity])
                flags.append({"rule_id": rule.id, "severity": severity,
                              "practitioner_message": rule.practitioner.get("en"),
                              "triggers": []})
        yield {
            "patient": {"name": f"Patient {i:06d}", "birth_date": "1980-01-01",
                        "contact": None},
            "form_id": form.id, "form_version": form.version, "form_hash": form.content_hash,
            "language": "en", "area": "face", "appointment_at": moment.astimezone(),
            "device": "bench", "status": "submitted", "answers": {},
            "acknowledgements": [], "signature": None, "flags": flags,
        }


@pytest.fixture(scope="session")
def big_db(tmp_path_factory):
    """A 100,000-intake database, built once per session."""
    path = tmp_path_factory.mktemp("big-queue") / "big.sqlite3"
    at_rest.set_up(path)
    with Store.open(path) as store:
        store.bulk_insert_intakes(_intakes(COUNT, seed=7), batch_size=5000)
    return path


def test_queue_on_100k_intakes_shows_its_first_page_in_order(qtbot, big_db):
    zone = clinic_zone()  # the machine's, as the intakes above were made
    db = Database.open(big_db)
    try:
        view = QueueView(db, zone)
        qtbot.addWidget(view)
        view.resize(1280, 800)
        with qtbot.waitSignal(view.model.counted, timeout=30_000):
            view.show()
        qtbot.waitExposed(view)
        model = view.model
        with Store.open(big_db, create=False) as store:
            assert store.queue_count() == COUNT
            total_today = store.queue_count(**model.filter.query(zone))
        assert model.total == total_today > PAGE_SIZE
        assert model.rowCount() == PAGE_SIZE
        rows = [model.row_at(i) for i in range(model.rowCount())]
        keys = [(SEVERITY_RANK.get(r.worst_severity, 3), r.appointment_at) for r in rows]
        assert keys == sorted(keys)
        assert all(r.appointment_at.astimezone(zone).date() == date.today() for r in rows)
        assert model.index(0, 0).data() == "Stop"
        assert view.count_label.text().startswith(f"Showing {PAGE_SIZE} of {total_today:,}")

        # Scrolling fetches the next page only.
        view.table.scrollToBottom()
        qtbot.waitUntil(lambda: model.rowCount() == min(2 * PAGE_SIZE, total_today))

        # A filter over all 100 days still answers with one page.
        view.set_range(date.today() - timedelta(days=60), date.today() + timedelta(days=40))
        with qtbot.waitSignal(model.counted, timeout=30_000):
            view.flagged_only.setChecked(True)
        assert model.rowCount() == PAGE_SIZE
        assert model.index(0, 0).data() == "Stop"
        qtbot.keyClicks(view.search, "Patient 09999")
        qtbot.waitUntil(lambda: model.total <= 11 and not model.loading, timeout=30_000)
        assert all(model.row_at(i).patient_name.startswith("Patient 09999")
                   for i in range(model.rowCount()))
        view.close()
    finally:
        assert shut_down(db)
