"""The staff area: start an intake, continue or void unfinished ones, and other screens.

Another screen joins the staff area with one line: add ``(button text, factory)`` to
:data:`EXTRA_SCREENS`, where ``factory(context: StaffContext) -> QWidget``. A screen with a
``refresh()`` method gets it called each time it is opened.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any, Callable

from msgspec import Struct
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mesocheck import review
from mesocheck.forms import Form
from mesocheck.forms.isolation import isolate
from mesocheck.i18n import N_, _, clinic_language
from mesocheck.store import StaffMember, UnfinishedIntake
from mesocheck.store.audit import staff_actor
from mesocheck.timeutil import day_text
from mesocheck.ui.intake.inputs import InputContext
from mesocheck.ui.intake.start import StartIntakeScreen
from mesocheck.ui.staff.signin import role_name
from mesocheck.ui.tasks import Database, Task
from mesocheck.ui.widgets.dialogs import ask_text, message
from mesocheck.ui.widgets.labels import label
from mesocheck.ui.widgets.responsive import FlowLayout, SwitchBox
from mesocheck.ui.widgets.screen import Screen
from mesocheck.ui.widgets.style import set_role, set_state


class StaffContext(Struct):
    """What a staff screen may use: the database front door and who is signed in."""

    db: Database
    staff: StaffMember
    form: Form
    zone: tzinfo
    input_context: InputContext
    open_intake: Callable[[str], None]  # resume an unfinished intake on the tablet

    @property
    def actor(self) -> str:
        return staff_actor(self.staff.id)


def _review_queue(context: StaffContext) -> QWidget:
    from mesocheck.ui.review.panel import review_screen  # loaded when staff sign in

    return review_screen(context)


def _seal_screen(context: StaffContext) -> QWidget:
    from mesocheck.ui.staff.seal import SealScreen

    return SealScreen(context)


def _admin_screen(context: StaffContext) -> QWidget:
    from mesocheck.ui.staff.admin import StaffAdminScreen

    return StaffAdminScreen(context)


# (button text, factory) pairs: one line here adds a screen to the staff area. A screen with a
# ``lock_requested`` signal can hand the tablet to the patient (the staff view locks); one
# with ``settings_changed(dict)`` has the app take the clinic's new settings at once.
EXTRA_SCREENS: list[tuple[str, Callable[[StaffContext], QWidget]]] = [
    (N_("Review queue"), _review_queue),
    (N_("Seal"), _seal_screen),
    (N_("Staff"), _admin_screen),
]


def page_title(form: Form, token: str | None, language: str) -> str:
    """Where an unfinished intake stopped, in words."""
    if not token:
        return _("Not started")
    kind, _, key = token.partition(":")
    try:
        if kind == "step":
            return next(s for s in form.steps if s.id == key).title.get(language)
        if kind == "disclosure":
            return _("Risk card: {title}").format(title=form.disclosure(key).title.get(language))
    except StopIteration:
        return key
    return {"summary": _("Checking the answers"), "consent": _("Signing")}.get(kind, token)


def when(moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{day_text(local.date(), clinic_language())}, {local.strftime('%H:%M')}"


class UnfinishedScreen(Screen):
    """Intakes still in progress: continue one on the tablet, or void it with a reason."""

    def __init__(self, context: StaffContext):
        super().__init__()
        self.context = context
        self.layout_.addWidget(label(_("Unfinished intakes"), "heading"))
        self.layout_.addWidget(label(_(
            "Forms that were started but not signed. Continue one on the tablet, or void it "
            "(it is kept, marked void, with your reason)."), "lead"))
        self.list = QWidget()
        self.list.setObjectName("scrollBody")
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(14)
        self.layout_.addWidget(self.list)
        self.empty = label(_("There are no unfinished intakes."), "muted")
        self.layout_.addWidget(self.empty)
        self.layout_.addStretch(1)
        self.rows: dict[str, QFrame] = {}
        self.items: list[UnfinishedIntake] = []

    def refresh(self) -> None:
        Task(lambda store: store.unfinished_intakes(), success=self._show, parent=self,
             what=N_("reading the unfinished intakes")).failure(self._failed).run_in_background(
            self.context.db)

    def _failed(self, error: Any) -> None:
        message(self, _("Cannot show the list"), error.message)

    def _show(self, items: list[UnfinishedIntake]) -> None:
        self.items = items
        for row in self.rows.values():
            row.deleteLater()
        self.rows = {}
        zone = self.context.zone
        lang = review.staff_language(self.context.form)  # the clinic's words
        for item in items:
            card = set_role(QFrame(), "card")
            outer = QVBoxLayout(card)
            outer.setContentsMargins(20, 14, 20, 14)
            switch = SwitchBox(620, spacing=16)
            outer.addWidget(switch)
            layout = switch.box
            text = QVBoxLayout()
            text.setSpacing(4)
            text.addWidget(label(item.patient_name, "subheading"))
            text.addWidget(label(_("Appointment: {when}").format(
                when=when(item.appointment_at, zone)), "body"))
            text.addWidget(label(_("Stopped at: {page}  ·  last change {when}").format(
                page=page_title(self.context.form, item.current_step, lang),
                when=when(item.updated_at, zone)), "muted"))
            layout.addLayout(text, 1)
            resume = set_role(QPushButton(_("Continue")), "primary")
            resume.setAccessibleDescription(_("Hands the tablet to the patient to carry on"))
            resume.setAccessibleName(_("Continue the form of {name}").format(
                name=item.patient_name))
            resume.clicked.connect(lambda _=False, i=item.intake_id: self.context.open_intake(i))
            void = set_role(QPushButton(_("Void…")), "danger")
            void.setAccessibleDescription(_("Marks the form void, with your reason; it is kept"))
            void.setAccessibleName(_("Void the form of {name}").format(name=item.patient_name))
            void.clicked.connect(lambda _=False, i=item: self.ask_void(i))
            buttons = QHBoxLayout()
            buttons.setSpacing(16)
            buttons.addWidget(void)
            buttons.addWidget(resume)
            buttons.addStretch(1)
            layout.addLayout(buttons)
            self.list_layout.addWidget(card)
            self.rows[item.intake_id] = card
        self.empty.setVisible(not items)

    def ask_void(self, item: UnfinishedIntake) -> Any:
        return ask_text(
            self, _("Void this intake?"),
            _("The form of {name} will be marked void. Nothing is deleted.").format(
                name=isolate(item.patient_name)),
            input_label=_("Reason"), accept_text=_("Void intake"), danger=True,
            required_message=_("Please give a reason for voiding."),
            on_finished=lambda ok, reason: ok and self._void(item.intake_id, reason))

    def _void(self, intake_id: str, reason: str) -> None:
        actor = self.context.actor
        Task(lambda store: store.void(intake_id, reason, actor), parent=self,
             success=lambda _r: self.refresh(), what=N_("voiding the intake")).failure(
            self._failed).run_in_background(self.context.db)


class StaffHome(QWidget):
    """Signed-in staff: a menu of screens on the left, the chosen one on the right."""

    hand_to_patient = Signal()
    lock_requested = Signal()
    intake_requested = Signal(object)  # PatientDetails
    settings_changed = Signal(dict)

    def __init__(self, context: StaffContext):
        super().__init__()
        self.setObjectName("screen")
        self.context = context
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

        bar = set_role(QFrame(), "bar")
        bar_layout = QHBoxLayout(bar)
        bar_layout.setContentsMargins(24, 12, 24, 12)
        bar_layout.setSpacing(16)
        staff = context.staff
        self.who = label(_("Signed in: {name} · {role}").format(
            name=isolate(staff.name), role=role_name(staff.role)), "progress")
        self.hub_status = None
        if context.db.sync is not None:  # a tablet with a hub: how sending goes, below
            from mesocheck.ui.staff.hub_status import HubStatus

            self.hub_status = HubStatus(context.db.sync, context.zone)
            who = QVBoxLayout()
            who.setSpacing(2)
            who.addWidget(self.who)
            who.addWidget(self.hub_status.label)
            bar_layout.addLayout(who, 1)
        else:
            bar_layout.addWidget(self.who, 1)
        self.hand_button = set_role(QPushButton(_("Hand to patient")), "primary")
        self.hand_button.setAccessibleDescription(
            _("Locks the staff area and shows the patient's welcome screen"))
        self.hand_button.clicked.connect(self.hand_to_patient)
        self.lock_button = QPushButton(_("Lock"))
        self.lock_button.setAccessibleName(_("Lock the staff area"))
        self.lock_button.setAccessibleDescription(_("Signs you out; a PIN opens it again"))
        self.lock_button.clicked.connect(self.lock_requested)
        bar_layout.addWidget(self.lock_button)
        bar_layout.addWidget(self.hand_button)
        layout.addWidget(bar)

        # The menu is a column on the left in landscape, and rows on top in portrait (its
        # buttons flow onto a second row when they do not fit on one).
        body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body_layout = body
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        nav = set_role(QFrame(), "bar")
        self.nav = nav
        self.nav_layout = FlowLayout(nav, spacing=6)
        self.nav_layout.setContentsMargins(12, 12, 12, 12)
        body.addWidget(nav)
        self.stack = QStackedWidget()
        body.addWidget(self.stack, 1)
        layout.addLayout(body, 1)
        self.nav_group = QButtonGroup(self)
        self.nav_group.setExclusive(True)
        self.screens: dict[str, QWidget] = {}

        self.start_screen = StartIntakeScreen(context.form, context.input_context, staff=True)
        self.start_screen.submitted.connect(self.intake_requested)
        self.add_screen(N_("Start an intake"), self.start_screen)
        self.unfinished = UnfinishedScreen(context)
        self.add_screen(N_("Unfinished intakes"), self.unfinished)
        for title, factory in EXTRA_SCREENS:
            screen = factory(context)
            self.add_screen(title, screen)
            lock = getattr(screen, "lock_requested", None)
            if lock is not None:
                lock.connect(self.lock_requested)
            changed = getattr(screen, "settings_changed", None)
            if changed is not None:
                changed.connect(self.settings_changed)
        self.open_screen("Start an intake")

    def add_screen(self, title: str, widget: QWidget) -> QPushButton:
        """Add a screen with a menu button (``title``: its English name, which
        :meth:`open_screen` takes; the button shows it in the clinic's language)."""
        button = set_role(QPushButton(_(title)), "nav")
        button.setProperty("screen", title)
        button.setAccessibleDescription(_("Opens the screen “{title}”").format(title=_(title)))
        button.setCheckable(True)
        button.clicked.connect(lambda _=False, t=title: self.open_screen(t))
        self.nav_group.addButton(button)
        self.nav_layout.addWidget(button)
        self.stack.addWidget(widget)
        self.screens[title] = widget
        return button

    def open_screen(self, title: str) -> QWidget:
        widget = self.screens[title]
        for button in self.nav_group.buttons():
            button.setChecked(button.property("screen") == title)
        self.stack.setCurrentWidget(widget)
        refresh = getattr(widget, "refresh", None)
        if callable(refresh):
            refresh()
        return widget

    NARROW = 1000  # px: below this the menu goes on top

    def resizeEvent(self, event) -> None:  # noqa: N802
        narrow = event.size().width() < self.NARROW
        for button in self.nav_group.buttons():  # a row of menu buttons: narrower padding
            set_state(button, "compact" if narrow else None)
        buttons = self.nav_group.buttons()
        if narrow:
            self.body_layout.setDirection(QBoxLayout.Direction.TopToBottom)
            for button in buttons:
                button.setMinimumWidth(0)
            self.nav.setMinimumWidth(0)
            self.nav.setMaximumWidth(16777215)
        else:  # a column: each button as wide as the column, so one per line
            self.body_layout.setDirection(QBoxLayout.Direction.LeftToRight)
            inner = max([216] + [b.sizeHint().width() for b in buttons])
            for button in buttons:
                button.setMinimumWidth(inner)
            self.nav.setFixedWidth(inner + 24)
        super().resizeEvent(event)

    def focus_first(self) -> None:
        current = self.stack.currentWidget()
        focus = getattr(current, "focus_first", None)
        if callable(focus):
            focus()
