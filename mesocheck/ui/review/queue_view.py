"""The review queue screen: a filter bar over the lazily loaded table of intakes."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from PySide6.QtCore import QDate, QLocale, QModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mesocheck.i18n import N_, _, clinic_language, ngettext
from mesocheck.review import STATUS_WORDS, severity_word, status_word
from mesocheck.ui.review.queue_model import (
    IntakeIdRole,
    QueueFilter,
    QueueModel,
    appointment_sample,
    severity_icon,
)
from mesocheck.ui.tasks import Database
from mesocheck.ui.widgets.responsive import FlowLayout

STATUS_CHOICES = (  # translated as the filter is built
    (N_("Any status"), None),
    (N_("Awaiting review"), ("submitted",)),
    (N_("Cleared"), ("cleared",)),
    (N_("Postponed"), ("postponed",)),
    (N_("Declined"), ("declined",)),
    (N_("In progress"), ("in_progress",)),
    (N_("Voided"), ("voided",)),
)
SEVERITY_CHOICES = (
    (N_("Any severity"), None),
    (N_("Has a stop flag"), "stop"),
    (N_("Has a review flag"), "review"),
    (N_("Has an info flag"), "info"),
)
SEARCH_DELAY_MS = 250


class FlagCountsDelegate(QStyledItemDelegate):
    """The Flags column: an icon, a count and a word per severity, never colour alone; on
    two lines where the column is narrower than all three."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        model = index.model()
        row = model.row_at(index.row())  # type: ignore[attr-defined]
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QStyle()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        parts = [(s, n) for s, n in (("stop", row.n_stop), ("review", row.n_review),
                                     ("info", row.n_info)) if n]
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = opt.palette.ColorRole.HighlightedText if selected else opt.palette.ColorRole.Text
        painter.setPen(opt.palette.color(role))
        painter.setFont(opt.font)
        metrics = opt.fontMetrics
        icon = max(16, metrics.height())
        left = option.rect.left() + 8
        top = option.rect.top()
        height = option.rect.height()
        if not parts:
            painter.drawText(QRect(left, top, option.rect.width() - 16, height),
                             Qt.AlignmentFlag.AlignVCenter, _("None"))
        lines: list[list[tuple[str, str, int]]] = [[]]
        used = 0
        for severity, count in parts:
            text = f"{count} {severity_word(severity).lower()}"
            width = metrics.horizontalAdvance(text)
            needed = icon + 6 + width + 18
            if lines[-1] and used + needed > option.rect.width() - 8:
                lines.append([])
                used = 0
            lines[-1].append((severity, text, width))
            used += needed
        line_height = max(icon, metrics.lineSpacing()) + 4
        y = top + (height - len(lines) * line_height) // 2
        for line in lines:
            x = left
            for severity, text, width in line:
                severity_icon(severity).paint(painter, QRect(x, y + (line_height - icon) // 2,
                                                             icon, icon))
                x += icon + 6
                painter.drawText(QRect(x, y, width + 2, line_height),
                                 Qt.AlignmentFlag.AlignVCenter, text)
                x += width + 18
            y += line_height
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        metrics = option.fontMetrics
        width = 2 * (metrics.height() + 6 + metrics.horizontalAdvance(
            f"00 {severity_word('review').lower()}") + 18)
        return QSize(max(hint.width(), width), hint.height())


class QueueTable(QTableView):
    """Enter or Space opens the selected intake, as a tap does; H its patient's history."""

    activated_intake = Signal(str)
    history_requested = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_H and self.currentIndex().isValid():
            self.history_requested.emit(self.currentIndex().data(IntakeIdRole))
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            index = self.currentIndex()
            if index.isValid():
                self.activated_intake.emit(index.data(IntakeIdRole))
                return
        super().keyPressEvent(event)


