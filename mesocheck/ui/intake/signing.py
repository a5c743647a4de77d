"""The consent page: the consent statement, the typed name and the signature, drawn, or for
a patient who cannot draw, the typed name adopted or a witnessed mark; what signing needs is
checked by the session."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mesocheck.i18n import N_
from mesocheck.session import IntakeSession, SigningRefused, Submission
from mesocheck.ui.intake.pages import WizardPage
from mesocheck.ui.widgets.choices import ErrorLine
from mesocheck.ui.widgets.guardian import GuardianBox
from mesocheck.ui.widgets.labels import label, name_field, paragraphs
from mesocheck.ui.widgets.responsive import FlowLayout, SwitchBox
from mesocheck.ui.widgets.signature_pad import SignaturePad
from mesocheck.ui.widgets.style import set_role, set_state


METHODS = (
    ("drawn", N_("Sign by drawing instead"), N_("Your signature drawn in the box")),
    ("typed", N_("Use my typed name as my signature"),
     N_("For anyone who cannot draw a signature: nothing to draw")),
    ("mark", N_("Make a mark, with a witness"),
     N_("A simple mark in the box, made while another person watches and types their name")),
)


class ConsentPage(WizardPage):
    """The consent statement beside (or above) the typed name and the signature pad."""

    TWO_COLUMNS_FROM = 1000  # px of page width

    def __init__(self, session: IntakeSession, parent: QWidget | None = None):
        # No finger-scrolling here: a stroke on the pad must never move the page.
        super().__init__(session, kinetic=False, parent=parent)
        self.content.setMaximumWidth(1260)
        self.layout_.setContentsMargins(32, 16, 32, 16)
        lang, _p = session.language, self._p
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
        name_label = label(_p("Type your full name"), "subheading")
        signing_layout.addWidget(name_label)
        self.name = name_field(_p("Your full name"), _p("As you would write it on a paper form"))
        self.name.textEdited.connect(lambda _: self._name_edited())
        name_label.setBuddy(self.name)
        signing_layout.addWidget(self.name)
        self.name_error = ErrorLine()
        signing_layout.addWidget(self.name_error)

        self.typed_note = label(_p(
            "Your name as you typed it above will be your signature. It is as binding as "
            "a handwritten one, and the document says that you signed this way."), "notice")
        signing_layout.addWidget(self.typed_note)
        self.pad_title = label(_p("Sign in the box"), "subheading")
        signing_layout.addWidget(self.pad_title)
        self.signature_error = ErrorLine()
        signing_layout.addWidget(self.signature_error)
        self.pad = SignaturePad(language=lang)
        self.pad.hint = _p("Sign here with your finger, a stylus or the mouse")
        self.pad.setAccessibleDescription(_p(
            "Draw your signature here with a finger, a stylus or the mouse. Without "
            "drawing: “Use my typed name as my signature”, below."))
        self.pad.setMinimumHeight(200)
        self.pad.setMaximumHeight(300)
        self.pad.changed.connect(self._pad_changed)
        signing_layout.addWidget(self.pad)
        self.tools = QWidget()
        tools = QHBoxLayout(self.tools)
        tools.setContentsMargins(0, 0, 0, 0)
        tools.setSpacing(16)
        self.undo_button = QPushButton(_p("Undo last stroke"))
        self.undo_button.setAccessibleDescription(_p("Takes away the last line drawn in the box"))
        self.undo_button.clicked.connect(self.pad.undo)
        self.clear_button = QPushButton(_p("Clear"))
        self.clear_button.setAccessibleName(_p("Clear the signature"))
        self.clear_button.setAccessibleDescription(_p("Empties the box to sign again"))
        self.clear_button.clicked.connect(self.pad.clear)
        tools.addWidget(self.undo_button)
        tools.addWidget(self.clear_button)
        tools.addStretch(1)
        signing_layout.addWidget(self.tools)
        self.witness_title = label(_p("Your witness types their full name"), "subheading")
        signing_layout.addWidget(self.witness_title)
        self.witness_help = label(_p(
            "A witness watches you make your mark: a member of staff, or someone with you."),
            "help")
        signing_layout.addWidget(self.witness_help)
        self.witness = name_field(_p("Witness's full name"),
                                  _p("The person who watched the mark being made"))
        self.witness.textEdited.connect(lambda _: self._witness_edited())
        self.witness_title.setBuddy(self.witness)
        signing_layout.addWidget(self.witness)
        self.witness_error = ErrorLine()
        signing_layout.addWidget(self.witness_error)

        # Other ways to sign, for a patient who cannot draw: the typed name adopted as the
        # signature, or a mark made before a witness. What was chosen is kept with the
        # signature and printed with it. Under the pad, so that drawing stays in view.
        self.method = "drawn"
        other = QWidget()
        ways = FlowLayout(other, spacing=8)
        self.other_ways = label(_p("Cannot draw a signature?"), "help")
        self.other_ways.setWordWrap(False)  # one piece of the flowing row
        ways.addWidget(self.other_ways)
        self.method_buttons: dict[str, QPushButton] = {}
        for method, text, about in METHODS:
            button = set_role(QPushButton(_p(text)), "link")
            button.setAccessibleDescription(_p(about))
            button.clicked.connect(lambda _=False, m=method: self.set_method(m))
            self.method_buttons[method] = button
            ways.addWidget(button)
        signing_layout.addWidget(other)
        self.guardian: GuardianBox | None = None
        if session.needs_guardian():
            assert session.form.guardian is not None
            self.guardian = GuardianBox(session.form.guardian, lang, _p, self.changed.emit)
            signing_layout.addWidget(self.guardian)
        signing_layout.addStretch(1)
        columns.box.addWidget(signing, 1)
        self.layout_.addStretch(1)
        self._method_changed()
        self._pad_changed()

    def set_method(self, method: str) -> None:
        """Sign by drawing, with the typed name, or with a witnessed mark; the focus goes
        where that way goes on (the name to check, or the box for the mark)."""
        self.method = method
        self._method_changed()
        {"typed": self.name, "mark": self.pad}.get(method, self.pad).setFocus()

    def _method_changed(self) -> None:
        method = self.method
        self.other_ways.setVisible(method == "drawn")
        for way, button in self.method_buttons.items():
            button.setVisible(way != method)
        drawing = method != "typed"
        self.typed_note.setVisible(not drawing)
        for widget in (self.pad_title, self.pad, self.tools):
            widget.setVisible(drawing)
        self.pad_title.setText(self._p("Make your mark in the box (a cross is enough)")
                               if method == "mark" else self._p("Sign in the box"))
        for widget in (self.witness_title, self.witness_help, self.witness):
            widget.setVisible(method == "mark")
        for error in (self.signature_error, self.witness_error):
            error.show_message(None)
        set_state(self.pad, None)
        self.changed.emit()

    def _name_edited(self) -> None:
        self.name_error.show_message(None)
        set_state(self.name, None)
        self.changed.emit()

    def _witness_edited(self) -> None:
        self.witness_error.show_message(None)
        set_state(self.witness, None)
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
        method = self.method
        no_name = not self.name.text().strip()
        no_ink = method != "typed" and self.pad.is_empty()
        if method == "mark" and not no_name and not no_ink and not self.witness.text().strip():
            return self._p("Your witness types their name to finish.")
        if no_name and no_ink:
            return (self._p("Type your name and make your mark to finish.") if method == "mark"
                    else self._p("Type your name and sign to finish."))
        if no_name:
            return self._p("Type your name to finish.")
        if no_ink:
            return (self._p("Make your mark in the box to finish.") if method == "mark"
                    else self._p("Sign in the box to finish."))
        if self.guardian is not None:
            return self.guardian.missing(self._p)
        return None

    def reveal_problems(self) -> None:
        if not self.name.text().strip():
            self.name.setFocus()
            self.ensure_visible(self.name)
        elif self.method != "typed" and self.pad.is_empty():
            self.signature_error.show_message(self.pad.is_trivial())
            self.pad.setFocus()
            self.ensure_visible(self.pad)
        elif self.method == "mark" and not self.witness.text().strip():
            self.witness.setFocus()
            self.ensure_visible(self.witness)
        elif self.guardian is not None and self.guardian.missing(self._p):
            box = self.guardian
            target = (box.name if not box.name.text().strip() else box.relation_buttons[0]
                      if box.relationship() is None else box.pad)
            target.setFocus()
            self.ensure_visible(target)

    def focus_first(self) -> None:
        self.name.setFocus()

    def tab_stops(self) -> list[QWidget]:
        return [self.name, self.pad, self.undo_button, self.clear_button, self.witness,
                *self.method_buttons.values(),
                *(self.guardian.tab_stops() if self.guardian is not None else [])]

    def prepare(self) -> Submission | None:
        """The submission, or None after showing what must be fixed."""
        width, height = self.pad.pad_size()
        try:
            return self.session.prepare_signature(
                self.name.text(), self.pad.strokes(), width, height, method=self.method,
                witness=self.witness.text(),
                guardian=self.guardian.values() if self.guardian is not None else None)
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
        elif refused.field == "witness":
            self.witness_error.show_message(refused.message)
            set_state(self.witness, "error")
            self.witness.setFocus()
            self.ensure_visible(self.witness)
        elif refused.field.startswith("guardian_") and self.guardian is not None:
            box = self.guardian
            error, widget = {"guardian_name": (box.name_error, box.name),
                             "guardian_relationship": (box.relation_error,
                                                       box.relation_buttons[0]),
                             }.get(refused.field, (box.signature_error, box.pad))
            error.show_message(refused.message)
            if widget is not box.relation_buttons[0]:
                set_state(widget, "error")
            widget.setFocus()
            QTimer.singleShot(0, lambda: self.ensure_visible(widget))
        else:
            self.signature_error.show_message(refused.message)

    def lock(self) -> None:
        """Signed: nothing on this page can change any more."""
        self.name.setReadOnly(True)
        self.witness.setReadOnly(True)
        for button in self.method_buttons.values():
            button.setEnabled(False)
        self.other_ways.setEnabled(False)
        self.pad.setEnabled(False)
        self.undo_button.setEnabled(False)
        self.clear_button.setEnabled(False)
        if self.guardian is not None:
            self.guardian.lock()
