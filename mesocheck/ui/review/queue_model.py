"""The day's review queue as a lazily filled table model.

Rows come from ``store.queue(limit, offset)`` one page at a time: the view asks for more
(``canFetchMore``/``fetchMore``) only as it scrolls, so opening the queue costs one indexed
query for the first page and one count, however many intakes the database holds. Pages are
read on the database thread (:mod:`mesocheck.ui.tasks`) and added when they arrive; a page
that arrives after the filter changed is dropped.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any

from msgspec import Struct, field
from msgspec.structs import replace
from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QIcon

from mesocheck.forms.isolation import isolate
from mesocheck.paths import resource
from mesocheck.i18n import N_, _, clinic_language
from mesocheck.review import severity_word, status_word
from mesocheck.ui.tasks import Database, Task

PAGE_SIZE = 50
COLUMNS = (N_("Priority"), N_("Patient"), N_("Appointment"), N_("Status"), N_("Flags"))
# A course's later visit, said after the patient (a first consent says nothing more).
VISIT_WORDS = {"checkin": N_("check-in"), "renewed": N_("consent renewed")}
IntakeIdRole = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


class QueueFilter(Struct, frozen=True):
    """What the filter bar asks for; maps one to one onto ``store.queue`` keywords."""

    date_from: date | None = field(default_factory=date.today)
    date_to: date | None = field(default_factory=date.today)  # inclusive here
    statuses: tuple[str, ...] | None = None
    flagged_only: bool = False
    severity: str | None = None
    name: str = ""

    def query(self, zone: tzinfo = timezone.utc) -> dict[str, Any]:
        """The store's keywords; days begin at midnight in the clinic's ``zone``."""
        def midnight(day: date | None) -> datetime | None:
            return datetime.combine(day, time(), tzinfo=zone) if day is not None else None

        return {
            "date_from": midnight(self.date_from),
            "date_to": midnight(self.date_to + timedelta(days=1) if self.date_to else None),
            "statuses": self.statuses,
            "flagged_only": self.flagged_only,
            "severity": self.severity,
            "name": self.name.strip() or None,
        }

    def with_(self, **changes: Any) -> "QueueFilter":
        return replace(self, **changes)


@lru_cache(maxsize=None)
def severity_icon(severity: str | None) -> QIcon:
    """A distinct shape per severity (octagon, triangle, circle, tick), always with a word."""
    return QIcon(str(resource("icons", f"severity-{severity or 'clean'}.svg")))


def flag_summary(row: Any) -> str:
    parts = [f"{count} {severity_word(severity).lower()}" for count, severity in (
        (row.n_stop, "stop"), (row.n_review, "review"), (row.n_info, "info")) if count]
    return " · ".join(parts) if parts else _("None")


def day_in_words(day: date, with_weekday: bool = False) -> str:
    """A day as staff read it, in the clinic's language: "Wed 30 Sep 2026"."""
    return QLocale(clinic_language()).toString(QDate(day.year, day.month, day.day),
                                               "ddd d MMM yyyy" if with_weekday else "d MMM yyyy")


def appointment_text(row: Any, zone: tzinfo) -> str:
    when = row.appointment_at.astimezone(zone)
    if when.date() == datetime.now(zone).date():
        return _("Today {time}").format(time=f"{when:%H:%M}")
    return _("{day}, {time}").format(day=day_in_words(when.date(), True), time=f"{when:%H:%M}")


def appointment_sample(one_day: bool) -> str:
    """The widest appointment text the column must hold."""
    if one_day:
        return _("Today {time}").format(time="00:00")
    return _("{day}, {time}").format(day=day_in_words(date(2026, 9, 30), True), time="00:00")


class QueueModel(QAbstractTableModel):
    """Rows of ``QueueRow``; filters replace the rows, scrolling appends pages."""

    counted = Signal(int)  # total rows matching the filter, once its first page is in
    failed = Signal(str)  # the queue could not be read: a sentence for staff

    def __init__(self, db: Database, zone: tzinfo, parent=None, *, page_size: int = PAGE_SIZE):
        super().__init__(parent)
        self._db = db
        self.zone = zone
        self._page = page_size
        self._filter = QueueFilter()
        self._rows: list[Any] = []
        self._total = 0
        self._asked = 0  # which refresh the rows answer; a late answer to an older one is dropped
        self.loading = False

    # -- loading ------------------------------------------------------------------------

    @property
    def filter(self) -> QueueFilter:
        return self._filter

    @property
    def total(self) -> int:
        return self._total

    def set_filter(self, queue_filter: QueueFilter) -> None:
        self._filter = queue_filter
        self.refresh()

    def refresh(self) -> None:
        """Start again from the first page (after a filter change or a decision)."""
        query, page = self._filter.query(self.zone), self._page
        self._asked += 1
        asked = self._asked
        self.loading = True
        Task(lambda store: (store.queue_count(**query),
                            store.queue(**query, limit=page, offset=0)),
             success=lambda found: self._first_page(asked, *found), parent=self,
             what=N_("reading the review queue")).failure(
            lambda error: self._failed(asked, error)).run_in_background(self._db)

    def _first_page(self, asked: int, total: int, rows: list[Any]) -> None:
        if asked != self._asked:
            return
        self.loading = False
        self.beginResetModel()
        self._total, self._rows = total, rows
        self.endResetModel()
        self.counted.emit(self._total)

    def _failed(self, asked: int, error: Any) -> None:
        if asked == self._asked:
            self.loading = False
            self.failed.emit(error.message)

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:
        return not parent.isValid() and not self.loading and len(self._rows) < self._total

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:
        if parent.isValid() or self.loading:
            return
        query, page, offset, asked = (self._filter.query(self.zone), self._page,
                                      len(self._rows), self._asked)
        self.loading = True
        Task(lambda store: store.queue(**query, limit=page, offset=offset),
             success=lambda more: self._more(asked, more), parent=self,
             what=N_("reading the review queue")).failure(
            lambda error: self._failed(asked, error)).run_in_background(self._db)

    def _more(self, asked: int, more: list[Any]) -> None:
        if asked != self._asked:
            return
        self.loading = False
        if not more:
            self._total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def intake_ids(self) -> list[str]:
        return [r.intake_id for r in self._rows]

    # -- the table ----------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(COLUMNS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == IntakeIdRole:
            return row.intake_id
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, column, role == Qt.ItemDataRole.AccessibleTextRole)
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return severity_icon(row.worst_severity)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 4:
                return self._flag_detail(row)
            if column == 1:
                return row.patient_name
        return None

    def _text(self, row: Any, column: int, spoken: bool) -> str:
        if column == 0:
            return severity_word(row.worst_severity)
        if column == 1:
            born = day_in_words(row.birth_date)
            text = (_("{name}, born {date}") if spoken else _("{name}\nborn {date}"))
            text = text.format(name=isolate(row.patient_name), date=born)
            kind = VISIT_WORDS.get(row.visit)
            if kind is not None:  # a course's later visit, said after the birth date
                text = _("{patient} · {visit}").format(patient=text, visit=_(kind))
            return text
        if column == 2:
            return appointment_text(row, self.zone)
        if column == 3:
            return status_word(row.status)
        return self._flag_detail(row) if spoken else flag_summary(row)

    @staticmethod
    def _flag_detail(row: Any) -> str:
        if not (row.n_stop or row.n_review or row.n_info):
            return _("No flags")
        return _("Flags: {stop} stop, {review} review, {info} information").format(
            stop=row.n_stop, review=row.n_review, info=row.n_info)
