"""Driving the tablet app like a person: clicks, typing, strokes on the signature pad."""

from __future__ import annotations

import math
from datetime import date

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QComboBox, QWidget

from mesocheck.ui.intake.inputs import (
    ChoiceInput,
    LastTakenInput,
    MomentInput,
    MultiChoiceInput,
    TextInput,
)
from mesocheck.ui.intake.pages import DisclosurePage, StepPage
from mesocheck.ui.intake.questions import QuestionView
from mesocheck.ui.intake.signing import ConsentPage
from mesocheck.ui.intake.summary import SummaryPage
from mesocheck.ui.intake.understanding import UnderstandingPage
from tests.support.answers import plain_answer


def settle(qtbot, window) -> None:
    """Wait until every queued database job has come back."""
    qtbot.waitUntil(lambda: window.db.pending == 0, timeout=10_000)


def click(qtbot, widget: QWidget) -> None:
    assert widget.isVisible(), f"{widget!r} is not visible"
    assert widget.isEnabled(), f"{widget!r} is disabled"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_text(qtbot, widget: QWidget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def pick(combo: QComboBox, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not in {combo.accessibleName()}"
    combo.setCurrentIndex(index)


def set_date(field, day: date) -> None:
    """Pick the day, month and year in the field's lists (the months in its language)."""
    pick(field.day, str(day.day))
    field.month.setCurrentIndex(day.month - 1)
    pick(field.year, str(day.year))


def answer(qtbot, view: QuestionView, value) -> None:
    """Give an answer through the question's own widgets."""
    widget = view.input
    if isinstance(widget, ChoiceInput):
        click(qtbot, widget.buttons[widget.values.index(value)])
    elif isinstance(widget, MultiChoiceInput):
        for option_value, _exclusive, box in widget.boxes:
            if (option_value in value) != box.isChecked():
                click(qtbot, box)
    elif isinstance(widget, TextInput):
        widget.edit.setFocus()
        qtbot.keyClicks(widget.edit, value)
    elif isinstance(widget, LastTakenInput):
        if value in ("never", "not_recent"):
            click(qtbot, widget.buttons[value])
        else:
            click(qtbot, widget.buttons["on"])
            set_date(widget.moment.date, value if isinstance(value, date) else value[0])
            if widget.moment.time is not None:
                hour, minute = value[1]
                pick(widget.moment.time.hour, f"{hour:02d}")
                pick(widget.moment.time.minute, f"{minute:02d}")
    elif isinstance(widget, MomentInput):
        set_date(widget.date, value)
    else:
        raise AssertionError(f"no driver for {type(widget).__name__}")


def fill_step(qtbot, page: StepPage, overrides: dict | None = None) -> None:
    """Answer the step's questions as they show (``overrides`` by question id); an answer
    carried from the last visit is confirmed as it is, as a quick patient does."""
    overrides = overrides or {}
    done: set[str] = set()
    while True:  # answers can reveal more questions: go until nothing new shows
        todo = [q for q in page.session.shown_questions(page.step) if q.id not in done]
        if not todo:
            return
        for question in todo:
            done.add(question.id)
            if question not in page.session.shown_questions(page.step):
                continue  # an earlier answer here hid it
            if question.id in page.session.carried and question.id not in overrides:
                continue
            value = overrides.get(question.id, plain_answer(question))
            if value is not None:
                answer(qtbot, page.views[question.id], value)


def acknowledge(qtbot, page: DisclosurePage) -> None:
    """Read the card to its end (scrolled, where it scrolls), then "I understand"."""
    bar = page.body_scroll.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: page.understood.isEnabled(), timeout=3000)
    if not page.understood.isChecked():
        click(qtbot, page.understood)


def answer_understanding(qtbot, page: UnderstandingPage, chosen: dict | None = None) -> None:
    """Tap an option for each question of the check: the right one unless ``chosen`` names
    another (by option value)."""
    for qid, view in page.questions.items():
        value = (chosen or {}).get(qid, view.question.answer)
        index = [o.value for o in view.question.options].index(value)
        click(qtbot, view.buttons[index])


def walk_to(qtbot, wizard, kind: str, overrides: dict | None = None) -> None:
    """Answer and acknowledge page by page, with Next, until a page of ``kind`` shows (the
    understanding check answered right on the way)."""
    for _ in range(60):
        page = wizard.current
        if isinstance(page, {"summary": SummaryPage, "consent": ConsentPage,
                             "disclosure": DisclosurePage, "step": StepPage,
                             "understanding": UnderstandingPage}[kind]):
            return
        if isinstance(page, StepPage):
            fill_step(qtbot, page, overrides)
        elif isinstance(page, DisclosurePage):
            acknowledge(qtbot, page)
        elif isinstance(page, UnderstandingPage):
            answer_understanding(qtbot, page)
        assert wizard.next_button.isEnabled(), (
            f"Next disabled on {page.title!r}: {wizard.reason.text()}")
        click(qtbot, wizard.next_button)
    raise AssertionError(f"never reached a {kind} page")


def mouse(widget: QWidget, kind: QEvent.Type, x: float, y: float) -> None:
    pos = QPointF(x, y)
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease \
        else Qt.MouseButton.LeftButton
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), Qt.MouseButton.LeftButton,
                        buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def stroke(pad: QWidget, points: list[tuple[float, float]]) -> None:
    """One pen stroke made of real mouse events."""
    mouse(pad, QEvent.Type.MouseButtonPress, *points[0])
    for x, y in points[1:]:
        mouse(pad, QEvent.Type.MouseMove, x, y)
    mouse(pad, QEvent.Type.MouseButtonRelease, *points[-1])


