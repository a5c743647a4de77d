"""The wizard's pages: a step of questions, a disclosure card, the summary, consent.

Each page shows what the session holds and reports changes; whether the patient may go on
(and why not) comes from the session, i.e. from the core's flow.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mesocheck.forms.model import Disclosure, Step
from mesocheck.i18n import N_, translations
from mesocheck.session import IntakeSession
from mesocheck.ui.intake.inputs import InputContext
from mesocheck.ui.intake.questions import QuestionView
from mesocheck.ui.widgets.choices import OptionCheck
from mesocheck.ui.widgets.labels import CONTENT_WIDTH, label, paragraphs, touch_scrolling
from mesocheck.ui.widgets.screen import page_scroll
from mesocheck.ui.widgets.style import set_role

KIND_LABELS = {"risk": N_("Risk"), "evidence": N_("About the evidence"), "cost": N_("Cost"),
               "course": N_("Your course")}


class FitScrollArea(QScrollArea):
    """A scroll area as tall as its content at its width, so short text needs no scrolling
    and long text scrolls inside it."""

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt names)
        return self.widget() is not None

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        frame = 2 * self.frameWidth()
        inner = self.widget()
        if inner is None:
            return super().heightForWidth(width)
        layout = inner.layout()
        needed = layout.heightForWidth(width - frame) if layout is not None and \
            layout.hasHeightForWidth() else inner.sizeHint().height()
        return needed + frame

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        return QSize(hint.width(), self.heightForWidth(max(hint.width(), self.width())))


class WizardPage(QWidget):
    """A page of the wizard; the content goes in ``self.content`` (scrolls if needed)."""

    changed = Signal()  # something that may change whether the patient can go on

    title = ""
    focus_on_next = False  # a page to read, not fill in: the focus starts on Next

    def __init__(self, session: IntakeSession, *, scrolls: bool = True, kinetic: bool = True,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self.session = session
        self.words = translations(session.language)  # the patient's language
        self._p = self.words.gettext
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.content = QWidget()
        self.content.setObjectName("scrollBody")
        self.content.setMaximumWidth(CONTENT_WIDTH)
        self.layout_ = QVBoxLayout(self.content)
        self.layout_.setContentsMargins(32, 24, 32, 28)
        self.layout_.setSpacing(20)
        holder = QWidget()
        holder.setObjectName("scrollBody")
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        # Centred, as wide as the screen allows up to the readable maximum.
        row.addStretch(1)
        row.addWidget(self.content, 1000)
        row.addStretch(1)
        if scrolls:
            self.scroll = QScrollArea()
            self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no Tab stop showing nothing
            if kinetic:
                touch_scrolling(self.scroll)
            self.scroll.setWidgetResizable(True)
            self.scroll.setWidget(holder)
            self.scroll.setFrameShape(QFrame.Shape.NoFrame)
            self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            outer.addWidget(self.scroll)
        else:
            self.scroll = None
            outer.addWidget(holder)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt names)
        # A page fills the wizard whatever its length (it scrolls, or its card does), so its
        # height at a width is never wanted. The wizard's QStackedLayout would otherwise
        # measure, on every layout pass, each page kept for Back: a Next grew slower with
        # every risk card read.
        return False

    def build_more(self) -> bool:
        """Build a further piece of the page ahead of time; False when there is none."""
        return False

    def arrive(self) -> None:
        """Called each time the page is shown."""

    def blocking_reason(self) -> str | None:
        """Why Next is disabled, in words for the patient; None when it is not."""
        return None

    def reveal_problems(self) -> None:
        """Show every message about this page and put the focus on the first."""

    def focus_first(self) -> None:
        self.focusNextPrevChild(True)

    def tab_stops(self) -> list[QWidget]:
        """The page's controls in the order Tab visits them (every one that can take the
        focus: a radio button becomes its group's stop when it is chosen)."""
        return []

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if not page_scroll(self.scroll, event):
            super().keyPressEvent(event)

    def ensure_visible(self, widget: QWidget) -> None:
        if self.scroll is not None:
            self.scroll.ensureWidgetVisible(widget, 0, 80)

    def scroll_to(self, widget: QWidget) -> None:
        """Scroll so that ``widget`` starts near the top of the page."""
        if self.scroll is None or self.scroll.widget() is None:
            return
        top = widget.mapTo(self.scroll.widget(), QPoint(0, 0)).y()
        bar = self.scroll.verticalScrollBar()
        bar.setValue(max(0, min(bar.maximum(), top - 24)))


