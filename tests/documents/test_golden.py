"""The consent PDF is reproducible, and its bytes for a fixed intake are pinned.

The golden file fails when the layout changes on purpose too. Then look at the new PDF
(the failure names it: turn it into images with ``pdftoppm -r 80 -png``), and if it is
right, regenerate the pin and commit it together with the change:

    MESOCHECK_UPDATE_GOLDEN=1 python -m pytest tests/documents/test_golden.py

Bump ``LAYOUT_VERSION`` in ``mesocheck/documents/consent.py`` with any deliberate change.
"""

import hashlib
import os
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from consent_samples import STAFF, make_record
from msgspec.structs import replace

from mesocheck.documents.consent import Review, build_consent_pdf
from mesocheck.forms import load_form
from mesocheck.store.records import AuditHead

GOLDEN = Path(__file__).parent / "golden"
SETTINGS = {
    "clinic_name": "Golden Clinic",
    "clinic_address": "1 Example Street, Springfield",
    "logo_path": None,
    "time_zone": "Europe/Berlin",
}
ANSWERS = {
    "conditions": ["bleeding", "keloid"],
    "notes": "Allergic to plasters <strong glue> & latex.\nÅsa's note: Ελληνικά, Русский.",
    "last_aspirin": "2026-03-02",
    "last_coffee": "not_recent",
    "transport": True,
}


def golden_pdf() -> bytes:
    form = load_form(GOLDEN / "golden_form.toml")
    record = make_record(
        form, ANSWERS, intake_id="00000000-0000-4000-8000-000000000001",
        name="Åsa Öberg-Nørgaard", birth_date=date(1979, 11, 30), area="scalp",
        appointment=datetime(2026, 3, 5, 8, 0, tzinfo=timezone.utc),
        submitted=datetime(2026, 3, 5, 7, 41, 5, tzinfo=timezone.utc),
        decisions={"bleeding": ("postpone", "Ask the haematologist first.", 7)},
    )
    record = replace(record, audit_head=AuditHead(4321, hashlib.sha256(b"golden").digest()))
    return build_consent_pdf(record, form, SETTINGS, review=Review(staff_names=STAFF))


def test_same_intake_gives_identical_bytes():
    assert golden_pdf() == golden_pdf()


def test_identical_bytes_in_a_fresh_process():
    """No dict ordering, hash seed, clock or machine zone leaks into the file."""
    code = (
        "import sys, hashlib; sys.path.insert(0, sys.argv[1]); "
        "from test_golden import golden_pdf; "
        "print(hashlib.sha256(golden_pdf()).hexdigest())"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345", TZ="Pacific/Auckland")
    out = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent)],
                         env=env, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == hashlib.sha256(golden_pdf()).hexdigest()


def test_golden_bytes(tmp_path):
    pdf = golden_pdf()
    digest = hashlib.sha256(pdf).hexdigest()
    pinned = GOLDEN / "consent.sha256"
    if os.environ.get("MESOCHECK_UPDATE_GOLDEN") == "1":
        pinned.write_text(digest + "\n")
        (GOLDEN / "consent.pdf").write_bytes(pdf)
        pytest.skip("golden file regenerated")
    if digest != pinned.read_text().strip():
        fresh = tmp_path / "consent.pdf"
        fresh.write_bytes(pdf)
        pytest.fail(
            f"the consent PDF of the golden intake changed (now {digest[:12]}). Compare "
            f"{fresh} with {GOLDEN / 'consent.pdf'}; if the change is intended, regenerate "
            "the pin as this module's docstring says."
        )
