"""One input widget per question type, built from the form's data; none knows a clinical rule.

Inputs report what the patient entered as a *raw* value;
:func:`mesocheck.forms.check_answer` (through the session) decides whether it stands. (About
470 lines: each input is short, and together they keep one convention for what the wizard
asks of them: a raw value, a focus target, their Tab stops, parts built ahead.)"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mesocheck.forms.answers import NO, YES, recent_label
from mesocheck.i18n import translations
from mesocheck.forms.model import NEVER, NOT_RECENT, Question
from mesocheck.ui.widgets.choices import OptionButton, OptionCheck
from mesocheck.ui.widgets.datefields import DateField, TimeField
from mesocheck.ui.widgets.responsive import FlowLayout
from mesocheck.ui.widgets.style import set_role, set_state


LINE_LIMIT = 200  # longer answers get a box of several lines


class Input(QWidget):
    changed = Signal()

    def __init__(self, question: Question, context: "InputContext",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.question = question
        self.context = context

    def raw(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        """Show a stored value (None: nothing) without emitting ``changed``."""
        raise NotImplementedError

    def focus_target(self) -> QWidget:
        return self

    def tab_stops(self) -> list[QWidget]:
        """The input's controls in Tab order."""
        return [self.focus_target()]

    def mark_error(self, error: bool) -> None:
        pass

    def build_more(self) -> bool:
        """Build a further part of the input ahead of time, for inputs made of heavy parts;
        False when there is none left. A part is built anyway when first used."""
        return False


class InputContext:
    """What inputs need from outside: the language, the clinic's zone and the clock."""

    def __init__(self, language: str, zone: tzinfo, now: Callable[[], datetime]):
        self.language = language
        self.gettext = translations(language).gettext  # the patient's words
        self.zone = zone
        self._now = now

    def now(self) -> datetime:
        return self._now().astimezone(self.zone)

    def today(self) -> date:
        return self.now().date()


class ChoiceInput(Input):
    """Radio buttons: boolean (Yes / No side by side) and single choice (a list)."""

    def __init__(self, question: Question, context: InputContext):
        super().__init__(question, context)
        lang = context.language
        if question.type == "boolean":
            self.values: list[Any] = [True, False]
            labels = [context.gettext(YES), context.gettext(NO)]
            layout: QHBoxLayout | QVBoxLayout = QHBoxLayout(self)
        else:
            self.values = [o.value for o in question.options]
            labels = [o.label.get(lang) for o in question.options]
            layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.group = QButtonGroup(self)
        self.buttons: list[QRadioButton] = []
        for index, label in enumerate(labels):
            button = OptionButton(label)
            button.setAccessibleDescription(question.text.get(lang))
            if question.type == "boolean":
                button.setMinimumWidth(180)
                button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
            self.group.addButton(button, index)
            self.buttons.append(button)
            layout.addWidget(button)
        if question.type == "boolean":
            layout.addStretch(1)
        self.group.idClicked.connect(lambda _id: self.changed.emit())

    def raw(self) -> Any:
        index = self.group.checkedId()
        return self.values[index] if index >= 0 else None

    def set_value(self, value: Any) -> None:
        self.group.setExclusive(False)
        for button, candidate in zip(self.buttons, self.values):
            button.setChecked(value is not None and candidate == value
                              and type(candidate) is type(value))
        self.group.setExclusive(True)

    def focus_target(self) -> QWidget:
        checked = self.group.checkedButton()
        return checked or self.buttons[0]

    def tab_stops(self) -> list[QWidget]:
        return list(self.buttons)


