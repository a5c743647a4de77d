"""The patient's copy says what the patient saw, in their words, and nothing meant for the
practitioner; the clinic's copy keeps the practitioner's wording."""

from datetime import date, timedelta

import pytest

from mesocheck.documents.consent import CLINIC, PATIENT, build_consent_pdf
from mesocheck.forms.answers import recent_label
from tests.support.pdf_text import all_text, flat
from tests.support.records import APPOINTMENT, SETTINGS, STAFF, make_record

# Words that belong to the practitioner: severities, clinical terms the patient's wording
# never uses, the review itself.
PRACTITIONER_ONLY = ("contraindication", "Fitzpatrick", "NSAID", "STOP", "REVIEW", "INFO",
                     "For the practitioner", "Practitioner review", "flag", "anticoagulant",
                     "hyperpigmentation risk", "Decision", "Outcome")


def every_rule_fires(form) -> dict:
    """Answers that show every question of the form and raise every rule."""
    return {
        "consultation": False,
        "conditions": [o.value for o in form.question("conditions").options
                       if not o.exclusive],
        "conditions_other": "Mild asthma.",
        "allergy_planned_ingredient": True, "allergies_any": True,
        "allergies_details": "Penicillin: a rash.",
        "medicines_any": True, "medicine_kinds": ["acne", "steroids"],
        "medicines_list": "Isotretinoin 20 mg.",
        "last_aspirin": (APPOINTMENT - timedelta(days=2)).date().isoformat(),
        "last_nsaid": "not_recent", "last_fish_oil": "never", "last_vitamin_e": "never",
        "anticoagulant": True, "anticoagulant_name": "Apixaban 5 mg",
        "sun_recent": True, "skin_type": "type_5",
        "last_alcohol": (APPOINTMENT - timedelta(hours=5)).isoformat(timespec="minutes"),
        "last_caffeine": (APPOINTMENT - timedelta(hours=2)).isoformat(timespec="minutes"),
        "transport_arranged": False, "other_instructions": "Keep the area clean.",
    }


@pytest.fixture(scope="module")
def everything(form):
    record = make_record(form, every_rule_fires(form), birth_date=date(2009, 6, 1),
                         area="scalp",
                         decisions={"bleeding_disorder": ("decline", "See a haematologist.", 7)},
                         practitioner=True, understanding=[{}, {"can_stop": "yes"}])
    assert {f.rule_id for f in record.flags} == {r.id for r in form.rules} - {
        "guardian_consent"}  # stopped for want of a guardian instead
    return record


@pytest.fixture(scope="module")
def patient_text(form, everything):
    return all_text(build_consent_pdf(everything, form, SETTINGS,
                                      review={"staff_names": STAFF}, copy=PATIENT))


@pytest.fixture(scope="module")
def clinic_text(form, everything):
    return all_text(build_consent_pdf(everything, form, SETTINGS,
                                      review={"staff_names": STAFF}, copy=CLINIC))


def test_the_patients_copy_prints_every_help_text_option_and_patient_message(
        form, patient_text):
    for question in form.questions:
        assert flat(question.text.get("en")) in patient_text, question.id
        if question.help:
            assert flat(question.help.get("en")) in patient_text, question.id
        for option in question.options:
            assert flat(option.label.get("en")) in patient_text, (question.id, option.value)
    for rule in form.rules:
        if rule.patient:
            assert flat(rule.patient.get("en")) in patient_text, rule.id
    # The safety lines, word for word.
    assert "Do not stop taking it unless the doctor who prescribed it tells you to." \
        in patient_text
    assert "Paracetamol does not count." in patient_text


def test_the_patients_copy_has_no_practitioner_wording(form, patient_text):
    for word in PRACTITIONER_ONLY:
        assert word not in patient_text, word
    for rule in form.rules:
        assert flat(rule.practitioner.get("en")) not in patient_text, rule.id
    assert "The patient's copy" in patient_text
    assert "the clinic's record" not in patient_text


def test_the_clinics_copy_keeps_the_practitioners_wording(form, clinic_text):
    for rule in form.rules:
        if rule.id != "guardian_consent":  # this minor had no guardian sign: stopped
            assert flat(rule.practitioner.get("en")) in clinic_text, rule.id
    for word in ("contraindication", "Fitzpatrick", "NSAID", "STOP", "REVIEW", "INFO"):
        assert word in clinic_text, word
    assert "Outcome: Declined" in clinic_text
    assert "The patient's copy says: Please tell the practitioner about this" in clinic_text


def test_not_recently_is_printed_as_tapped_and_none_of_these_with_its_list(form):
    answers = every_rule_fires(form) | {"conditions": ["none"], "last_caffeine": "not_recent",
                                        "last_alcohol": "not_recent"}
    record = make_record(form, answers)
    for copy in (CLINIC, PATIENT):
        text = all_text(build_consent_pdf(record, form, SETTINGS, copy=copy))
        assert "Not in the last 24 hours" in text
        assert recent_label(form.question("last_alcohol")) == "Not in the last 24 hours"
        assert "Not in the last day" not in text
        # "None of these" ticked, under the list it refers to.
        listed = [flat(o.label.get("en")) for o in form.question("conditions").options]
        start = text.index("☐", text.index(form.question("conditions").text.get("en")))
        where = [text.index(label, start) for label in listed]
        assert where == sorted(where)
        assert text[where[-1] - 2:where[-1]].strip() == "☑"  # None of these: ticked
        assert all(text[w - 2:w].strip() == "☐" for w in where[:-1])
