"""Starting an intake: the patient's name, date of birth, treatment area and appointment.

Staff fill it in at the desk (with the appointment time); a walk-in patient fills in the
same details on the tablet (the appointment is now).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from msgspec import structs

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mesocheck.forms import Form
from mesocheck.i18n import clinic_language, native_name, translations
from mesocheck.session import PatientDetails, check_details
from mesocheck.ui.intake.inputs import InputContext
from mesocheck.ui.widgets.choices import ErrorLine, OptionButton
from mesocheck.ui.widgets.datefields import DateField, TimeField
from mesocheck.ui.widgets.labels import label, name_field
from mesocheck.ui.widgets.responsive import FlowLayout
from mesocheck.ui.widgets.screen import Screen
from mesocheck.ui.widgets.style import set_role, set_state


class StartIntakeScreen(Screen):
    """Emits ``submitted(PatientDetails)`` with checked details; ``cancelled`` on Cancel."""

    submitted = Signal(object)
    cancelled = Signal()

    def __init__(self, form: Form, context: InputContext, *, staff: bool):
        super().__init__()
        self.form = form
        self.context = context
        self.staff = staff
        self.language = clinic_language() if staff else context.language
        # Staff at the desk read the clinic's language; a walk-in patient their own.
        lang = self.language if self.language in form.languages else form.languages[0]
        _p = translations(self.language).gettext
        if staff:
            self.layout_.addWidget(label(_p("Start an intake"), "heading"))
            self.layout_.addWidget(label(_p(
                "Enter the patient's details, then hand the tablet to the patient."), "lead"))
        else:
            self.layout_.addWidget(label(_p("About you"), "heading"))
            self.layout_.addWidget(label(_p(
                "Please tell us who you are and where you will be treated."), "lead"))
        self.errors: dict[str, ErrorLine] = {}

        self.name = name_field(_p("Full name"), _p("As on an identity card"))
        self._field("name", _p("Full name") if staff else _p("Your full name"), self.name)

        today = context.today()
        self.birth_date = DateField(today.year - 120, today.year, language=self.language)
        self.birth_date.set_accessible_prefix(_p("Date of birth"))
        self._field("birth_date", _p("Date of birth"), self.birth_date)

        areas = QWidget()
        areas_layout = QVBoxLayout(areas)
        areas_layout.setContentsMargins(0, 0, 0, 0)
        areas_layout.setSpacing(10)
        self.area_group = QButtonGroup(self)
        self.area_buttons: dict[str, OptionButton] = {}
        for index, area in enumerate(form.areas):
            button = OptionButton(area.label.get(lang))
            button.setAccessibleDescription(_p("Treatment area"))
            self.area_group.addButton(button, index)
            self.area_buttons[area.value] = button
            areas_layout.addWidget(button)
        self._field("area", _p("Treatment area"), areas)

        # Staff ask which of the clinic's languages the patient reads (set_languages).
        self.language_box = QWidget()
        self.language_flow = FlowLayout(self.language_box, spacing=12)
        self.language_group = QButtonGroup(self)
        self.language_buttons: dict[str, OptionButton] = {}
        if staff:
            self.language_caption = label(_p("The patient's language"), "subheading")
            self.layout_.addWidget(self.language_caption)
            self.layout_.addWidget(self.language_box)
            self.set_languages(form.languages[:1])

        self.appointment_date: DateField | None = None
        self.appointment_time: TimeField | None = None
        if staff:
            moment = QWidget()
            flow = FlowLayout(moment, spacing=16)  # wraps on a portrait screen
            self.appointment_date = DateField(today.year, today.year + 1, newest_first=False,
                                              language=self.language)
            self.appointment_date.set_accessible_prefix(_p("Appointment date"))
            self.appointment_time = TimeField(language=self.language)
            self.appointment_time.set_accessible_prefix(_p("Appointment time"))
            at_time = QWidget()
            row = QHBoxLayout(at_time)
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(12)
            row.addWidget(label(_p("at"), "lead"))
            row.addWidget(self.appointment_time)
            flow.addWidget(self.appointment_date)
            flow.addWidget(at_time)
            moment.setFocusProxy(self.appointment_date)
            self._field("appointment_at", _p("Appointment"), moment)

        # A message goes as soon as its field is changed.
        self.name.textEdited.connect(lambda _t: self._fixed("name"))
        self.birth_date.changed.connect(lambda: self._fixed("birth_date"))
        self.area_group.idClicked.connect(lambda _i: self._fixed("area"))
        if self.appointment_date is not None and self.appointment_time is not None:
            self.appointment_date.changed.connect(lambda: self._fixed("appointment_at"))
            self.appointment_time.changed.connect(lambda: self._fixed("appointment_at"))

        buttons = self.footer()
        if not staff:
            self.cancel_button = QPushButton(_p("Cancel"))
            self.cancel_button.setAccessibleDescription(
                _p("Back to the welcome screen; nothing is kept"))
            self.cancel_button.clicked.connect(self.cancelled)
            buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        self.go_button = set_role(
            QPushButton(_p("Start and hand to patient") if staff else _p("Continue  ›")),
            "primary")
        self.go_button.setProperty("emphasis", "big")
        self.go_button.setAccessibleDescription(
            _p("Starts the intake and locks the staff area for the patient") if staff
            else _p("Starts your form with these details"))
        self.go_button.clicked.connect(self.submit)
        buttons.addWidget(self.go_button)
        self.layout_.addStretch(1)
        self.clear()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        """Enter goes on, as on the wizard's pages; on a button, the window presses that
        button instead."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & (
                Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier) \
                and not isinstance(self.focusWidget(), QPushButton):
            self.go_button.click()
            return
        super().keyPressEvent(event)

    def _field(self, key: str, title: str, widget: QWidget) -> None:
        caption = label(title, "subheading")
        caption.setBuddy(widget.focusProxy() or widget)
        self.layout_.addWidget(caption)
        self.layout_.addWidget(widget)
        error = ErrorLine()
        self.errors[key] = error
        self.layout_.addWidget(error)

    def _fixed(self, key: str) -> None:
        self.errors[key].show_message(None)
        if key == "name":
            set_state(self.name, None)

    def clear(self) -> None:
        """Empty every field (a new patient, or the screen was left idle)."""
        self.name.clear()
        self.birth_date.set_value(None)
        self.area_group.setExclusive(False)
        for button in self.area_buttons.values():
            button.setChecked(False)
        self.area_group.setExclusive(True)
        if self.appointment_date is not None and self.appointment_time is not None:
            now = self.context.now()
            slot = now.replace(second=0, microsecond=0) + timedelta(
                minutes=(15 - now.minute % 15) % 15)
            self.appointment_date.set_value(slot.date())
            self.appointment_time.set_value(slot.time())
        for key, error in self.errors.items():
            error.show_message(None)
        set_state(self.name, None)
        if self.language_buttons:  # the next patient starts from the form's own language
            next(iter(self.language_buttons.values())).setChecked(True)

    def set_languages(self, offered: tuple[str, ...]) -> None:
        """Offer these languages for the patient's form (shown when there is a choice),
        each named in its own words; the form's own is chosen until staff pick another."""
        for button in self.language_buttons.values():
            self.language_group.removeButton(button)
            self.language_flow.removeWidget(button)
            button.deleteLater()
        self.language_buttons = {}
        for code in offered:
            button = OptionButton(native_name(code))
            button.setAccessibleName(native_name(code))
            button.setAccessibleDescription(translations(self.language).gettext(
                "The language of the patient's form"))
            self.language_group.addButton(button)
            self.language_flow.addWidget(button)
            self.language_buttons[code] = button
        if offered:
            self.language_buttons[offered[0]].setChecked(True)
        shown = self.staff and len(offered) > 1
        self.language_box.setVisible(shown)
        if self.staff:
            self.language_caption.setVisible(shown)

    def chosen_language(self) -> str | None:
        checked = self.language_group.checkedButton()
        return next((code for code, b in self.language_buttons.items() if b is checked), None)

    def set_area(self, area: str) -> None:
        self.area_buttons[area].setChecked(True)

    def _appointment(self) -> datetime | None:
        if self.appointment_date is None or self.appointment_time is None:
            return self.context.now().replace(second=0, microsecond=0)
        day_state, day = self.appointment_date.state()
        time_state, moment = self.appointment_time.state()
        if day_state != "ok" or time_state != "ok" or day is None or moment is None:
            return None
        return datetime.combine(day, moment, tzinfo=self.context.zone)

    def submit(self) -> None:
        state, birth = self.birth_date.state()
        checked_area = self.area_group.checkedButton()
        area = next((v for v, b in self.area_buttons.items() if b is checked_area), None)
        details, errors = check_details(
            self.form, name=self.name.text(),
            birth_date=birth if state == "ok" else ("" if state == "empty" else "invalid"),
            area=area, appointment_at=self._appointment(), today=self.context.today(),
            language=self.context.language)
        for key, error in self.errors.items():
            error.show_message(errors.get(key))
        set_state(self.name, "error" if "name" in errors else None)
        if errors:
            first = next(k for k in self.errors if k in errors)
            focus = {"name": self.name, "birth_date": self.birth_date.day,
                     "area": next(iter(self.area_buttons.values()))}.get(first)
            if focus is None and self.appointment_date is not None:
                focus = self.appointment_date.day
            if focus is not None:
                focus.setFocus(Qt.FocusReason.OtherFocusReason)
                self.scroll.ensureWidgetVisible(focus, 0, 120)
            return
        assert isinstance(details, PatientDetails)
        if self.staff:
            details = structs.replace(details, language=self.chosen_language())
        self.submitted.emit(details)

    def focus_first(self) -> None:
        self.name.setFocus()
