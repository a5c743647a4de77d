"""Every screen of a patient's intake in Spanish and in Arabic (right to left), at 1280x800
and 800x1280: saved to ``$MESOCHECK_SCREENSHOTS`` when it is set (``python
scripts/screenshots.py`` runs this too), and each checked for cut-off text, overlapping
widgets and small touch targets, as the English screens are."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mesocheck.store import Store
from mesocheck.ui.intake.pages import DisclosurePage, StepPage
from mesocheck.ui.intake.signing import ConsentPage
from mesocheck.ui.intake.summary import SummaryPage
from mesocheck.ui.intake.understanding import UnderstandingPage
from tests.support import intake_driver as drive
from tests.ui.test_screenshots import SIZES, Camera, shots  # noqa: F401 (a fixture)


@pytest.mark.parametrize("orientation", SIZES)
@pytest.mark.parametrize("language", ["es", "ar"])
def test_every_patient_screen_in_the_patients_language(qtbot, make_window, db_path, shots,
                                                       orientation, language):
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with Store.open(db_path) as store:
        store.set_settings({"clinic_name": "Harbour Street Skin Clinic",
                            "patient_languages": ["es", "fr", "ar", "zh"]}, "system")
    window = make_window()
    window.resize(*SIZES[orientation])
    shoot = Camera(qtbot, window, shots, f"{language}-{orientation}")

    drive.click(qtbot, window.welcome.language_buttons[language])
    qtbot.waitUntil(lambda: window.welcome.language == language, timeout=3000)
    shoot("welcome")
    drive.click(qtbot, window.welcome.start_button)
    walk_in = window.walk_in
    drive.click(qtbot, walk_in.go_button)  # nothing filled in: every message shows
    shoot("walk-in-errors")
    drive.type_text(qtbot, walk_in.name, "Layla Haddad" if language == "ar" else "Jose Nunez")
    drive.set_date(walk_in.birth_date, date(1990, 5, 1))
    drive.click(qtbot, walk_in.area_buttons["scalp"])
    shoot("walk-in")
    drive.click(qtbot, walk_in.go_button)
    qtbot.waitUntil(lambda: window.current_screen == "wizard", timeout=5000)
    wizard = window.wizard

    while not isinstance(wizard.current, ConsentPage):
        page = wizard.current
        if isinstance(page, StepPage):
            if page.step.id == "health":
                drive.click(qtbot, wizard.show_me)
                shoot(f"step-{page.step.id}-errors")
            overrides = {"medicines_any": True, "medicine_kinds": ["blood_pressure", "other"],
                         "medicines_list": "Ramipril 5 mg once a day",
                         "last_alcohol": (date.today() - timedelta(days=1), (20, 30)),
                         "allergies_any": True, "allergies_details": "Penicillin: a rash"}
            drive.fill_step(qtbot, page, overrides)
            shoot(f"step-{page.step.id}")
        elif isinstance(page, DisclosurePage):
            drive.acknowledge(qtbot, page)
            shoot(f"card-{page.disclosure.id}")
        elif isinstance(page, SummaryPage):
            shoot("summary")
            bar = page.scroll.verticalScrollBar()
            bar.setValue(bar.maximum())
            shoot("summary-end")
        elif isinstance(page, UnderstandingPage):
            drive.miss_understanding_once(qtbot, wizard, page, {"sun_after": "nothing"},
                                          lambda: shoot("understanding-right-answer-shown"))
        drive.click(qtbot, wizard.next_button)

    consent = wizard.current
    shoot("consent-empty")
    window.on_idle()
    shoot("idle-still-there")
    drive.click(qtbot, window.prompt.button)
    drive.type_text(qtbot, consent.name, "Layla Haddad" if language == "ar" else "Jose Nunez")
    drive.sign(consent.pad)
    consent.scroll.ensureWidgetVisible(consent.pad)
    shoot("consent-signed")
    drive.click(qtbot, wizard.next_button)
    qtbot.waitUntil(lambda: window.current_screen == "thanks", timeout=10_000)
    shoot("thank-you")
    drive.settle(qtbot, window)
    assert shoot.count > 20
    assert shoot.problems == [], "\n".join(shoot.problems)


@pytest.mark.parametrize("orientation", SIZES)
def test_a_returning_patients_check_in_in_arabic(qtbot, make_window, db_path, shots,
                                                 orientation):
    """Layla signed her course consent in Arabic; her next visit is the check-in, right to
    left, her answers from last time marked to confirm."""
    import random

    from mesocheck.forms.registry import default_form
    from tests.support.intakes import fill_intake

    db_path.parent.mkdir(parents=True, exist_ok=True)
    with Store.open(db_path) as store:
        store.set_settings({"patient_languages": ["ar"]}, "system")
        fill_intake(store, default_form(), random.Random(3), name="Layla Haddad",
                    birth=date(1990, 5, 1), area="scalp",
                    answers={"conditions": ["diabetes"], "allergies_any": True,
                             "allergies_details": "البنسلين"})
    window = make_window()
    window.resize(*SIZES[orientation])
    shoot = Camera(qtbot, window, shots, f"ar-checkin-{orientation}")
    drive.click(qtbot, window.welcome.language_buttons["ar"])
    qtbot.waitUntil(lambda: window.welcome.language == "ar", timeout=3000)
    wizard = drive.start_walk_in(qtbot, window, name="Layla Haddad", area="scalp")
    assert wizard.session.continues is not None and wizard.session.language == "ar"
    while not isinstance(wizard.current, ConsentPage):
        page = wizard.current
        if isinstance(page, StepPage):
            shoot(f"step-{page.step.id}")
            if page.step.id == "your_health":
                assert page.views["conditions"].carried_label.isVisible()
                assert page.views["conditions"].carried_label.text() == \
                    "إجابتك في زيارتك الأخيرة: تأكد أنها ما زالت صحيحة"
            drive.fill_step(qtbot, page, {"recent_24_hours": ["caffeine"]})
        elif isinstance(page, DisclosurePage):
            drive.acknowledge(qtbot, page)
            shoot(f"card-{page.disclosure.id}")
        elif isinstance(page, SummaryPage):
            shoot("summary")
        drive.click(qtbot, wizard.next_button)
    consent = wizard.current
    drive.type_text(qtbot, consent.name, "Layla Haddad")
    drive.sign(consent.pad)
    consent.scroll.ensureWidgetVisible(consent.pad)
    shoot("consent-signed")
    assert shoot.problems == [], "\n".join(shoot.problems)