class QueueView(QWidget):
    """Filters, the table, and the day's batch print. Emits ``open_intake(intake_id)``."""

    open_intake = Signal(str)
    history_requested = Signal(str)  # the selected intake, whose patient's course to show
    print_batch_requested = Signal(object)  # the day (datetime.date)

    def __init__(self, db: Database, zone: tzinfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reviewQueue")
        self.zone = zone
        self.model = QueueModel(db, zone, self)

        self.title = QLabel(_("Review queue"))
        self.title.setObjectName("reviewTitle")
        self.title.setAccessibleName(_("Review queue"))

        self.date_from = self._date_edit(_("From date"), _("Appointments from this day"))
        self.date_to = self._date_edit(_("To date"),
                                       _("Appointments up to and including this day"))
        self.today_button = QPushButton(_("Today"))
        self.today_button.setAccessibleName(_("Show today's appointments"))
        self.today_button.setAccessibleDescription(_("Sets both dates to today"))
        self.status = self._combo(STATUS_CHOICES, _("Status"),
                                  _("Shows only the intakes of this status"))
        self.severity = self._combo(SEVERITY_CHOICES, _("Severity"),
                                    _("Shows only the intakes with a flag of this severity"))
        self.flagged_only = QCheckBox(_("Flagged only"))
        self.flagged_only.setAccessibleName(_("Show only intakes with flags"))
        self.flagged_only.setAccessibleDescription(_("Leaves out intakes no answer flagged"))
        self.search = QLineEdit()
        self.search.setObjectName("queueSearch")
        self.search.setPlaceholderText(_("Search by name"))
        self.search.setAccessibleName(_("Search by patient name"))
        self.search.setAccessibleDescription(_("Part of a name is enough"))
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)

        dates = QHBoxLayout()
        dates.setSpacing(8)
        for label, edit in ((_("From"), self.date_from), (_("To"), self.date_to)):
            caption = QLabel(label)
            caption.setBuddy(edit)
            dates.addWidget(caption)
            dates.addWidget(edit)
        dates.addWidget(self.today_button)
        dates.addStretch(1)

        # The filters flow onto a second line on a portrait screen.
        self.search.setMinimumWidth(260)
        filters = QWidget()
        search_row = FlowLayout(filters, spacing=8)
        for widget in (self.search, self.status, self.severity, self.flagged_only):
            search_row.addWidget(widget)

        self.table = QueueTable()
        self.table.setObjectName("queueTable")
        self.table.setAccessibleName(_("Intakes to review"))
        self.table.setAccessibleDescription(
            _("Most urgent first; Enter or a tap opens the intake's review"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.setShowGrid(False)
        self.table.setIconSize(QSize(28, 28))
        self.table.verticalHeader().hide()
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setItemDelegateForColumn(4, FlagCountsDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(120)

        self.empty = QLabel()
        self.empty.setObjectName("queueEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.hide()

        self.count_label = QLabel()
        self.count_label.setObjectName("queueCount")
        self.refresh_button = QPushButton(_("Refresh"))
        self.refresh_button.setAccessibleName(_("Refresh the queue"))
        self.refresh_button.setAccessibleDescription(_("Reads the queue again"))
        self.print_today = QPushButton(_("Print today's cleared consents"))
        self.print_today.setObjectName("printToday")
        self.print_today.setAccessibleDescription(
            _("Prints the consent of every patient cleared for treatment today"))
        self.history_button = QPushButton(_("Patient history"))
        self.history_button.setAccessibleDescription(
            _("Every visit of the selected intake's patient, newest first (H)"))
        # The count, then the buttons, flowing onto more lines where a language's words or
        # a portrait tablet leave no room for one.
        footer = QWidget()
        flow = FlowLayout(footer, spacing=10)
        for widget in (self.count_label, self.history_button, self.refresh_button,
                       self.print_today):
            flow.addWidget(widget)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(dates)
        layout.addWidget(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(footer)

        self.model.counted.connect(self._show_count)
        self.model.rowsInserted.connect(lambda *_: self._show_count(self.model.total))
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self._apply)
        self.status.currentIndexChanged.connect(self._apply)
        self.severity.currentIndexChanged.connect(self._apply)
        self.flagged_only.toggled.connect(self._apply)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self._search_timer.timeout.connect(self._apply)
        self.today_button.clicked.connect(self.show_today)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.clicked.connect(self._open_index)  # one tap opens: this is a tablet
        self.table.activated_intake.connect(self.open_intake)
        self.table.history_requested.connect(self.history_requested)
        self.history_button.clicked.connect(self._history)
        self.print_today.clicked.connect(lambda: self.print_batch_requested.emit(self.today()))
        self._apply()

    # -- building -------------------------------------------------------------------------

    def _date_edit(self, name: str, description: str) -> QDateEdit:
        edit = QDateEdit(self._qtoday())
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd MMM yyyy")
        edit.setLocale(QLocale(clinic_language()))  # month names in the clinic's words
        edit.setAccessibleName(name)
        edit.setAccessibleDescription(description)
        return edit

    def _combo(self, choices: tuple, name: str, description: str) -> QComboBox:
        combo = QComboBox()
        for label, value in choices:
            combo.addItem(_(label), value)
        combo.setAccessibleName(name)
        combo.setAccessibleDescription(description)
        return combo

    # -- behaviour ------------------------------------------------------------------------

    def today(self) -> date:
        """Today at the clinic."""
        return datetime.now(self.zone).date()

    def _qtoday(self) -> QDate:
        day = self.today()
        return QDate(day.year, day.month, day.day)

    def current_filter(self) -> QueueFilter:
        start = self.date_from.date().toPython()
        end = self.date_to.date().toPython()
        if end < start:
            start, end = end, start
        return QueueFilter(
            date_from=start, date_to=end,
            statuses=self.status.currentData(),
            flagged_only=self.flagged_only.isChecked(),
            severity=self.severity.currentData(),
            name=self.search.text(),
        )

    def _apply(self, *_: Any) -> None:
        self._search_timer.stop()
        self.model.set_filter(self.current_filter())
        self._size_columns()

    def refresh(self) -> None:
        self.model.refresh()

    def show_today(self) -> None:
        for edit in (self.date_from, self.date_to):
            edit.blockSignals(True)
            edit.setDate(self._qtoday())
            edit.blockSignals(False)
        self._apply()

    def set_range(self, start: date, end: date) -> None:
        """Show appointments from ``start`` to ``end`` inclusive (also for tests and scripts)."""
        for edit, day in ((self.date_from, start), (self.date_to, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        self._apply()

    def _size_columns(self) -> None:
        metrics = self.table.fontMetrics()
        icon = self.table.iconSize().width()
        one_day = self.date_from.date() == self.date_to.date() == self._qtoday()
        header = self.table.horizontalHeader().fontMetrics()
        # Two of the three counts on a line (rows are two lines high for the patient's name
        # and date of birth): the patient's name keeps the room.
        flags = sum(metrics.height() + 24 + metrics.horizontalAdvance(
            f"00 {severity_word(word).lower()}") for word in ("stop", "review")) + 16

        def fit(column: int, sample: str) -> int:
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            return max(metrics.horizontalAdvance(sample), header.horizontalAdvance(title)) + 36

        def longest_word(texts: list[str]) -> str:
            """Rows are two lines high: a column needs its longest word, not its longest
            text ("Awaiting review" takes two lines)."""
            return max((word for text in texts for word in text.split()),
                       key=metrics.horizontalAdvance)

        widths = {
            0: icon + fit(0, longest_word([severity_word(s) for s in
                                           (None, "stop", "review", "info")])),
            2: fit(2, appointment_sample(one_day)),
            3: fit(3, longest_word([status_word(s) for s in STATUS_WORDS])),
            4: flags,
        }
        for column, width in widths.items():
            self.table.setColumnWidth(column, width)
        # Two lines (name, date of birth) per row; fixed, so a page never measures its rows.
        self.table.verticalHeader().setDefaultSectionSize(2 * metrics.lineSpacing() + 20)

    def showEvent(self, event) -> None:  # the style sheet's font is known from here on
        super().showEvent(event)
        self._size_columns()

    def _show_count(self, total: int) -> None:
        shown = self.model.rowCount()
        if total == 0:
            self.count_label.setText(_("No intakes match"))
            self.empty.setText(_("No intakes match these filters. "
                                 "Try another date range or clear the search."))
        elif shown < total:
            self.count_label.setText(ngettext(
                "Showing {shown} of {total} intake; scroll for more",
                "Showing {shown} of {total} intakes; scroll for more", total).format(
                shown=f"{shown:,}", total=f"{total:,}"))
        else:
            self.count_label.setText(ngettext("{count} intake", "{count} intakes", total).format(
                count=f"{total:,}"))
        self.table.setVisible(total > 0)
        self.empty.setVisible(total == 0)

    def _history(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.history_requested.emit(index.data(IntakeIdRole))

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_intake.emit(index.data(IntakeIdRole))
