import re
import sys
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).parent))

from consent_samples import (  # noqa: E402
    LONG_ANSWERS, SETTINGS, SHORT_ANSWERS, STAFF, make_record,
)

from mesocheck.documents.consent import Review, build_consent_pdf  # noqa: E402
from mesocheck.forms.registry import default_form  # noqa: E402

LONG_NAME = "Zoë Ångström-Łukasiewicz"


@pytest.fixture(scope="session")
def form():
    return default_form()


@pytest.fixture(scope="session")
def short_record(form):
    return make_record(form, SHORT_ANSWERS)


@pytest.fixture(scope="session")
def long_record(form):
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
def long_pdf(form, long_record):
    return build_consent_pdf(long_record, form, SETTINGS,
                             review=Review(staff_names=STAFF, notes="Discussed expectations."))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """Text with every run of white space (line breaks from wrapping included) as one space."""
    return re.sub(r"\s+", " ", text).strip()


def all_text(pdf: bytes) -> str:
    return flat(" ".join(page_texts(pdf)))
