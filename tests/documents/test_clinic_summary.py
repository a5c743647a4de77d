"""The clinic-language summary: an intake in another language than the clinic's gets, in the
clinic's record only, pages in the clinic's language with each flag's question in both
languages, the patient's answer and the decision; an intake in the clinic's language
does not."""

import pytest

from mesocheck.documents.consent import CLINIC, PATIENT, Review, build_consent_pdf
from mesocheck.forms.answers import source_question
from tests.support.answers import LONG_ANSWERS
from tests.support.pdf_text import all_text, page_texts
from tests.support.records import SETTINGS, STAFF, make_record

DECISIONS = {"bleeding_disorder": ("decline", "Needs haematology advice first.", 7)}


def _pdf(form, language, clinic_language, copy=CLINIC):
    record = make_record(form, LONG_ANSWERS, name="Sara", language=language,
                         decisions=DECISIONS)
    settings = dict(SETTINGS, clinic_language=clinic_language)
    return build_consent_pdf(record, form, settings, review=Review(staff_names=STAFF),
                             copy=copy)


def test_a_spanish_intake_has_an_english_summary_in_the_clinics_record(form):
    text = all_text(_pdf(form, "es", "en"))
    assert "Summary for the practitioner, in English" in text
    assert "The patient answered in Español." in text
    # The question that raised the bleeding flag, in English and as the patient read it.
    assert source_question(form, "conditions", "en") in text
    assert f"Asked in Español: {source_question(form, 'conditions', 'es')}" in text
    assert "Answer: A bleeding disorder, or you bleed or bruise very easily" in text
    assert "Decision: Decline by Dr Ana Ferreira" in text
    assert "Reason: Needs haematology advice first." in text


def test_an_english_intake_has_a_french_summary_in_a_french_clinic(form):
    text = all_text(_pdf(form, "en", "fr"))
    assert "Résumé pour le praticien, en Français" in text
    assert f"Posée en English: {source_question(form, 'conditions', 'en')}" in text


@pytest.mark.parametrize("language, clinic", [("en", "en"), ("ar", "ar")])
def test_no_summary_when_the_patient_answered_in_the_clinics_language(form, language, clinic):
    same = _pdf(form, language, clinic)
    assert "Summary for the practitioner" not in all_text(same)
    other = "fr" if clinic == "en" else "en"  # the same intake in a clinic of another language
    assert len(page_texts(same)) < len(page_texts(_pdf(form, language, other)))


@pytest.mark.parametrize("language", ["es", "ar", "zh"])
def test_the_patients_copy_has_no_summary(form, language):
    assert "Summary for the practitioner" not in all_text(_pdf(form, language, "en", PATIENT))
