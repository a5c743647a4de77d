"""The summary page: every answer, a card per step, each with its "Change" button, in the
words the consent PDF prints them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mesocheck.forms.answers import answer_text
from mesocheck.session import IntakeSession
from mesocheck.timeutil import day_text, moment_text
from mesocheck.ui.intake.inputs import InputContext
from mesocheck.ui.intake.pages import WizardPage
from mesocheck.ui.widgets.labels import label
from mesocheck.ui.widgets.style import set_role


class SummaryPage(WizardPage):
    """Every answer, a card per step, each with its "Change" button.

    A card is remade only when what it shows has changed, so the page can be made ahead of
    the patient a card per turn of the event loop (:meth:`build_more`) and brought up to
    date when shown (:meth:`arrive`)."""

    change_requested = Signal(str)  # step id
    focus_on_next = True

    def __init__(self, session: IntakeSession, context: InputContext,
                 parent: QWidget | None = None):
        super().__init__(session, parent=parent)
        self.context = context
        _p = self._p
        self.title = _p("Check your answers")
        self.layout_.addWidget(label(self.title, "heading"))
        self.layout_.addWidget(label(_p(
            "Please check that every answer is right. To change one, choose “Change” "
            "next to it."), "lead"))
        # What the form's rules say to this patient about their answers, before they sign.
        self.notes = set_role(QFrame(), "card", tone="notice")
        notes_layout = QVBoxLayout(self.notes)
        notes_layout.setContentsMargins(24, 16, 24, 18)
        notes_layout.setSpacing(10)
        notes_layout.addWidget(label(_p("Please note before you sign"), "subheading"))
        self.note_labels = QVBoxLayout()
        self.note_labels.setSpacing(8)
        notes_layout.addLayout(self.note_labels)
        self.notes.hide()
        self.layout_.addWidget(self.notes)
        self._shown_notes: list[tuple[str, str]] = []
        self._head = self.layout_.count()  # the cards go after the heading, lead and notes
        self.layout_.addStretch(1)
        # section key -> (what its card shows, the card)
        self._cards: dict[str, tuple[tuple, QFrame]] = {}
        self._order: list[str] = []  # the keys of the cards in the layout, in order

    def sections(self) -> list[tuple[str, tuple]]:
        """(key, (title, rows, step id for "Change")) for each card, from the session now."""
        session, lang, _p = self.session, self.session.language, self._p
        facts = session.facts
        area = session.form.area(facts.area or "")
        about = [
            (_p("Name"), session.patient_name),
            (_p("Date of birth"), day_text(facts.birth_date, lang) if facts.birth_date else ""),
            (_p("Treatment area"), area.label.get(lang) if area else (facts.area or "")),
            (_p("Appointment"), moment_text(facts.appointment.isoformat(), self.context.zone,
                                                lang)),
        ]
        wanted: list[tuple[str, tuple]] = [("about", (_p("About you"), tuple(about), None))]
        for step in session.flow.shown_steps(session.answers):
            rows = tuple(
                (q.text.get(lang),
                 answer_text(q, session.answers.get(q.id), lang, self.context.zone))
                for q in session.shown_questions(step)
            )
            wanted.append((f"step:{step.id}", (step.title.get(lang), rows, step.id)))
        shown = session.flow.shown_disclosures(session.answers)
        read = sum(1 for d in shown if d.id in session.acknowledged)
        count = _p("{n} of {total}").format(n=read, total=len(shown))
        wanted.append(("risks", (_p("Risks and information"),
                                 ((_p("Cards read and understood"), count),),
                                 None)))
        return wanted

    @property
    def change_buttons(self) -> dict[str, QPushButton]:
        """Step id -> the "Change" button of its card, in the order of the cards."""
        return {key.split(":", 1)[1]: self._cards[key][1].findChild(QPushButton)
                for key in self._order if key.startswith("step:")}

    def build_more(self) -> bool:
        """Make or remake one card that is missing or out of date; False when none is."""
        return any(self._refresh(key, shows) for key, shows in self.sections())

    def arrive(self) -> None:
        self.rebuild()
        self._show_notes()

    def _show_notes(self) -> None:
        """The messages for the patient that their answers raise, and note them as seen."""
        notes = self.session.patient_messages()
        if notes != self._shown_notes:
            while self.note_labels.count():
                item = self.note_labels.takeAt(0)
                if item.widget() is not None:
                    item.widget().deleteLater()
            for _rule, text in notes:
                self.note_labels.addWidget(label(f"•  {text}", "body"))
            self._shown_notes = notes
        self.notes.setVisible(bool(notes))
        self.session.messages_shown(rule for rule, _text in notes)

    def rebuild(self) -> None:
        """Bring every card up to date with the session, remaking only those that changed,
        and put them in the order of the route."""
        wanted = self.sections()
        for key, shows in wanted:
            self._refresh(key, shows)
        keys = [key for key, _shows in wanted]
        for key in set(self._cards) - set(keys):  # a step no longer on the route
            self._drop_card(key)
        if keys != self._order:
            for key in self._order:
                self.layout_.removeWidget(self._cards[key][1])
            for offset, key in enumerate(keys):
                self.layout_.insertWidget(self._head + offset, self._cards[key][1])
            self._order = keys

    def _refresh(self, key: str, shows: tuple) -> bool:
        """Make the card ``key`` (again) if it does not show ``shows``; True if it did."""
        old = self._cards.get(key)
        if old is not None and old[0] == shows:
            return False
        title, rows, step_id = shows
        card = self._card(title, list(rows), step_id)
        self._cards[key] = (shows, card)
        if old is None:
            self._order.append(key)
            self.layout_.insertWidget(self._head + len(self._order) - 1, card)
        else:
            self.layout_.replaceWidget(old[1], card)
            self._delete(old[1])
        return True

    def _drop_card(self, key: str) -> None:
        _shows, card = self._cards.pop(key)
        self._order.remove(key)
        self.layout_.removeWidget(card)
        self._delete(card)

    @staticmethod
    def _delete(card: QFrame) -> None:
        card.hide()
        card.deleteLater()

    def _card(self, title: str, rows: list[tuple[str, str]], step_id: str | None) -> QFrame:
        card = set_role(QFrame(), "card")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(24, 16, 24, 20)
        layout.setSpacing(8)
        head = QHBoxLayout()
        head.addWidget(label(title, "subheading"), 1)
        if step_id is not None:
            change = set_role(QPushButton(self._p("Change")), "link")
            change.setAccessibleName(self._p("Change: {title}").format(title=title))
            change.setAccessibleDescription(self._p("Goes back to these questions to change "
                                                    "an answer"))

            change.clicked.connect(lambda _=False, s=step_id: self.change_requested.emit(s))
            head.addWidget(change, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(head)
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(10)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        for row, (question, answer) in enumerate(rows):
            grid.addWidget(label(question, "summaryQuestion"), row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label(answer, "answer"), row, 1, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(grid)
        return card

    def tab_stops(self) -> list[QWidget]:
        return list(self.change_buttons.values())

    def focus_first(self) -> None:
        if self.change_buttons:
            next(iter(self.change_buttons.values())).setFocus()
