"""Starting an intake for a known patient: staff are offered the patient's record (a near
match is warned of, without blocking); a patient at the tablet joins their own record only
on an exact match and never sees another patient's details."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QWidget

from mesocheck.store import Store
from tests.support import intake_driver as drive
from tests.support.store_rows import intake_fields

BORN = date(1985, 2, 3)


def _known(db_path, name: str = "Maria Jones") -> int:
    with Store.open(db_path) as store:
        intake_id = store.start_intake(**intake_fields(name=name, birth_date=BORN))
        return store.intake(intake_id).patient.id


def _patient_of(db_path, intake_id: str) -> int:
    with Store.open(db_path) as store:
        return store.intake(intake_id).patient.id


def _patients(db_path) -> int:
    with Store.open(db_path) as store:
        return store.connection.execute("SELECT count(*) FROM patients").fetchone()[0]


def _staff_start(qtbot, window, name: str) -> QWidget:
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    start = window.staff_home.start_screen
    drive.type_text(qtbot, start.name, name)
    drive.set_date(start.birth_date, BORN)
    drive.click(qtbot, start.area_buttons["neck"])
    drive.click(qtbot, start.go_button)
    qtbot.waitUntil(lambda: window.findChild(QWidget, "dialog") is not None
                    and window.findChild(QWidget, "dialog").isVisible(), timeout=5000)
    return window.findChild(QWidget, "dialog")


def test_staff_are_offered_the_known_patients_record(qtbot, make_window, db_path):
    known = _known(db_path)
    window = make_window()
    dialog = _staff_start(qtbot, window, "maria  JONES")
    assert dialog.title_label.text() == "This patient is known"
    assert "Maria Jones, born 3 February 1985 (1 earlier visit)" in dialog.text_label.text()
    assert dialog.accept_button.text() == "Use their record"
    drive.click(qtbot, dialog.accept_button)
    qtbot.waitUntil(lambda: window.current_screen == "ready", timeout=5000)
    drive.begin(qtbot, window)
    intake_id = window.wizard.session.intake_id
    drive.settle(qtbot, window)
    assert _patient_of(db_path, intake_id) == known
    assert _patients(db_path) == 1


def test_a_near_match_is_warned_of_and_a_new_record_can_still_be_made(
        qtbot, make_window, db_path):
    known = _known(db_path)
    window = make_window()
    dialog = _staff_start(qtbot, window, "Maria Jonnes")
    assert dialog.title_label.text() == "Likely the same patient"
    assert "Maria Jones, born 3 February 1985" in dialog.text_label.text()
    drive.click(qtbot, dialog.reject_button)  # "New patient record": not blocked
    qtbot.waitUntil(lambda: window.current_screen == "ready", timeout=5000)
    drive.begin(qtbot, window)
    intake_id = window.wizard.session.intake_id
    drive.settle(qtbot, window)
    assert _patient_of(db_path, intake_id) != known
    assert _patients(db_path) == 2


def test_a_walk_in_joins_their_record_only_on_an_exact_match(qtbot, make_window, db_path):
    known = _known(db_path)
    _known(db_path, "Maria Jonnes")  # someone else born the same day, similar name
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window, name="MARIA jones", area="neck", birth=BORN)
    assert window.findChild(QWidget, "dialog") is None  # nobody else's details shown
    assert not any("Jonnes" in t for t in drive.visible_texts(window))
    intake_id = wizard.session.intake_id
    drive.settle(qtbot, window)
    assert _patient_of(db_path, intake_id) == known

    window.reset_to_welcome()
    wizard = drive.start_walk_in(qtbot, window, name="Maria Jone", area="neck", birth=BORN)
    intake_id = wizard.session.intake_id
    drive.settle(qtbot, window)
    assert _patient_of(db_path, intake_id) != known
    assert _patients(db_path) == 3


def test_the_offer_and_the_course_settings_fit_both_orientations(qtbot, make_window, db_path,
                                                                 tmp_path):
    """The known-patient dialog and the course settings: nothing cut off, targets big
    enough, in landscape and portrait (saved to $MESOCHECK_SCREENSHOTS to look at)."""
    import os
    from pathlib import Path

    from tests.support.layout_check import layout_problems

    _known(db_path)
    folder = Path(os.environ.get("MESOCHECK_SCREENSHOTS") or tmp_path)
    window = make_window()
    for size in ((1280, 800), (800, 1280)):
        window.resize(*size)
        dialog = _staff_start(qtbot, window, "Maria Jones")
        qtbot.wait(30)
        assert layout_problems(dialog) == []
        dialog.grab().save(str(folder / f"known-patient-{size[0]}x{size[1]}.png"))
        dialog.reject()  # a new record: the intake starts and the tablet goes to the patient
        qtbot.waitUntil(lambda: window.current_screen == "ready", timeout=5000)
        window.reset_to_welcome()
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    for size in ((1280, 800), (800, 1280)):
        window.resize(*size)
        screen = window.staff_home.open_screen("Staff")
        screen.scroll.ensureWidgetVisible(screen.course_months)
        qtbot.wait(30)
        assert layout_problems(window) == []
        window.grab().save(str(folder / f"course-settings-{size[0]}x{size[1]}.png"))
