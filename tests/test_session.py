"""The intake session against a real store on disk: what the patient gives is what is kept."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from mesocheck import review

from mesocheck.session import (
    IntakeSession,
    PatientDetails,
    SessionError,
    SigningRefused,
    check_details,
)
from mesocheck.signature import EMPTY_REASON, TRIVIAL_REASON
from mesocheck.store import DiskFull, IntakeLocked, Store
from mesocheck.timeutil import clinic_zone

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
APPOINTMENT = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc)
SIGNATURE = [[[10.0 + i * 6, 50.0 + (i % 5) * 8, i * 16, None] for i in range(30)]]


def details(**changes):
    values = dict(name="Ada Example", birth_date=date(1990, 5, 1), area="face",
                  appointment_at=APPOINTMENT)
    values.update(changes)
    return PatientDetails(**values)


def start(store, form, **changes):
    return IntakeSession.start(store, form, details(**changes), zone=timezone.utc,
                               clock=lambda: NOW, device="test")


def plain_answer(question):
    """A valid answer that raises no flag where the form allows one."""
    if question.type == "boolean":
        return question.id in ("consultation", "transport_arranged")
    if question.type == "choice":
        return question.options[0].value
    if question.type == "multi_choice":
        exclusive = [o.value for o in question.options if o.exclusive]
        return exclusive or [question.options[0].value]
    if question.type == "last_taken":
        return "never"
    if question.type == "date":
        return "2020-01-01"
    if question.type == "datetime":
        return "2020-01-01T10:00:00+00:00"
    return "Nothing else." if question.required else None


def answer_everything(session):
    for page in session.pages():
        if page.kind == "step":
            for question in session.shown_questions(session.step(page.key)):
                value = plain_answer(question)
                if value is not None:
                    assert session.answer(question.id, value).ok
        elif page.kind == "disclosure":
            session.acknowledge(page.key)
        elif page.kind == "understanding":
            session.check_understanding(session.form.understood_answers())
    session.flush()


def test_answers_are_checked_normalised_and_saved(store, form):
    session = start(store, form)
    assert session.answer("consultation", True).ok
    assert session.answer("conditions_other", "  Asthma\r\n").ok
    assert not store.intake(session.intake_id).answers  # nothing written before a flush
    session.flush()
    stored = store.intake(session.intake_id).answers
    assert stored == {"consultation": True, "conditions_other": "Asthma"}


def test_a_refused_answer_is_reported_and_not_saved(store, form):
    session = start(store, form)
    checked = session.answer("conditions_other", "x" * 1001)
    assert not checked.ok and "too long" in checked.error
    health = session.step("health")
    assert session.problems(health)["conditions_other"] == checked.error
    assert "conditions" in session.problems(health)  # required and unanswered
    session.flush()
    assert "conditions_other" not in store.intake(session.intake_id).answers
    session.answer("conditions_other", "ok now")
    assert "conditions_other" not in session.problems(health)


def test_skip_logic_clears_hidden_answers_in_the_store(store, form):
    session = start(store, form)
    session.answer("allergies_any", True)
    session.answer("allergies_details", "Penicillin: a rash")
    session.flush()
    assert store.intake(session.intake_id).answers["allergies_details"] == "Penicillin: a rash"
    session.answer("allergies_any", False)
    assert "allergies_details" not in session.answers
    session.flush()
    assert store.intake(session.intake_id).answers["allergies_details"] is None
    step = session.step("allergies")
    assert [q.id for q in session.shown_questions(step)] == [
        "allergy_planned_ingredient", "allergies_any"]


def test_future_last_taken_dates_are_refused(store, form):
    session = start(store, form)
    checked = session.answer("last_aspirin", (NOW + timedelta(days=2)).date().isoformat())
    assert not checked.ok and "future" in checked.error


def test_acknowledgements_are_stored_with_the_shown_text_and_time(store, form):
    session = start(store, form)
    session.acknowledge("pain")
    session.acknowledge("infection")
    session.withdraw("infection")
    acks = store.intake(session.intake_id).acknowledgements
    assert [a.disclosure_id for a in acks] == ["pain"]
    assert acks[0].text_hash == session.acknowledged["pain"]
    assert acks[0].acknowledged_at is not None


def test_resume_in_a_new_connection_returns_to_the_stored_page(db_path, form):
    with Store.open(db_path) as first:
        session = start(first, form)
        session.answer("consultation", True)
        session.answer("conditions", ["none"])
        session.arrive(session.pages()[2])  # writes pending answers first
        intake_id = session.intake_id
    with Store.open(db_path) as second:
        resumed = IntakeSession.resume(second, intake_id, form=form, zone=timezone.utc)
    assert resumed.answers == {"consultation": True, "conditions": ["none"]}
    assert resumed.pages()[resumed.resume_index()].token == "step:allergies"
    assert resumed.patient_name == "Ada Example"


def test_resume_uses_the_archived_form_when_the_file_changed(db_path, form, monkeypatch):
    from mesocheck.forms import registry

    with Store.open(db_path) as store:
        session = start(store, form)
        session.answer("consultation", True)
        session.flush()
    # The shipped file no longer holds this text (it was edited): the archive is used.
    monkeypatch.setattr(registry, "shipped_forms", lambda: [])
    with Store.open(db_path) as store:
        resumed = IntakeSession.resume(store, session.intake_id, form=None, zone=timezone.utc)
    assert resumed.form.content_hash == form.content_hash
    assert resumed.answers == {"consultation": True}


def test_resume_refuses_a_signed_intake(store, form):
    session = start(store, form)
    answer_everything(session)
    session.submit(session.prepare_signature("Ada Example", SIGNATURE, 600, 200))
    with pytest.raises(SessionError):
        IntakeSession.resume(store, session.intake_id, form=form)


def test_signing_refuses_missing_pages_names_and_scribbles(store, form):
    session = start(store, form)
    with pytest.raises(SigningRefused) as refused:
        session.prepare_signature("Ada Example", SIGNATURE, 600, 200)
    assert refused.value.field == "pages"
    answer_everything(session)
    with pytest.raises(SigningRefused) as refused:
        session.prepare_signature("   ", SIGNATURE, 600, 200)
    assert refused.value.field == "name"
    with pytest.raises(SigningRefused) as refused:
        session.prepare_signature("Ada Example", [], 600, 200)
    assert refused.value.message == EMPTY_REASON
    dot = [[[100.0, 100.0, 0, None], [101.0, 100.5, 10, None]]]
    with pytest.raises(SigningRefused) as refused:
        session.prepare_signature("Ada Example", dot, 600, 200)
    assert refused.value.message == TRIVIAL_REASON
    assert not session.locked


def test_submit_stores_signature_and_flags_and_locks(store, form):
    session = start(store, form)
    answer_everything(session)
    session.answer("sun_recent", True)
    submission = session.prepare_signature(" Ada  Example ", SIGNATURE, 600, 200)
    session.submit(submission)
    record = store.intake(session.intake_id)
    assert record.status == "submitted" and record.locked
    assert {f.rule_id for f in record.flags} == {"sun_recent"}
    (signature,) = record.signatures
    assert signature.printed_name == "Ada Example"
    assert signature.strokes == SIGNATURE
    assert (signature.pad_width, signature.pad_height) == (600, 200)
    assert signature.tz == "UTC" and len(signature.content_hash) == 64
    assert record.answers["sun_recent"] is True  # flushed before signing
    with pytest.raises(SessionError):
        session.answer("sun_recent", False)


def test_a_minor_agrees_and_a_parent_or_guardian_consents(store, form):
    session = start(store, form, birth_date=date(2010, 1, 1))  # under 18
    answer_everything(session)
    assert session.needs_guardian()
    assert "under_18" in {f.rule_id for f in session.flags()}  # until a guardian signs
    with pytest.raises(SigningRefused) as refused:
        session.prepare_signature("Ada Example", SIGNATURE, 600, 200)
    assert refused.value.field == "guardian_name"
    guardian = {"printed_name": "Maria Example", "relationship": "aunt",
                "strokes": SIGNATURE, "pad_width": 600, "pad_height": 200}
    with pytest.raises(SigningRefused) as refused:
        session.prepare_signature("Ada Example", SIGNATURE, 600, 200, guardian=guardian)
    assert refused.value.field == "guardian_relationship"  # not one of the form's
    with pytest.raises(SigningRefused) as refused:
        session.prepare_signature("Ada Example", SIGNATURE, 600, 200,
                                  guardian={**guardian, "relationship": "mother",
                                            "strokes": []})
    assert refused.value.field == "guardian_signature"
    session.submit(session.prepare_signature(
        "Ada Example", SIGNATURE, 600, 200, guardian={**guardian, "relationship": "mother"}))
    record = store.intake(session.intake_id)
    patient, parent = record.signatures
    assert (patient.role, patient.meaning) == (
        "patient", form.guardian.assent_meaning.get("en"))
    assert (parent.role, parent.printed_name, parent.relationship, parent.meaning) == (
        "guardian", "Maria Example", "mother", form.guardian.meaning.get("en"))
    assert parent.content_hash == patient.content_hash == review.patient_content_hash(
        record, form, "Ada Example", timezone.utc)  # both vouch for the same, guardian named
    flags = {f.rule_id for f in record.flags}
    assert "guardian_consent" in flags and "under_18" not in flags  # asked, not stopped
    assert store.verify() == []


def test_hidden_answers_raise_no_flags(store, form):
    session = start(store, form)
    answer_everything(session)
    session.answer("medicines_any", True)
    session.answer("medicines_list", "Isotretinoin 20 mg")
    session.answer("medicines_any", False)
    assert "medicines_listed" not in {f.rule_id for f in session.flags()}


def test_a_failed_flush_keeps_the_answers_for_the_next_try(store, form):
    session = start(store, form)

    class FullDisk:
        def save_answers(self, intake_id, answers):
            raise DiskFull()

    real, session.sink = session.sink, FullDisk()
    session.answer("consultation", True)
    with pytest.raises(DiskFull):
        session.flush()
    session.answer("conditions_other", "later")
    session.sink = real
    session.flush()
    assert store.intake(session.intake_id).answers == {
        "consultation": True, "conditions_other": "later"}


def test_the_store_refuses_changes_after_signing(store, form):
    session = start(store, form)
    answer_everything(session)
    session.submit(session.prepare_signature("Ada Example", SIGNATURE, 600, 200))
    with pytest.raises(IntakeLocked):
        store.save_answers(session.intake_id, {"consultation": False})


def test_details_are_checked_field_by_field(form):
    found, errors = check_details(form, name=" ", birth_date="2090-01-01", area="elbow",
                                  appointment_at=None, today=date(2026, 11, 21))
    assert found is None
    assert set(errors) == {"name", "birth_date", "area", "appointment_at"}
    found, errors = check_details(form, name="Ada  Example", birth_date="1990-05-01",
                                  area="scalp", appointment_at=APPOINTMENT,
                                  today=date(2026, 11, 21))
    assert errors == {} and found.name == "Ada Example" and found.birth_date == date(1990, 5, 1)


def test_clinic_zone_prefers_the_setting():
    assert clinic_zone("Europe/Paris") == ZoneInfo("Europe/Paris")
    assert clinic_zone("Not/AZone") is not None
