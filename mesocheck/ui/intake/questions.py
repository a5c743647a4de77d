"""One widget per question type, built from the form's data; none knows a clinical rule.

A :class:`QuestionView` shows the question, its help, its input and, next to it, the
message the core gave about the answer. Inputs report what the patient entered as a *raw*
value; :func:`mesocheck.forms.check_answer` (through the session) decides whether it stands.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout

from mesocheck.forms.model import Question
from mesocheck.ui.intake.inputs import InputContext, make_input
from mesocheck.ui.widgets.choices import ErrorLine
from mesocheck.ui.widgets.style import set_role, set_state


# -- inputs ------------------------------------------------------------------------------


# -- the question with its words and its message ----------------------------------------


class QuestionView(QFrame):
    """One question: its words, an input, and the message about the answer beside it."""

    edited = Signal(str)  # question id

    def __init__(self, question: Question, context: InputContext):
        super().__init__()
        set_role(self, "question")
        self.question = question
        lang = context.language
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        self.text_label = set_role(QLabel(question.text.get(lang)), "question")
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.text_label)
        if not question.required:
            layout.addWidget(set_role(QLabel(context.gettext("Optional")), "tag"))
        # A check-in shows the answer of the last visit, to confirm or change.
        self.carried_label = set_role(QLabel(context.gettext(
            "Your answer from your last visit: check that it is still right")), "tag")
        self.carried_label.setWordWrap(True)
        self.carried_label.setTextFormat(Qt.TextFormat.PlainText)
        self.carried_label.setVisible(False)
        layout.addWidget(self.carried_label)
        self.help_label: QLabel | None = None
        if question.help:
            self.help_label = set_role(QLabel(question.help.get(lang)), "help")
            self.help_label.setWordWrap(True)
            self.help_label.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(self.help_label)
        # Label, hint, message, then the input: the message is read before the answer.
        self.error = ErrorLine()
        layout.addWidget(self.error)
        self.input = make_input(question, context)
        layout.addWidget(self.input)
        self.text_label.setBuddy(self.input.focus_target())
        self.input.changed.connect(lambda: self.edited.emit(question.id))
        self._message: str | None = None
        self._revealed = False

    def raw(self) -> Any:
        return self.input.raw()

    def set_value(self, value: Any) -> None:
        self.input.set_value(value)

    def show_carried(self, carried: bool) -> None:
        """Whether the answer shown is the one carried from the patient's last visit."""
        if self.carried_label.isVisibleTo(self) != carried:
            self.carried_label.setVisible(carried)

    def build_more(self) -> bool:
        """Build a further part of the input ahead of time; False when it is whole."""
        return self.input.build_more()

    def show_problem(self, message: str | None, *, reveal: bool = False) -> None:
        """Show ``message`` beside the input. Messages about unanswered questions wait for
        ``reveal`` (the patient asked what is missing), so a fresh page is not all red."""
        if reveal:
            self._revealed = True
        self._message = message
        visible = message if (self._revealed or message and not self._is_missing(message)) \
            else None
        self.error.show_message(visible)
        set_state(self, "error" if visible else None)
        self.input.mark_error(bool(visible))

    def _is_missing(self, message: str) -> bool:
        from mesocheck.forms.messages import message as core_message

        return message == core_message("required", self.input.context.language)

    def focus_input(self) -> None:
        self.input.focus_target().setFocus(Qt.FocusReason.OtherFocusReason)