def signature_points(pad: QWidget, n: int = 60) -> list[tuple[float, float]]:
    w, h = pad.width(), pad.height()
    return [(w * 0.1 + i * (w * 0.7 / n), h * 0.55 - math.sin(i / 4) * h * 0.2)
            for i in range(n)]


def sign(pad: QWidget) -> None:
    stroke(pad, signature_points(pad))
    w, h = pad.width(), pad.height()
    stroke(pad, [(w * 0.2 + i * 4, h * 0.3 + i * 5) for i in range(12)])


def start_walk_in(qtbot, window, name: str = "Ada Example", area: str = "face",
                  birth: date = date(1990, 5, 1)):
    """From the welcome screen to the first step of a new intake; returns the wizard."""
    click(qtbot, window.welcome.start_button)
    walk_in = window.walk_in
    type_text(qtbot, walk_in.name, name)
    set_date(walk_in.birth_date, birth)
    click(qtbot, walk_in.area_buttons[area])
    click(qtbot, walk_in.go_button)
    qtbot.waitUntil(lambda: window.current_screen == "wizard", timeout=5000)
    return window.wizard


def begin(qtbot, window):
    """Tap "Begin" on the ready screen and wait for the wizard (its first page is built a
    part per turn before it shows); returns the wizard."""
    click(qtbot, window.ready.begin_button)
    qtbot.waitUntil(lambda: window.current_screen == "wizard", timeout=5000)
    return window.wizard


def send_and_wait(qtbot, window) -> str:
    """Tap "Sign and send" on the consent page, and wait for "thank you" and the consent
    PDF made after it; returns the intake id."""
    intake_id = window.wizard.session.intake_id
    click(qtbot, window.wizard.next_button)
    qtbot.waitUntil(lambda: window.current_screen == "thanks", timeout=10_000)
    qtbot.waitUntil(lambda: not window.pdf_jobs, timeout=30_000)
    settle(qtbot, window)
    return intake_id


def miss_understanding_once(qtbot, wizard, page: UnderstandingPage, chosen: dict,
                            shown=None) -> None:
    """The check answered with ``chosen`` wrong, the right answers shown (``shown()`` is
    called then, to look), then answered right."""
    answer_understanding(qtbot, page, chosen)
    click(qtbot, wizard.next_button)
    if shown is not None:
        shown()
    answer_understanding(qtbot, page)


def walk_in_and_sign(qtbot, window, overrides: dict | None = None, before_signing=None,
                     timeout: int = 10_000) -> str:
    """A walk-in patient (Ada Example, scalp) from the welcome screen through every page
    to "thank you", signing on the consent page; ``before_signing(wizard)`` runs just
    before the last tap. Returns the intake id."""
    wizard = start_walk_in(qtbot, window, area="scalp")
    walk_to(qtbot, wizard, "consent", overrides)
    page = wizard.current
    type_text(qtbot, page.name, "Ada Example")
    sign(page.pad)
    if before_signing is not None:
        before_signing(wizard)
    intake_id = wizard.session.intake_id
    click(qtbot, wizard.next_button)
    qtbot.waitUntil(lambda: window.current_screen == "thanks", timeout=timeout)
    return intake_id


def sign_in(qtbot, window, pin: str = "264819", name: str | None = None) -> None:
    """From any patient screen to the staff area."""
    window.request_staff()
    screen = window.sign_in
    qtbot.waitUntil(lambda: screen.group.buttons() != [] and
                    screen.group.buttons()[0].isVisible(), timeout=5000)
    buttons = screen.group.buttons()
    if name is not None:
        buttons = [b for b in buttons if b.accessibleName() == name]
    click(qtbot, buttons[0])
    type_text(qtbot, screen.pin, pin)
    click(qtbot, screen.sign_in_button)


def visible_texts(widget: QWidget) -> list[str]:
    """Every text a person could read on the window right now (without the invisible
    isolates around typed text)."""
    from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QPlainTextEdit

    from mesocheck.forms.isolation import strip_direction_controls

    texts = []
    for child in widget.findChildren(QWidget):
        if not child.isVisibleTo(widget):
            continue
        if isinstance(child, (QLabel, QLineEdit, QAbstractButton)):
            texts.append(child.text())
        elif isinstance(child, QPlainTextEdit):
            texts.append(child.toPlainText())
        elif isinstance(child, QComboBox):
            texts.append(child.currentText())
    return [strip_direction_controls(text) for text in texts]
