"""Dialogs that are shown, never ``exec()``-ed (qutebrowser's msgbox pattern).

Each is window-modal, deletes itself when closed and reports through a callback, so the
event loop keeps running (saves go on, the idle timer ticks) and tests can click them.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mesocheck.i18n import _
from mesocheck.ui.widgets.choices import ErrorLine
from mesocheck.ui.widgets.style import set_role, set_state


class Dialog(QDialog):
    """Title, text, optional input and buttons; ``on_finished(accepted, text)``."""

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        text: str,
        *,
        accept_text: str | None = None,
        reject_text: str | None = None,
        input_label: str | None = None,
        multiline: bool = False,
        required_message: str | None = None,
        danger: bool = False,
        on_finished: Callable[[bool, str], None] | None = None,
    ):
        super().__init__(parent)
        accept_text = accept_text or _("OK")  # the clinic's words unless the caller's
        self.setObjectName("dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowTitle(title)
        self._on_finished = on_finished
        self._required_message = required_message

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.setSpacing(16)
        self.title_label = set_role(QLabel(title), "heading")
        self.title_label.setWordWrap(True)
        layout.addWidget(self.title_label)
        self.text_label = set_role(QLabel(text), "body")
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text_label)

        self.input: QLineEdit | QPlainTextEdit | None = None
        self.error_label = ErrorLine(self)
        if input_label is not None:
            label = set_role(QLabel(input_label), "subheading")
            label.setWordWrap(True)
            layout.addWidget(label)
            if multiline:
                self.input = QPlainTextEdit()
                self.input.setMinimumHeight(120)
                self.input.setTabChangesFocus(True)
            else:
                self.input = QLineEdit()
            self.input.setAccessibleName(input_label)
            self.input.setAccessibleDescription(required_message or input_label)
            label.setBuddy(self.input)
            layout.addWidget(self.input)
            layout.addWidget(self.error_label)

        buttons = QHBoxLayout()
        buttons.setSpacing(16)
        buttons.addStretch(1)
        self.reject_button: QPushButton | None = None
        if reject_text is not None:
            self.reject_button = QPushButton(reject_text)
            self.reject_button.setAccessibleDescription(_("Closes this, changing nothing"))
            self.reject_button.clicked.connect(self.reject)
            buttons.addWidget(self.reject_button)
        self.accept_button = set_role(QPushButton(accept_text), "danger" if danger else "primary")
        self.accept_button.setAccessibleDescription(title)
        self.accept_button.setDefault(True)
        self.accept_button.clicked.connect(self._try_accept)
        buttons.addWidget(self.accept_button)
        layout.addLayout(buttons)
        # No size constraint on the window itself: it is sized here and when a message
        # appears (some platforms cannot take minimum-size hints for a window).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.resize(max(560, self.sizeHint().width()), self.sizeHint().height())
        self.finished.connect(self._report)

    def text(self) -> str:
        if isinstance(self.input, QPlainTextEdit):
            return self.input.toPlainText().strip()
        if isinstance(self.input, QLineEdit):
            return self.input.text().strip()
        return ""

    def _try_accept(self) -> None:
        if self.input is not None and self._required_message and not self.text():
            self.error_label.show_message(self._required_message)
            self._fit()
            set_state(self.input, "error")
            self.input.setFocus()
            return
        self.accept()

    def _fit(self) -> None:
        layout = self.layout()
        layout.activate()
        needed = layout.heightForWidth(self.width()) if layout.hasHeightForWidth() \
            else layout.sizeHint().height()
        if needed > self.height():
            self.resize(self.width(), needed)

    def _report(self, result: int) -> None:
        if self._on_finished is not None:
            callback, self._on_finished = self._on_finished, None
            callback(result == QDialog.DialogCode.Accepted, self.text())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit()
        (self.input or self.accept_button).setFocus()


def message(parent: QWidget | None, title: str, text: str, *,
            on_finished: Callable[[bool, str], None] | None = None) -> Dialog:
    dialog = Dialog(parent, title, text, on_finished=on_finished)
    dialog.show()
    return dialog


def confirm(parent: QWidget | None, title: str, text: str, *, accept_text: str,
            reject_text: str | None = None, danger: bool = False,
            on_finished: Callable[[bool, str], None] | None = None) -> Dialog:
    dialog = Dialog(parent, title, text, accept_text=accept_text,
                    reject_text=reject_text or _("Cancel"), danger=danger,
                    on_finished=on_finished)
    dialog.show()
    return dialog


def ask_text(parent: QWidget | None, title: str, text: str, *, input_label: str,
             accept_text: str, required_message: str, reject_text: str | None = None,
             danger: bool = False,
             on_finished: Callable[[bool, str], None] | None = None) -> Dialog:
    dialog = Dialog(parent, title, text, accept_text=accept_text,
                    reject_text=reject_text or _("Cancel"), input_label=input_label,
                    multiline=True,
                    required_message=required_message, danger=danger,
                    on_finished=on_finished)
    dialog.show()
    return dialog
