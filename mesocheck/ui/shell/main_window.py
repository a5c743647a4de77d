"""The main window: which screen is shown, and the wall between patient and staff views.

Every screen change goes through :meth:`MainWindow.show_screen`; a staff screen asked for
while no staff member is signed in shows the sign-in screen instead. The patient's screens
hold no way into the staff area other than that sign-in. The window is the one place that
wires the screens to one another and takes the clinic's settings, so that this wall can be
checked in one module (about 640 lines, longer than most here for that reason).
"""

from __future__ import annotations

import logging
import platform
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget, QWidget

from mesocheck.course import route, route_text
from mesocheck.forms import Form
from mesocheck.session import IntakeSession, PatientDetails
from mesocheck.store import StaffMember
from mesocheck.timeutil import clinic_zone, utc_now
from mesocheck.ui.intake.inputs import InputContext
from mesocheck.ui.intake.screens import ReadyScreen, ThankYouScreen, WelcomeScreen
from mesocheck.ui.intake.start import StartIntakeScreen
from mesocheck.ui.intake.wizard import WizardScreen
from mesocheck.ui.shell.idle import IdleWatcher, StillTherePrompt
from mesocheck.ui.shell.patient_language import PatientLanguage
from mesocheck.ui.shell.turns import AfterFirstPaint, after_painted, delete_in_turns
from mesocheck.ui.tasks import Database, StoreSink, Task
from mesocheck.ui.widgets.dialogs import message
from mesocheck.ui.widgets.screen import enter_presses_focused_button, scroll_into_view
from mesocheck.i18n import N_, _, clinic_language, ngettext

if TYPE_CHECKING:  # the staff's screens are loaded when first asked for
    from mesocheck.ui.shell.screen_fit import ScreenFit
    from mesocheck.ui.staff.signin import FirstRunScreen, SignInScreen
    from mesocheck.ui.staff.home import StaffHome

log = logging.getLogger(__name__)

DEFAULT_IDLE_S = 120
PROMPT_S = 30


