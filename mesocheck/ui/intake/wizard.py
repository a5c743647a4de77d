"""The patient's wizard: one page at a time, with progress, Back, Next and the reason Next
is not yet possible. Built from the form; the route and completeness come from the session.

Answers are handed to the session as they are given and written a moment after the patient
stops typing, and at once on every move, so a crash loses at most the keystroke in flight.

While the patient reads a page, the next step is built a question at a time, one per turn of
the event loop, so that Next does not wait on building a page of questions. (About 470
lines: the route, saving, the keyboard's way through and signing all act on the one page
shown.)
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mesocheck.forms import Page
from mesocheck.i18n import translations
from mesocheck.session import IntakeSession, Submission
from mesocheck.ui.intake.inputs import InputContext
from mesocheck.ui.intake.pages import DisclosurePage, StepPage, WizardPage
from mesocheck.ui.intake.signing import ConsentPage
from mesocheck.ui.intake.summary import SummaryPage
from mesocheck.ui.intake.understanding import UnderstandingPage
from mesocheck.ui.tasks import Database
from mesocheck.ui.widgets.dialogs import confirm, message
from mesocheck.ui.widgets.labels import label
from mesocheck.ui.widgets.style import set_role

log = logging.getLogger(__name__)

SAVE_DELAY_MS = 400


class WizardScreen(QWidget):
    submitted = Signal(str)  # intake id, once the store holds the signed intake
    stop_requested = Signal()  # the patient wants to stop and hand the tablet back
    opened = Signal()  # the first page is built and current: the screen can be shown

    def __init__(self, session: IntakeSession, db: Database, context: InputContext,
                 *, start_index: int | None = None):
        super().__init__()
        self.setObjectName("screen")
        self.session = session
        self.db = db
        self.context = context
        self._p = translations(session.language).gettext
        self._pages: dict[str, WizardPage] = {}
        self._token: str | None = None
        self._back_to_summary = False
        self._submitting = False

        self.save_timer = QTimer(self)
        self.save_timer.setSingleShot(True)
        self.save_timer.setInterval(SAVE_DELAY_MS)
        self.save_timer.timeout.connect(self.save_now)
        self.prepare_timer = QTimer(self)  # builds the next page while the patient reads
        self.prepare_timer.setSingleShot(True)
        self.prepare_timer.setInterval(0)
        self.prepare_timer.timeout.connect(self._prepare_next)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._header())
        self.status = label("", "statusError")
        self.status.hide()
        status_row = QHBoxLayout()
        status_row.setContentsMargins(24, 12, 24, 0)
        status_row.addWidget(self.status)
        layout.addLayout(status_row)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        layout.addWidget(self._footer())

        # Keyboard: Alt+Right / Alt+Left, as Forward / Back in a browser; Enter (keyPressEvent)
        # goes on too. The welcome and "Hello" screens say so.
        for keys, action in (("Alt+Right", self.next), ("Alt+Left", self.back)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(action)

        db.trouble.connect(self._save_trouble)
        db.recovered.connect(self._save_recovered)
        db.refused.connect(self._save_refused)
        self._first = session.resume_index() if start_index is None else start_index

    def open(self, *, at_once: bool = False) -> None:
        """Go to the first page (where the patient stopped, when resuming), then emit
        ``opened``. Unless ``at_once``, the page is built a part per turn of the event loop
        first, as pages ahead are, so that opening never holds the screen for long."""
        if at_once:
            self.go_to(self._first)
            self.opened.emit()
        else:
            self.prepare_timer.start()

    # -- chrome ------------------------------------------------------------------------

    def _header(self) -> QFrame:
        bar = set_role(QFrame(), "bar")
        layout = QVBoxLayout(bar)
        layout.setContentsMargins(24, 14, 24, 14)
        layout.setSpacing(10)
        row = QHBoxLayout()
        self.form_title = label(self.session.form.title.get(self.session.language), "progress")
        row.addWidget(self.form_title, 1)
        self.progress_label = set_role(QLabel(), "progress")
        self.progress_label.setAlignment(Qt.AlignmentFlag.AlignRight |
                                         Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.progress_label)
        self.stop_button = set_role(QPushButton(self._p("Stop")), "link")
        self.stop_button.setAccessibleName(self._p("Stop and hand the tablet back"))
        self.stop_button.setAccessibleDescription(self._p(
            "Your answers so far are kept; the staff can help you carry on later"))
        self.stop_button.clicked.connect(self._ask_stop)
        row.addWidget(self.stop_button)
        layout.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName(self._p("Progress"))
        self.progress.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.progress)
        return bar

    def _footer(self) -> QFrame:
        bar = set_role(QFrame(), "footer")
        outer = QVBoxLayout(bar)
        outer.setContentsMargins(24, 12, 24, 14)
        outer.setSpacing(8)
        # Why Next is disabled: beside the buttons in landscape, above them in portrait.
        self.reason_box = QWidget()
        reason_layout = QHBoxLayout(self.reason_box)
        reason_layout.setContentsMargins(0, 0, 0, 0)
        reason_layout.setSpacing(12)
        reason_layout.addStretch(1)
        self.reason = set_role(QLabel(), "reason")
        self.reason.setWordWrap(True)
        self.reason.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        reason_layout.addWidget(self.reason, 10)
        self.show_me = set_role(QPushButton(self._p("Show me")), "link")
        self.show_me.setAccessibleName(self._p("Show what is missing"))
        self.show_me.setAccessibleDescription(self._p("Goes to the first question still to "
                                                      "answer"))
        self.show_me.clicked.connect(self._reveal)
        reason_layout.addWidget(self.show_me)
        self.top_row = QHBoxLayout()
        self.top_row.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self.top_row)
        row = QHBoxLayout()
        row.setSpacing(16)
        self.back_button = set_role(QPushButton(self._p("‹  Back")), "big")
        self.back_button.setAccessibleName(self._p("Back"))
        self.back_button.setAccessibleDescription(self._p("The page before (keyboard: "
                                                          "Alt+Left)"))
        self.back_button.clicked.connect(self.back)
        row.addWidget(self.back_button)
        row.addStretch(1)
        self.button_row = row
        row.addWidget(self.reason_box, 10)
        self.next_button = set_role(QPushButton(self._p("Next  ›")), "primary")
        self.next_button.setAccessibleName(self._p("Next"))
        self.next_button.setProperty("emphasis", "big")
        self.next_button.clicked.connect(self.next)
        row.addWidget(self.next_button)
        outer.addLayout(row)
        self._reason_on_top = False
        return bar

    NARROW = 1000  # px: below this the reason goes above the buttons

    def resizeEvent(self, event) -> None:  # noqa: N802
        on_top = event.size().width() < self.NARROW
        if on_top != self._reason_on_top:
            self._reason_on_top = on_top
            if on_top:
                self.button_row.removeWidget(self.reason_box)
                self.top_row.addWidget(self.reason_box)
            else:
                self.top_row.removeWidget(self.reason_box)
                self.button_row.insertWidget(2, self.reason_box, 10)
        super().resizeEvent(event)

    # -- the route ---------------------------------------------------------------------

    def pages(self) -> list[Page]:
        return self.session.pages()

    @property
    def index(self) -> int:
        tokens = [p.token for p in self.pages()]
        return tokens.index(self._token) if self._token in tokens else 0

    @property
    def current(self) -> WizardPage:
        return self.stack.currentWidget()  # type: ignore[return-value]

    def page_widget(self, page: Page) -> WizardPage:
        """The page's widget, made (though perhaps not yet complete) if it was not."""
        widget = self._pages.get(page.token)
        if widget is None:
            widget = self._make(page)
            widget.changed.connect(self._update)
            if isinstance(widget, StepPage):
                widget.answered.connect(lambda _qid: self._schedule_save())
            if isinstance(widget, SummaryPage):
                widget.change_requested.connect(self.change_step)
            self._pages[page.token] = widget
            self.stack.addWidget(widget)
            widget.ensurePolished()
        return widget

    def built_pages(self) -> list[WizardPage]:
        """The page widgets made so far, in the order they were made."""
        return list(self._pages.values())

    def _make(self, page: Page) -> WizardPage:
        # Made inside the stack (and polished there by page_widget): a page made on its own
        # would be styled once alone and again, all of it, on joining the stack.
        session, stack = self.session, self.stack
        if page.kind == "step":
            return StepPage(session, session.step(page.key), self.context, parent=stack)
        if page.kind == "disclosure":
            return DisclosurePage(session, session.form.disclosure(page.key), parent=stack)
        if page.kind == "summary":
            return SummaryPage(session, self.context, parent=stack)
        if page.kind == "understanding":
            return UnderstandingPage(session, parent=stack)
        return ConsentPage(session, parent=stack)

    def go_to(self, index: int) -> None:
        pages = self.pages()
        index = max(0, min(index, len(pages) - 1))
        page = pages[index]
        self.save_now()
        widget = self.page_widget(page)
        widget.arrive()
        self._token = page.token
        self.stack.setCurrentWidget(widget)
        self.session.arrive(page)
        self._update()
        self._tab_order(widget)
        if widget.scroll is not None:
            widget.scroll.verticalScrollBar().setValue(0)
        QTimer.singleShot(0, self.focus_first)
        self.prepare_timer.start()

    def focus_first(self) -> None:
        """The focus on the page's first control; a page to read through (the summary) on
        Next, so that Enter goes on (its "Change" buttons are a Tab away)."""
        page = self.current
        if page is None:
            return
        if page.focus_on_next:
            self.next_button.setFocus()
        else:
            page.focus_first()

    def _tab_order(self, page: WizardPage) -> None:
        """Tab goes Stop, the page's controls top to bottom, then Back, Show me and Next:
        pages are made after the wizard's own buttons, so Qt's order (the order widgets
        were made in) would put the page last. The page names its controls itself: walking
        Qt's focus chain would hand Python widgets Qt made (scroll bars), and finding their
        type costs PySide some 15 ms the first time."""
        chain = [self.stop_button, *page.tab_stops(), self.back_button, self.show_me,
                 self.next_button]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        """Enter presses the button that has the focus, and elsewhere Next (a line of text
        in a box of several lines takes its Enter itself)."""
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter) or event.modifiers() & (
                Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier):
            super().keyPressEvent(event)
            return
        focus = self.focusWidget()
        if isinstance(focus, QPushButton) and self.isAncestorOf(focus):
            focus.click()
        else:
            self.next()

    def _prepare_next(self) -> None:
        """Build the page after this one ahead of the patient, a piece per turn of the event
        loop (again on the next turn until it is whole): a step a question at a time, the
        summary a card at a time, a disclosure card or the consent page in one turn. While
        opening, the page built is the first one."""
        pages = self.pages()
        opening = self._token is None
        index = min(self._first, len(pages) - 1) if opening else self.index + 1
        if self._submitting or index >= len(pages):
            return
        page = pages[index]
        if page.token not in self._pages:
            self.page_widget(page)
        elif not self._pages[page.token].build_more():
            if opening:  # the first page is whole: on to it (and to building the next)
                self.go_to(index)
                self.opened.emit()
            return
        self.prepare_timer.start()

    def next(self) -> None:
        if self._submitting or not self.next_button.isEnabled():
            if not self._submitting:
                self._reveal()
            return
        if self.current.blocking_reason() is not None:
            self._reveal()
            return
        page = self.pages()[self.index]
        if page.kind == "consent":
            self.sign()
            return
        if page.kind == "understanding" and not self.current.submit():
            self._update()  # the right answers are on the page; choose again, or go on
            return
        if self._back_to_summary:
            # After "Change": straight back to the summary unless the change opened a page
            # that still needs something.
            incomplete = self.session.first_incomplete()
            pages = self.pages()
            summary = next(i for i, p in enumerate(pages) if p.kind == "summary")
            target = incomplete if incomplete is not None and incomplete > self.index else summary
            if target == summary:
                self._back_to_summary = False
            self.go_to(target)
            return
        self.go_to(self.index + 1)

    def back(self) -> None:
        if self._submitting or self.session.locked or self.index == 0:
            return
        self._back_to_summary = False
        self.go_to(self.index - 1)

    def change_step(self, step_id: str) -> None:
        tokens = [p.token for p in self.pages()]
        self._back_to_summary = True
        self.go_to(tokens.index(f"step:{step_id}"))

    def _update(self) -> None:
        pages = self.pages()
        index = self.index
        page = pages[index]
        step = self._p("Step {n} of {total}").format(n=index + 1, total=len(pages))
        self.progress_label.setText(step)
        # QProgressBar repaints at once on a visible change of value; with updates off it
        # is painted with the rest of the page instead, in the next frame.
        self.progress.setUpdatesEnabled(False)
        self.progress.setRange(0, len(pages))
        self.progress.setValue(index + 1)
        self.progress.setUpdatesEnabled(True)
        self.progress.setAccessibleDescription(step)
        self.back_button.setVisible(index > 0 and not self.session.locked)
        reason = self.current.blocking_reason()
        self.next_button.setEnabled(reason is None and not self._submitting)
        self.reason.setText(reason or "")
        self.show_me.setVisible(reason is not None)
        self.reason_box.setVisible(reason is not None)
        _p = self._p
        if page.kind == "consent":
            self.next_button.setText(_p("Sign and send  ✓"))
            self.next_button.setAccessibleName(_p("Sign and send"))
        elif page.kind == "understanding" and not self.current.finished:
            self.next_button.setText(_p("Check my answers  ›"))
            self.next_button.setAccessibleName(_p("Check my answers"))
        elif self._back_to_summary:
            self.next_button.setText(_p("Back to summary  ›"))
            self.next_button.setAccessibleName(_p("Back to summary"))
        else:
            self.next_button.setText(_p("Next  ›"))
            self.next_button.setAccessibleName(_p("Next"))
        self.next_button.setAccessibleDescription(
            reason or _p("The next page (keyboard: Enter or Alt+Right)"))

    def _say(self, text: str) -> None:
        self.reason.setText(text)
        self.show_me.hide()
        self.reason_box.show()

    def _reveal(self) -> None:
        self.current.reveal_problems()

    # -- saving ------------------------------------------------------------------------

    def _schedule_save(self) -> None:
        self.save_timer.start()

    def save_now(self) -> None:
        """Hand pending answers to the writer now (Next, Back, leaving, idle)."""
        self.save_timer.stop()
        if self.session.has_pending and not self.session.locked:
            self.session.flush()

    def _save_trouble(self, text: str) -> None:
        self.status.setText(self._p(
            "Your answers are kept on screen but could not be saved yet. {problem} "
            "Trying again…").format(problem=text))
        self.status.show()

    def _save_recovered(self) -> None:
        self.status.hide()

    def _save_refused(self, text: str) -> None:
        self.status.setText(self._p("{problem} Please hand the tablet to the staff.")
                            .format(problem=text))
        self.status.show()

    # -- stopping and signing ----------------------------------------------------------

    def _ask_stop(self) -> None:
        _p = self._p
        confirm(self, _p("Stop for now?"),
                _p("Your answers so far are saved. The staff can help you carry on later."),
                accept_text=_p("Stop and hand back"), reject_text=_p("Keep going"),
                on_finished=lambda ok, _text: ok and self._stop())

    def _stop(self) -> None:
        self.save_now()
        self.stop_requested.emit()

    def sign(self) -> None:
        page = self.current
        if not isinstance(page, ConsentPage):
            return
        submission = page.prepare()
        if submission is None:
            return
        self._submit(submission)

    def _submit(self, submission: Submission | None) -> None:
        """The commit point: from here on Back cannot change answers."""
        page = self.current
        assert isinstance(page, ConsentPage)
        self.save_timer.stop()
        self._submitting = True
        job = self.session.submit(submission)  # locks the session, then queues the write
        job.then(self._submitted, self._submit_failed)
        page.lock()
        self.stop_button.hide()
        self._update()
        self.next_button.setText(self._p("Sending…"))
        self._say(self._p("Saving your signed form. This takes a moment."))

    def _submitted(self, _signature_id: Any) -> None:
        self._submitting = False
        self.submitted.emit(self.session.intake_id)

    def _submit_failed(self, error: BaseException) -> None:
        log.warning("submit failed: %s", type(error).__name__)
        self._submitting = False
        _p = self._p
        text = getattr(error, "message", None) or (
            _p("Something went wrong while saving your signed form."))
        message(self, _p("Your form was not sent"),
                _p("{problem}\n\nPlease hand the tablet to the staff. Nothing you entered is "
                   "lost.").format(problem=text),
                on_finished=lambda *_: None)
        self._say(_p("Not sent yet. Please ask the staff for help."))
        self.next_button.setText(_p("Try again"))

        self.next_button.setEnabled(True)
        self.next_button.clicked.disconnect()
        self.next_button.clicked.connect(lambda: self._retry())

    def _retry(self) -> None:
        self._submitting = True
        self.next_button.setEnabled(False)
        self.session.submit().then(self._submitted, self._submit_failed)

    def closeEvent(self, event) -> None:
        self.save_now()
        super().closeEvent(event)
