"""Staff sign-in with a PIN, and the first practitioner account on a new database.

PINs are checked by the store on the background worker (the check is deliberately slow);
five wrong PINs lock the account for a while, and the screen says until when. A PIN set
under older rules (4 digits, or an easy guess) still signs in, and then the same screen
asks for a new one, twice, before the staff area opens.
"""

from __future__ import annotations

import re
from datetime import tzinfo
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mesocheck.forms.isolation import isolate
from mesocheck.i18n import N_, _, ngettext
from mesocheck.store import InvalidPin, PinCheck, StaffMember
from mesocheck.store.audit import staff_actor
from mesocheck.store.staff import MIN_PIN_LENGTH, check_new_pin
from mesocheck.ui.tasks import Database, Task
from mesocheck.ui.widgets.choices import ErrorLine, OptionButton
from mesocheck.ui.widgets.labels import label
from mesocheck.ui.widgets.responsive import SwitchBox
from mesocheck.ui.widgets.screen import Screen
from mesocheck.ui.widgets.style import set_role, set_state

_PIN = re.compile(r"^[0-9]{4,12}$")  # a PIN that may sign in (older ones have 4 digits)
_NEW_PIN = re.compile(r"^[0-9]{%d,12}$" % MIN_PIN_LENGTH)
ROLE_NAMES = {"practitioner": N_("Practitioner"), "front-desk": N_("Front desk")}


def role_name(role: str) -> str:
    """A staff role in the clinic's language."""
    return _(ROLE_NAMES[role]) if role in ROLE_NAMES else role


def pin_field(accessible_name: str) -> QLineEdit:
    field = set_role(QLineEdit(), "pin")
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(12)
    field.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9]{0,12}"), field))
    field.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly |
                              Qt.InputMethodHint.ImhSensitiveData |
                              Qt.InputMethodHint.ImhNoPredictiveText)
    field.setAccessibleName(accessible_name)
    field.setAccessibleDescription(_("Digits only, up to 12"))
    field.setMaximumWidth(420)
    return field


