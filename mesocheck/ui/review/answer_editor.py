"""An input for a question's corrected answer, shaped by its type, for an amendment."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, QDateTime, QLocale
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from mesocheck.forms.answers import recent_label
from mesocheck.forms.model import NEVER, NOT_RECENT, Question
from mesocheck.i18n import _, translations


def note_box(name: str, placeholder: str) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setObjectName("noteBox")
    box.setAccessibleName(name)
    box.setAccessibleDescription(placeholder)
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)
    box.setMinimumHeight(120)
    return box


class AnswerEditor(QWidget):
    """An input for one question's new value, shaped by its type."""

    def __init__(self, question: Question, language: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.question = question
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        kind = question.type
        self._checks: list[QCheckBox] = []
        self._combo: QComboBox | None = None
        self._text: QPlainTextEdit | None = None
        self._date: QDateEdit | QDateTimeEdit | None = None
        name = _("New answer")
        _p = translations(language).gettext  # answers in the words the patient answered in
        if kind == "boolean":
            self._combo = self._make_combo([(_p("Yes"), True), (_p("No"), False)], name)
        elif kind == "choice":
            self._combo = self._make_combo(
                [(o.label.get(language), o.value) for o in question.options], name)
        elif kind == "multi_choice":
            for option in question.options:
                box = QCheckBox(option.label.get(language))
                box.setAccessibleDescription(_("Ticked: part of the new answer"))
                box.setProperty("value", option.value)
                self._checks.append(box)
                self._layout.addWidget(box)
        elif kind == "text":
            self._text = note_box(name, _("The corrected answer"))
            self._layout.addWidget(self._text)
        else:
            if kind == "last_taken":
                choices = [(_p("Never"), NEVER), (recent_label(question, language), NOT_RECENT),
                           (_p("On this date"), None)]
                self._combo = self._make_combo(choices, _("When last taken"))
            timed = kind == "datetime" or (kind == "last_taken" and
                                           question.precision == "datetime")
            if timed:
                edit = QDateTimeEdit(QDateTime.currentDateTime())
                edit.setDisplayFormat("dd MMM yyyy HH:mm")
            else:
                edit = QDateEdit(QDate.currentDate())
                edit.setDisplayFormat("dd MMM yyyy")
            edit.setCalendarPopup(True)
            edit.setLocale(QLocale(language))  # month names as the patient reads them
            edit.setAccessibleName(_("Date"))
            edit.setAccessibleDescription(_("The date of the new answer; the arrows change it"))
            self._date = edit
            self._layout.addWidget(edit)
            if self._combo is not None:
                self._combo.currentIndexChanged.connect(self._sync)
                self._sync()

    def _make_combo(self, items: list[tuple[str, Any]], name: str) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.setAccessibleDescription(_("The corrected answer"))
        for label, value in items:
            combo.addItem(label, value)
        self._layout.addWidget(combo)
        return combo

    def _sync(self) -> None:
        if self._date is not None and self._combo is not None:
            self._date.setEnabled(self._combo.currentData() is None)

    def set_value(self, value: Any) -> None:
        """Start from the current answer, so a small correction stays small."""
        if self._combo is not None and self.question.type in ("boolean", "choice"):
            index = self._combo.findData(value)
            if index >= 0:
                self._combo.setCurrentIndex(index)
        elif self._checks:
            chosen = set(value or [])
            for box in self._checks:
                box.setChecked(box.property("value") in chosen)
        elif self._text is not None:
            self._text.setPlainText(value or "")
        elif self._combo is not None and value in (NEVER, NOT_RECENT):
            self._combo.setCurrentIndex(self._combo.findData(value))

    def value(self) -> Any:
        kind = self.question.type
        if kind in ("boolean", "choice"):
            assert self._combo is not None
            return self._combo.currentData()
        if kind == "multi_choice":
            return [box.property("value") for box in self._checks if box.isChecked()]
        if kind == "text":
            assert self._text is not None
            return self._text.toPlainText()
        if self._combo is not None and self._combo.currentData() is not None:
            return self._combo.currentData()
        assert self._date is not None
        if isinstance(self._date, QDateTimeEdit) and not isinstance(self._date, QDateEdit):
            moment = self._date.dateTime().toPython().astimezone()
            return moment.isoformat()
        return self._date.date().toPython().isoformat()
