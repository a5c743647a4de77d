"""The document tests' intakes and their PDFs, built once per session (they take a while)."""

import pytest

from mesocheck.documents.consent import Review, build_consent_pdf
from mesocheck.forms.registry import default_form
from tests.support.answers import LONG_ANSWERS, SHORT_ANSWERS
from tests.support.pdf_text import LONG_NAME
from tests.support.records import SETTINGS, STAFF, make_record


@pytest.fixture(scope="session")
def form():
    return default_form()


@pytest.fixture(scope="session")
def short_record(form):
    return make_record(form, SHORT_ANSWERS)


@pytest.fixture(scope="session")
def flagged_record(form):
    return make_record(
        form, LONG_ANSWERS, name=LONG_NAME, area="scalp",
        decisions={
            "bleeding_disorder": ("decline", "Needs haematology advice first.", 7),
            "no_consultation": ("proceed", "Consultation done today.", 8),
        },
        amendments={"transport_arranged": (True, "Partner will drive; confirmed by phone.")},
    )


@pytest.fixture(scope="session")
def short_pdf(form, short_record):
    return build_consent_pdf(short_record, form, SETTINGS)


@pytest.fixture(scope="session")
def flagged_pdf(form, flagged_record):
    return build_consent_pdf(flagged_record, form, SETTINGS,
                             review=Review(staff_names=STAFF, notes="Discussed expectations."))
