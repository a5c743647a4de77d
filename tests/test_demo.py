"""Demo intakes are intakes the app could have produced: each one's flags, signed content,
status and countersignature are what the app's own rules make of its own answers."""

from datetime import timezone

from mesocheck import review
from mesocheck.demo import create_demo_intakes
from mesocheck.forms import Facts, evaluate_rules
from mesocheck.forms.outcome import unreachable
from mesocheck.forms.registry import form_of
from mesocheck.signature import from_stored, trivial_reason
from mesocheck.timeutil import add_months, clinic_zone
from tests.support.pdf_text import all_text


def test_every_demo_intake_holds_up_to_its_own_rules(store):
    made = create_demo_intakes(store, 300, seed=11, with_pdf=False)
    visits = [row for row in store.queue(limit=1000)
              if (lambda r: r.continues or r.reconsent)(store.intake(row.intake_id))]
    assert made == 300 and visits  # later visits among them
    statuses, flagged, strokes, languages = {}, 0, set(), set()
    checks = {"right at once": 0, "right the second time": 0, "still wrong": 0}
    for row in store.queue(limit=1000):
        record = store.intake(row.intake_id)
        statuses[record.status] = statuses.get(record.status, 0) + 1
        assert unreachable(record) is None, record.id
        if record.status == "in_progress":
            assert not record.signatures and not record.flags
            assert record.course_until is None
            continue
        # The course its consent covers, counted from the signing day as signing does; a
        # check-in continues one and opens none.
        assert (record.course_sessions, record.course_until) == ((None, None) if record.continues
                                                                 else (10, add_months(
            record.submitted_at.astimezone(clinic_zone()).date(), 12))), record.id
        form = form_of(record)
        facts = Facts.of(record, timezone.utc)  # demo appointments are set in UTC
        # The flags its own answers, age and area raise, with the values it holds.
        expected = [f.as_dict() for f in evaluate_rules(form, dict(record.answers), facts,
                                                        record.language)]
        languages.add(record.language)
        stored = [{"rule_id": f.rule_id, "severity": f.severity,
                   "practitioner_message": f.practitioner_message,
                   "patient_message": f.patient_message or "",
                   "triggers": [list(t) for t in f.triggers]} for f in record.flags]
        assert sorted(stored, key=str) == sorted(expected, key=str), record.id
        flagged += bool(record.flags)
        # The check before signing: every signed intake took it; a few needed a second try.
        tries = record.understanding
        if not form.understanding:  # the check-in asks none
            assert not tries
        else:
            assert tries and all(set(t.answers) == {u.id for u in form.understanding}
                             for t in tries), record.id
            checks["right at once" if len(tries) == 1 else "right the second time"
                   if not tries[-1].wrong else "still wrong"] += 1
        # The patient's signature is bound to what this intake shows.
        patient = review.patient_signature(record)
        assert patient.content_hash == review.patient_content_hash(
            record, form, patient.printed_name, timezone.utc)
        assert trivial_reason(from_stored(patient.strokes)) is None
        strokes.add(str(patient.strokes)[:200])
        # A reviewed intake: its status is its decisions' outcome, countersigned over them.
        if record.status in ("cleared", "postponed", "declined"):
            assert record.status == review.outcome(record.flags)
            assert review.countersigned(record), record.id
            assert review.practitioner_signature(record).meaning == \
                review.MEANINGS[record.status]
        else:
            assert not record.signatures or review.practitioner_signature(record) is None
    assert {"submitted", "cleared", "in_progress"} <= set(statuses)
    assert languages == {"en", "es", "fr", "ar", "zh"}  # every shipped language is seen
    assert flagged > 30 and len(strokes) > 10
    assert all(checks.values()), checks  # each way through the check is seen


def test_demo_documents_print_the_outcome_only_under_a_countersignature(store):
    create_demo_intakes(store, 30, seed=3, with_pdf=True)
    seen = set()
    for row in store.queue(limit=100):
        record = store.intake(row.intake_id)
        document = review.printable_document(record)
        if document is None:
            continue
        if record.language != "en":
            continue  # the words looked for below are English ones
        text = all_text(store.document_bytes(document.id))
        if record.status in ("cleared", "postponed", "declined"):
            assert document.kind == "reviewed_consent"
            word = {"cleared": "Cleared for treatment", "postponed": "Postponed",
                    "declined": "Declined"}[record.status]
            assert f"Outcome: {word}" in text
            assert "Signed by Demo practitioner" in text
            seen.add(record.status)
        else:
            assert "Outcome: ☐" in text
    assert "cleared" in seen


def test_demo_patients_come_back_for_check_ins_and_a_renewed_consent(store):
    create_demo_intakes(store, 400, seed=5, with_pdf=False)
    records = [store.intake(row.intake_id) for row in store.queue(limit=1000)]
    checkins = [r for r in records if r.continues is not None]
    renewed = [r for r in records if r.reconsent is not None]
    assert len(checkins) >= 5 and renewed
    for record in checkins:
        assert record.form_id == "mesotherapy_checkin" and record.status == "submitted"
        consent = store.intake(record.continues.intake_id)
        assert consent.patient.id == record.patient.id and consent.area == record.area
        assert record.appointment_at > consent.appointment_at
    for record in renewed:
        assert record.reconsent.reasons == ("expired",) and record.course_until is not None
        before = store.intake(record.reconsent.previous)
        assert before.course_until < record.appointment_at.date()
    assert store.verify() == []


def test_most_demo_minors_come_with_a_parent_who_signs(store):
    from mesocheck.demo import create_demo_intakes as make

    make(store, 600, seed=8, with_pdf=False)
    minors = [r for r in (store.intake(row.intake_id) for row in store.queue(limit=1000))
              if r.status != "in_progress" and r.flags is not None
              and any(f.rule_id in ("under_18", "guardian_consent") for f in r.flags)]
    with_parent = [r for r in minors if review.guardian_signature(r) is not None]
    assert with_parent and len(with_parent) > len(minors) - len(with_parent)
    for record in with_parent:
        parent = review.guardian_signature(record)
        patient = review.patient_signature(record)
        assert parent.relationship in ("mother", "father", "legal_guardian")
        assert parent.content_hash == patient.content_hash == review.patient_content_hash(
            record, form_of(record), patient.printed_name, timezone.utc)
        assert {f.rule_id for f in record.flags} >= {"guardian_consent"}
        assert "under_18" not in {f.rule_id for f in record.flags}
