"""The wizard's pages: a step of questions, a disclosure card, the summary, consent.

Each page shows what the session holds and reports changes; whether the patient may go on
(and why not) comes from the session, i.e. from the core's flow.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mesocheck.forms.answers import answer_text
from mesocheck.forms.model import Disclosure, Step
from mesocheck.session import IntakeSession, SigningRefused, Submission
from mesocheck.timeutil import day_text, moment_text
from mesocheck.ui.intake.questions import InputContext, QuestionView
from mesocheck.ui.widgets.choices import ErrorLine, OptionCheck
from mesocheck.ui.widgets.labels import CONTENT_WIDTH, label, paragraphs, touch_scrolling
from mesocheck.ui.widgets.responsive import SwitchBox
from mesocheck.ui.widgets.signature_pad import SignaturePad
from mesocheck.ui.widgets.style import set_role, set_state

KIND_LABELS = {"risk": "Risk", "evidence": "About the evidence", "cost": "Cost"}


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

    def __init__(self, session: IntakeSession, *, scrolls: bool = True, kinetic: bool = True,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self.session = session
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

    def blocking_reason(self) -> str | None:
        problems = self.session.problems(self.step)
        if not problems:
            return None
        refused = sum(1 for qid in problems if qid in self.session.errors)
        missing = len(problems) - refused
        parts = []
        if refused:
            parts.append("1 answer needs correcting" if refused == 1
                         else f"{refused} answers need correcting")
        if missing:
            parts.append("1 question still needs an answer" if missing == 1
                         else f"{missing} questions still need an answer")
        return " and ".join(parts) + "."

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


# -- one disclosure on its own card --------------------------------------------------------


class DisclosurePage(WizardPage):
    def __init__(self, session: IntakeSession, disclosure: Disclosure,
                 parent: QWidget | None = None):
        super().__init__(session, scrolls=False, parent=parent)
        self.disclosure = disclosure
        lang = session.language
        self.title = disclosure.title.get(lang)
        kind = set_role(QLabel(KIND_LABELS.get(disclosure.kind, disclosure.kind.title())),
                        "kind", kind=disclosure.kind)
        kind.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.layout_.addWidget(kind)
        self.layout_.addWidget(label(self.title, "heading"))

        card = set_role(QFrame(), "card")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(4, 4, 4, 4)
        self.body_scroll = FitScrollArea()
        self.body_scroll.setObjectName("cardScroll")
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body_scroll.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # PageDown scrolls it
        self.body_scroll.setAccessibleName(f"{self.title}: explanation")
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

        self.read_hint = label("Please scroll to the end of the card to read all of it.",
                               "reason")
        self.layout_.addWidget(self.read_hint)
        self.understood = OptionCheck("I understand")
        self.understood.setAccessibleName(f"I understand: {self.title}")
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
            return "Please read the card to the end."
        return "Please tick “I understand” to go on."

    def reveal_problems(self) -> None:
        (self.understood if self.read_to_end else self.body_scroll).setFocus()

    def focus_first(self) -> None:
        (self.understood if self.read_to_end else self.body_scroll).setFocus()


# -- the summary -----------------------------------------------------------------------


class SummaryPage(WizardPage):
    """Every answer, a card per step, each with its "Change" button.

    A card is remade only when what it shows has changed, so the page can be made ahead of
    the patient a card per turn of the event loop (:meth:`build_more`) and brought up to
    date when shown (:meth:`arrive`)."""

    change_requested = Signal(str)  # step id

    def __init__(self, session: IntakeSession, context: InputContext,
                 parent: QWidget | None = None):
        super().__init__(session, parent=parent)
        self.context = context
        self.title = "Check your answers"
        self.layout_.addWidget(label(self.title, "heading"))
        self.layout_.addWidget(label(
            "Please check that every answer is right. To change one, choose “Change” "
            "next to it.", "lead"))
        self._head = self.layout_.count()  # the cards go after the heading and the lead
        self.layout_.addStretch(1)
        # section key -> (what its card shows, the card)
        self._cards: dict[str, tuple[tuple, QFrame]] = {}
        self._order: list[str] = []  # the keys of the cards in the layout, in order

    def sections(self) -> list[tuple[str, tuple]]:
        """(key, (title, rows, step id for "Change")) for each card, from the session now."""
        session, lang = self.session, self.session.language
        facts = session.facts
        area = session.form.area(facts.area or "")
        about = [
            ("Name", session.patient_name),
            ("Date of birth", day_text(facts.birth_date) if facts.birth_date else ""),
            ("Treatment area", area.label.get(lang) if area else (facts.area or "")),
            ("Appointment", moment_text(facts.appointment.isoformat(), self.context.zone)),
        ]
        wanted: list[tuple[str, tuple]] = [("about", ("About you", tuple(about), None))]
        for step in session.flow.shown_steps(session.answers):
            rows = tuple(
                (q.text.get(lang),
                 answer_text(q, session.answers.get(q.id), lang, self.context.zone))
                for q in session.shown_questions(step)
            )
            wanted.append((f"step:{step.id}", (step.title.get(lang), rows, step.id)))
        shown = session.flow.shown_disclosures(session.answers)
        read = sum(1 for d in shown if d.id in session.acknowledged)
        wanted.append(("risks", ("Risks and information",
                                 (("Cards read and understood", f"{read} of {len(shown)}"),),
                                 None)))
        return wanted

    @property
    def change_buttons(self) -> dict[str, QPushButton]:
        """Step id -> the "Change" button of its card, in the order of the cards."""
        return {key.split(":", 1)[1]: self._cards[key][1].findChild(QPushButton)
                for key in self._order if key.startswith("step:")}

    def build_more(self) -> bool:
        """Make or remake one card that is missing or out of date; False when none is."""
        return any(self._refresh(key, shows) for key, shows in self.sections())

    def arrive(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        """Bring every card up to date with the session, remaking only those that changed,
        and put them in the order of the route."""
        wanted = self.sections()
        for key, shows in wanted:
            self._refresh(key, shows)
        keys = [key for key, _shows in wanted]
        for key in set(self._cards) - set(keys):  # a step no longer on the route
            self._drop_card(key)
        if keys != self._order:
            for key in self._order:
                self.layout_.removeWidget(self._cards[key][1])
            for offset, key in enumerate(keys):
                self.layout_.insertWidget(self._head + offset, self._cards[key][1])
            self._order = keys

    def _refresh(self, key: str, shows: tuple) -> bool:
        """Make the card ``key`` (again) if it does not show ``shows``; True if it did."""
        old = self._cards.get(key)
        if old is not None and old[0] == shows:
            return False
        title, rows, step_id = shows
        card = self._card(title, list(rows), step_id)
        self._cards[key] = (shows, card)
        if old is None:
            self._order.append(key)
            self.layout_.insertWidget(self._head + len(self._order) - 1, card)
        else:
            self.layout_.replaceWidget(old[1], card)
            self._delete(old[1])
        return True

    def _drop_card(self, key: str) -> None:
        _shows, card = self._cards.pop(key)
        self._order.remove(key)
        self.layout_.removeWidget(card)
        self._delete(card)

    @staticmethod
    def _delete(card: QFrame) -> None:
        card.hide()
        card.deleteLater()

    def _card(self, title: str, rows: list[tuple[str, str]], step_id: str | None) -> QFrame:
        card = set_role(QFrame(), "card")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(24, 16, 24, 20)
        layout.setSpacing(8)
        head = QHBoxLayout()
        head.addWidget(label(title, "subheading"), 1)
        if step_id is not None:
            change = set_role(QPushButton("Change"), "link")
            change.setAccessibleName(f"Change: {title}")
            change.clicked.connect(lambda _=False, s=step_id: self.change_requested.emit(s))
            head.addWidget(change, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(head)
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(10)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        for row, (question, answer) in enumerate(rows):
            grid.addWidget(label(question, "summaryQuestion"), row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label(answer, "answer"), row, 1, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(grid)
        return card

    def focus_first(self) -> None:
        if self.change_buttons:
            next(iter(self.change_buttons.values())).setFocus()


# -- consent and signature ------------------------------------------------------------


class ConsentPage(WizardPage):
    """The consent statement beside (or above) the typed name and the signature pad."""

    TWO_COLUMNS_FROM = 1000  # px of page width

    def __init__(self, session: IntakeSession, parent: QWidget | None = None):
        # No finger-scrolling here: a stroke on the pad must never move the page.
        super().__init__(session, kinetic=False, parent=parent)
        self.content.setMaximumWidth(1260)
        self.layout_.setContentsMargins(32, 16, 32, 16)
        lang = session.language
        consent = session.form.consent
        self.title = consent.title.get(lang)
        columns = SwitchBox(self.TWO_COLUMNS_FROM, spacing=32)
        self.columns = columns
        self.layout_.addWidget(columns)

        statement = QWidget()
        statement_layout = QVBoxLayout(statement)
        statement_layout.setContentsMargins(0, 0, 0, 0)
        statement_layout.setSpacing(16)
        statement_layout.addWidget(label(self.title, "heading"))
        if consent.intro:
            for text in paragraphs(consent.intro.get(lang)):
                statement_layout.addWidget(label(text, "lead"))
        statements = set_role(QFrame(), "card")
        statements_layout = QVBoxLayout(statements)
        statements_layout.setContentsMargins(24, 18, 24, 18)
        statements_layout.setSpacing(10)
        for item in consent.items:
            row = QHBoxLayout()
            row.setSpacing(12)
            row.addWidget(label("✓", "subheading"), 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(label(item.get(lang), "body"), 1)
            statements_layout.addLayout(row)
        statement_layout.addWidget(statements)
        statement_layout.addStretch(1)
        columns.box.addWidget(statement, 1)

        signing = QWidget()
        signing_layout = QVBoxLayout(signing)
        signing_layout.setContentsMargins(0, 0, 0, 0)
        signing_layout.setSpacing(12)
        name_label = label("Type your full name", "subheading")
        signing_layout.addWidget(name_label)
        self.name = QLineEdit()
        self.name.setAccessibleName("Your full name")
        self.name.setMaxLength(200)
        self.name.textEdited.connect(lambda _: self._name_edited())
        name_label.setBuddy(self.name)
        signing_layout.addWidget(self.name)
        self.name_error = ErrorLine()
        signing_layout.addWidget(self.name_error)

        signing_layout.addWidget(label("Sign in the box", "subheading"))
        self.signature_error = ErrorLine()
        signing_layout.addWidget(self.signature_error)
        self.pad = SignaturePad()
        self.pad.hint = "Sign here with your finger, a stylus or the mouse"
        self.pad.setMinimumHeight(200)
        self.pad.setMaximumHeight(300)
        self.pad.changed.connect(self._pad_changed)
        signing_layout.addWidget(self.pad)
        tools = QHBoxLayout()
        tools.setSpacing(16)
        self.undo_button = QPushButton("Undo last stroke")
        self.undo_button.clicked.connect(self.pad.undo)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setAccessibleName("Clear the signature")
        self.clear_button.clicked.connect(self.pad.clear)
        tools.addWidget(self.undo_button)
        tools.addWidget(self.clear_button)
        tools.addStretch(1)
        signing_layout.addLayout(tools)
        signing_layout.addStretch(1)
        columns.box.addWidget(signing, 1)
        self.layout_.addStretch(1)
        self._pad_changed()

    def _name_edited(self) -> None:
        self.name_error.show_message(None)
        set_state(self.name, None)
        self.changed.emit()

    def _pad_changed(self) -> None:
        empty = self.pad.is_empty()
        self.undo_button.setEnabled(not empty and not self.session.locked)
        self.clear_button.setEnabled(not empty and not self.session.locked)
        if self.signature_error.isVisible():
            self.signature_error.show_message(None)
            set_state(self.pad, None)
        self.changed.emit()

    def blocking_reason(self) -> str | None:
        no_name, no_ink = not self.name.text().strip(), self.pad.is_empty()
        if no_name and no_ink:
            return "Type your name and sign to finish."
        if no_name:
            return "Type your name to finish."
        if no_ink:
            return "Sign in the box to finish."
        return None

    def reveal_problems(self) -> None:
        if not self.name.text().strip():
            self.name.setFocus()
            self.ensure_visible(self.name)
        elif self.pad.is_empty():
            self.signature_error.show_message(self.pad.is_trivial())
            self.ensure_visible(self.pad)

    def focus_first(self) -> None:
        self.name.setFocus()

    def prepare(self) -> Submission | None:
        """The submission, or None after showing what must be fixed."""
        width, height = self.pad.pad_size()
        try:
            return self.session.prepare_signature(self.name.text(), self.pad.strokes(),
                                                  width, height)
        except SigningRefused as refused:
            self.show_refusal(refused)
            return None

    def show_refusal(self, refused: SigningRefused) -> None:
        if refused.field == "name":
            self.name_error.show_message(refused.message)
            set_state(self.name, "error")
            self.name.setFocus()
            self.ensure_visible(self.name)
        elif refused.field == "signature":
            self.signature_error.show_message(refused.message)
            set_state(self.pad, "error")
            QTimer.singleShot(0, lambda: self.ensure_visible(self.pad))
        else:
            self.signature_error.show_message(refused.message)

    def lock(self) -> None:
        """Signed: nothing on this page can change any more."""
        self.name.setReadOnly(True)
        self.pad.setEnabled(False)
        self.undo_button.setEnabled(False)
        self.clear_button.setEnabled(False)