# -- a step of questions -------------------------------------------------------------------


class StepPage(WizardPage):
    """A step's questions. The wizard may build them one at a time ahead of the patient
    (:meth:`build_more`); :meth:`arrive` completes whatever is still missing."""

    answered = Signal(str)  # question id: the session's answers changed

    def __init__(self, session: IntakeSession, step: Step, context: InputContext,
                 parent: QWidget | None = None):
        super().__init__(session, parent=parent)
        self.step = step
        self.context = context
        self.title = step.title.get(session.language)
        # Same left edge as the questions, whose frames keep room for the error bar.
        heading = label(self.title, "heading")
        heading.setContentsMargins(16, 0, 16, 0)
        self.layout_.addWidget(heading)
        for text in paragraphs(step.intro.get(session.language) if step.intro else ""):
            intro = label(text, "lead")
            intro.setContentsMargins(16, 0, 16, 0)
            self.layout_.addWidget(intro)
        self.views: dict[str, QuestionView] = {}
        self._unbuilt = list(step.questions)
        self.layout_.addStretch(1)

    def build_more(self) -> bool:
        """Build the next question, or the next heavy part of the last one (a date
        picker); False once the step is whole."""
        if self.views and next(reversed(self.views.values())).build_more():
            return True
        if not self._unbuilt:
            return False
        question = self._unbuilt.pop(0)
        view = QuestionView(question, self.context)
        view.edited.connect(self._edited)
        self.views[question.id] = view
        self.layout_.insertWidget(self.layout_.count() - 1, view)
        view.ensurePolished()
        # Shown (or hidden) now, while built ahead: the first show of a question lays it out,
        # which would otherwise all happen on the tap that opens the page.
        view.setVisible(question in self.session.shown_questions(self.step))
        return True

    def load(self) -> None:
        """Show the session's answers (after a resume, or a change made elsewhere)."""
        for qid, view in self.views.items():
            view.set_value(self.session.answers.get(qid))
        self.sync()

    def arrive(self) -> None:
        while self.build_more():
            pass
        self.load()

    def _edited(self, question_id: str) -> None:
        before = dict(self.session.answers)
        self.session.answer(question_id, self.views[question_id].raw())
        for cleared in self.session.hidden_since(before):
            if cleared in self.views and cleared != question_id:
                self.views[cleared].set_value(None)
        self.sync()
        self.answered.emit(question_id)
        self.changed.emit()

    def sync(self, reveal: bool = False) -> None:
        shown = {q.id for q in self.session.shown_questions(self.step)}
        problems = self.session.problems(self.step)
        for qid, view in self.views.items():
            view.setVisible(qid in shown)
            view.show_problem(problems.get(qid), reveal=reveal)
            view.show_carried(qid in self.session.carried)

    def blocking_reason(self) -> str | None:
        problems = self.session.problems(self.step)
        if not problems:
            return None
        refused = sum(1 for qid in problems if qid in self.session.errors)
        missing = len(problems) - refused
        ngettext = self.words.ngettext
        fix = ngettext("{n} answer needs correcting.", "{n} answers need correcting.",
                       refused).format(n=refused)
        answer = ngettext("{n} question still needs an answer.",
                          "{n} questions still need an answer.", missing).format(n=missing)
        if refused and missing:
            fix = ngettext("{n} answer needs correcting", "{n} answers need correcting",
                           refused).format(n=refused)
            answer = ngettext("{n} question still needs an answer",
                              "{n} questions still need an answer", missing).format(n=missing)
            return self._p("{these} and {those}.").format(these=fix, those=answer)
        return fix if refused else answer

    def reveal_problems(self) -> None:
        self.sync(reveal=True)
        problems = self.session.problems(self.step)
        if problems:
            first = self.views[next(iter(problems))]
            first.focus_input()
            # After the focus (which scrolls only as far as the input): show the question.
            QTimer.singleShot(0, lambda: self.scroll_to(first))

    def focus_first(self) -> None:
        for question in self.session.shown_questions(self.step):
            self.views[question.id].focus_input()
            return

    def tab_stops(self) -> list[QWidget]:
        return [stop for view in self.views.values() for stop in view.input.tab_stops()]


# -- one disclosure on its own card --------------------------------------------------------


