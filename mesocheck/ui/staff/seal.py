"""Unlocking the clinic's seal on the tablet: the clinic passphrase, typed once by staff.

The tablet runs unattended at the front desk, so the seal is unlocked once per app run on
this staff screen (or at launch with ``mesocheck --passphrase-file FILE``) and its key stays
in this process's memory until the app ends. While it is locked, a patient's document is
still made and stored at once, unsealed; unlocking seals what waits, in the background.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton

from mesocheck.ui.tasks import Task
from mesocheck.ui.widgets.choices import ErrorLine
from mesocheck.ui.widgets.labels import label
from mesocheck.ui.widgets.screen import Screen
from mesocheck.ui.widgets.style import set_role


class SealState(Struct, frozen=True):
    set_up: bool
    unlocked: bool
    name: str
    valid_until: str
    waiting: int


def seal_state(store: Any) -> SealState:
    from mesocheck.documents.certificate import unlocked_seal

    current = store.current_seal()
    if current is None:
        return SealState(False, False, "", "", 0)
    return SealState(True, unlocked_seal(store) is not None,
                     current.subject.partition("CN=")[2].split(",")[0] or current.subject,
                     f"{current.not_after:%Y-%m-%d}", len(store.documents_to_seal()))


def _unlock(store: Any, passphrase: str) -> None:
    from mesocheck.documents.certificate import unlock

    unlock(store, passphrase)


def _seal_waiting(path: Any) -> Any:
    """Seal what waits, on a connection of its own: the app's one database thread keeps
    saving the patient's answers meanwhile (each seal is its own short transaction)."""
    from mesocheck.documents.archive import seal_pending
    from mesocheck.store import Store

    with Store.open(path, create=False) as store:
        return seal_pending(store)


class SealScreen(Screen):
    """The seal's state, and the passphrase field that unlocks it."""

    def __init__(self, context: Any):
        super().__init__()
        self.context = context
        self.layout_.addWidget(label("Clinic seal", "heading"))
        self.status = label("", "lead")
        self.layout_.addWidget(self.status)
        self.detail = label("", "muted")
        self.layout_.addWidget(self.detail)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Clinic passphrase")
        self.passphrase.setAccessibleDescription(
            "The clinic's passphrase unlocks its seal until the app closes")
        self.passphrase.setPlaceholderText("Clinic passphrase")
        self.passphrase.setInputMethodHints(Qt.InputMethodHint.ImhSensitiveData |
                                            Qt.InputMethodHint.ImhNoPredictiveText)
        self.passphrase.setMaximumWidth(520)
        self.passphrase.returnPressed.connect(self.unlock)
        self.unlock_button = set_role(QPushButton("Unlock the seal"), "primary")
        self.unlock_button.setAccessibleDescription(
            "Checks the passphrase, then seals the documents that wait")
        self.unlock_button.clicked.connect(self.unlock)
        row = QHBoxLayout()
        row.setSpacing(16)
        row.addWidget(self.passphrase, 1)
        row.addWidget(self.unlock_button)
        self.layout_.addLayout(row)
        self.error = ErrorLine()
        self.layout_.addWidget(self.error)
        self.layout_.addStretch(1)
        self.state: SealState | None = None

    def refresh(self) -> None:
        Task(seal_state, success=self._show, parent=self, what="reading the seal's state") \
            .failure(lambda error: self.error.show_message(error.message)) \
            .run_in_background(self.context.db)

    def _show(self, state: SealState) -> None:
        self.state = state
        waiting = (f" {state.waiting} document{'s wait' if state.waiting != 1 else ' waits'} "
                   "to be sealed." if state.waiting else "")
        if not state.set_up:
            self.status.setText("No clinic seal is set up. Documents are kept unsealed.")
            self.detail.setText("The clinic's IT contact sets one up with "
                                "\u201cmesocheck seal setup\u201d.")
        elif state.unlocked:
            self.status.setText("The seal is unlocked: every document is sealed as it is "
                                "made." + waiting)
            self.detail.setText(f"Sealed by {state.name}; the certificate is valid until "
                                f"{state.valid_until}. It stays unlocked until the app "
                                "closes.")
        else:
            self.status.setText("The seal is locked. Patients' documents are kept, and sealed "
                                "when it is unlocked." + waiting)
            self.detail.setText(f"Type the clinic passphrase to seal documents as "
                                f"{state.name}.")
        can_unlock = state.set_up and not state.unlocked
        self.passphrase.setVisible(can_unlock)
        self.unlock_button.setVisible(can_unlock)

    def unlock(self) -> None:
        passphrase = self.passphrase.text()
        if not passphrase:
            self.error.show_message("Type the clinic passphrase first.")
            return
        self.error.show_message(None)
        self.unlock_button.setEnabled(False)
        self.passphrase.clear()
        Task(lambda store: _unlock(store, passphrase), success=self._unlocked, parent=self,
             what="unlocking the clinic's seal").failure(self._failed) \
            .run_in_background(self.context.db)

    def _unlocked(self, _result: None) -> None:
        self.unlock_button.setEnabled(True)
        self.refresh()
        path = self.context.db.path
        if path is not None:  # seal what waited; timestamps for B-B seals, if configured
            Task(lambda: _seal_waiting(path), success=self._sealed, parent=self,
                 what="sealing the documents kept unsealed").heavy().failure(
                lambda error: self.error.show_message(error.message)).run_in_background()

    def _sealed(self, report: Any) -> None:
        self.refresh()
        if report.problems:
            self.error.show_message(report.problems[0])

    def _failed(self, error: Any) -> None:
        self.unlock_button.setEnabled(True)
        self.error.show_message(error.message[:1].upper() + error.message[1:])
        self.passphrase.setFocus()

    def focus_first(self) -> None:
        if self.passphrase.isVisible():
            self.passphrase.setFocus()
