"""The clinic's seal on the tablet: its state, and the clinic passphrase that unlocks it.

The tablet runs unattended at the front desk, so the seal is unlocked once per app run: by
the passphrase typed on the unlock screen when the app starts (one passphrase opens the
encrypted database and the seal: :mod:`mesocheck.ui.staff.unlock`), at launch with
``mesocheck --passphrase-file FILE``, or here, with the same entry, where it is still
locked (an unencrypted database, a seal whose passphrase differs). Its key stays in this
process's memory until the app ends. While it is locked, a patient's document is still made
and stored at once, unsealed; unlocking seals what waits, in the background.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct

from mesocheck.ui.staff.unlock import PassphraseEntry
from mesocheck.ui.tasks import Task
from mesocheck.ui.widgets.labels import label
from mesocheck.ui.widgets.screen import Screen
from mesocheck.i18n import N_, _, ngettext


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


def unlock_seal(store: Any, passphrase: str) -> bool:
    """Unlock the clinic's seal with ``passphrase`` if one is set up; whether it was."""
    if store.current_seal() is None:
        return False
    from mesocheck.documents.certificate import unlock

    unlock(store, passphrase)
    return True


def seal_waiting(path: Any) -> Any:
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
        self.layout_.addWidget(label(_("Clinic seal"), "heading"))
        self.status = label("", "lead")
        self.layout_.addWidget(self.status)
        self.detail = label("", "muted")
        self.layout_.addWidget(self.detail)
        self.entry = PassphraseEntry(_("Unlock the seal"))
        self.entry.field.setAccessibleDescription(
            _("The clinic's passphrase unlocks its seal until the app closes"))
        self.entry.button.setAccessibleDescription(
            _("Checks the passphrase, then seals the documents that wait"))
        self.entry.submitted.connect(self.unlock)
        self.passphrase, self.unlock_button, self.error = (
            self.entry.field, self.entry.button, self.entry.error)
        self.layout_.addWidget(self.entry)
        self.layout_.addWidget(self.error)
        self.layout_.addStretch(1)
        self.state: SealState | None = None

    def refresh(self) -> None:
        Task(seal_state, success=self._show, parent=self, what=N_("reading the seal's state")) \
            .failure(lambda error: self.error.show_message(error.message)) \
            .run_in_background(self.context.db)

    def _show(self, state: SealState) -> None:
        self.state = state
        waiting = (" " + ngettext("{count} document waits to be sealed.",
                                  "{count} documents wait to be sealed.", state.waiting).format(
            count=state.waiting) if state.waiting else "")
        if not state.set_up:
            self.status.setText(_("No clinic seal is set up. Documents are kept unsealed."))
            self.detail.setText(_("The clinic's IT contact sets one up with "
                                  "\u201cmesocheck seal setup\u201d."))
        elif state.unlocked:
            self.status.setText(_("The seal is unlocked: every document is sealed as it is "
                                  "made.") + waiting)
            self.detail.setText(_("Sealed by {name}; the certificate is valid until {date}. It "
                                  "stays unlocked until the app closes.").format(
                name=state.name, date=state.valid_until))
        else:
            self.status.setText(_("The seal is locked. Patients' documents are kept, and "
                                  "sealed when it is unlocked.") + waiting)
            self.detail.setText(_("Type the clinic passphrase to seal documents as {name}.")
                                .format(name=state.name))
        self.entry.setVisible(state.set_up and not state.unlocked)

    def unlock(self, passphrase: str) -> None:
        Task(lambda store: unlock_seal(store, passphrase), success=self._unlocked, parent=self,
             what=N_("unlocking the clinic's seal")).failure(self._failed) \
            .run_in_background(self.context.db)

    def _unlocked(self, _result: bool) -> None:
        self.entry.busy(False)
        self.refresh()
        path = self.context.db.path
        if path is not None:  # seal what waited; timestamps for B-B seals, if configured
            Task(lambda: seal_waiting(path), success=self._sealed, parent=self,
                 what=N_("sealing the documents kept unsealed")).heavy().failure(
                lambda error: self.error.show_message(error.message)).run_in_background()

    def _sealed(self, report: Any) -> None:
        self.refresh()
        if report.problems:
            self.error.show_message(report.problems[0])

    def _failed(self, error: Any) -> None:
        self.entry.show_problem(error.message)

    def focus_first(self) -> None:
        if self.passphrase.isVisible():
            self.passphrase.setFocus()
