"""The understanding check before signing (teach-back): a few questions on what matters
most, each with its options. A wrong answer shows the right one and the card it comes from;
the patient chooses again. After the form's last try the patient goes on whatever the
answers (a review flag asks the practitioner to talk it through); every try is kept.

Which answers are right, and what follows, is the session's (the core's) to say.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QFrame, QVBoxLayout, QWidget

from mesocheck.forms.model import Understanding
from mesocheck.session import IntakeSession
from mesocheck.ui.intake.pages import WizardPage
from mesocheck.ui.widgets.choices import OptionButton
from mesocheck.ui.widgets.labels import label, paragraphs
from mesocheck.ui.widgets.style import set_role, set_state


class _CheckQuestion(QFrame):
    """One question: its words, its options, and what was wrong with the last answer."""

    def __init__(self, question: Understanding, language: str, page: "UnderstandingPage"):
        super().__init__()
        set_role(self, "question")
        self.question = question
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        self.text_label = label(question.text.get(language), "question")
        layout.addWidget(self.text_label)
        self.group = QButtonGroup(self)
        self.buttons: list[OptionButton] = []
        for index, option in enumerate(question.options):
            button = OptionButton(option.label.get(language))
            button.setAccessibleDescription(question.text.get(language))
            self.group.addButton(button, index)
            self.buttons.append(button)
            layout.addWidget(button)
        self.text_label.setBuddy(self.buttons[0])
        self.feedback = label("", "note")
        self.feedback.setObjectName("understandingFeedback")
        self.feedback.hide()
        layout.addWidget(self.feedback)
        self.card = label("", "help")  # the card's own words, under the right answer
        self.card.hide()
        layout.addWidget(self.card)
        self.group.idClicked.connect(lambda _id: page.changed.emit())

    def chosen(self) -> str | None:
        index = self.group.checkedId()
        return self.question.options[index].value if index >= 0 else None

    def choose(self, value: str | None) -> None:
        self.group.setExclusive(False)
        for button, option in zip(self.buttons, self.question.options):
            button.setChecked(option.value == value)
        self.group.setExclusive(True)

    def show_right_answer(self, text: str, card_text: str) -> None:
        self.feedback.setText(text)
        self.card.setText(card_text)
        self.feedback.show()
        self.card.show()
        set_state(self, "error")

    def clear_feedback(self) -> None:
        self.feedback.hide()
        self.card.hide()
        set_state(self, None)


class UnderstandingPage(WizardPage):
    """The check after the summary and before the signature. :meth:`submit` takes a try
    (Next, which reads "Check my answers" until the check is behind the patient)."""

    def __init__(self, session: IntakeSession, parent: QWidget | None = None):
        super().__init__(session, parent=parent)
        _p, lang = self._p, session.language
        form = session.form
        self.title = _p("A quick check before you sign")
        heading = label(self.title, "heading")
        heading.setContentsMargins(16, 0, 16, 0)
        self.layout_.addWidget(heading)
        count = len(form.understanding)
        lead = label(self.words.ngettext(
            "One question on what matters most. Choose the answer you think is right.",
            "{n} questions on what matters most. Choose the answer you think is right.",
            count).format(n=count), "lead")
        lead.setContentsMargins(16, 0, 16, 0)
        self.layout_.addWidget(lead)
        self.questions: dict[str, _CheckQuestion] = {}
        for question in form.understanding:
            view = _CheckQuestion(question, lang, self)
            self.questions[question.id] = view
            self.layout_.addWidget(view)
        self.outcome = label("", "status")
        self.outcome.setObjectName("understandingOutcome")
        self.outcome.setContentsMargins(16, 0, 16, 0)
        self.outcome.hide()
        self.layout_.addWidget(self.outcome)
        self.layout_.addStretch(1)

    @property
    def finished(self) -> bool:
        """The check is behind the patient: Next goes on to the signature."""
        return self.session.understanding_done()

    def arrive(self) -> None:
        """Back on the page (or resumed): the last try's choices, and what it showed."""
        if self.session.tries and not any(v.chosen() for v in self.questions.values()):
            last = self.session.tries[-1]
            for qid, view in self.questions.items():
                view.choose(last["answers"].get(qid) if qid not in last["wrong"]
                            or self.finished else None)
            if last["wrong"]:
                self._show(last["wrong"])

    def blocking_reason(self) -> str | None:
        if self.finished:
            return None
        if any(view.chosen() is None for view in self.questions.values()):
            return self._p("Please choose an answer for every question.")
        return None

    def reveal_problems(self) -> None:
        for view in self.questions.values():
            if view.chosen() is None:
                self.ensure_visible(view)
                view.buttons[0].setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def submit(self) -> bool:
        """Take a try: True when the patient may go on to the signature."""
        if self.finished:
            return True
        wrong = self.session.check_understanding(
            {qid: view.chosen() for qid, view in self.questions.items()})
        if not wrong:
            return True
        self._show(wrong)
        if not self.finished:  # another try: the wrong ones are chosen again
            for qid in wrong:
                self.questions[qid].choose(None)
        self.changed.emit()
        first = self.questions[wrong[0]]
        self.scroll_to(first)
        first.buttons[0].setFocus(Qt.FocusReason.OtherFocusReason)
        return False

    def _show(self, wrong: list[str]) -> None:
        _p, lang, form = self._p, self.session.language, self.session.form
        for qid, view in self.questions.items():
            if qid not in wrong:
                view.clear_feedback()
                continue
            question = view.question
            right = question.option(question.answer)
            if question.card == "consent":
                title = form.consent.title.get(lang)
                text = "\n".join("• " + item.get(lang) for item in form.consent.items)
            else:
                card = form.disclosure(question.card)
                title = card.title.get(lang)
                text = "\n\n".join(paragraphs(card.body.get(lang)))
            view.show_right_answer(_p("Not quite. The right answer is:\n“{answer}”\nIt comes "
                                      "from the card “{card}”:").format(
                answer=right.label.get(lang) if right else question.answer, card=title), text)
        if self.finished:
            self.outcome.setText(_p("Thank you. The practitioner will go through this with "
                                    "you before your treatment. Next takes you to the "
                                    "signature."))
        else:
            self.outcome.setText(_p("Please read the right answer, then choose again where "
                                    "your answer was not right."))
        self.outcome.show()

    def focus_first(self) -> None:
        for view in self.questions.values():
            if view.chosen() is None:
                view.buttons[0].setFocus(Qt.FocusReason.OtherFocusReason)
                return
        next(iter(self.questions.values())).buttons[0].setFocus(
            Qt.FocusReason.OtherFocusReason)

    def tab_stops(self) -> list[QWidget]:
        return [button for view in self.questions.values() for button in view.buttons]
