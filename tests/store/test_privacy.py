"""Patient data never reaches an exception message (they are shown and logged alike)."""

import subprocess
import sys

import pytest

from mesocheck.store import IntakeLocked, InvalidState, StoreError

from tests.support.store_rows import PATIENT, PRACTITIONER, signature, start, submitted

SECRET_DOB = "14/07/1990"


def messages_of(error: BaseException) -> str:
    texts = []
    while error is not None:
        texts.append(str(error))
        error = error.__cause__ or error.__context__
    return " | ".join(texts)


def test_errors_do_not_quote_the_patient(staffed):
    store = staffed
    intake_id = submitted(store)
    attempts = [
        lambda: store.save_answer(intake_id, "allergies", PATIENT),
        lambda: store.amend_answer(intake_id, "allergies", PATIENT, "", PRACTITIONER),
        lambda: store.submit(intake_id, signature=signature(), flags=[]),
        lambda: store.start_intake(**{**_fields(), "birth_date": SECRET_DOB}),
        lambda: store.start_intake(**{**_fields(), "appointment_at": f"{PATIENT} 10:00"}),
        lambda: store.submit(start(store), signature=signature(printed_name=" "), flags=[]),
        lambda: store.save_answer(start(store), "q", {PATIENT}),
        lambda: store.decide(store.intake(intake_id).flags[0].id, "proceed", "", 2),
    ]
    for attempt in attempts:
        with pytest.raises((StoreError, ValueError, TypeError)) as caught:
            attempt()
        text = messages_of(caught.value)
        assert PATIENT not in text and SECRET_DOB not in text, text
    with pytest.raises(IntakeLocked):
        attempts[0]()
    with pytest.raises(InvalidState):
        attempts[2]()


def _fields():
    from tests.support.store_rows import intake_fields

    return intake_fields()


def test_the_store_runs_without_qt():
    code = ("import sys, mesocheck.store, mesocheck.store.verify, mesocheck.store.backup, "
            "mesocheck.store.bulk; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'PyQt5', 'PyQt6', 'shiboken6')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
