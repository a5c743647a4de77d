"""Every patient in their own language: a practitioner offers the translations, the patient
picks one on the welcome screen (or staff pick it when starting), and the whole intake is
then in that language, laid out right to left for Arabic, and stored with it."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QCoreApplication, Qt

from mesocheck.forms.flow import disclosure_text_hash
from mesocheck.i18n import translations
from mesocheck.store import Store
from mesocheck.store.audit import staff_actor
from tests.support import intake_driver as drive

EVERY = ["en", "es", "fr", "ar", "zh"]
NAMES = {"en": "English", "es": "Español", "fr": "Français", "ar": "العربية", "zh": "中文"}


def _offer(db_path, languages):
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with Store.open(db_path) as store:
        store.set_settings({"patient_languages": languages}, "system")


def test_only_english_until_a_practitioner_offers_a_translation(qtbot, make_window, db_path,
                                                                practitioner):
    window = make_window()
    assert window.welcome.language_buttons == {}  # one language: no choice to make
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    screen = window.staff_home.open_screen("Staff")
    qtbot.waitUntil(lambda: len(getattr(screen, "rows", {})) > 0, timeout=5000)
    boxes = screen.patient_languages
    assert list(boxes) == EVERY
    assert boxes["en"].isChecked() and not boxes["en"].isEnabled()  # the form's own
    assert not any(boxes[code].isChecked() for code in EVERY[1:])
    # Each says plainly that nobody qualified has checked it yet.
    assert "not yet checked by a qualified person" in boxes["ar"].label_text()
    drive.click(qtbot, boxes["es"])
    drive.click(qtbot, boxes["ar"])
    drive.click(qtbot, screen.save_button)
    dialog = screen.unchecked_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert any("Español, العربية" in text for text in drive.visible_texts(dialog))
    dialog.reject()  # on second thoughts: nothing saved
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
    with Store.open(db_path) as store:
        assert store.settings()["patient_languages"] == []
    drive.click(qtbot, screen.save_button)
    dialog = screen.unchecked_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    drive.click(qtbot, dialog.accept_button)
    qtbot.waitUntil(lambda: screen.settings_status.text() != "", timeout=5000)
    with Store.open(db_path) as store:
        assert store.settings()["patient_languages"] == ["es", "ar"]
        who = store.connection.execute(
            "SELECT actor FROM audit WHERE action = 'settings' ORDER BY id DESC").fetchone()[0]
    assert who == staff_actor(practitioner)  # who offered them, and when (the audit row)
    # The start screen asks staff which of them the patient reads.
    start = window.staff_home.start_screen
    assert list(start.language_buttons) == ["en", "es", "ar"] and not start.language_box.isHidden()
    drive.click(qtbot, window.staff_home.lock_button)
    buttons = window.welcome.language_buttons
    assert [buttons[c].text() for c in buttons] == ["English", "Español", "العربية"]
    assert buttons["en"].isChecked()


@pytest.mark.parametrize("language", EVERY)
def test_a_patient_walks_the_whole_intake_in_their_language(qtbot, make_window, db_path,
                                                            practitioner, form, language):
    _offer(db_path, EVERY[1:])
    window = make_window()
    _p = translations(language).gettext
    if language != "en":
        drive.click(qtbot, window.welcome.language_buttons[language])
        qtbot.waitUntil(lambda: window.welcome.language == language, timeout=3000)
    welcome = window.welcome
    assert welcome.start_button.text() == _p("Start my form")
    rtl = language == "ar"
    expected = Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight
    assert welcome.layoutDirection() == expected
    if language in ("es", "ar"):  # Qt's own words come in the patient's language too
        assert QCoreApplication.translate("QLineEdit", "&Undo") != "&Undo"
    intake_id = drive.walk_in_and_sign(qtbot, window, {"sun_recent": True})
    assert window.thanks.layoutDirection() == expected
    assert any(_p("Thank you") == t for t in drive.visible_texts(window.thanks))
    drive.settle(qtbot, window)
    with Store.open(db_path) as store:
        record = store.intake(intake_id)
    assert record.language == language and record.status == "submitted"
    assert record.answers["sun_recent"] is True
    assert [f.rule_id for f in record.flags] == ["sun_recent"]
    for ack in record.acknowledgements:  # bound to the words shown, in that language
        assert ack.text_hash == disclosure_text_hash(form.disclosure(ack.disclosure_id),
                                                     language)
    # The next patient finds the form's own language, and Qt's words again.
    window.show_welcome()
    assert window.welcome.language == "en"
    assert window.welcome.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert QCoreApplication.translate("QLineEdit", "&Undo") == "&Undo"


def test_the_arabic_wizard_is_mirrored(qtbot, make_window, db_path, practitioner):
    _offer(db_path, ["ar"])
    window = make_window()
    drive.click(qtbot, window.welcome.language_buttons["ar"])
    qtbot.waitUntil(lambda: window.welcome.language == "ar", timeout=3000)
    wizard = drive.start_walk_in(qtbot, window)
    assert wizard.layoutDirection() == Qt.LayoutDirection.RightToLeft
    drive.settle(qtbot, window)
    # Next ends the footer's row on the left, Back on the right: read from the screen.
    back, forward = wizard.back_button, wizard.next_button
    left_of = lambda a, b: a.mapTo(window, a.rect().center()).x() < \
        b.mapTo(window, b.rect().center()).x()  # noqa: E731
    assert left_of(forward, back)
    page = wizard.current
    question = next(iter(page.views.values()))
    assert question.layoutDirection() == Qt.LayoutDirection.RightToLeft


def test_staff_start_an_intake_in_the_patients_language(qtbot, make_window, db_path,
                                                        practitioner):
    _offer(db_path, ["fr", "zh"])
    window = make_window()
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    start = window.staff_home.start_screen
    window.staff_home.open_screen("Start an intake")
    assert [b.label_text() for b in start.language_buttons.values()] == ["English", "Français", "中文"]
    drive.type_text(qtbot, start.name, "Wang Xiaoming")
    start.birth_date.set_value(date(1980, 2, 3))
    drive.click(qtbot, start.area_buttons["face"])
    drive.click(qtbot, start.language_buttons["zh"])
    drive.click(qtbot, start.go_button)
    qtbot.waitUntil(lambda: window.current_screen == "ready", timeout=5000)
    _p = translations("zh").gettext
    assert window.ready.begin_button.text() == _p("Begin")
    wizard = drive.begin(qtbot, window)
    assert wizard.session.language == "zh"
    assert wizard.next_button.text() == _p("Next  ›")


def test_the_practitioner_reads_an_arabic_intake_in_both_languages(qtbot, make_window, db_path,
                                                                   practitioner, form, tmp_path):
    from PySide6.QtWidgets import QLabel

    from tests.support.review_driver import settle

    _offer(db_path, ["ar"])
    window = make_window()
    drive.click(qtbot, window.welcome.language_buttons["ar"])
    qtbot.waitUntil(lambda: window.welcome.language == "ar", timeout=3000)
    intake_id = drive.walk_in_and_sign(qtbot, window, {"sun_recent": True})
    drive.settle(qtbot, window)
    window.show_welcome()
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    assert window.staff_home.layoutDirection() == Qt.LayoutDirection.LeftToRight
    panel = window.staff_home.open_screen("Review queue")
    settle(qtbot, panel)
    panel.open_intake(intake_id)
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.detail, timeout=5000)
    texts = [w.text() for w in panel.detail.findChildren(QLabel)]
    question = form.question("sun_recent")
    both = [t for t in texts if t.startswith(question.text.get("en"))]
    assert both, "the question in the clinic's language"
    assert any(question.text.get("ar") in t and "العربية" in t for t in both)
    flag_rule = form.rule("sun_recent")
    assert flag_rule.practitioner.get("en") in texts  # what the flag asks, in the clinic's words
    assert flag_rule.practitioner.get("ar") not in texts
    yes = translations("ar").gettext("Yes")
    assert any(t.startswith("\u2068Yes") and yes in t for t in texts)  # the answer in both
    # Both languages fit the review screen, landscape and portrait (saved to look at).
    import os
    from pathlib import Path

    from tests.support.layout_check import layout_problems

    folder = Path(os.environ.get("MESOCHECK_SCREENSHOTS") or tmp_path)
    for size in ((1280, 800), (800, 1280)):
        window.resize(*size)
        qtbot.wait(50)
        window.grab().save(str(folder / f"review-arabic-intake-{size[0]}x{size[1]}.png"))
        assert layout_problems(window) == []


def test_the_staff_sign_in_speaks_the_clinics_language(qtbot, make_window, practitioner,
                                                       monkeypatch):
    from mesocheck import i18n

    monkeypatch.setattr(i18n, "_clinic", "fr")  # as the app sets it from clinic_language
    window = make_window()
    window.request_staff()
    screen = window.sign_in
    qtbot.waitUntil(lambda: screen.group.buttons() != [], timeout=5000)
    assert screen.heading.text() == "Connexion du personnel"
    assert screen.sign_in_button.text() == "Se connecter"
    assert "Praticien" in screen.group.buttons()[0].label_text()  # the role, in French
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    home = window.staff_home
    assert home.lock_button.text() == "Verrouiller"
    assert [b.text() for b in home.nav_group.buttons()][:2] == [
        "Commencer une admission", "Formulaires inachevés"]
    home.open_screen("Unfinished intakes")  # screens keep their English names in the code
    assert home.nav_group.buttons()[1].isChecked()
    admin = home.open_screen("Staff")
    assert admin.save_button.text() == "Enregistrer les réglages"
    assert admin.idle.itemText(0) == "1 minute" and admin.idle.itemText(1) == "2 minutes"


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the review's dialogs, offscreen
def test_a_french_clinic_reviews_in_french(qtbot, make_window, db_path, practitioner, form,
                                           tmp_path, monkeypatch):
    """Queue, review detail, decision and countersignature dialogs and the patient's history
    all speak the clinic's language, and fit both screen shapes (saved to look at)."""
    import os
    from pathlib import Path

    from PySide6.QtWidgets import QLabel

    from mesocheck import i18n
    from tests.support.layout_check import layout_problems
    from tests.support.review_driver import settle

    window = make_window()
    intake_id = drive.walk_in_and_sign(qtbot, window, {"sun_recent": True})
    drive.settle(qtbot, window)
    window.show_welcome()
    monkeypatch.setattr(i18n, "_clinic", "fr")  # as the app sets it from clinic_language
    drive.sign_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen == "staff", timeout=5000)
    panel = window.staff_home.open_screen("Review queue")
    settle(qtbot, panel)
    folder = Path(os.environ.get("MESOCHECK_SCREENSHOTS") or tmp_path)

    def look(name: str, widget=None, scroll_to=None) -> None:
        for size in ((1280, 800), (800, 1280)):
            window.resize(*size)
            if widget is not None:
                widget.resize(min(size[0] - 80, 900), min(size[1] - 80, 760))
            qtbot.wait(50)
            if scroll_to is not None:
                panel.detail.scroll.verticalScrollBar().setValue(scroll_to.y())  # at the top
                qtbot.wait(20)
            (widget or window).grab().save(str(folder / f"clinic-fr-{name}-{size[0]}x{size[1]}.png"))
            assert layout_problems(widget or window) == [], name

    model = panel.queue.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)]
    assert headers == ["Priorité", "Patient", "Rendez-vous", "Statut", "Alertes"]
    assert panel.queue.count_label.text() == "1 formulaire"
    assert model.index(0, 3).data() == "En attente d'examen"
    assert panel.queue.status.itemText(0) == "Tous les statuts"
    assert model.index(0, 2).data().startswith("Aujourd'hui ")
    look("review-queue")

    panel.open_intake(intake_id)
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.detail, timeout=5000)
    texts = [w.text() for w in panel.detail.findChildren(QLabel)]
    assert any(t.startswith("Alertes (") for t in texts)
    assert not any(t.startswith("Flags (") for t in texts)
    assert any(t.startswith("Confirmé ") for t in texts)  # each card read and acknowledged
    card = panel.detail.flag_cards[0]
    assert card.buttons["proceed"].text() in ("Poursuivre…", "Passer outre et poursuivre…")
    look("review-detail")
    checked = next(w for w in panel.detail.findChildren(QLabel)
                   if w.text() == "Compréhension vérifiée avant la signature")
    look("review-detail-understanding", scroll_to=checked)  # every try, and what is above

    dialog = panel.ask_decision(card.flag, "postpone")
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert dialog.windowTitle() == "Reporter le traitement"
    assert dialog.save_button.text() == "Enregistrer : reporter"
    assert dialog.cancel_button.text() == "Annuler"
    assert dialog.set_date.text() == "Fixer une nouvelle date de rendez-vous"
    look("decision", dialog)
    dialog.reject()

    history = panel.open_history(intake_id)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.history, timeout=5000)
    qtbot.waitUntil(lambda: panel.history.records != [], timeout=5000)
    texts = [w.text() for w in panel.history.findChildren(QLabel)]
    assert any(t.startswith("Visites (1)") for t in texts)
    assert any(t.startswith("Formulaire mesotherapy version") for t in texts)
    look("history")