class DisclosurePage(WizardPage):
    def __init__(self, session: IntakeSession, disclosure: Disclosure,
                 parent: QWidget | None = None):
        super().__init__(session, scrolls=False, parent=parent)
        self.disclosure = disclosure
        lang = session.language
        self.title = disclosure.title.get(lang)
        kind_word = KIND_LABELS.get(disclosure.kind)
        kind = set_role(QLabel(self._p(kind_word) if kind_word else disclosure.kind.title()),
                        "kind", kind=disclosure.kind)
        kind.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.layout_.addWidget(kind)
        self.layout_.addWidget(label(self.title, "heading"))
        self.changed_label: QLabel | None = None
        if disclosure.id in session.changed:  # the full consent asked again: what is new
            self.changed_label = label(self._p(
                "Changed since you last signed: please read this card again carefully."),
                "notice")
            self.layout_.addWidget(self.changed_label)

        card = set_role(QFrame(), "card")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(4, 4, 4, 4)
        self.body_scroll = FitScrollArea()
        self.body_scroll.setObjectName("cardScroll")
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body_scroll.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # PageDown scrolls it
        self.body_scroll.setAccessibleName(self._p("{title}: explanation")
                                           .format(title=self.title))
        self.body_scroll.setAccessibleDescription(self._p(
            "The card's text: the arrow keys and Page Down scroll it to the end"))
        touch_scrolling(self.body_scroll)
        body = QWidget()
        body.setObjectName("scrollBody")
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(24, 20, 24, 20)
        body_layout.setSpacing(14)
        self.body_labels = []
        for text in paragraphs(disclosure.body.get(lang)):
            paragraph = label(text, "lead")
            self.body_labels.append(paragraph)
            body_layout.addWidget(paragraph)
        body_layout.addStretch(1)
        self.body_scroll.setWidget(body)
        # As tall as its text, and no taller; a long text scrolls inside the card.
        self.body_scroll.setSizePolicy(QSizePolicy.Policy.Preferred,
                                       QSizePolicy.Policy.Maximum)
        card_layout.addWidget(self.body_scroll)
        self.layout_.addWidget(card)

        self.read_hint = label(self._p("Please scroll to the end of the card to read all "
                                       "of it."), "reason")
        self.layout_.addWidget(self.read_hint)
        self.understood = OptionCheck(self._p("I understand"))
        self.understood.setAccessibleName(self._p("I understand: {title}")
                                          .format(title=self.title))
        self.understood.setAccessibleDescription(self._p(
            "Tick it once you have read the card to the end"))
        self.layout_.addWidget(self.understood)
        self.layout_.addStretch(1)
        self.read_to_end = False
        bar = self.body_scroll.verticalScrollBar()
        bar.valueChanged.connect(self._check_read)
        bar.rangeChanged.connect(lambda *_: self._check_read())
        self.understood.toggled.connect(self._toggled)
        self._sync()

    def _check_read(self) -> None:
        bar = self.body_scroll.verticalScrollBar()
        if not self.read_to_end and bar.value() >= bar.maximum() and self.isVisible():
            self.read_to_end = True
            self.session.read_to_end(self.disclosure.id)
            self._sync()
            self.changed.emit()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._check_read)

    def _toggled(self, on: bool) -> None:
        if on:
            self.session.acknowledge(self.disclosure.id)
        else:
            self.session.withdraw(self.disclosure.id)
        self._sync()
        self.changed.emit()

    def _sync(self) -> None:
        done = self.disclosure.id in self.session.acknowledged
        self.understood.blockSignals(True)
        self.understood.setChecked(done)
        self.understood.blockSignals(False)
        self.understood.setEnabled(self.read_to_end or done)
        self.read_hint.setVisible(not (self.read_to_end or done))

    def arrive(self) -> None:
        self._sync()

    def blocking_reason(self) -> str | None:
        if self.disclosure.id in self.session.acknowledged:
            return None
        if not self.read_to_end:
            return self._p("Please read the card to the end.")
        return self._p("Please tick “I understand” to go on.")


    def reveal_problems(self) -> None:
        (self.understood if self.read_to_end else self.body_scroll).setFocus()

    def focus_first(self) -> None:
        (self.understood if self.read_to_end else self.body_scroll).setFocus()

    def tab_stops(self) -> list[QWidget]:
        return [self.body_scroll, self.understood]


# -- the summary -----------------------------------------------------------------------


# -- consent and signature ------------------------------------------------------------


