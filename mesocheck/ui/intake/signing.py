"""The consent page: the consent statement, the typed name and the drawn signature; what
signing needs is checked by the session."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from mesocheck.session import IntakeSession, SigningRefused, Submission
from mesocheck.ui.intake.pages import WizardPage
from mesocheck.ui.widgets.choices import ErrorLine
from mesocheck.ui.widgets.labels import label, paragraphs
from mesocheck.ui.widgets.responsive import SwitchBox
from mesocheck.ui.widgets.signature_pad import SignaturePad
from mesocheck.ui.widgets.style import set_role, set_state


class ConsentPage(WizardPage):
    """The consent statement beside (or above) the typed name and the signature pad."""

    TWO_COLUMNS_FROM = 1000  # px of page width

    def __init__(self, session: IntakeSession, parent: QWidget | None = None):
        # No finger-scrolling here: a stroke on the pad must never move the page.
        super().__init__(session, kinetic=False, parent=parent)
        self.content.setMaximumWidth(1260)
        self.layout_.setContentsMargins(32, 16, 32, 16)
        lang = session.language
        consent = session.form.consent
        self.title = consent.title.get(lang)
        columns = SwitchBox(self.TWO_COLUMNS_FROM, spacing=32)
        self.columns = columns
        self.layout_.addWidget(columns)

        statement = QWidget()
        statement_layout = QVBoxLayout(statement)
        statement_layout.setContentsMargins(0, 0, 0, 0)
        statement_layout.setSpacing(16)
        statement_layout.addWidget(label(self.title, "heading"))
        if consent.intro:
            for text in paragraphs(consent.intro.get(lang)):
                statement_layout.addWidget(label(text, "lead"))
        statements = set_role(QFrame(), "card")
        statements_layout = QVBoxLayout(statements)
        statements_layout.setContentsMargins(24, 18, 24, 18)
        statements_layout.setSpacing(10)
        for item in consent.items:
            row = QHBoxLayout()
            row.setSpacing(12)
            row.addWidget(label("✓", "subheading"), 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(label(item.get(lang), "body"), 1)
            statements_layout.addLayout(row)
        statement_layout.addWidget(statements)
        statement_layout.addStretch(1)
        columns.box.addWidget(statement, 1)

        signing = QWidget()
        signing_layout = QVBoxLayout(signing)
        signing_layout.setContentsMargins(0, 0, 0, 0)
        signing_layout.setSpacing(12)
        name_label = label("Type your full name", "subheading")
        signing_layout.addWidget(name_label)
        self.name = QLineEdit()
        self.name.setAccessibleName("Your full name")
        self.name.setMaxLength(200)
        self.name.textEdited.connect(lambda _: self._name_edited())
        name_label.setBuddy(self.name)
        signing_layout.addWidget(self.name)
        self.name_error = ErrorLine()
        signing_layout.addWidget(self.name_error)

        signing_layout.addWidget(label("Sign in the box", "subheading"))
        self.signature_error = ErrorLine()
        signing_layout.addWidget(self.signature_error)
        self.pad = SignaturePad()
        self.pad.hint = "Sign here with your finger, a stylus or the mouse"
        self.pad.setMinimumHeight(200)
        self.pad.setMaximumHeight(300)
        self.pad.changed.connect(self._pad_changed)
        signing_layout.addWidget(self.pad)
        tools = QHBoxLayout()
        tools.setSpacing(16)
        self.undo_button = QPushButton("Undo last stroke")
        self.undo_button.clicked.connect(self.pad.undo)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setAccessibleName("Clear the signature")
        self.clear_button.clicked.connect(self.pad.clear)
        tools.addWidget(self.undo_button)
        tools.addWidget(self.clear_button)
        tools.addStretch(1)
        signing_layout.addLayout(tools)
        signing_layout.addStretch(1)
        columns.box.addWidget(signing, 1)
        self.layout_.addStretch(1)
        self._pad_changed()

    def _name_edited(self) -> None:
        self.name_error.show_message(None)
        set_state(self.name, None)
        self.changed.emit()

    def _pad_changed(self) -> None:
        empty = self.pad.is_empty()
        self.undo_button.setEnabled(not empty and not self.session.locked)
        self.clear_button.setEnabled(not empty and not self.session.locked)
        if self.signature_error.isVisible():
            self.signature_error.show_message(None)
            set_state(self.pad, None)
        self.changed.emit()

    def blocking_reason(self) -> str | None:
        no_name, no_ink = not self.name.text().strip(), self.pad.is_empty()
        if no_name and no_ink:
            return "Type your name and sign to finish."
        if no_name:
            return "Type your name to finish."
        if no_ink:
            return "Sign in the box to finish."
        return None

    def reveal_problems(self) -> None:
        if not self.name.text().strip():
            self.name.setFocus()
            self.ensure_visible(self.name)
        elif self.pad.is_empty():
            self.signature_error.show_message(self.pad.is_trivial())
            self.ensure_visible(self.pad)

    def focus_first(self) -> None:
        self.name.setFocus()

    def prepare(self) -> Submission | None:
        """The submission, or None after showing what must be fixed."""
        width, height = self.pad.pad_size()
        try:
            return self.session.prepare_signature(self.name.text(), self.pad.strokes(),
                                                  width, height)
        except SigningRefused as refused:
            self.show_refusal(refused)
            return None

    def show_refusal(self, refused: SigningRefused) -> None:
        if refused.field == "name":
            self.name_error.show_message(refused.message)
            set_state(self.name, "error")
            self.name.setFocus()
            self.ensure_visible(self.name)
        elif refused.field == "signature":
            self.signature_error.show_message(refused.message)
            set_state(self.pad, "error")
            QTimer.singleShot(0, lambda: self.ensure_visible(self.pad))
        else:
            self.signature_error.show_message(refused.message)

    def lock(self) -> None:
        """Signed: nothing on this page can change any more."""
        self.name.setReadOnly(True)
        self.pad.setEnabled(False)
        self.undo_button.setEnabled(False)
        self.clear_button.setEnabled(False)
