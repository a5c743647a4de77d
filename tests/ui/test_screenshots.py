"""Every screen of the tablet app at 1280x800 (landscape) and 800x1280 (portrait).

The PNGs go to ``$MESOCHECK_SCREENSHOTS`` when it is set (look at them: ``python
scripts/screenshots.py`` does that), else to the test's temporary folder. Each screen is also
checked for cut-off text, overlapping widgets and touch targets under 48 px.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QDialog

from mesocheck.session import IntakeSession, PatientDetails
from mesocheck.store import Store
from mesocheck.ui.intake.pages import DisclosurePage, StepPage
from mesocheck.ui.intake.signing import ConsentPage
from mesocheck.ui.intake.summary import SummaryPage
from mesocheck.ui.intake.understanding import UnderstandingPage
from tests.support import intake_driver as drive
from tests.support.layout_check import layout_problems

SIZES = {"landscape": (1280, 800), "portrait": (800, 1280)}


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("MESOCHECK_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Camera:
    def __init__(self, qtbot, window, folder: Path, orientation: str):
        self.qtbot, self.window, self.folder, self.orientation = qtbot, window, folder, orientation
        self.count = 0
        self.problems: list[str] = []

    def __call__(self, name: str, dialog: QDialog | None = None) -> Path:
        self.count += 1
        QApplication.processEvents()
        self.qtbot.wait(30)  # let queued layout and paint events run
        image = self.window.grab()
        if dialog is not None:
            painter = QPainter(image)
            shot = dialog.grab()
            painter.fillRect(image.rect(), _dim())
            painter.drawPixmap(QPoint((image.width() - shot.width()) // 2,
                                      (image.height() - shot.height()) // 2), shot)
            painter.end()
            self.problems += [f"{name}: {p}" for p in layout_problems(dialog)]
        path = self.folder / f"{self.orientation}-{self.count:02d}-{name}.png"
        image.save(str(path))
        self.problems += [f"{name}: {p}" for p in layout_problems(self.window)]
        return path


def _dim():
    from PySide6.QtGui import QColor

    return QColor(20, 35, 46, 170)


def _unfinished(db_path: Path, form, names: list[str]) -> None:
    with Store.open(db_path) as store:
        for n, name in enumerate(names):
            session = IntakeSession.start(
                store, form,
                PatientDetails(name, date(1980 + n, 3, 14), "face",
                               datetime.now(timezone.utc) + timedelta(hours=n + 1)),
                zone=timezone.utc, device="front-desk")
            session.answer("consultation", True)
            session.arrive(session.pages()[n + 1])


@pytest.fixture(params=["plain", "pseudo", "clinic-fr"])
def words(request, tmp_path, monkeypatch):
    """The app's words as they are, in the pseudo-language (each accented and 40 % longer,
    as a longer language would be), or with a French-speaking clinic (the staff screens in
    French): no screen may cut them off."""
    if request.param == "clinic-fr":
        from mesocheck import i18n

        monkeypatch.setattr(i18n, "_clinic", "fr")
    if request.param == "pseudo":
        from mesocheck import i18n
        from scripts.catalogue import write_pseudo

        write_pseudo(tmp_path / "locale", "en")
        monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
        monkeypatch.setattr(i18n, "SOURCE_LANGUAGE", "none")
        i18n.translations.cache_clear()
    yield request.param
    if request.param == "pseudo":
        from mesocheck import i18n

        i18n.translations.cache_clear()


@pytest.mark.parametrize("orientation", SIZES)
def test_every_screen_looks_right(qtbot, make_window, db_path, form, shots, orientation,
                                  words):
    window = make_window(first_run=True)
    window.resize(*SIZES[orientation])
    shoot = Camera(qtbot, window, shots, orientation if words == "plain"
                   else f"{words}-{orientation}")

    assert window.current_screen == "first_run"  # no practitioner yet: set-up comes first
    setup = window.first_run
    shoot("setup-first-practitioner")
    drive.type_text(qtbot, setup.clinic, "Harbour Street Skin Clinic")
    drive.type_text(qtbot, setup.name, "Dr Rowan Hale")
    drive.type_text(qtbot, setup.pin, "264819")
    drive.type_text(qtbot, setup.pin_again, "2469")
    drive.click(qtbot, setup.create_button)
    shoot("setup-pins-differ")
    setup.pin_again.clear()
    drive.type_text(qtbot, setup.pin_again, "264819")
    drive.click(qtbot, setup.create_button)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    home = window.staff_home
    shoot("staff-start-intake")
    drive.click(qtbot, home.start_screen.go_button)
    shoot("staff-start-intake-errors")

    _unfinished(db_path, form, ["Maria Jones", "Tomasz Nowak-Kowalczyk"])
    home.open_screen("Unfinished intakes")
    qtbot.waitUntil(lambda: len(home.unfinished.items) == 2, timeout=5000)
    shoot("staff-unfinished")
    dialog = home.unfinished.ask_void(home.unfinished.items[0])
    drive.click(qtbot, dialog.accept_button)  # no reason given
    shoot("staff-void-reason", dialog)
    dialog.reject()

    home.open_screen("Start an intake")
    start = home.start_screen
    drive.type_text(qtbot, start.name, "Ada Lovelace-Byron")
    drive.set_date(start.birth_date, date(1990, 5, 1))
    drive.click(qtbot, start.area_buttons["scalp"])
    shoot("staff-start-intake-filled")
    drive.click(qtbot, start.go_button)
    qtbot.waitUntil(lambda: window.current_screen == "ready", timeout=5000)
    shoot("patient-ready")
    drive.begin(qtbot, window)
    wizard = window.wizard

    seen_kinds: set[str] = set()
    while not isinstance(wizard.current, ConsentPage):
        page = wizard.current
        key = page.title.lower().replace(" ", "-")[:30]
        if isinstance(page, StepPage):
            if page.step.id == "health":
                drive.click(qtbot, wizard.show_me)
                drive.answer(qtbot, page.views["conditions_other"], "x" * 1001)
                shoot(f"step-{key}-errors")
                page.views["conditions_other"].input.edit.clear()
            if page.step.id == "medicines":
                drive.fill_step(qtbot, page, {"medicines_any": True,
                                              "medicine_kinds": ["blood_pressure", "other"],
                                              "medicines_list": "Ramipril 5 mg once a day"})
            elif page.step.id == "alcohol_caffeine":
                yesterday = date.today() - timedelta(days=1)
                drive.fill_step(qtbot, page, {"last_alcohol": (yesterday, (20, 30))})
            else:
                drive.fill_step(qtbot, page, {"allergies_any": True,
                                              "allergies_details": "Penicillin: a rash"})
            shoot(f"step-{key}")
        elif isinstance(page, DisclosurePage):
            if page.disclosure.kind not in seen_kinds:
                seen_kinds.add(page.disclosure.kind)
                shoot(f"card-{page.disclosure.kind}-{key}")
            drive.acknowledge(qtbot, page)
        elif isinstance(page, SummaryPage):
            shoot("summary")
            page.scroll.verticalScrollBar().setValue(page.scroll.verticalScrollBar().maximum())
            shoot("summary-end")
        elif isinstance(page, UnderstandingPage):
            shoot("understanding")
            drive.miss_understanding_once(qtbot, wizard, page, {"sun_after": "nothing"},
                                          lambda: shoot("understanding-right-answer-shown"))
        drive.click(qtbot, wizard.next_button)

    consent = wizard.current
    shoot("consent-empty")
    window.on_idle()
    shoot("idle-still-there")
    drive.click(qtbot, window.prompt.button)
    drive.type_text(qtbot, consent.name, "Ada Lovelace-Byron")
    drive.stroke(consent.pad, [(60, 80), (64, 83), (66, 85)])
    drive.click(qtbot, wizard.next_button)
    shoot("consent-scribble-refused")
    drive.click(qtbot, consent.clear_button)
    drive.sign(consent.pad)
    consent.scroll.ensureWidgetVisible(consent.pad)
    shoot("consent-signed")
    drive.click(qtbot, wizard.next_button)
    qtbot.waitUntil(lambda: window.current_screen == "thanks", timeout=10_000)
    shoot("thank-you")

    window.show_welcome()
    drive.settle(qtbot, window)  # the count of waiting forms is read after the consent PDF
    qtbot.waitUntil(lambda: window.welcome.waiting.isVisible(), timeout=5000)
    shoot("welcome")
    window.request_staff()
    qtbot.waitUntil(lambda: window.sign_in.group.buttons() != []
                    and window.sign_in.group.buttons()[0].isVisible(), timeout=5000)
    drive.click(qtbot, window.sign_in.group.buttons()[0])
    drive.type_text(qtbot, window.sign_in.pin, "1111")
    drive.click(qtbot, window.sign_in.sign_in_button)
    qtbot.waitUntil(lambda: window.sign_in.error.isVisible(), timeout=5000)
    shoot("staff-sign-in-wrong-pin")

    drive.click(qtbot, window.sign_in.cancel_button)
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    home = window.staff_home
    home.open_screen("Unfinished intakes")
    qtbot.waitUntil(lambda: len(home.unfinished.items) == 2, timeout=5000)
    window.resume_intake(home.unfinished.items[0].intake_id)
    qtbot.waitUntil(lambda: window.current_screen == "ready", timeout=5000)
    shoot("patient-ready-resuming")
    drive.begin(qtbot, window)
    shoot("step-resumed")
    drive.click(qtbot, window.wizard.stop_button)
    stop = window.findChild(QDialog, "dialog")
    shoot("stop-and-hand-back", stop)
    drive.click(qtbot, stop.accept_button)

    window.show_welcome()
    drive.click(qtbot, window.welcome.start_button)
    shoot("walk-in")

    assert seen_kinds == {"risk", "evidence", "cost", "records"}
    assert shoot.problems == [], "\n".join(shoot.problems)