class Keypad(QWidget):
    """On-screen digits for a tablet without a keyboard; types into ``target``."""

    def __init__(self, target: QLineEdit):
        super().__init__()
        self.target = target
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(10)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "Clear", "0", "⌫"]
        words = {"Clear": _("Clear")}
        for index, key in enumerate(keys):
            button = set_role(QPushButton(words.get(key, key)), "key", word=key == "Clear")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field keeps the focus
            button.setAccessibleName({"⌫": _("Delete last digit")}.get(key, words.get(key, key)))
            button.setAccessibleDescription({"Clear": _("Empties the PIN"),
                                             "⌫": _("Takes away the last digit typed")}.get(
                key, _("Types this digit into the PIN")))
            button.clicked.connect(lambda _=False, k=key: self._press(k))
            grid.addWidget(button, index // 3, index % 3)
        self.setMaximumWidth(420)

    def _press(self, key: str) -> None:
        if key == "Clear":
            self.target.clear()
        elif key == "⌫":
            self.target.backspace()
        elif len(self.target.text()) < self.target.maxLength():
            self.target.insert(key)
        self.target.setFocus()


def pin_message(check: PinCheck, zone: tzinfo) -> str:
    if check.locked_until is not None:
        until = check.locked_until.astimezone(zone).strftime("%H:%M")
        return _("Too many wrong PINs: this account is locked until {until}. Another staff "
                 "member can sign in meanwhile.").format(until=until)
    return ngettext("That PIN is not right. {n} more try before this account is locked for a "
                    "while.", "That PIN is not right. {n} more tries before this account is "
                    "locked for a while.", check.attempts_left).format(n=check.attempts_left)


class SignInScreen(Screen):
    signed_in = Signal(object)  # StaffMember
    cancelled = Signal()

    def __init__(self, db: Database, zone: tzinfo):
        super().__init__()
        self.db = db
        self.zone = zone
        self.members: list[StaffMember] = []
        self.changing: StaffMember | None = None  # signed in, choosing a new PIN
        self.first_pin: str | None = None
        self.min_length = MIN_PIN_LENGTH
        self.heading = label(_("Staff sign-in"), "heading")
        self.layout_.addWidget(self.heading)
        self.lead = label(_("Choose your name, then enter your PIN."), "lead")
        self.layout_.addWidget(self.lead)
        self.names = QWidget()
        self.names_layout = QVBoxLayout(self.names)
        self.names_layout.setContentsMargins(0, 0, 0, 0)
        self.names_layout.setSpacing(10)
        self.group = QButtonGroup(self)
        self.group.idClicked.connect(lambda _id: self._picked())
        self.layout_.addWidget(self.names)
        # The PIN and its keypad side by side when there is room, stacked when not.
        columns = SwitchBox(820, spacing=40)
        self.layout_.addWidget(columns)
        entry = QWidget()
        entry_layout = QVBoxLayout(entry)
        entry_layout.setContentsMargins(0, 0, 0, 0)
        entry_layout.setSpacing(14)
        self.pin_label = label(_("PIN"), "subheading")
        entry_layout.addWidget(self.pin_label)
        self.pin = pin_field(_("PIN"))
        self.pin_label.setBuddy(self.pin)
        self.pin.returnPressed.connect(self.sign_in)
        self.pin.textChanged.connect(lambda _t: self._update())
        entry_layout.addWidget(self.pin)
        self.error = ErrorLine()
        entry_layout.addWidget(self.error)
        self.status = label("", "status")
        entry_layout.addWidget(self.status)
        entry_layout.addStretch(1)
        columns.box.addWidget(entry, 1)
        self.keypad = Keypad(self.pin)
        columns.box.addWidget(self.keypad, 0, Qt.AlignmentFlag.AlignTop)
        buttons = self.footer()
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setAccessibleDescription(_("Back to the welcome screen"))
        self.cancel_button.clicked.connect(self.cancelled)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        self.sign_in_button = set_role(QPushButton(_("Sign in")), "primary")
        self.sign_in_button.setProperty("emphasis", "big")
        self.sign_in_button.setAccessibleDescription(_("Checks your PIN and opens the staff area"))
        self.sign_in_button.clicked.connect(self.sign_in)
        buttons.addWidget(self.sign_in_button)
        self.layout_.addStretch(1)
        self._busy = False
        self._update()

    def refresh(self) -> None:
        """Reload the staff list and empty the PIN."""
        self._sign_in_mode()
        self.clear()
        Task(lambda store: store.staff_members(), success=self._show_members, parent=self,
             what=N_("reading the staff list")).failure(self._failed).run_in_background(self.db)

    def clear(self) -> None:
        self.pin.clear()
        self.error.show_message(None)
        self.status.clear()
        set_state(self.pin, None)

    def _show_members(self, members: list[StaffMember]) -> None:
        self.members = members
        for button in self.group.buttons():
            self.group.removeButton(button)
            button.deleteLater()
        for index, member in enumerate(members):
            button = OptionButton(
                f"{isolate(member.name)}  ·  {role_name(member.role)}")
            button.setAccessibleName(member.name)
            button.setAccessibleDescription(_("Choose your name, then type your PIN"))
            self.group.addButton(button, index)
            self.names_layout.addWidget(button)
        if len(members) == 1:
            self.group.button(0).setChecked(True)
            self.pin.setFocus()
        self._update()

    def _picked(self) -> None:
        self.error.show_message(None)
        self.pin.setFocus()
        self._update()

    def selected(self) -> StaffMember | None:
        index = self.group.checkedId()
        return self.members[index] if 0 <= index < len(self.members) else None

    def _update(self) -> None:
        if self.changing is not None:
            ready = bool(_NEW_PIN.match(self.pin.text()))
        else:
            ready = self.selected() is not None and bool(_PIN.match(self.pin.text()))
        self.sign_in_button.setEnabled(ready and not self._busy)

    def sign_in(self) -> None:
        if self.changing is not None:
            self._new_pin()
            return
        member = self.selected()
        pin = self.pin.text()
        if member is None:
            self.error.show_message(_("Please choose your name first."))
            return
        if not _PIN.match(pin):
            self.error.show_message(_("A PIN is 4 to 12 digits."))
            return
        if self._busy:
            return
        self._busy = True
        self.status.setText(_("Checking…"))
        self._update()
        Task(lambda store: store.check_pin(member.id, pin), what=N_("checking the PIN"),
             success=lambda check: self._checked(member, check), parent=self).failure(
            self._failed).run_in_background(self.db)

    def _checked(self, member: StaffMember, check: PinCheck) -> None:
        self._busy = False
        self.status.clear()
        self.pin.clear()
        self._update()
        if check.ok:
            self.error.show_message(None)
            if check.weak:
                self._ask_new_pin(member)
            else:
                self.signed_in.emit(member)
            return
        self.error.show_message(pin_message(check, self.zone))
        set_state(self.pin, "error")
        self.pin.setFocus()

    def _failed(self, error: Any) -> None:
        self._busy = False
        self.status.clear()
        self._update()
        self.error.show_message(error.message)

    # -- a new PIN, after signing in with one older rules allowed ------------------------

    def _ask_new_pin(self, member: StaffMember) -> None:
        self.changing, self.first_pin = member, None
        Task(lambda store: store.pin_min_length(), what=N_("reading the PIN rules"), parent=self,
             success=self._show_new_pin).failure(self._failed).run_in_background(self.db)

    def _show_new_pin(self, min_length: int) -> None:
        self.min_length = min_length
        self.names.hide()
        self.heading.setText(_("Choose a new PIN"))
        self.lead.setText(_("Your PIN is shorter than this clinic now asks for, or too easy to "
                            "guess. Choose a new one of {n} to 12 digits to go on.").format(
            n=min_length))
        self.pin_label.setText(_("New PIN ({n} to 12 digits)").format(n=min_length))
        self.sign_in_button.setText(_("Next"))
        self.pin.clear()
        self.pin.setFocus()
        self._update()

    def _new_pin(self) -> None:
        pin = self.pin.text()
        self.pin.clear()
        if self.first_pin is None:
            try:
                check_new_pin(pin, self.min_length)
            except InvalidPin as refused:
                self.error.show_message(refused.message)
                return
            self.error.show_message(None)
            self.first_pin = pin
            self.pin_label.setText(_("The same new PIN again"))
            self.sign_in_button.setText(_("Save and sign in"))
            return
        if pin != self.first_pin:
            self.error.show_message(_("The two PINs are not the same. Type the new PIN again."))
            self._show_new_pin(self.min_length)
            self.first_pin = None
            return
        member = self.changing
        assert member is not None
        self._busy = True
        self.status.setText(_("Saving…"))
        self._update()
        Task(lambda store: store.change_pin(member.id, pin, actor=staff_actor(member.id)),
             what=N_("saving the new PIN"), parent=self,
             success=lambda _r: self._changed(member)).failure(self._failed) \
            .run_in_background(self.db)

    def _changed(self, member: StaffMember) -> None:
        self._busy = False
        self.status.clear()
        self._sign_in_mode()
        self.signed_in.emit(member)

    def _sign_in_mode(self) -> None:
        self.changing, self.first_pin = None, None
        self.names.show()
        self.heading.setText(_("Staff sign-in"))
        self.lead.setText(_("Choose your name, then enter your PIN."))
        self.pin_label.setText(_("PIN"))
        self.sign_in_button.setText(_("Sign in"))

    def focus_first(self) -> None:
        if self.changing is not None:
            self.pin.setFocus()
            return
        checked = self.group.checkedButton()
        (self.pin if checked else (self.group.button(0) or self.pin)).setFocus()


class FirstRunScreen(Screen):
    """No practitioner yet: create the first one (and name the clinic)."""

    created = Signal(object)  # StaffMember

    def __init__(self, db: Database):
        super().__init__()
        self.db = db
        self.layout_.addWidget(label(_("Set up mesocheck"), "heading"))
        self.layout_.addWidget(label(_(
            "There is no practitioner account yet. Create the first one: it can sign in, "
            "review forms and add other staff."), "lead"))
        self.errors: dict[str, ErrorLine] = {}
        self.clinic = QLineEdit()
        self.clinic.setAccessibleName(_("Clinic name"))
        self.clinic.setAccessibleDescription(_("Shown on the welcome screen and the documents"))
        self.clinic.setMaxLength(120)
        self._field("clinic", _("Clinic name (shown on the welcome screen)"), self.clinic)
        self.name = QLineEdit()
        self.name.setAccessibleName(_("Practitioner's name"))
        self.name.setAccessibleDescription(_("Your name, as it will be printed on reviews"))
        self.name.setMaxLength(120)
        self._field("name", _("Your name"), self.name)
        # The two PIN boxes side by side when there is room.
        pins = SwitchBox(700, spacing=32)
        self.layout_.addWidget(pins)
        self.pin = pin_field(_("Choose a PIN"))
        self._field("pin", _("Choose a PIN ({n} to 12 digits)").format(n=MIN_PIN_LENGTH),
                    self.pin, pins.box)
        self.pin_again = pin_field(_("The same PIN again"))
        self._field("pin_again", _("The same PIN again"), self.pin_again, pins.box)
        self.status = label("", "status")
        self.layout_.addWidget(self.status)
        buttons = self.footer()
        buttons.addStretch(1)
        self.create_button = set_role(QPushButton(_("Create account and sign in")), "primary")
        self.create_button.setProperty("emphasis", "big")
        self.create_button.setAccessibleDescription(
            _("Creates the first practitioner's account and opens the staff area"))
        self.create_button.clicked.connect(self.create)
        self.pin_again.returnPressed.connect(self.create)  # Enter in the last box creates it
        buttons.addWidget(self.create_button)
        self.layout_.addStretch(1)

    def _field(self, key: str, title: str, widget: QWidget, into=None) -> None:
        caption = label(title, "subheading")
        caption.setBuddy(widget)
        self.errors[key] = ErrorLine()
        if into is None:
            for part in (caption, widget, self.errors[key]):
                self.layout_.addWidget(part)
            return
        column = QWidget()
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(0, 0, 0, 0)
        column_layout.setSpacing(12)
        column_layout.addStretch(1)  # side by side, the boxes line up under captions of any length
        for part in (caption, widget, self.errors[key]):
            column_layout.addWidget(part)
        into.addWidget(column, 1)

    def create(self) -> None:
        name = " ".join(self.name.text().split())
        pin, again = self.pin.text(), self.pin_again.text()
        problems: dict[str, str] = {}
        if not name:
            problems["name"] = _("Please enter your name.")
        try:
            check_new_pin(pin)
        except InvalidPin as refused:
            problems["pin"] = refused.message
        else:
            if pin != again:
                problems["pin_again"] = _("The two PINs are not the same. Please type the "
                                          "PIN again in this box.")
        for key, error in self.errors.items():
            error.show_message(problems.get(key))
        if problems:
            if "pin_again" in problems:
                self.pin_again.clear()
            return
        clinic = " ".join(self.clinic.text().split())
        self.create_button.setEnabled(False)
        self.status.setText(_("Creating the account…"))

        def op(store: Any) -> StaffMember:
            with store.atomic():  # the account and the clinic's name, or neither
                staff_id = store.add_staff(name, "practitioner", pin, actor="system")
                if clinic:
                    store.set_settings({"clinic_name": clinic}, actor=staff_actor(staff_id))
            return next(m for m in store.staff_members() if m.id == staff_id)

        Task(op, success=self._created, what=N_("creating the practitioner account"),
             parent=self).failure(self._failed).run_in_background(self.db)

    def _created(self, member: StaffMember) -> None:
        self.status.clear()
        self.pin.clear()
        self.pin_again.clear()
        self.created.emit(member)

    def _failed(self, error: Any) -> None:
        self.create_button.setEnabled(True)
        self.status.clear()
        if isinstance(error, InvalidPin):
            self.errors["pin"].show_message(error.message)
        else:
            self.errors["name"].show_message(error.message)

    def clinic_name(self) -> str:
        return " ".join(self.clinic.text().split())

    def focus_first(self) -> None:
        self.clinic.setFocus()
