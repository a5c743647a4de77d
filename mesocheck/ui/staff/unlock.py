"""Opening the tablet's encrypted records: the clinic passphrase, typed once by staff when
the app starts, before any patient can use it (and set, with its recovery key shown once,
on the first start).

The same passphrase unlocks the database's key and, where one is set up, the clinic's seal
(:mod:`mesocheck.ui.staff.seal` shows the seal's state and uses the same entry,
:class:`PassphraseEntry`). The slow key derivation (about 0.3 s) runs off the UI thread.
Five wrong passphrases in a row pause the screen for five minutes, restarts included.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget,
)

from mesocheck.timeutil import utc_now
from mesocheck.ui.tasks import Task
from mesocheck.ui.widgets.choices import ErrorLine
from mesocheck.ui.widgets.labels import label
from mesocheck.ui.widgets.screen import Screen
from mesocheck.ui.widgets.style import set_role, set_state
from mesocheck.i18n import N_, _, ngettext


def passphrase_field(accessible_name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(accessible_name)
    field.setInputMethodHints(Qt.InputMethodHint.ImhSensitiveData |
                              Qt.InputMethodHint.ImhNoPredictiveText)
    field.setMaximumWidth(560)
    return field


class PassphraseEntry(QWidget):
    """The clinic passphrase field, its button and its message line; ``submitted`` carries
    what was typed (the field is emptied at once)."""

    submitted = Signal(str)

    def __init__(self, button_text: str):
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(16)
        self.field = passphrase_field(_("Clinic passphrase"))
        self.field.setPlaceholderText(_("Clinic passphrase"))
        self.field.returnPressed.connect(self._submit)
        self.field.textEdited.connect(lambda _t: set_state(self.field, None))
        self.button = set_role(QPushButton(button_text), "primary")
        self.button.clicked.connect(self._submit)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.button)
        layout.addStretch(0)  # the button keeps its size beside a field at its widest
        self.error = ErrorLine()

    def _submit(self) -> None:
        text = self.field.text()
        if not text:
            self.show_problem(_("Type the clinic passphrase first."))
            return
        self.field.clear()
        self.busy(True)
        self.error.show_message(None)
        self.submitted.emit(text)

    def busy(self, busy: bool) -> None:
        self.button.setEnabled(not busy)
        self.field.setEnabled(not busy)

    def show_problem(self, message: str) -> None:
        self.busy(False)
        self.error.show_message(message[:1].upper() + message[1:])
        set_state(self.field, "error")
        self.field.setFocus()


def _pause_text(until: datetime) -> str:
    local = until.astimezone()
    return _("Too many wrong passphrases: this screen is paused until {time}. Wait, then try "
             "again.").format(time=f"{local:%H:%M}")


class UnlockScreen(Screen):
    """The tablet's records are encrypted: the clinic passphrase opens them."""

    unlocked = Signal(str)  # the passphrase, for the seal once the database is open

    def __init__(self, db_path: Path, *, note: str | None = None,
                 clock: Callable[[], datetime] = utc_now):
        super().__init__()
        self.db_path = db_path
        self.clock = clock
        self.layout_.addWidget(label(_("mesocheck is locked"), "heading"))
        self.layout_.addWidget(label(_(
            "The patients' records on this tablet are encrypted. A member of staff types the "
            "clinic passphrase to open them; patients can then use the tablet until it is "
            "switched off."), "lead"))
        if note:
            self.layout_.addWidget(label(note, "muted"))
        caption = label(_("Clinic passphrase"), "subheading")
        self.layout_.addWidget(caption)
        self.entry = PassphraseEntry(_("Unlock"))
        caption.setBuddy(self.entry.field)
        self.entry.submitted.connect(self._try)
        self.layout_.addWidget(self.entry)
        self.layout_.addWidget(self.entry.error)
        self.status = label("", "status")
        self.layout_.addWidget(self.status)
        self.layout_.addWidget(label(_(
            "Forgotten? The clinic's IT contact sets a new passphrase with the recovery key "
            "written down at set-up (mesocheck passphrase --recovery-key-file FILE)."), "muted"))
        self.layout_.addStretch(1)

    def _try(self, passphrase: str) -> None:
        from mesocheck.store import atrest

        self.status.setText(_("Unlocking…"))
        path, now = self.db_path, self.clock()
        Task(lambda: atrest.try_unlock(path, passphrase, now), what=N_("unlocking the database"),
             success=lambda result: self._done(result, passphrase), parent=self) \
            .failure(self._failed).run_in_background()

    def _done(self, result: Any, passphrase: str) -> None:
        self.status.clear()
        if result.ok:
            self.entry.busy(True)
            self.unlocked.emit(passphrase)
        elif result.paused_until is not None:
            self.entry.show_problem(_pause_text(result.paused_until))
        else:
            tries = result.tries_left
            self.entry.show_problem(ngettext(
                "That is not the clinic passphrase. {count} more try before this screen "
                "pauses for a while.",
                "That is not the clinic passphrase. {count} more tries before this screen "
                "pauses for a while.", tries).format(count=tries))

    def _failed(self, error: Any) -> None:
        self.status.clear()
        self.entry.show_problem(error.message)

    def focus_first(self) -> None:
        self.entry.field.setFocus()