class MainWindow(QMainWindow):
    screen_changed = Signal(str)  # the name of the screen now shown

    PATIENT_SCREENS = frozenset({"welcome", "walk_in", "ready", "wizard", "thanks"})
    GATE_SCREENS = frozenset({"sign_in", "first_run"})
    STAFF_SCREENS = frozenset({"staff"})

    def __init__(
        self,
        db: Database,
        form: Form,
        *,
        settings: dict[str, Any] | None = None,
        zone: tzinfo,
        has_practitioner: bool,
        clock: Callable[[], datetime] = utc_now,
        prompt_s: int = PROMPT_S,
        device: str | None = None,
        welcome: bool = True,
        station: bool = False,
    ):
        """``welcome=False``: the caller opens an intake at once (:meth:`open_walk_in_now`)
        instead of the welcome screen. ``station``: the practitioner's station on the hub,
        which opens at the staff sign-in instead of the patient's welcome, and at the
        review queue once signed in."""
        super().__init__()
        settings = settings or {}
        self.db = db
        self.form = form
        self.zone = zone
        self.clock = clock
        self.language = form.languages[0]
        self.device = device or platform.node() or None
        self.has_practitioner = has_practitioner
        self.station = station
        self.clinic_name = str(settings.get("clinic_name") or "")
        self.context = InputContext(self.language, zone, clock)
        # The translations the clinic offers; the patient at the tablet picks one of them.
        self.offered = form.offered_languages(settings.get("patient_languages") or ())
        self.patient_language = PatientLanguage(self.language)
        self.staff: StaffMember | None = None
        self.session: IntakeSession | None = None
        self.signed_intake: str | None = None
        self.sink = StoreSink(db)
        self.pdf_jobs: set[str] = set()  # intakes whose consent PDF is being made
        self._to_take_down: list[QWidget] = []  # finished wizards, deleted after the PDFs
        self.setWindowTitle(self.clinic_name or "mesocheck")
        # A fixed minimum: screens coming and going never change the window's size hints.
        self.setMinimumSize(640, 600)
        self.resize(1280, 800)

        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.screens: dict[str, QWidget] = {}
        self._made: dict[str, QWidget] = {}  # built ahead, not yet in the stack
        # The fixed screens, each built the first time it is shown.
        self._builders: dict[str, Callable[[], QWidget]] = {
            "welcome": self._build_welcome, "walk_in": self._build_walk_in,
            "sign_in": self._build_sign_in, "first_run": self._build_first_run,
            "thanks": self._build_thanks,
        }

        self.staff_home: StaffHome | None = None
        self.wizard: WizardScreen | None = None
        self.ready: ReadyScreen | None = None

        idle_s = settings.get("idle_timeout_s") or DEFAULT_IDLE_S
        self.idle = IdleWatcher(float(idle_s), self)
        self.idle.idle.connect(self.on_idle)
        self.idle.activity.connect(self._activity)
        self.prompt = StillTherePrompt(self.stack, prompt_s)
        self.prompt.expired.connect(self.reset_to_welcome)
        self.prompt.still_here.connect(self.idle.poke)

        app = QApplication.instance()
        if app is not None:  # wherever the focus goes, by Tab or an arrow, it is in view
            app.focusChanged.connect(self._focus_moved)
        self.first_paint = AfterFirstPaint()
        self.screen_fit: ScreenFit | None = None
        self.window_chosen = False
        if welcome:
            self.show_welcome()

    # -- screens -------------------------------------------------------------------------

    def screen(self, name: str) -> QWidget:
        """The screen called ``name``, built now if it is one of the fixed screens."""
        widget = self.screens.get(name)
        if widget is None:
            widget = self._made.pop(name, None) or self._builders[name]()
            self._add(name, widget)
        return widget

    def _prepare(self, *names: str) -> None:
        """Build fixed screens the patient will want next while this one waits for a tap:
        each screen in one turn of the event loop and put in place in the next, so that no
        turn holds the screen for long."""
        pending = list(names)

        def step() -> None:
            while pending and pending[0] in self.screens:
                pending.pop(0)
            if not pending:
                return
            name = pending[0]
            if name in self._made:
                self.screen(name)
                pending.pop(0)
            else:
                self._made[name] = self._builders[name]()
            QTimer.singleShot(0, step)

        self.after_first_paint(step)

    @property
    def welcome(self) -> WelcomeScreen:
        return self.screen("welcome")  # type: ignore[return-value]

    @property
    def walk_in(self) -> StartIntakeScreen:
        return self.screen("walk_in")  # type: ignore[return-value]

    @property
    def sign_in(self) -> SignInScreen:
        return self.screen("sign_in")  # type: ignore[return-value]

    @property
    def first_run(self) -> FirstRunScreen:
        return self.screen("first_run")  # type: ignore[return-value]

    @property
    def thanks(self) -> ThankYouScreen:
        return self.screen("thanks")  # type: ignore[return-value]

    def _build_welcome(self) -> WelcomeScreen:
        welcome = WelcomeScreen(self.clinic_name, self.form, self.patient_language.current,
                                self.offered)
        welcome.start_requested.connect(self.start_walk_in)
        welcome.staff_requested.connect(self.request_staff)
        welcome.language_chosen.connect(self.choose_language)
        return welcome

    def _build_walk_in(self) -> StartIntakeScreen:
        context = InputContext(self.patient_language.current, self.zone, self.clock)
        walk_in = StartIntakeScreen(self.form, context, staff=False)
        walk_in.submitted.connect(lambda details: self.start_intake(details, "patient"))
        walk_in.cancelled.connect(lambda: self.show_welcome(self.patient_language.current))
        return walk_in

    def _build_sign_in(self) -> SignInScreen:
        from mesocheck.ui.staff.signin import SignInScreen

        sign_in = SignInScreen(self.db, self.zone)
        sign_in.signed_in.connect(self.staff_signed_in)
        sign_in.cancelled.connect(self.show_welcome)
        return sign_in

    def _build_first_run(self) -> FirstRunScreen:
        from mesocheck.ui.staff.signin import FirstRunScreen

        first_run = FirstRunScreen(self.db)
        first_run.created.connect(self._first_practitioner)
        return first_run

    def _build_thanks(self) -> ThankYouScreen:
        thanks = ThankYouScreen(self.form, self.patient_language.current)
        thanks.copy_chosen.connect(self._copy_chosen)
        thanks.staff_requested.connect(self.request_staff)
        return thanks

    def _clear(self, *names: str) -> None:
        """Empty the forms of these screens; one never built holds nothing."""
        for name in names:
            widget = self.screens.get(name)
            if widget is not None:
                widget.clear()  # type: ignore[attr-defined]

    def _add(self, name: str, widget: QWidget) -> None:
        if name in self.PATIENT_SCREENS:
            self.patient_language.lay_out(widget)
        widget.setProperty("screenName", name)
        self.screens[name] = widget
        self.stack.addWidget(widget)

    def _remove(self, name: str) -> None:
        widget = self.screens.pop(name, None)
        if widget is None:
            return
        self.stack.removeWidget(widget)
        if isinstance(widget, WizardScreen):
            widget.prepare_timer.stop()
            widget.save_timer.stop()
            widget.hide()
            self._to_take_down += [*widget.built_pages(), widget]
            QTimer.singleShot(0, self._take_down)
        else:
            widget.deleteLater()

    def _take_down(self) -> None:
        """Delete the finished wizards' pages, a page per turn, once no consent PDF is being
        made (``_pdf_done`` calls again): deleting widgets hands Python's lock back and forth
        with the PDF's thread, and the screen would wait on it."""
        if self.pdf_jobs or not self._to_take_down:
            return
        widgets, self._to_take_down = self._to_take_down, []
        delete_in_turns(widgets)

    @property
    def current_screen(self) -> str:
        widget = self.stack.currentWidget()
        return str(widget.property("screenName")) if widget is not None else ""

    def show_screen(self, name: str) -> str:
        """Show a screen; staff screens only to signed-in staff. Returns what is shown."""
        if name in self.STAFF_SCREENS and self.staff is None:
            name = "sign_in" if self.has_practitioner else "first_run"
        widget = self.screen(name)
        if name == "sign_in":
            self.sign_in.refresh()
        self.stack.setCurrentWidget(widget)
        self.prompt.dismiss()
        self.idle.poke()
        focus = getattr(widget, "focus_first", None)
        if callable(focus):
            QTimer.singleShot(0, focus)
        self.screen_changed.emit(name)
        return name

    def show_welcome(self, language: str | None = None) -> None:
        """The patient's first screen, in the form's own language unless ``language`` (the
        one a patient just chose there); before the clinic has a practitioner, the screen
        that creates one instead: no patient starts a form on a tablet nobody can review."""
        self._speak(language)
        self.signed_intake = None  # the copy is asked of the patient who just signed only
        self._clear("walk_in", "sign_in")
        if not self.has_practitioner:
            self.show_screen("first_run")
            return
        if self.station:  # no patient uses the practitioner's station
            self.show_screen("staff")
            return
        self.show_screen("welcome")
        # The count may wait behind a consent PDF on the database thread: until it comes
        # back, no note rather than the one counted before this patient.
        self.welcome.set_unfinished(0)
        self.refresh_waiting()
        self._prepare("walk_in", "thanks")

    def _copy_chosen(self, wanted: bool) -> None:
        intake_id, thanks = self.signed_intake, self.thanks
        if intake_id is None:
            return
        Task(lambda store: store.choose_copy(intake_id, wanted, "patient"),
             what=N_("saving the choice of a copy"), parent=self,
             success=lambda _r: thanks.copy_recorded(wanted)).failure(
            lambda _error: thanks.copy_not_recorded()).retrying().run_in_background(self.db)

    def _show_waiting(self, count: int) -> None:
        if "welcome" in self.screens:  # the one on screen now (a language rebuilds it)
            self.welcome.set_unfinished(count)

    def choose_language(self, language: str) -> None:
        """A patient chose their language on the welcome screen."""
        if language in self.offered:
            self.show_welcome(language)

    def _speak(self, language: str | None) -> None:
        """Let the patient's screens speak ``language`` (None: the form's own): those built
        in another are built again when next shown."""
        if self.patient_language.choose(language):
            for name in ("welcome", "walk_in", "thanks"):
                self._made.pop(name, None)
                self._remove(name)

    def refresh_waiting(self) -> None:
        Task(lambda store: len(store.unfinished_intakes()), success=self._show_waiting,
             what=N_("counting the unfinished intakes"), parent=self).failure(
            lambda _error: None).run_in_background(self.db)

    def start_walk_in(self) -> None:
        self.walk_in.clear()
        self.show_screen("walk_in")

    # -- staff -------------------------------------------------------------------------

    def request_staff(self) -> None:
        self.show_screen("staff")

    def staff_signed_in(self, member: StaffMember) -> None:
        from mesocheck.ui.staff.home import StaffContext, StaffHome

        self.staff = member
        self._remove("staff")
        context = StaffContext(self.db, member, self.form, self.zone, self.context,
                               self.resume_intake)
        self.staff_home = StaffHome(context)
        self.staff_home.hand_to_patient.connect(self.hand_to_patient)
        self.staff_home.lock_requested.connect(self.lock)
        self.staff_home.intake_requested.connect(
            lambda details: self.start_intake(details, context.actor))
        self.staff_home.settings_changed.connect(self.apply_settings)
        self.staff_home.start_screen.set_languages(self.offered)
        self._add("staff", self.staff_home)
        if self.station:
            self.staff_home.open_screen("Review queue")
        self.show_screen("staff")

    def _first_practitioner(self, member: StaffMember) -> None:
        self.has_practitioner = True
        name = self.first_run.clinic_name()
        if name:
            self.clinic_name = name
            self.welcome.set_clinic_name(name)
            self.setWindowTitle(name)
        self.staff_signed_in(member)

    def apply_settings(self, settings: dict[str, Any]) -> None:
        """The clinic's settings as just saved: taken at once (the time zone by the forms
        started from now on)."""
        self.clinic_name = str(settings.get("clinic_name") or "")
        if "welcome" in self.screens:
            self.welcome.set_clinic_name(self.clinic_name)
        offered = self.form.offered_languages(settings.get("patient_languages") or ())
        if offered != self.offered:  # the welcome screen offers them from now on
            self.offered = offered
            self._made.pop("welcome", None)
            self._remove("welcome")
            if self.staff_home is not None:
                self.staff_home.start_screen.set_languages(offered)
        self.setWindowTitle(self.clinic_name or "mesocheck")
        self.idle.set_timeout(float(settings.get("idle_timeout_s") or DEFAULT_IDLE_S))
        self.zone = clinic_zone(settings.get("time_zone"))
        self.context.zone = self.zone
        if self.screen_fit is not None and not self.window_chosen:
            self.screen_fit.set_full(bool(settings.get("full_screen", True)))

    def show_on_screen(self, *, full: bool, size: tuple[int, int] | None = None) -> None:
        """Show the window filling its screen (``full``, a kiosk) or as a window of ``size``
        (chosen at launch: then the clinic's full-screen setting does not change it)."""
        from mesocheck.ui.shell.screen_fit import WINDOW_SIZE, ScreenFit

        self.window_chosen = size is not None
        if self.screen_fit is not None:
            self.screen_fit.stop()
        self.screen_fit = ScreenFit(self, full=full and not self.window_chosen,
                                    size=size or WINDOW_SIZE)
        self.screen_fit.show()

    def lock(self) -> None:
        """Leave the staff area: nothing of it stays in memory."""
        self.staff = None
        self.staff_home = None
        self._remove("staff")
        self.show_welcome()

    def hand_to_patient(self) -> None:
        self.lock()

    # -- intakes -----------------------------------------------------------------------

    def _starter(self, details: PatientDetails, actor: str) -> Callable[[Any], IntakeSession]:
        """The database job that starts an intake (it runs on the database thread, so it
        holds copies of what it needs rather than the window)."""
        form, zone, clock, sink, device = self.form, self.zone, self.clock, self.sink, \
            self.device
        # A patient at the tablet chose on the welcome screen; staff on their start screen.
        language = details.language or (self.patient_language.current if actor == "patient"
                                        else None)

        def op(store: Any) -> IntakeSession:
            # A known patient's visit within a valid course takes the check-in.
            found = route(store, form, details.patient_id, details.area,
                          details.appointment_at.astimezone(zone).date())
            return IntakeSession.start(store, form, details, actor=actor, device=device,
                                       zone=zone, clock=clock, sink=sink, language=language,
                                       route=found)
        return op

    def start_intake(self, details: PatientDetails, actor: str) -> None:
        """Start for the patient these details name: a known patient's record is offered
        to staff (a near match warned of); a patient at the tablet joins their own record
        only on an exact match, and never sees anyone else's."""
        if details.patient_id is not None:
            self._start_intake(details, actor)
            return
        name, born = details.name, details.birth_date
        form, day = self.form, details.appointment_at.astimezone(self.zone).date()

        def op(store: Any) -> tuple[list[Any], str]:
            found = store.patient_matches(name, born)
            # What the best match's visit would take, for staff to see before choosing.
            course = route_text(route(store, form, found[0].id, details.area, day),
                                clinic_language()) if found and actor != "patient" else ""
            return found, course

        Task(op, what=N_("finding the patient"), parent=self,
             success=lambda found: self._matched(details, actor, *found)).failure(
            self._open_failed).retrying().run_in_background(self.db)

    def _matched(self, details: PatientDetails, actor: str, found: list[Any],
                 course: str = "") -> None:
        from msgspec import structs

        from mesocheck.timeutil import day_text
        from mesocheck.ui.widgets.dialogs import confirm

        exact = [m for m in found if m.exact]
        if actor == "patient" or not found:
            self._start_intake(structs.replace(details, patient_id=exact[0].id)
                               if exact else details, actor)
            return
        best = found[0]
        visits = ngettext("{n} earlier visit", "{n} earlier visits", best.visits).format(
            n=best.visits)
        who = _("{name}, born {date} ({visits})").format(
            name=best.name, date=day_text(best.birth_date, clinic_language()),
            visits=visits)
        if best.exact:
            title = _("This patient is known")
            text = _("{who}. Continue with their record, so this visit joins their "
                     "history?").format(who=who)
            if course:
                text += "\n\n" + course
        else:
            title = _("Likely the same patient")
            text = _("A patient with a similar name or date of birth is known: {who}. Check "
                     "the spelling and the date of birth with the patient; if it is the same "
                     "person, use that record.").format(who=who)

        def chosen(use_known: bool, _text: str) -> None:
            self._start_intake(structs.replace(details, patient_id=best.id)
                               if use_known else details, actor)

        confirm(self, title, text, accept_text=_("Use their record"),
                reject_text=_("New patient record"), on_finished=chosen)

    def _start_intake(self, details: PatientDetails, actor: str) -> None:
        staff_started = actor != "patient"
        Task(self._starter(details, actor), what=N_("starting the intake"), parent=self,
             success=lambda session: self._opened(session, staff_started, False)).failure(
            self._open_failed).retrying().run_in_background(self.db)

    def resume_intake(self, intake_id: str) -> None:
        form, zone, clock, sink = self.form, self.zone, self.clock, self.sink

        def op(store: Any) -> IntakeSession:
            return IntakeSession.resume(store, intake_id, form=form, zone=zone, clock=clock,
                                        sink=sink)

        Task(op, success=lambda session: self._opened(session, True, True), parent=self,
             what=N_("opening the intake")).failure(self._open_failed).run_in_background(self.db)

    def _open_failed(self, error: Any) -> None:
        message(self, _("This form cannot be opened"), error.message)

    def _opened(self, session: IntakeSession, staff_started: bool, resuming: bool) -> None:
        self.session = session
        self._speak(session.language)
        if staff_started:
            if self.staff_home is not None:
                self.staff_home.start_screen.clear()
            self.lock()
            self._remove("ready")
            self.ready = ReadyScreen(session.patient_name, resuming, session.language)
            self.ready.begin.connect(self.open_wizard)
            self.ready.not_me.connect(self.reset_to_welcome)
            self._add("ready", self.ready)
            self.show_screen("ready")
        else:
            self._clear("walk_in")
            self.open_wizard()

    def open_wizard(self, *, at_once: bool = False) -> WizardScreen:
        """The session's wizard, shown once its first page is built: a part per turn of the
        event loop while the screen before it stays up, or ``at_once`` (before the window
        shows)."""
        assert self.session is not None
        if self.wizard is not None and self.wizard.session is self.session \
                and self.current_screen != "wizard":
            return self.wizard  # already on its way (a second tap on "Begin")
        self._remove("wizard")
        context = InputContext(self.session.language, self.zone, self.clock)
        self.wizard = wizard = WizardScreen(self.session, self.db, context)
        wizard.submitted.connect(self._submitted)
        wizard.stop_requested.connect(self.reset_to_welcome)
        wizard.opened.connect(lambda: self._show_wizard(wizard))
        self._add("wizard", wizard)
        wizard.open(at_once=at_once)
        return wizard

    def _show_wizard(self, wizard: WizardScreen) -> None:
        if wizard is not self.wizard:  # closed while it was being built
            return
        self._remove("ready")
        self.ready = None
        self.show_screen("wizard")

    def _submitted(self, intake_id: str) -> None:
        self._close_intake()
        self.signed_intake = intake_id  # whose copy the thank-you screen offers
        self.thanks.ask_copy()
        self.show_screen("thanks")
        # The PDF is made once "thank you" is on screen: that paint would otherwise keep
        # waiting on the database thread for Python's lock. Listed at once, as under way.
        self.pdf_jobs.add(intake_id)
        self.thanks.document_busy(True)
        after_painted(self.thanks, lambda: self._start_pdf(intake_id))

    def _start_pdf(self, intake_id: str) -> None:
        Task(lambda store: _make_consent_pdf(store, intake_id), what=N_("making the consent PDF"),
             success=lambda _id: self._pdf_done(intake_id, True)).failure(
            lambda _error: self._pdf_done(intake_id, False)).heavy().run_in_background(self.db)

    def _pdf_done(self, intake_id: str, ok: bool) -> None:
        self.pdf_jobs.discard(intake_id)
        if not self.pdf_jobs:
            self.thanks.document_busy(False, "")
            self._take_down()
        if not ok:  # staff see the missing document when reviewing; the patient needn't
            log.warning("consent PDF for intake %s was not made", intake_id)

    def _close_intake(self) -> None:
        """Forget the intake on screen (it stays saved): no patient data left in widgets."""
        if self.wizard is not None:
            self.wizard.save_now()
        self.session = None
        self.wizard = None
        self.ready = None
        self._remove("wizard")
        self._remove("ready")

    # -- idle ------------------------------------------------------------------------------

    def on_idle(self) -> None:
        screen = self.current_screen
        if screen in self.STAFF_SCREENS:
            self.lock()
        elif screen == "thanks":
            self.show_welcome()
        elif screen == "welcome":
            if self.patient_language.current != self.language:
                self.show_welcome()  # the next patient finds the form's own language
            self.refresh_waiting()
        elif screen == "first_run":
            pass  # nothing of a patient's there
        elif not self.prompt.active:
            self.prompt.start(self.session.language if self.session is not None
                              else self.patient_language.current)


    def _activity(self) -> None:
        if self.prompt.active:
            self.prompt.dismiss()
            self.idle.poke()

    def reset_to_welcome(self) -> None:
        """Back to the start with no patient data visible; the intake stays saved."""
        self.prompt.dismiss()
        self._close_intake()
        self.staff = None
        self.staff_home = None
        self._remove("staff")
        self.show_welcome()

    # -- closing ---------------------------------------------------------------------------

    def _focus_moved(self, _old: QWidget | None, now: QWidget | None) -> None:
        if now is not None:  # on the next turn: a screen just shown is laid out by then
            QTimer.singleShot(0, now, lambda: scroll_into_view(now))

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if not enter_presses_focused_button(self, event):
            super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.prompt.isVisible():
            self.prompt.setGeometry(self.stack.rect())

    def closeEvent(self, event) -> None:
        if self.wizard is not None:
            self.wizard.save_now()
        self.patient_language.choose(None)  # Qt's own words (and direction) back as they were
        self.idle.stop()
        super().closeEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.first_paint.watch(self.stack.currentWidget())

    def after_first_paint(self, work: Callable[[], Any]) -> None:
        """Run ``work`` once the window has shown its first screen (start-up work that the
        first screen does not need)."""
        self.first_paint.add(work)

    def open_walk_in_now(self, details: PatientDetails) -> WizardScreen:
        """Start a walk-in intake and open its wizard at its first step before the window
        shows (``welcome=False``): start-up only, as it waits for the database."""
        self.session = self.db.call(self._starter(details, "patient"))
        self._speak(self.session.language)
        return self.open_wizard(at_once=True)


def _make_consent_pdf(store: Any, intake_id: str) -> int:
    from mesocheck.documents.consent import store_consent_pdf  # reportlab: not at start-up

    return store_consent_pdf(store, intake_id)
