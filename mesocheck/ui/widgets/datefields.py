"""Date and time inputs made for fingers: day, month and year as three large lists.

Typing works too (a combo box jumps to the item typed), so the keyboard alone is enough.
"""

from __future__ import annotations

from datetime import date, time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from mesocheck.i18n import N_, translations
from mesocheck.ui.widgets.responsive import FlowLayout
from mesocheck.ui.widgets.style import set_role

# In the catalogue rather than from the C library's locale, which a tablet may not have.
MONTHS = [N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
          N_("July"), N_("August"), N_("September"), N_("October"), N_("November"),
          N_("December")]

# (placeholder, how to pick) for each part
PARTS = {
    "day": (N_("Day"), N_("The day of the month: type its number, or open the list")),
    "month": (N_("Month"), N_("Type the first letters of the month, or open the list")),
    "year": (N_("Year"), N_("Type the year, or open the list")),
    "hour": (N_("Hour"), N_("The hour, 00 to 23: type it, or open the list")),
    "minute": (N_("Minute"), N_("The minutes: type them, or open the list")),
}


def _combo(parent: QWidget, part: str, items: list[str], language: str) -> QComboBox:
    # Made inside its field, not on its own: a combo box set up as a window of its own is
    # styled there and then again when it joins the field, which doubles its cost.
    _p = translations(language).gettext
    placeholder, how = (_p(text) for text in PARTS[part])
    combo = QComboBox(parent)
    # As wide as its longest text in characters (set before the items, so that nothing is
    # measured twice): measuring every item's text (AdjustToContents) took most of the
    # time of building a date field.
    combo.setMinimumContentsLength(max(len(text) for text in [placeholder, *items]))
    combo.setSizeAdjustPolicy(
        QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    combo.setPlaceholderText(placeholder)
    combo.addItems(items)
    combo.setCurrentIndex(-1)
    combo.setAccessibleName(placeholder)
    combo.setAccessibleDescription(how)
    combo.setMaxVisibleItems(10)
    return combo


class DateField(QWidget):
    """Day / Month / Year. ``state()`` is ("empty" | "partial" | "invalid" | "ok", date)."""

    changed = Signal()

    def __init__(self, first_year: int, last_year: int, *, newest_first: bool = True,
                 language: str = "en", parent: QWidget | None = None):
        super().__init__(parent)
        self._p = _p = translations(language).gettext
        years = list(range(first_year, last_year + 1))
        if newest_first:
            years.reverse()
        self._years = years
        self.day = _combo(self, "day", [str(d) for d in range(1, 32)], language)
        self.month = _combo(self, "month", [_p(m) for m in MONTHS], language)
        self.year = _combo(self, "year", [str(y) for y in years], language)
        layout = FlowLayout(self, spacing=12)  # the year goes under on a narrow screen
        for combo in (self.day, self.month, self.year):
            layout.addWidget(combo)
            combo.currentIndexChanged.connect(self.changed)
        self.setFocusProxy(self.day)

    def set_accessible_prefix(self, prefix: str) -> None:
        _p = self._p
        for combo, part in ((self.day, _p("day")), (self.month, _p("month")),
                            (self.year, _p("year"))):
            combo.setAccessibleName(_p("{field}: {part}").format(field=prefix, part=part))

    def state(self) -> tuple[str, date | None]:
        parts = (self.day.currentIndex(), self.month.currentIndex(), self.year.currentIndex())
        if all(p < 0 for p in parts):
            return "empty", None
        if any(p < 0 for p in parts):
            return "partial", None
        try:
            return "ok", date(int(self.year.currentText()), parts[1] + 1, parts[0] + 1)
        except ValueError:
            return "invalid", None

    def set_value(self, day: date | None) -> None:
        """Show ``day`` (or nothing) without emitting ``changed``."""
        for combo in (self.day, self.month, self.year):
            combo.blockSignals(True)
        try:
            if day is None:
                for combo in (self.day, self.month, self.year):
                    combo.setCurrentIndex(-1)
                return
            if str(day.year) not in [self.year.itemText(i) for i in range(self.year.count())]:
                self.year.addItem(str(day.year))
            self.day.setCurrentIndex(day.day - 1)
            self.month.setCurrentIndex(day.month - 1)
            self.year.setCurrentText(str(day.year))
        finally:
            for combo in (self.day, self.month, self.year):
                combo.blockSignals(False)


class TimeField(QWidget):
    """Hour and minute (five-minute steps; another minute is kept when shown)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, language: str = "en"):
        super().__init__(parent)
        self._p = translations(language).gettext
        self.hour = _combo(self, "hour", [f"{h:02d}" for h in range(24)], language)
        self.minute = _combo(self, "minute", [f"{m:02d}" for m in range(0, 60, 5)], language)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.hour)
        layout.addWidget(set_role(QLabel(":"), "lead"))
        layout.addWidget(self.minute)
        layout.addStretch(1)
        for combo in (self.hour, self.minute):
            combo.currentIndexChanged.connect(self.changed)
        self.setFocusProxy(self.hour)

    def set_accessible_prefix(self, prefix: str) -> None:
        _p = self._p
        self.hour.setAccessibleName(_p("{field}: {part}").format(field=prefix, part=_p("hour")))
        self.minute.setAccessibleName(_p("{field}: {part}").format(field=prefix,
                                                                  part=_p("minute")))

    def state(self) -> tuple[str, time | None]:
        h, m = self.hour.currentIndex(), self.minute.currentIndex()
        if h < 0 and m < 0:
            return "empty", None
        if h < 0 or m < 0:
            return "partial", None
        return "ok", time(int(self.hour.currentText()), int(self.minute.currentText()))

    def set_value(self, moment: time | None) -> None:
        for combo in (self.hour, self.minute):
            combo.blockSignals(True)
        try:
            if moment is None:
                self.hour.setCurrentIndex(-1)
                self.minute.setCurrentIndex(-1)
                return
            self.hour.setCurrentIndex(moment.hour)
            text = f"{moment.minute:02d}"
            if self.minute.findText(text) < 0:
                self.minute.addItem(text)
            self.minute.setCurrentText(text)
        finally:
            for combo in (self.hour, self.minute):
                combo.blockSignals(False)
