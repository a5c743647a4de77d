"""Saving: one background writer; answers written after a pause in typing; a refused write is
shown plainly, kept and retried; the consent PDF is made after submission, in the background."""

from __future__ import annotations

import threading

from mesocheck.store import DiskFull, Store
from tests.support import intake_driver as drive


def test_answers_are_saved_after_a_pause_without_pressing_next(qtbot, make_window, db_path):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    drive.answer(qtbot, wizard.current.views["consultation"], True)
    assert wizard.session.has_pending and wizard.save_timer.isActive()
    qtbot.waitUntil(lambda: not wizard.session.has_pending and window.db.pending == 0,
                    timeout=3000)
    with Store.open(db_path) as store:
        assert store.intake(wizard.session.intake_id).answers == {"consultation": True}


def test_writes_happen_on_the_one_writer_thread(qtbot, make_window, monkeypatch):
    threads = set()
    real = Store.save_answers

    def spy(self, *args, **kwargs):
        threads.add(threading.current_thread().name)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "save_answers", spy)
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    drive.answer(qtbot, wizard.current.views["consultation"], True)
    wizard.save_now()
    drive.settle(qtbot, window)
    assert threads == {"mesocheck-db"}


def test_a_full_disk_is_shown_and_the_save_retried(qtbot, make_window, db_path, monkeypatch):
    failures = {"left": 3}
    real = Store.save_answers

    def flaky(self, *args, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise DiskFull()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "save_answers", flaky)
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    with qtbot.waitSignal(window.db.trouble, timeout=3000):
        drive.answer(qtbot, wizard.current.views["consultation"], True)
        wizard.save_now()
    assert wizard.status.isVisible()
    assert "The disk is full" in wizard.status.text()
    assert "could not be saved yet" in wizard.status.text()
    assert wizard.current.views["consultation"].raw() is True  # nothing lost on screen
    qtbot.waitUntil(lambda: not wizard.status.isVisible(), timeout=5000)
    drive.settle(qtbot, window)
    with Store.open(db_path) as store:
        assert store.intake(wizard.session.intake_id).answers == {"consultation": True}


def _submit(qtbot, window):
    wizard = drive.start_walk_in(qtbot, window)
    drive.walk_to(qtbot, wizard, "consent")
    consent = wizard.current
    drive.type_text(qtbot, consent.name, "Ada Example")
    drive.sign(consent.pad)
    intake_id = wizard.session.intake_id
    drive.click(qtbot, wizard.next_button)
    qtbot.waitUntil(lambda: window.current_screen == "thanks", timeout=10_000)
    return intake_id


def test_the_consent_pdf_is_made_in_the_background(qtbot, make_window, db_path):
    window = make_window()
    intake_id = _submit(qtbot, window)
    qtbot.waitUntil(lambda: intake_id not in window.pdf_jobs, timeout=30_000)
    assert not window.thanks.document_row.isVisible()
    with Store.open(db_path) as store:
        kinds = [d.kind for d in store.intake(intake_id).documents]
    assert kinds == ["consent", "patient_copy"]


def test_a_form_voided_meanwhile_says_so(qtbot, make_window, db_path):
    window = make_window()
    wizard = drive.start_walk_in(qtbot, window)
    drive.settle(qtbot, window)
    with Store.open(db_path) as store:  # staff void it on another device
        store.void(wizard.session.intake_id, "Duplicate form.", "system")
    with qtbot.waitSignal(window.db.refused, timeout=3000):
        drive.answer(qtbot, wizard.current.views["consultation"], True)
        wizard.save_now()
    assert wizard.status.isVisible()
    assert "Please hand the tablet to the staff." in wizard.status.text()
