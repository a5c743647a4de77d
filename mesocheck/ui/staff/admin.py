"""Running the clinic from the tablet: staff accounts and the clinic's settings.

A practitioner adds staff, gives a new PIN, unlocks an account locked by wrong PINs,
deactivates a leaver (never deletes: the audit log names them) and changes the settings the
app has (the clinic's name, the idle time, the time zone, full screen, the clinic's language,
the languages offered to patients, the course a consent covers). Every change is a store call
on the database thread, audited, and refused there to anyone but an active practitioner; a
front-desk member sees why the screen is not theirs. One screen, so one module (about 540
lines): the settings form is read and saved as a whole.
"""

from __future__ import annotations

import re
from typing import Any, Callable
from zoneinfo import available_timezones

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QCompleter,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mesocheck.forms.isolation import isolate
from mesocheck.i18n import N_, _, native_name, ngettext, set_clinic_language, shipped_languages
from mesocheck.store import StaffMember
from mesocheck.store.settings import COURSE_DEFAULTS, COURSE_LIMITS, IDLE_LIMITS_S
from mesocheck.store.staff import MIN_PIN_LENGTH, pin_min_length_of, pin_rule
from mesocheck.ui.staff.signin import pin_field, role_name
from mesocheck.ui.tasks import Task
from mesocheck.ui.widgets.choices import ErrorLine, OptionButton, OptionCheck
from mesocheck.ui.widgets.dialogs import Dialog, confirm
from mesocheck.ui.widgets.labels import label
from mesocheck.ui.widgets.responsive import SwitchBox
from mesocheck.ui.widgets.screen import Screen
from mesocheck.ui.widgets.style import set_role

_PIN = re.compile(r"^[0-9]{4,12}$")
IDLE_CHOICES_S = (60, 120, 180, 300, 600, 900)


def _minutes(seconds: int) -> str:
    if seconds % 60:
        return ngettext("{n} second", "{n} seconds", seconds).format(n=seconds)
    minutes = seconds // 60
    return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)


def review_text(form: Any, language: str) -> str:
    """A language's standing on the form: its own, or a translation and who checked it."""
    if language == form.languages[0]:
        return _("the form's own language, always offered")
    review = form.translations.get(language)
    if review is not None and review.reviewed:
        return (_("translation checked by {who} on {day}").format(who=review.by, day=review.on)
                if review.on else _("translation checked by {who}").format(who=review.by))
    return _("machine-assisted translation, not yet checked by a qualified person")


def state_text(member: StaffMember, zone: Any) -> str:
    role = role_name(member.role)
    if not member.active:
        return _("{role} · deactivated").format(role=role)
    if member.locked_until is not None:
        until = member.locked_until.astimezone(zone).strftime("%H:%M")
        return _("{role} · locked after wrong PINs, until {until}").format(role=role, until=until)
    return _("{role} · active").format(role=role)


class PinDialog(Dialog):
    """A new PIN, typed twice; ``on_finished(accepted, pin)``."""

    def __init__(self, parent: QWidget | None, name: str,
                 on_finished: Callable[[bool, str], None], min_length: int = MIN_PIN_LENGTH):
        super().__init__(parent, _("New PIN"), _(
            "Choose a new PIN for {name}. It also lifts a lock-out after wrong PINs.").format(
            name=isolate(name)), accept_text=_("Save PIN"), reject_text=_("Cancel"),
            on_finished=on_finished)
        layout = self.layout()
        self.pin = pin_field(_("New PIN"))
        self.pin_again = pin_field(_("The same PIN again"))
        self.min_length = min_length
        for index, (caption, field) in enumerate(((_("New PIN ({n} to 12 digits)").format(
                                                      n=min_length),
                                                   self.pin),
                                                  (_("The same PIN again"), self.pin_again))):
            title = set_role(QLabel(caption), "subheading")
            title.setBuddy(field)
            layout.insertWidget(2 + 2 * index, title)
            layout.insertWidget(3 + 2 * index, field)
        layout.insertWidget(6, self.error_label)
        self.pin_again.returnPressed.connect(self._try_accept)
        self.resize(max(560, self.sizeHint().width()), self.sizeHint().height())

    def text(self) -> str:
        return self.pin.text()

    def _try_accept(self) -> None:
        if not _PIN.match(self.pin.text()) or len(self.pin.text()) < self.min_length:
            problem, field = pin_rule(self.min_length), self.pin
        elif self.pin.text() != self.pin_again.text():
            problem, field = _("The two PINs are not the same."), self.pin_again
        else:
            self.accept()
            return
        self.error_label.show_message(problem)
        self._fit()
        field.setFocus()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.pin.setFocus()


