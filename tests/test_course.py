"""A course of visits: a known patient's later visits take the short check-in, which names the
consent it continues and shows their stable answers; the full consent is asked again when its
wording changed, the course is used up or run out, or a practitioner asks."""

import copy
import random
from datetime import date, timedelta

import pytest

from mesocheck.course import checkin_form_for, route, route_text
from mesocheck.documents.consent import store_consent_pdf
from mesocheck.forms.loader import form_from_data
from mesocheck.forms.registry import default_form
from mesocheck.session import IntakeSession
from mesocheck.store import InvalidState
from tests.support.intakes import add_staff, fill_intake
from tests.support.pdf_text import all_text


@pytest.fixture
def course(store):
    """A patient's first visit: the full form, signed, which opens a course (10 sessions)."""
    first = fill_intake(store, default_form(), random.Random(1),
                        answers={"conditions": ["diabetes"], "allergies_any": True,
                                 "allergies_details": "Penicillin"})
    return store.intake(first.intake_id)


def visit(store, record, seed, **kwargs):
    """The patient's next visit, routed as the app routes it."""
    found = route(store, default_form(), record.patient.id, record.area,
                  kwargs.pop("day", date.today()), **kwargs)
    return found, fill_intake(store, found.form, random.Random(seed), patient_id=record.patient.id,
                              area=record.area, route=found, keep_carried=True)


def test_a_later_visit_takes_the_check_in_which_names_the_course_consent(store, course):
    found, checkin = visit(store, course, 2)
    assert found.kind == "checkin" and found.form.id == "mesotherapy_checkin"
    assert (found.continues, found.last, found.session, found.sessions) == (
        course.id, course.id, 2, 10)
    record = store.intake(checkin.intake_id)
    assert record.continues.intake_id == course.id
    assert record.continues.signed_at == course.submitted_at
    assert (record.course_sessions, record.course_until) == (None, None)  # no new course
    assert record.status == "submitted" and record.form_id == "mesotherapy_checkin"
    assert "session 2 of the course" in route_text(found, "en")


def test_stable_answers_are_carried_and_time_windows_are_asked_again(store, course):
    found = route(store, default_form(), course.patient.id, "face", date.today())
    session = IntakeSession.start(store, found.form, _details(course), route=found,
                                  device="test")
    assert session.carried["conditions"] == ["diabetes"]
    assert session.carried["allergies_details"] == "Penicillin"
    assert not any(q.type in ("last_taken", "date", "datetime")
                   for q in found.form.questions if q.id in session.carried)
    assert "last_aspirin" not in session.answers and "sun_recent" not in session.answers
    saved = store.intake(session.intake_id).answer_history
    assert {a.question_id for a in saved if a.actor == "system"} == set(session.carried)
    session.answer("conditions", ["none"])  # changed: the patient's own answer now
    session.flush()
    assert "conditions" not in session.carried
    again = IntakeSession.resume(store, session.intake_id)
    assert "conditions" not in again.carried and again.carried["allergies_details"] == \
        "Penicillin"
    assert again.continues == course.id


def test_a_nodule_after_the_last_session_is_flagged_for_review(store, course):
    found = route(store, default_form(), course.patient.id, "face", date.today())
    checkin = fill_intake(store, found.form, random.Random(3), patient_id=course.patient.id,
                          route=found, answers={"after_effects": ["nodules"]})
    flags = {f.rule_id: f.severity for f in store.intake(checkin.intake_id).flags}
    assert flags["after_nodules"] == "review"


def test_the_check_in_pdf_names_the_consent_it_continues(store, course):
    _found, checkin = visit(store, course, 4)
    store_consent_pdf(store, checkin.intake_id)
    record = store.intake(checkin.intake_id)
    text = all_text(store.document_bytes(record.documents[-1].id))
    assert "continues the course consent signed on" in text
    assert course.id in text
    assert "Your answer from your last visit, confirmed unchanged." in text


def test_each_check_in_counts_and_the_course_ends_after_its_sessions(store, course):
    store.set_settings({"course_sessions": 3}, "system")
    first = fill_intake(store, default_form(), random.Random(5), name="Bo Li",
                        birth=date(1970, 1, 1))  # a course of 3 under the new setting
    record = store.intake(first.intake_id)
    found, second = visit(store, record, 6)
    found, third = visit(store, record, 7)
    assert found.session == 3 and found.last == second.intake_id  # carried from the latest
    found = route(store, default_form(), record.patient.id, "face", date.today())
    assert found.kind == "full"
    assert found.reconsent == {"previous": record.id, "reasons": ["sessions"], "changed": []}
    assert "sessions are used up" in route_text(found, "en")


def test_the_check_in_after_another_carries_from_the_latest(store, course):
    _found, second = visit(store, course, 8)
    found = route(store, default_form(), course.patient.id, "face", date.today())
    assert (found.last, found.session) == (second.intake_id, 3)


