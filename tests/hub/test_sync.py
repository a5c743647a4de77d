"""A tablet and the hub: what the tablet writes arrives on the hub as it is, once; what the
hub decides arrives in the tablet's own record; staff are the clinic's."""

from __future__ import annotations

import pytest

from mesocheck.hub.store import HubStore
from mesocheck.store import Store, atrest
from mesocheck.sync import ChainMismatch, Tablet, read_state

from tests.support import at_rest
from tests.support.fixtures import Clock
from tests.support.store_rows import (
    FLAGS, FRONT_DESK_PIN, PRACTITIONER_PIN, signature, start, submitted,
)


@pytest.fixture
def tablet_a(tmp_path, _staffed_template):
    import shutil

    path = tmp_path / "a" / "tablet.sqlite3"
    path.parent.mkdir()
    shutil.copy(_staffed_template, path)
    shutil.copy(atrest.key_file(_staffed_template), atrest.key_file(path))
    with Store.open(at_rest.ready(path), clock=Clock()) as store:
        yield store


@pytest.fixture
def tablet_b(tmp_path):
    with Store.open(at_rest.ready(tmp_path / "b" / "tablet.sqlite3"), clock=Clock()) as store:
        yield store


def link(store, hub_url, name):
    tablet = Tablet(store, hub_url, name=name)
    tablet.connection()
    return tablet


def test_a_signed_intake_arrives_on_the_hub_as_the_tablet_wrote_it(tablet_a, hub_url):
    intake_id = submitted(tablet_a)
    tablet_a.add_document(intake_id, "consent", b"%PDF-1.7 the patient's copy")
    a = link(tablet_a, hub_url, "front desk 1")
    report = a.push()
    assert report.batches == 1 and report.entries > 5
    with HubStore.open(hub_url) as hub:
        record = hub.intake(intake_id)
        local = tablet_a.intake(intake_id)
        assert record.answers == local.answers
        assert [f.rule_id for f in record.flags] == [f.rule_id for f in local.flags]
        assert record.signatures[0].strokes == local.signatures[0].strokes
        assert hub.document_bytes(record.documents[0].id) == b"%PDF-1.7 the patient's copy"
        assert [r.intake_id for r in hub.queue()] == [intake_id]
        assert hub.verify() == []
    assert a.push().entries == 0  # nothing new: nothing sent
    a.close()


def test_a_decision_on_the_hub_reaches_the_tablets_record(tablet_a, hub_url):
    intake_id = submitted(tablet_a)
    a = link(tablet_a, hub_url, "front desk 1")
    a.push()
    with HubStore.open(hub_url) as hub:
        practitioner = next(m.id for m in hub.staff_members() if m.role == "practitioner")
        assert hub.check_pin(practitioner, PRACTITIONER_PIN).ok
        stop, review, _ = hub.intake(intake_id).flags
        hub.decide(stop.id, "proceed", "Prescriber agreed", practitioner)
        hub.decide(review.id, "proceed", "Mild", practitioner)
        hub.set_status(intake_id, "cleared", f"staff:{practitioner}")
        hub.add_signature(intake_id, signature(role="practitioner", printed_name="Dr Ada",
                                               meaning="Reviewed", staff_id=practitioner))
        hub.add_document(intake_id, "reviewed_consent", b"%PDF-1.7 reviewed")
    assert a.pull().rows >= 5
    record = tablet_a.intake(intake_id)
    assert record.status == "cleared"
    assert [f.decision.decision for f in record.flags[:2]] == ["proceed", "proceed"]
    assert record.flags[0].decision.staff_id == 1  # the tablet's own number for its staff
    assert [s.role for s in record.signatures] == ["patient", "practitioner"]
    assert tablet_a.document_bytes(tablet_a.latest_document(intake_id).id) == \
        b"%PDF-1.7 reviewed"
    assert tablet_a.verify() == []
    assert a.pull().rows == 0  # pulled once
    a.push()
    with HubStore.open(hub_url) as hub:
        assert hub.verify() == []
        assert hub.intake(intake_id).status == "cleared"
    a.close()