class MultiChoiceInput(Input):
    def __init__(self, question: Question, context: InputContext):
        super().__init__(question, context)
        lang = context.language
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.boxes: list[tuple[str, bool, QCheckBox]] = []
        for option in question.options:
            box = OptionCheck(option.label.get(lang))
            box.setAccessibleDescription(question.text.get(lang))
            box.toggled.connect(lambda on, v=option.value: self._toggled(v, on))
            layout.addWidget(box)
            self.boxes.append((option.value, option.exclusive, box))

    def _toggled(self, value: str, on: bool) -> None:
        if on:
            exclusive = next(ex for v, ex, _ in self.boxes if v == value)
            for other, other_exclusive, box in self.boxes:
                # "None of these" and a real answer cannot both be ticked: the newest wins.
                if other != value and (exclusive or other_exclusive) and box.isChecked():
                    box.blockSignals(True)
                    box.setChecked(False)
                    box.blockSignals(False)
        self.changed.emit()

    def raw(self) -> Any:
        return [v for v, _, box in self.boxes if box.isChecked()]

    def set_value(self, value: Any) -> None:
        chosen = set(value or [])
        for v, _, box in self.boxes:
            box.blockSignals(True)
            box.setChecked(v in chosen)
            box.blockSignals(False)

    def focus_target(self) -> QWidget:
        return self.boxes[0][2]

    def tab_stops(self) -> list[QWidget]:
        return [box for _value, _exclusive, box in self.boxes]


class TextInput(Input):
    def __init__(self, question: Question, context: InputContext):
        super().__init__(question, context)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        limit = question.max_length
        self.multiline = limit is None or limit > LINE_LIMIT
        if self.multiline:
            self.edit: QLineEdit | QPlainTextEdit = QPlainTextEdit()
            self.edit.setTabChangesFocus(True)
            self.edit.setMinimumHeight(130)
            self.edit.setMaximumHeight(220)
            self.edit.textChanged.connect(self._changed)
        else:
            self.edit = QLineEdit()
            self.edit.textEdited.connect(self._changed)
        self.edit.setAccessibleName(question.text.get(context.language))
        self.edit.setAccessibleDescription(
            question.help.get(context.language) if question.help
            else context.gettext("Type your answer; it is saved as you type"))
        layout.addWidget(self.edit)
        self.counter = set_role(QLabel(), "tag")
        self.counter.hide()
        layout.addWidget(self.counter)
        self._quiet = False

    def _changed(self, *_: Any) -> None:
        self._update_counter()
        if not self._quiet:
            self.changed.emit()

    def _text(self) -> str:
        if isinstance(self.edit, QPlainTextEdit):
            return self.edit.toPlainText()
        return self.edit.text()

    def _update_counter(self) -> None:
        limit = self.question.max_length
        length = len(self._text())
        if limit and length >= limit * 0.8:
            self.counter.setText(self.context.gettext("{length} of {limit} characters")
                                 .format(length=length, limit=limit))
            self.counter.show()
        else:
            self.counter.hide()

    def raw(self) -> Any:
        return self._text()

    def set_value(self, value: Any) -> None:
        self._quiet = True
        try:
            text = value if isinstance(value, str) else ""
            if isinstance(self.edit, QPlainTextEdit):
                self.edit.setPlainText(text)
            else:
                self.edit.setText(text)
            self._update_counter()
        finally:
            self._quiet = False

    def focus_target(self) -> QWidget:
        return self.edit

    def mark_error(self, error: bool) -> None:
        set_state(self.edit, "error" if error else None)


