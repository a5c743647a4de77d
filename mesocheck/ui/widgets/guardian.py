"""A minor's parent or guardian on a signing screen: their full name, how they are related
to the patient, and their signature under what it means. The consent page and the review's
re-signature dialog both use it; what is accepted is checked by the session or the review."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mesocheck.forms.model import Guardian
from mesocheck.ui.widgets.choices import ErrorLine, OptionButton
from mesocheck.ui.widgets.labels import label, name_field, paragraphs
from mesocheck.ui.widgets.responsive import FlowLayout
from mesocheck.ui.widgets.signature_pad import SignaturePad
from mesocheck.ui.widgets.style import set_role, set_state


class GuardianBox(QFrame):
    """A minor's parent or guardian: their name, how they are related, and their signature
    (their consent; the patient's own signature above is the patient's agreement)."""

    def __init__(self, guardian: Guardian, lang: str, _p: Callable[[str], str],
                 changed: Callable[[], None]):
        super().__init__()
        set_role(self, "card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(label(guardian.title.get(lang), "subheading"))
        for text in paragraphs(guardian.intro.get(lang)):
            layout.addWidget(label(text, "help"))
        name_label = label(_p("Your parent or guardian types their full name"), "body")
        layout.addWidget(name_label)
        self.name = name_field(_p("Parent's or guardian's full name"),
                               _p("The person who gives consent for you"))
        self.name.textEdited.connect(lambda _: (self.name_error.show_message(None),
                                                set_state(self.name, None), changed()))
        name_label.setBuddy(self.name)
        layout.addWidget(self.name)
        self.name_error = ErrorLine()
        layout.addWidget(self.name_error)
        relation_label = label(_p("How they are related to you"), "body")
        layout.addWidget(relation_label)
        self.relation_error = ErrorLine()
        layout.addWidget(self.relation_error)
        row = QWidget()
        flow = FlowLayout(row, spacing=10)
        self.group = QButtonGroup(self)
        self.relation_buttons: list[OptionButton] = []
        for index, option in enumerate(guardian.relationships):
            button = OptionButton(option.label.get(lang))
            button.setAccessibleDescription(_p("How they are related to you"))
            button.setProperty("value", option.value)
            self.group.addButton(button, index)
            self.relation_buttons.append(button)
            flow.addWidget(button)
        self.group.idClicked.connect(lambda _id: (self.relation_error.show_message(None),
                                                  changed()))
        relation_label.setBuddy(self.relation_buttons[0])
        layout.addWidget(row)
        layout.addWidget(label(guardian.meaning.get(lang), "help"))
        self.signature_error = ErrorLine()
        layout.addWidget(self.signature_error)
        self.pad = SignaturePad(language=lang)
        self.pad.hint = _p("Your parent or guardian signs here")
        self.pad.setAccessibleName(_p("Parent's or guardian's signature"))
        self.pad.setAccessibleDescription(_p("Your parent or guardian draws their signature "
                                             "here with a finger, a stylus or the mouse."))
        self.pad.setMinimumHeight(180)
        self.pad.setMaximumHeight(260)
        self.pad.changed.connect(lambda: (self.signature_error.show_message(None),
                                          set_state(self.pad, None), changed()))
        layout.addWidget(self.pad)
        self.clear_button = QPushButton(_p("Clear"))
        self.clear_button.setAccessibleName(_p("Clear the parent's or guardian's signature"))
        self.clear_button.setAccessibleDescription(_p("Empties the box to sign again"))
        self.clear_button.clicked.connect(self.pad.clear)
        layout.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignLeading)

    def fill(self, name: str, relationship: str | None) -> None:
        """Who signed before (a re-signature after a correction): the same person, usually."""
        self.name.setText(name)
        for button in self.relation_buttons:
            button.setChecked(button.property("value") == relationship)

    def relationship(self) -> str | None:
        button = self.group.checkedButton()
        return button.property("value") if button is not None else None

    def values(self) -> dict:
        width, height = self.pad.pad_size()
        return {"printed_name": self.name.text(), "relationship": self.relationship(),
                "strokes": self.pad.strokes(), "pad_width": width, "pad_height": height}

    def missing(self, _p) -> str | None:
        if not self.name.text().strip():
            return _p("Your parent or guardian types their name to finish.")
        if self.relationship() is None:
            return _p("Choose how your parent or guardian is related to you to finish.")
        if self.pad.is_empty():
            return _p("Your parent or guardian signs in their box to finish.")
        return None

    def tab_stops(self) -> list[QWidget]:
        return [self.name, *self.relation_buttons, self.pad, self.clear_button]

    def lock(self) -> None:
        self.name.setReadOnly(True)
        for widget in (*self.relation_buttons, self.pad, self.clear_button):
            widget.setEnabled(False)