def test_staff_are_the_clinics(tablet_a, tablet_b, hub_url):
    """Added on one tablet, signs in on another; three wrong PINs on one tablet and two on
    the other lock the account on both, and on the hub."""
    a, b = link(tablet_a, hub_url, "a"), link(tablet_b, hub_url, "b")
    a.push()
    b.pull()
    assert sorted(m.name for m in tablet_b.staff_members()) == ["Ben Desk",
                                                                "Dr Ada Practitioner"]
    desk_on_b = next(m.id for m in tablet_b.staff_members() if m.role == "front-desk")
    assert tablet_b.check_pin(desk_on_b, FRONT_DESK_PIN).ok
    desk_on_a = 2
    for _ in range(3):
        assert not tablet_a.check_pin(desk_on_a, "0000").ok
    a.push()
    b.pull()
    for _ in range(2):
        assert not tablet_b.check_pin(desk_on_b, "0000").ok
    b.push()
    assert _hub_staff(hub_url)["Ben Desk"][1] is not None  # five in the clinic: locked
    a.pull()
    b.pull()
    for store, desk in ((tablet_a, desk_on_a), (tablet_b, desk_on_b)):
        assert {m.name: m.locked_until for m in store.staff_members()}["Ben Desk"] is not None
        assert not store.check_pin(desk, FRONT_DESK_PIN).ok
    a.push()
    b.push()
    with HubStore.open(hub_url) as hub:
        assert hub.verify() == []
    assert tablet_a.verify() == [] and tablet_b.verify() == []


def _hub_staff(url):
    with HubStore.open(url) as hub:
        return {m.name: (m.id, m.locked_until) for m in hub.staff_members()}


def test_a_tablet_whose_newest_rows_were_deleted_sends_nothing_more(tablet_a, hub_url):
    intake_id = submitted(tablet_a)
    a = link(tablet_a, hub_url, "a")
    a.push()
    from tests.contract.conftest import _tamper_sqlite

    _tamper_sqlite(tablet_a.path, "DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)", ())
    start(tablet_a)
    with pytest.raises(ChainMismatch):
        a.push()
    assert read_state(tablet_a)["device_number"]


def test_a_patients_later_visit_joins_their_record_on_the_hub(tablet_a, hub_url):
    first = submitted(tablet_a)
    patient_id = tablet_a.intake(first).patient.id
    a = link(tablet_a, hub_url, "front desk 1")
    a.push()
    second = submitted(tablet_a, patient_id=patient_id)  # sent in a later batch
    a.push()
    with HubStore.open(hub_url) as hub:
        one, two = hub.intake(first).patient, hub.intake(second).patient
        assert one.id == two.id and one.name == tablet_a.intake(first).patient.name
        [match] = hub.patient_matches(one.name, one.birth_date)
        assert match.exact and match.visits == 2
        assert hub.verify() == []
    a.close()


def test_the_course_a_consent_covers_arrives_on_the_hub(tablet_a, hub_url):
    intake_id = submitted(tablet_a)
    a = link(tablet_a, hub_url, "front desk 1")
    a.push()
    with HubStore.open(hub_url) as hub:
        record = hub.intake(intake_id)
        local = tablet_a.intake(intake_id)
        assert local.course_sessions == 10
        assert (record.course_sessions, record.course_until) == (
            local.course_sessions, local.course_until)
        assert hub.verify() == []
    a.close()


def test_the_understanding_checks_tries_reach_the_hub_as_made(tablet_a, hub_url):
    intake_id = start(tablet_a)
    tablet_a.add_understanding_try(intake_id, {"can_stop": "no"}, ["can_stop"])
    tablet_a.add_understanding_try(intake_id, {"can_stop": "yes"}, [])
    a = link(tablet_a, hub_url, "front desk 1")
    a.push()
    with HubStore.open(hub_url) as hub:
        assert hub.intake(intake_id).understanding == tablet_a.intake(intake_id).understanding
        assert hub.verify() == []
    a.close()