class MomentInput(Input):
    """A date, or a date and a time, in the clinic's zone; with Today / Yesterday.

    Built in parts (:meth:`build_more`): the date first, then the time, then the shortcuts,
    so that building it ahead never holds the screen for long. Using it completes it."""

    def __init__(self, question: Question, context: InputContext, *, timed: bool,
                 years_back: int, quick: bool, parent: QWidget | None = None):
        super().__init__(question, context, parent)
        self.timed = timed
        this_year = context.today().year
        last = this_year if question.past_only else this_year + 5
        self.date = DateField(this_year - years_back, last, language=context.language,
                              parent=self)
        self.date.set_accessible_prefix(question.text.get(context.language))
        self.date.changed.connect(self.changed)
        self.setFocusProxy(self.date)
        self.time: TimeField | None = None
        self.quick_buttons: list[QPushButton] = []
        # Date, time and shortcuts flow onto new lines when the screen is narrow.
        self._flow = FlowLayout(self, spacing=16)
        self._flow.addWidget(self.date)
        # Today / Yesterday fill the date, so they come right after it, before the time
        # (in Tab order too: widgets are ordered as they are made).
        self._parts = ([self._add_shortcuts] if quick else []) + ([self._add_time] if timed
                                                                  else [])

    def build_more(self) -> bool:
        if not self._parts:
            return False
        self._parts.pop(0)()
        return True

    def complete(self) -> None:
        """Build whatever parts are still missing."""
        while self.build_more():
            pass

    def _add_time(self) -> None:
        at_time = QWidget(self)
        self.time = TimeField(at_time, language=self.context.language)
        self.time.set_accessible_prefix(self.question.text.get(self.context.language))
        row = QHBoxLayout(at_time)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(12)
        row.addWidget(set_role(QLabel(self.context.gettext("at")), "lead"))
        row.addWidget(self.time)
        self._flow.addWidget(at_time)
        self.time.changed.connect(self.changed)

    def _add_shortcuts(self) -> None:
        shortcuts = QWidget(self)  # wraps as one piece
        row = QHBoxLayout(shortcuts)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        words = self.question.text.get(self.context.language)
        _p = self.context.gettext
        for label, days in ((_p("Today"), 0), (_p("Yesterday"), 1)):
            button = set_role(QPushButton(label), "link")
            button.setAccessibleName(_p("{label}: {question}").format(label=label,
                                                                      question=words))
            button.setAccessibleDescription(
                _p("Fills in the date: today") if days == 0
                else _p("Fills in the date: yesterday"))
            button.clicked.connect(lambda _=False, d=days: self._quick(d))
            self.quick_buttons.append(button)
            row.addWidget(button)
        self._flow.addWidget(shortcuts)

    def _quick(self, days_back: int) -> None:
        self.date.set_value(self.context.today() - timedelta(days=days_back))
        self.changed.emit()

    def raw(self) -> Any:
        self.complete()
        state, day = self.date.state()
        if state == "empty" and (self.time is None or self.time.state()[0] == "empty"):
            return None
        if state == "invalid":
            assert day is None
            parts = (self.date.year.currentText(), self.date.month.currentIndex() + 1,
                     self.date.day.currentIndex() + 1)
            return f"{parts[0]}-{parts[1]:02d}-{parts[2]:02d}"  # refused as "not a real date"
        if state != "ok" or day is None:
            return None  # still being entered
        if self.time is None:
            return day.isoformat()
        time_state, moment = self.time.state()
        if time_state != "ok" or moment is None:
            return None
        return datetime.combine(day, moment, tzinfo=self.context.zone).isoformat()

    def set_value(self, value: Any) -> None:
        day: date | None = None
        moment: time | None = None
        if isinstance(value, str) and value not in (NEVER, NOT_RECENT):
            try:
                if "T" in value:
                    parsed = datetime.fromisoformat(value)
                    if parsed.tzinfo is not None:
                        parsed = parsed.astimezone(self.context.zone)
                    day, moment = parsed.date(), parsed.time().replace(second=0, microsecond=0)
                else:
                    day = date.fromisoformat(value)
            except ValueError:
                pass
        self.complete()
        self.date.set_value(day)
        if self.time is not None:
            self.time.set_value(moment)

    def focus_target(self) -> QWidget:
        return self.date.day

    def tab_stops(self) -> list[QWidget]:
        time = [self.time.hour, self.time.minute] if self.time is not None else []
        return [self.date.day, self.date.month, self.date.year, *self.quick_buttons, *time]


