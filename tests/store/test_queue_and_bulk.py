from datetime import date, datetime, timedelta, timezone

import pytest

from tests.support.store_rows import FLAGS, FRONT_DESK, PRACTITIONER, signature, start, submitted

BASE = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
SEVERITY_SETS = [[], [FLAGS[2]], [FLAGS[1], FLAGS[2]], [FLAGS[0]], FLAGS]


def synthetic(n: int) -> dict:
    flags = SEVERITY_SETS[n % len(SEVERITY_SETS)]
    status = ("in_progress", "submitted", "submitted", "cleared")[n % 4]
    signed = status != "in_progress"
    decisions = []
    if status == "cleared":
        decisions = [{"flag_index": i, "decision": "proceed", "reason": "Checked",
                      "staff_id": PRACTITIONER} for i, f in enumerate(flags)
                     if f["severity"] != "info"]
    return {
        "patient": {"name": f"Person {n:05d} Nowak", "birth_date": date(1980, 1, 1) +
                    timedelta(days=n), "contact": None},
        "form_id": "mesotherapy", "form_version": "3", "form_hash": "f" * 64,
        "form_content": '{"form": 3}', "language": "en", "area": "face", "device": "bulk",
        "appointment_at": BASE + timedelta(minutes=15 * (n % 97)),
        "created_at": BASE - timedelta(days=1),
        "status": status,
        "answers": {f"q{k}": (n + k) % 3 == 0 for k in range(30)},
        "acknowledgements": [(f"d{k}", "a" * 64, None) for k in range(11)],
        "signature": signature(printed_name=f"Person {n:05d}") if signed else None,
        "flags": flags if signed else [],
        "decisions": decisions,
        "current_step": None if signed else "step-3",
    }


@pytest.fixture
def bulk(staffed):
    ids = staffed.bulk_insert_intakes([synthetic(n) for n in range(600)], batch_size=250)
    return staffed, ids


def test_bulk_intakes_read_back_like_any_other(bulk):
    store, ids = bulk
    assert len(set(ids)) == 600
    record = store.intake(ids[19])  # cleared, with stop, review and info flags
    assert record.status == "cleared" and record.locked
    assert len(record.answers) == 30 and len(record.acknowledgements) == 11
    assert [f.decision.decision for f in record.flags if f.severity != "info"] == [
        "proceed", "proceed"]
    assert record.form_content == '{"form": 3}'
    assert store.intake(ids[0]).current_step == "step-3"
    assert store.connection.execute("SELECT count(*) FROM audit WHERE action = 'bulk_insert'"
                                    ).fetchone()[0] == 600
    assert store.verify() == []


def test_bulk_data_can_be_carried_on_with(bulk):
    store, ids = bulk
    draft = ids[0]
    store.save_answer(draft, "q0", "changed")
    store.submit(draft, signature=signature(), flags=[])
    flag = store.intake(ids[3]).flags[0]
    store.decide(flag.id, "decline", "Bleeding risk", FRONT_DESK)
    assert store.verify() == []


def test_queue_sorts_by_worst_flag_then_appointment(bulk):
    store, _ = bulk
    rows = store.queue(limit=1000)
    assert len(rows) == store.queue_count() == 600
    ranks = [{"stop": 0, "review": 1, "info": 2, None: 3}[r.worst_severity] for r in rows]
    assert ranks == sorted(ranks)
    for rank in set(ranks):
        times = [r.appointment_at for r, k in zip(rows, ranks) if k == rank]
        assert times == sorted(times)
    assert store.queue(limit=50, offset=50) == rows[50:100]


def test_queue_filters(bulk):
    store, _ = bulk
    stop = store.queue(severity="stop", limit=1000)
    assert stop and all(r.n_stop for r in stop)
    assert store.queue_count(severity="stop") == len(stop)
    flagged = store.queue(flagged_only=True, statuses=["submitted"], limit=1000)
    assert all(r.status == "submitted" and r.worst_severity for r in flagged)
    day = store.queue(date_from=BASE, date_to=BASE + timedelta(hours=1), limit=1000)
    assert day and all(BASE <= r.appointment_at < BASE + timedelta(hours=1) for r in day)
    named = store.queue(name="person 00042", limit=10)
    assert [r.patient_name for r in named] == ["Person 00042 Nowak"]
    assert store.queue_count(name="NOWAK") == 600


def test_accented_names_are_found_without_accents(store):
    start(store, name="Élodie Dubois-Brontë")
    assert store.queue_count(name="elodie dubois-bronte") == 1


@pytest.mark.parametrize("filters", [{}, {"statuses": ["submitted"]},
                                     {"statuses": ["submitted", "cleared"]},
                                     {"flagged_only": True}, {"severity": "stop"}])
def test_the_first_page_is_read_in_queue_order_from_an_index(bulk, filters):
    """No sort of all matching rows: the first page of 100,000 intakes costs a few ms."""
    store, _ = bulk
    statements = []
    store.connection.set_trace_callback(statements.append)
    store.queue(limit=50, **filters)
    store.connection.set_trace_callback(None)
    (sql,) = [s for s in statements if "ORDER BY i.flag_rank" in s]
    plan = " | ".join(r[3] for r in store.connection.execute(f"EXPLAIN QUERY PLAN {sql}"))
    assert "TEMP B-TREE" not in plan, plan
    assert "USING INDEX" in plan, plan


def test_flag_counts_follow_the_lifecycle(staffed):
    intake_id = submitted(staffed)
    (row,) = staffed.queue()
    assert (row.n_stop, row.n_review, row.n_info) == (1, 1, 1)
    staffed.replace_flags(intake_id, [], f"staff:{PRACTITIONER}")
    (row,) = staffed.queue()
    assert (row.n_stop, row.n_review, row.n_info, row.worst_severity) == (0, 0, 0, None)