class StaffAdminScreen(Screen):
    """Staff accounts and the clinic's settings (practitioners only)."""

    settings_changed = Signal(dict)  # the settings as stored, after a save

    def __init__(self, context: Any):
        super().__init__()
        self.context = context
        self.members: list[StaffMember] = []
        self.rows: dict[int, QFrame] = {}
        self.layout_.addWidget(label(_("Staff and clinic"), "heading"))
        self.allowed = context.staff.role == "practitioner"
        if not self.allowed:
            self.layout_.addWidget(label(_(
                "Only a practitioner can add staff, give a new PIN, unlock or deactivate "
                "an account, and change the clinic's settings. Please ask one."), "lead"))
            self.layout_.addStretch(1)
            return
        self.layout_.addWidget(label(_("Staff"), "subheading"))
        self.status = label("", "notice")
        self.status.setAccessibleName(_("Result"))
        self.status.hide()
        self.layout_.addWidget(self.status)
        self.list = QWidget()
        self.list.setObjectName("scrollBody")
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(12)
        self.layout_.addWidget(self.list)
        self._add_form()
        self._settings_form()
        self.layout_.addStretch(1)

    # -- adding a member -----------------------------------------------------------------

    def _add_form(self) -> None:
        self.layout_.addWidget(label(_("Add a staff member"), "subheading"))
        self.add_errors: dict[str, ErrorLine] = {}
        self.captions: dict[str, QLabel] = {}
        self.min_pin = MIN_PIN_LENGTH  # the clinic's, once its settings are read
        self.new_name = QLineEdit()
        self.new_name.setMaxLength(200)
        self.new_name.setAccessibleName(_("New staff member's name"))
        self.new_name.setAccessibleDescription(_("As it will be shown at sign-in and on reviews"))
        self._field("name", _("Name"), self.new_name)
        roles = QWidget()
        row = QHBoxLayout(roles)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(12)
        self.role_group = QButtonGroup(self)
        self.role_buttons: dict[str, OptionButton] = {}
        for role in ("front-desk", "practitioner"):
            button = OptionButton(role_name(role))
            button.setAccessibleDescription(_("Role of the new staff member"))
            self.role_group.addButton(button)
            self.role_buttons[role] = button
            row.addWidget(button)
        self.role_buttons["front-desk"].setChecked(True)
        self._field("role", _("Role"), roles)
        pins = SwitchBox(700, spacing=32)
        self.new_pin = pin_field(_("New staff member's PIN"))
        self.new_pin_again = pin_field(_("The same PIN again"))
        self._field("pin", _("PIN ({n} to 12 digits)").format(n=MIN_PIN_LENGTH), self.new_pin,
                    pins.box)
        self._field("pin_again", _("The same PIN again"), self.new_pin_again, pins.box)
        self.layout_.addWidget(pins)
        self.add_button = set_role(QPushButton(_("Add staff member")), "primary")
        self.add_button.setAccessibleDescription(_("Creates the account; it can sign in at once"))
        self.add_button.clicked.connect(self.add_member)
        self.layout_.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)

    def _field(self, key: str, title: str, widget: QWidget, into: Any = None) -> None:
        caption = label(title, "body")
        caption.setBuddy(widget)
        self.captions[key] = caption
        self.add_errors[key] = error = ErrorLine()
        parts = (caption, error, widget)
        if into is None:
            for part in parts:
                self.layout_.addWidget(part)
            return
        column = QWidget()
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(0, 0, 0, 0)
        for part in parts:
            column_layout.addWidget(part)
        column_layout.addStretch(1)
        into.addWidget(column, 1)

    def add_member(self) -> None:
        name = self.new_name.text()
        pin, again = self.new_pin.text(), self.new_pin_again.text()
        role = next(r for r, b in self.role_buttons.items() if b.isChecked())
        problems: dict[str, str] = {}
        if not name.strip():
            problems["name"] = _("Please enter the new staff member's name.")
        if not _PIN.match(pin) or len(pin) < self.min_pin:
            problems["pin"] = pin_rule(self.min_pin)
        elif pin != again:
            problems["pin_again"] = _("The two PINs are not the same.")
        for key, error in self.add_errors.items():
            error.show_message(problems.get(key))
        if problems:
            return
        actor = self.context.actor
        self.add_button.setEnabled(False)
        self._run(lambda store: store.add_staff(name, role, pin, actor),
                  N_("adding a staff member"), lambda _id: self._added(name, role))

    def _added(self, name: str, role: str) -> None:
        self.add_button.setEnabled(True)
        for field in (self.new_name, self.new_pin, self.new_pin_again):
            field.clear()
        self._say(_("{name} was added ({role}).").format(name=isolate(" ".join(name.split())),
                                                        role=role_name(role)))

    # -- the list ------------------------------------------------------------------------

    def refresh(self) -> None:
        if not self.allowed:
            return
        Task(lambda store: (store.staff_members(include_inactive=True), store.settings()),
             success=lambda found: self._show(*found), parent=self,
             what=N_("reading the staff list")).failure(self._failed).run_in_background(
            self.context.db)

    def _show(self, members: list[StaffMember], settings: dict[str, Any]) -> None:
        self.members = members
        for row in self.rows.values():
            row.hide()
            row.deleteLater()
        self.rows = {}
        for member in members:
            card = self._card(member)
            self.list_layout.addWidget(card)
            self.rows[member.id] = card
        self.min_pin = pin_min_length_of(settings.get("pin_min_length"))
        self.captions["pin"].setText(_("PIN ({n} to 12 digits)").format(n=self.min_pin))
        self._show_settings(settings)

    def _card(self, member: StaffMember) -> QFrame:
        card = set_role(QFrame(), "card")
        outer = QVBoxLayout(card)
        outer.setContentsMargins(20, 12, 20, 12)
        switch = SwitchBox(640, spacing=16)
        outer.addWidget(switch)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(label(member.name, "subheading"))
        text.addWidget(label(state_text(member, self.context.zone), "muted"))
        switch.box.addLayout(text, 1)
        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        who = member.name  # spoken, not drawn: no isolates needed
        if member.active:
            if member.locked_until is not None:
                unlock = QPushButton(_("Unlock"))
                unlock.setAccessibleName(_("Unlock the account of {name}").format(name=who))
                unlock.setAccessibleDescription(_("Lets them sign in again with their PIN"))
                unlock.clicked.connect(lambda _=False, m=member: self.unlock(m))
                buttons.addWidget(unlock)
            pin = QPushButton(_("New PIN…"))
            pin.setAccessibleName(_("New PIN for {name}").format(name=who))
            pin.setAccessibleDescription(_("Asks for the new PIN twice"))
            pin.clicked.connect(lambda _=False, m=member: self.ask_pin(m))
            buttons.addWidget(pin)
            if member.id != self.context.staff.id:
                leave = set_role(QPushButton(_("Deactivate…")), "danger")
                leave.setAccessibleName(_("Deactivate the account of {name}").format(name=who))
                leave.setAccessibleDescription(
                    _("They can no longer sign in; the account is kept"))
                leave.clicked.connect(lambda _=False, m=member: self.ask_deactivate(m))
                buttons.addWidget(leave)
        else:
            back = QPushButton(_("Reactivate"))
            back.setAccessibleName(_("Reactivate the account of {name}").format(name=who))
            back.setAccessibleDescription(_("They can sign in again"))
            back.clicked.connect(lambda _=False, m=member: self.set_active(m, True))
            buttons.addWidget(back)
        buttons.addStretch(1)
        switch.box.addLayout(buttons)
        return card

    # -- actions on a member -------------------------------------------------------------

    def ask_pin(self, member: StaffMember) -> PinDialog:
        dialog = PinDialog(self, member.name, lambda ok, pin: ok and self._new_pin(member, pin),
                           self.min_pin)
        dialog.show()
        return dialog

    def _new_pin(self, member: StaffMember, pin: str) -> None:
        actor = self.context.actor
        self._run(lambda store: store.change_pin(member.id, pin, actor), N_("changing a PIN"),
                  lambda _r: self._say(_("{name} has a new PIN.").format(
                      name=isolate(member.name))))

    def unlock(self, member: StaffMember) -> None:
        actor = self.context.actor
        self._run(lambda store: store.unlock_staff(member.id, actor), N_("unlocking an account"),
                  lambda _r: self._say(_("{name} can sign in again.").format(
                      name=isolate(member.name))))

    def ask_deactivate(self, member: StaffMember) -> Dialog:
        return confirm(self, _("Deactivate this account?"),
                       _("{name} will no longer be able to sign in. The account is kept, with "
                         "everything it did, and can be reactivated.").format(
                           name=isolate(member.name)),
                       accept_text=_("Deactivate"), reject_text=_("Cancel"), danger=True,
                       on_finished=lambda ok, _t: ok and self.set_active(member, False))

    def set_active(self, member: StaffMember, active: bool) -> None:
        actor = self.context.actor
        text = _("{name} can sign in again.") if active else _("{name} is deactivated.")
        self._run(lambda store: store.set_staff_active(member.id, active, actor),
                  N_("changing an account"),
                  lambda _r: self._say(text.format(name=isolate(member.name))))

    # -- the clinic's settings -----------------------------------------------------------

    def _settings_form(self) -> None:
        self.layout_.addWidget(label(_("Clinic settings"), "subheading"))
        self.settings_error = ErrorLine()
        self.layout_.addWidget(self.settings_error)
        self.clinic = QLineEdit()
        self.clinic.setMaxLength(120)
        self.clinic.setAccessibleName(_("Clinic name"))
        self.clinic.setAccessibleDescription(_("On the welcome screen and the documents"))
        self._setting(_("Clinic name (on the welcome screen and the documents)"), self.clinic)
        self.idle = QComboBox()
        self.idle.setAccessibleName(_("Idle time"))
        self.idle.setAccessibleDescription(
            _("How long the tablet waits, untouched, before it asks whether anyone is there"))
        for seconds in IDLE_CHOICES_S:
            self.idle.addItem(_minutes(seconds), seconds)
        self._setting(_("Clear the screen after it is left untouched for"), self.idle)
        self.zone = QComboBox()
        self.zone.setEditable(True)
        self.zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone.setAccessibleName(_("Time zone"))
        self.zone.setAccessibleDescription(_("Type part of a place's name, such as Paris"))
        self.zone.addItem(_("This computer's time zone"), None)
        for name in sorted(available_timezones()):
            self.zone.addItem(name, name)
        completer = QCompleter([self.zone.itemText(i) for i in range(self.zone.count())],
                               self.zone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.zone.setCompleter(completer)
        self._setting(_("Time zone (for forms started from now on)"), self.zone)
        self.language = QComboBox()
        self.language.setAccessibleName(_("Language"))
        self.language.setAccessibleDescription(
            _("The staff screens and the clinic's records use this language; patients choose "
              "their own"))
        for code in shipped_languages():
            self.language.addItem(native_name(code), code)
        self._setting(_("Language of the staff screens and the clinic's records"),
                      self.language)
        self._patient_languages_form()
        self.course_sessions = self._count_choice(
            "course_sessions", _("Sessions in a course"),
            _("How many sessions a signed consent covers before it is asked again"),
            _("A signed consent covers up to"),
            lambda n: ngettext("{n} session", "{n} sessions", n).format(n=n))
        self.course_months = self._count_choice(
            "course_months", _("Months a course lasts"),
            _("How long after signing a consent still covers the course"),
            _("within (from the day it is signed)"),
            lambda n: ngettext("{n} month", "{n} months", n).format(n=n))
        self.full_screen = OptionCheck(_("Fill the whole screen (a kiosk tablet)"))
        self.full_screen.setAccessibleDescription(
            _("Off: the app opens in a window, for a desk computer"))
        self.layout_.addWidget(self.full_screen)
        self.save_button = set_role(QPushButton(_("Save settings")), "primary")
        self.save_button.setAccessibleDescription(
            _("Saves the clinic's settings; they apply at once"))
        self.save_button.clicked.connect(self.save_settings)
        self.layout_.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.settings_status = label("", "status")
        self.settings_status.setAccessibleName(_("Settings result"))
        self.layout_.addWidget(self.settings_status)

    def _patient_languages_form(self) -> None:
        """A box per language of the form: the form's own always offered, each translation
        offered once a practitioner ticks it, its review status beside it."""
        form = self.context.form
        caption = label(_("Languages offered to patients"), "body")
        self.layout_.addWidget(caption)
        self.layout_.addWidget(label(_(
            "A translation made with machine help must be checked by a qualified person "
            "before the clinic relies on it."), "help"))
        self.patient_languages: dict[str, OptionCheck] = {}
        for code in form.languages:
            box = OptionCheck(f"{native_name(code)} \u2014 {review_text(form, code)}")
            box.setAccessibleName(native_name(code))
            box.setAccessibleDescription(review_text(form, code))
            if code == form.languages[0]:
                box.setChecked(True)
                box.setEnabled(False)
            self.layout_.addWidget(box)
            self.patient_languages[code] = box
        caption.setBuddy(self.patient_languages[form.languages[0]])
        self.offered_before: list[str] = []

    def chosen_patient_languages(self) -> list[str]:
        source = self.context.form.languages[0]
        return [code for code, box in self.patient_languages.items()
                if box.isChecked() and code != source]

    def _count_choice(self, key: str, name: str, description: str, title: str,
                      words: Callable[[int], str]) -> QComboBox:
        """A setting that is a count (sessions, months): every allowed number, in words."""
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.setAccessibleDescription(description)
        low, high, _what = COURSE_LIMITS[key]
        for n in range(low, high + 1):
            combo.addItem(words(n), n)
        self._setting(title, combo)
        return combo

    def _setting(self, title: str, widget: QWidget) -> None:
        caption = label(title, "body")
        caption.setBuddy(widget)
        self.layout_.addWidget(caption)
        self.layout_.addWidget(widget)

    def _show_settings(self, settings: dict[str, Any]) -> None:
        self.clinic.setText(str(settings.get("clinic_name") or ""))
        idle = int(settings.get("idle_timeout_s") or 120)
        if self.idle.findData(idle) < 0:
            self.idle.addItem(_minutes(idle), idle)
        self.idle.setCurrentIndex(self.idle.findData(idle))
        zone = settings.get("time_zone")
        index = self.zone.findData(zone) if zone else 0
        self.zone.setCurrentIndex(max(index, 0))
        self.full_screen.setChecked(bool(settings.get("full_screen", True)))
        self.language.setCurrentIndex(max(self.language.findData(
            settings.get("clinic_language")), 0))
        self.offered_before = list(settings.get("patient_languages") or [])
        for code, box in self.patient_languages.items():
            if box.isEnabled():
                box.setChecked(code in self.offered_before)
        for combo, key in ((self.course_sessions, "course_sessions"),
                           (self.course_months, "course_months")):
            combo.setCurrentIndex(max(combo.findData(settings.get(key, COURSE_DEFAULTS[key])),
                                      0))

    def chosen_zone(self) -> str | None:
        typed = self.zone.currentText().strip()
        index = self.zone.findText(typed, Qt.MatchFlag.MatchFixedString)
        if index >= 0:
            return self.zone.itemData(index)
        return typed or None  # the store says whether it is a zone

    def save_settings(self) -> None:
        values = {"clinic_name": self.clinic.text(), "idle_timeout_s": self.idle.currentData(),
                  "time_zone": self.chosen_zone(), "full_screen": self.full_screen.isChecked(),
                  "clinic_language": self.language.currentData(),
                  "patient_languages": self.chosen_patient_languages(),
                  "course_sessions": self.course_sessions.currentData(),
                  "course_months": self.course_months.currentData()}
        self.settings_error.show_message(None)
        self.settings_status.clear()
        form = self.context.form
        unchecked = [code for code in values["patient_languages"]
                     if code not in self.offered_before and not form.reviewed(code)]
        if not unchecked:
            self._save_settings(values)
            return
        names = ", ".join(native_name(code) for code in unchecked)
        self.unchecked_dialog = confirm(
            self, _("Offer a translation nobody has checked?"),
            _("{languages}: machine-assisted, not yet checked by a qualified person. A patient "
              "may read something the clinic did not mean, and sign it. Offer it to patients "
              "anyway?").format(languages=names),
            accept_text=_("Offer it"), danger=True,
            on_finished=lambda ok, _t: self._save_settings(values) if ok else None)

    def _save_settings(self, values: dict[str, Any]) -> None:
        actor = self.context.actor

        def op(store: Any) -> dict[str, Any]:
            store.set_settings(values, actor)
            return store.settings()

        self._run(op, N_("saving the clinic's settings"), self._saved,
                  on_refused=self._settings_refused)

    def _settings_refused(self, text: str) -> None:
        self.settings_error.show_message(text)
        self.scroll.ensureWidgetVisible(self.settings_error)

    def _saved(self, settings: dict[str, Any]) -> None:
        set_clinic_language(settings.get("clinic_language") or "en")
        self.settings_status.setText(_("The clinic's settings are saved."))
        self.settings_changed.emit(settings)

    # -- common --------------------------------------------------------------------------

    def _run(self, op: Callable[[Any], Any], what: str, then: Callable[[Any], None],
             on_refused: Callable[[str], None] | None = None) -> None:
        def done(result: Any) -> None:
            then(result)
            self.refresh()

        def refused(error: Any) -> None:
            self.add_button.setEnabled(True)
            (on_refused or self._say)(error.message)

        Task(op, what=what, success=done, parent=self).failure(refused).run_in_background(
            self.context.db)

    def _failed(self, error: Any) -> None:
        self._say(error.message)

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))
        self.scroll.ensureWidgetVisible(self.status)

    def focus_first(self) -> None:
        if self.allowed:
            self.new_name.setFocus()