class SetUpScreen(Screen):
    """The first start: the clinic passphrase is chosen, the database's key made, and the
    recovery key shown once."""

    unlocked = Signal(str)  # the passphrase: the database's key is made and unlocked

    def __init__(self, db_path: Path):
        super().__init__()
        self.db_path = db_path
        self.passphrase = ""
        self.heading = label(_("Set up mesocheck on this tablet"), "heading")
        self.layout_.addWidget(self.heading)
        # First the passphrase, then (the key made) the recovery key: one part shows.
        self.choose = QWidget()
        choose = QVBoxLayout(self.choose)
        choose.setContentsMargins(0, 0, 0, 0)
        choose.setSpacing(20)
        choose.addWidget(label(_(
            "Choose the clinic passphrase. It encrypts every patient's record on this "
            "tablet, and staff type it each time the app starts. Keep it where the clinic's "
            "staff can find it, never on the tablet."), "lead"))
        self.fields: list[QLineEdit] = []
        for title, name in ((_("Clinic passphrase (at least 10 characters; a few words are "
                               "easiest to remember)"), _("Clinic passphrase")),
                            (_("The same passphrase again"), _("The same passphrase again"))):
            caption = label(title, "subheading")
            field = passphrase_field(name)
            caption.setBuddy(field)
            field.returnPressed.connect(self._next_field)
            field.textEdited.connect(lambda _t, f=field: set_state(f, None))
            choose.addWidget(caption)
            choose.addWidget(field)
            self.fields.append(field)
        self.error = ErrorLine()
        choose.addWidget(self.error)
        self.status = label("", "status")
        choose.addWidget(self.status)
        self.layout_.addWidget(self.choose)
        self.keep = QWidget()
        keep = QVBoxLayout(self.keep)
        keep.setContentsMargins(0, 0, 0, 0)
        keep.setSpacing(20)
        keep.addWidget(label(_(
            "The passphrase is set. Below is the recovery key: it opens the records if the "
            "passphrase is ever forgotten. Write it down now and keep it in the clinic's "
            "safe. It is shown only this once."), "lead"))
        self.recovery = label("", "recovery")
        self.recovery.setWordWrap(False)  # two lines of four groups, never broken
        self.recovery.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.recovery.setAccessibleName(_("Recovery key"))
        keep.addWidget(self.recovery, 0, Qt.AlignmentFlag.AlignLeft)
        self.written = QCheckBox(_("I have written down the recovery key"))
        self.written.toggled.connect(lambda on: self.continue_button.setEnabled(on))
        keep.addWidget(self.written)
        self.keep.hide()
        self.layout_.addWidget(self.keep)
        self.layout_.addStretch(1)
        buttons = self.footer()
        buttons.addStretch(1)
        self.continue_button = set_role(QPushButton(_("Continue")), "primary")
        self.continue_button.clicked.connect(self._continue)
        buttons.addWidget(self.continue_button)

    def _next_field(self) -> None:
        if self.fields[0].hasFocus():
            self.fields[1].setFocus()
        else:
            self._continue()

    def _continue(self) -> None:
        if self.keep.isVisible():
            if self.written.isChecked():
                self.unlocked.emit(self.passphrase)
            return
        from mesocheck.keys import MIN_LENGTH

        first, again = (field.text() for field in self.fields)
        if len(first) < MIN_LENGTH:
            self._problem(0, _("The clinic passphrase needs at least 10 characters; a few "
                               "words are easiest to remember."))
            return
        if first != again:
            self.fields[1].clear()
            self._problem(1, _("The two passphrases are not the same. Type it again in the "
                               "second box."))
            return
        self.error.show_message(None)
        self.continue_button.setEnabled(False)
        self.status.setText(_("Making the key…"))
        path = self.db_path

        def make() -> str:
            from mesocheck.store import atrest

            return atrest.set_up(path, first)

        Task(make, what=N_("setting up the database's key"),
             success=lambda recovery: self._show_recovery(first, recovery), parent=self) \
            .failure(self._failed).run_in_background()

    def _problem(self, index: int, message: str) -> None:
        self.error.show_message(message)
        set_state(self.fields[index], "error")
        self.fields[index].setFocus()

    def _failed(self, error: Any) -> None:
        self.status.clear()
        self.continue_button.setEnabled(True)
        self.error.show_message(error.message)

    def _show_recovery(self, passphrase: str, recovery: str) -> None:
        self.passphrase = passphrase
        for field in self.fields:
            field.clear()
        groups = recovery.split("-")
        self.recovery.setText("  ".join(groups[:4]) + "\n" + "  ".join(groups[4:]))
        self.choose.hide()
        self.heading.setText(_("The recovery key"))
        self.keep.show()
        self.continue_button.setEnabled(False)
        self.written.setFocus()

    def focus_first(self) -> None:
        (self.written if self.keep.isVisible() else self.fields[0]).setFocus()