def test_a_guardians_signature_and_relationship_reach_the_hub(tablet_a, hub_url):
    intake_id = start(tablet_a)
    tablet_a.submit(intake_id, signature=signature(), flags=FLAGS, guardian={
        **signature(), "role": "guardian", "printed_name": "Pat Parent",
        "meaning": "Consent as the patient's parent or legal guardian",
        "relationship": "father"})
    a = link(tablet_a, hub_url, "front desk 1")
    a.push()
    with HubStore.open(hub_url) as hub:
        (parent,) = [s for s in hub.intake(intake_id).signatures if s.role == "guardian"]
        assert (parent.printed_name, parent.relationship) == ("Pat Parent", "father")
        assert hub.verify() == []
    a.close()


def test_the_patients_copy_choice_and_its_printing_travel_both_ways(tablet_a, hub_url):
    intake_id = submitted(tablet_a)
    tablet_a.choose_copy(intake_id, True, "patient")
    a = link(tablet_a, hub_url, "front desk 1")
    a.push()
    with HubStore.open(hub_url) as hub:
        record = hub.intake(intake_id)
        assert record.copy_wanted is True
        assert record.copy_chosen_at == tablet_a.intake(intake_id).copy_chosen_at
        practitioner = next(m.id for m in hub.staff_members() if m.role == "practitioner")
        hub.copy_printed(intake_id, f"staff:{practitioner}")  # at the practitioner's station
        printed = hub.intake(intake_id).copy_printed_at
        assert printed is not None
    a.pull()
    local = tablet_a.intake(intake_id)
    assert local.copy_wanted is True and local.copy_printed_at == printed
    assert tablet_a.verify() == []
    a.push()
    with HubStore.open(hub_url) as hub:
        assert hub.intake(intake_id).copy_printed_at == printed  # not undone by the tablet
        assert hub.verify() == []
    a.close()


def test_a_check_in_and_a_request_for_the_full_consent_travel_both_ways(tablet_a, hub_url):
    consent = submitted(tablet_a)
    patient_id = tablet_a.intake(consent).patient.id
    checkin = start(tablet_a, patient_id=patient_id, form_id="mesotherapy_checkin",
                    continues=consent)
    tablet_a.save_answers(checkin, {"conditions": ["diabetes"]}, actor="system")
    tablet_a.submit(checkin, signature=signature(), flags=FLAGS)
    renewed = start(tablet_a, patient_id=patient_id, reconsent={
        "previous": consent, "reasons": ["wording"], "changed": ["nodules"]})
    a = link(tablet_a, hub_url, "front desk 1")
    a.push()
    with HubStore.open(hub_url) as hub:
        record = hub.intake(checkin)
        assert record.continues.intake_id == consent
        assert record.continues.until == tablet_a.intake(consent).course_until
        assert (record.course_sessions, record.course_until) == (None, None)
        assert [v.id for v in hub.patient_visits(hub.intake(consent).patient.id)] == [
            consent, checkin]
        assert hub.intake(renewed).reconsent.changed == ("nodules",)
        # The practitioner, at the hub, asks for the full consent at the next visit.
        practitioner = next(m.id for m in hub.staff_members() if m.role == "practitioner")
        assert hub.ask_reconsent(checkin, practitioner) == consent
        assert hub.verify() == []
    a.pull()
    local = tablet_a.intake(consent)
    assert local.reconsent_asked_at is not None
    assert local.reconsent_asked_by == 1  # the tablet's own number for the practitioner
    assert [v.reconsent_asked for v in tablet_a.patient_visits(patient_id)] == [True, False]
    assert tablet_a.verify() == []
    a.close()
