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
from pathlib import Path

import pytest

from tests.support.records import GOLDEN, golden_pdf

REPO = Path(__file__).resolve().parents[2]


def test_same_intake_gives_identical_bytes():
    assert golden_pdf() == golden_pdf()


def test_identical_bytes_in_a_fresh_process():
    """No dict ordering, hash seed, clock or machine zone leaks into the file."""
    code = ("import hashlib; from tests.support.records import golden_pdf; "
            "print(hashlib.sha256(golden_pdf()).hexdigest())")
    env = dict(os.environ, PYTHONHASHSEED="12345", TZ="Pacific/Auckland")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=120, check=True)
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