def test_a_course_runs_out_after_its_months(store, course):
    found = route(store, default_form(), course.patient.id, "face",
                  course.course_until + timedelta(days=1))
    assert found.kind == "full" and found.reconsent["reasons"] == ["expired"]


def test_another_area_takes_its_own_first_consent(store, course):
    found = route(store, default_form(), course.patient.id, "scalp", date.today())
    assert found.kind == "full" and found.reconsent is None


def test_changed_wording_asks_the_full_consent_again_with_the_changed_cards(store, course):
    source = copy.deepcopy(default_form().source)
    source["version"] = "9.9"
    card = next(d for d in source["disclosures"] if d["id"] == "nodules")
    card["body"]["en"] += " Rarely, a lump lasts for months."
    changed = form_from_data(source)
    found = route(store, changed, course.patient.id, "face", date.today(),
                  checkin=checkin_form_for(default_form()))
    assert found.form is changed
    assert found.reconsent == {"previous": course.id, "reasons": ["wording"],
                               "changed": ["nodules"]}
    session = IntakeSession.start(store, changed, _details(course), route=found, device="test")
    assert session.changed == {"nodules"}
    record = store.intake(session.intake_id)
    assert record.reconsent.previous == course.id and record.reconsent.changed == ("nodules",)
    assert IntakeSession.resume(store, session.intake_id, form=changed).changed == {"nodules"}
    assert "1 information card changed" in route_text(found, "en")


def test_a_practitioner_asks_for_the_full_consent_at_the_next_visit(store, course):
    practitioner, desk = add_staff(store)
    _found, checkin = visit(store, course, 9)
    with pytest.raises(InvalidState):
        store.ask_reconsent(checkin.intake_id, desk)
    assert store.ask_reconsent(checkin.intake_id, practitioner) == course.id
    assert store.intake(course.id).reconsent_asked_by == practitioner
    found = route(store, default_form(), course.patient.id, "face", date.today())
    assert found.reconsent["reasons"] == ["requested"]
    assert "a practitioner asked for it" in route_text(found, "en")
    store.ask_reconsent(course.id, practitioner, asked=False)
    assert route(store, default_form(), course.patient.id, "face", date.today()).kind == \
        "checkin"
    assert store.verify() == []


def _details(record):
    from datetime import datetime, timezone

    from mesocheck.session import PatientDetails
    return PatientDetails(record.patient.name, record.patient.birth_date, record.area,
                          datetime.now(timezone.utc) + timedelta(hours=1),
                          patient_id=record.patient.id)


def test_exports_carry_the_course_and_the_visits(store, course, tmp_path):
    import csv
    import json

    from mesocheck.export import write_export
    from mesocheck.fhir.check import check_bundle
    from mesocheck.fhir.export import made_bundle

    _found, checkin = visit(store, course, 10)
    store_consent_pdf(store, checkin.intake_id)
    write_export(store, "json", tmp_path / "all.json")
    rows = {r["intake_id"]: r for r in json.loads((tmp_path / "all.json").read_text())}
    visit_row = rows[checkin.intake_id]["visit"]
    assert visit_row["continues"] == course.id and "conditions" in visit_row["carried"]
    assert rows[course.id]["visit"]["continues"] is None
    assert rows[course.id]["course"] == {"sessions": 10, "until": str(course.course_until)}
    write_export(store, "csv", tmp_path / "all.csv")
    with open(tmp_path / "all.csv", newline="", encoding="utf-8") as f:
        by_id = {r["intake_id"]: r for r in csv.DictReader(f)}
    assert by_id[checkin.intake_id]["continues"] == course.id
    assert by_id[course.id]["continues"] == ""

    bundle = made_bundle(store, checkin.intake_id).bundle
    check_bundle(bundle)
    kinds = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
    assert kinds["Consent"]["provision"]["period"]["end"] == course.course_until.isoformat()
    assert kinds["DocumentReference"]["relatesTo"] == [{"code": "appends", "target": {
        "type": "DocumentReference",
        "identifier": {"system": "urn:mesocheck:intake", "value": course.id}}}]


def test_a_postponed_check_in_uses_no_session_of_the_course(store, course):
    practitioner, _desk = add_staff(store)
    _found, second = visit(store, course, 11)
    for flag in store.intake(second.intake_id).flags:
        if flag.severity != "info":
            store.decide(flag.id, "postpone", "Come back next week", practitioner,
                         new_date=date.today() + timedelta(days=7))
    store.set_status(second.intake_id, "postponed", f"staff:{practitioner}")
    found = route(store, default_form(), course.patient.id, "face", date.today())
    assert found.session == 2 and found.last == second.intake_id  # its answers still carry