class LastTakenInput(Input):
    """"Never", "Not in the last N days/hours", or "On this date" with a date picker."""

    def __init__(self, question: Question, context: InputContext):
        super().__init__(question, context)
        timed = question.precision == "datetime"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.group = QButtonGroup(self)
        _p = context.gettext
        labels = [("never", _p("Never"))]
        if question.recent_window_hours is not None:
            labels.append(("not_recent", recent_label(question, context.language)))
        labels.append(("on", _p("At this date and time:") if timed else _p("On this date:")))
        self.buttons: dict[str, QRadioButton] = {}
        for index, (key, label) in enumerate(labels):
            button = OptionButton(label)
            button.setAccessibleDescription(question.text.get(context.language))
            self.group.addButton(button, index)
            self.buttons[key] = button
            layout.addWidget(button)
        self.keys = [key for key, _ in labels]
        self._timed = timed
        self._moment: MomentInput | None = None  # the date picker: a part of its own
        self.group.idClicked.connect(self._picked)

    @property
    def moment(self) -> "MomentInput":
        """The date (and time) picker, built on first use if not built ahead."""
        if self._moment is None:
            self._moment = self._make_moment()
        self._moment.complete()
        return self._moment

    def build_more(self) -> bool:
        """The picker ahead of time, a part per call (see :class:`MomentInput`)."""
        if self._moment is None:
            self._moment = self._make_moment()
            return True
        return self._moment.build_more()

    def _make_moment(self) -> "MomentInput":
        # Made in place (a widget made on its own is styled once alone and again on joining
        # the page, which doubles the cost of the picker's list boxes).
        moment = MomentInput(self.question, self.context, timed=self._timed, years_back=2,
                             quick=True, parent=self)
        moment.setContentsMargins(56, 0, 0, 0)
        moment.setEnabled(False)
        self.layout().addWidget(moment)
        moment.changed.connect(self._moment_changed)
        moment.ensurePolished()
        return moment

    def _picked(self, index: int) -> None:
        # The focus stays on the choice: Tab goes on into the date (a jump there would
        # leave a keyboard user lost, and a tap needs no focus moved).
        self.moment.setEnabled(self.keys[index] == "on")
        self.changed.emit()

    def _moment_changed(self) -> None:
        if not self.buttons["on"].isChecked():
            self.buttons["on"].setChecked(True)
            self.moment.setEnabled(True)
        self.changed.emit()

    def raw(self) -> Any:
        index = self.group.checkedId()
        if index < 0:
            return None
        key = self.keys[index]
        if key == "never":
            return NEVER
        if key == "not_recent":
            return NOT_RECENT
        return self.moment.raw()

    def set_value(self, value: Any) -> None:
        self.group.setExclusive(False)
        for button in self.buttons.values():
            button.setChecked(False)
        self.group.setExclusive(True)
        if value == NEVER:
            self.buttons["never"].setChecked(True)
        elif value == NOT_RECENT and "not_recent" in self.buttons:
            self.buttons["not_recent"].setChecked(True)
        elif value:
            self.buttons["on"].setChecked(True)
        self.moment.setEnabled(self.buttons["on"].isChecked())
        self.moment.set_value(value if value not in (NEVER, NOT_RECENT) else None)

    def focus_target(self) -> QWidget:
        checked = self.group.checkedButton()
        return checked or next(iter(self.buttons.values()))

    def tab_stops(self) -> list[QWidget]:
        return [*self.buttons.values(), *self.moment.tab_stops()]


def make_input(question: Question, context: InputContext) -> Input:
    if question.type in ("boolean", "choice"):
        return ChoiceInput(question, context)
    if question.type == "multi_choice":
        return MultiChoiceInput(question, context)
    if question.type == "text":
        return TextInput(question, context)
    if question.type == "date":
        return MomentInput(question, context, timed=False,
                           years_back=130 if question.past_only else 5, quick=False)
    if question.type == "datetime":
        return MomentInput(question, context, timed=True, years_back=5,
                           quick=question.past_only)
    if question.type == "last_taken":
        return LastTakenInput(question, context)
    raise ValueError(f"no input for question type {question.type!r}")
