"""Pieces of one intake's review: a flag with its decisions and actions, a stored signature
drawn with the ink of the pad that made it, and the labels they are made of."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mesocheck import review
from mesocheck.i18n import _
from mesocheck.forms.isolation import isolate
from mesocheck.forms.model import Form
from mesocheck.timeutil import show
from mesocheck.ui.review.queue_model import severity_icon
from mesocheck.ui.widgets.responsive import FlowLayout
from mesocheck.ui.widgets.signature_pad import SignaturePad

ICON = 28


def text_label(text: str = "", name: str | None = None, *, wrap: bool = True,
           selectable: bool = False) -> QLabel:
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def icon(severity: str | None, size: int = ICON) -> QLabel:
    label = QLabel()
    label.setObjectName("severityIcon")
    label.setPixmap(severity_icon(severity).pixmap(QSize(size, size)))
    label.setFixedSize(size, size)
    label.setAccessibleName(review.severity_word(severity))
    return label


def review_scroll() -> QScrollArea:
    """The review's scrolling body (the detail, the history): no frame, its content as
    wide as the view."""
    scroll = QScrollArea()
    scroll.setObjectName("reviewScroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    return scroll


def section(title: str) -> QLabel:
    label = text_label(title, "sectionTitle")
    label.setAccessibleName(title)
    return label


class SignatureView(SignaturePad):
    """A stored signature, shown read-only with the same ink as the pad that drew it."""

    def __init__(self, signature: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("signatureView")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(170)
        self.setAccessibleName(_("Signature of {name}").format(name=signature.printed_name))
        self.setAccessibleDescription("")
        self.load(signature.strokes, signature.pad_width, signature.pad_height)

    def sizeHint(self) -> QSize:
        return QSize(480, 170)


class FlagCard(QFrame):
    """One flag: severity (icon and word), the rule's message, the answers that raised it,
    its decisions (latest first in words, earlier ones kept visible) and the actions."""

    decide_requested = Signal(object, str)  # flag, decision

    def __init__(self, flag: Any, form: Form, language: str, staff_names: dict[int, str],
                 state: review.ReviewState, record: Any, zone: tzinfo,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.flag = flag
        self.zone = zone
        self.setObjectName("flagCard")
        self.setProperty("severity", flag.severity)
        word = review.severity_word(flag.severity)
        self.words = review.practitioner_words(flag, record)
        self.setAccessibleName(_("{severity} flag: {message}").format(severity=word,
                                                                      message=self.words))

        head = QHBoxLayout()
        head.addWidget(icon(flag.severity), 0, Qt.AlignmentFlag.AlignTop)
        severity = text_label(word.upper(), "severityWord", wrap=False)
        severity.setProperty("severity", flag.severity)
        head.addWidget(severity, 0, Qt.AlignmentFlag.AlignTop)
        message = text_label(self.words, "flagMessage", selectable=True)
        head.addWidget(message, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(head)

        triggers = flag.triggers or []
        if triggers:
            grid = QGridLayout()
            grid.setColumnStretch(0, 2)  # the question gets room too, not only the answer
            grid.setColumnStretch(1, 3)
            grid.setHorizontalSpacing(16)
            caption = text_label(_("Raised by"), "fieldCaption", wrap=False)
            grid.addWidget(caption, 0, 0, 1, 2)
            for row, (source, value) in enumerate(triggers, start=1):
                shown = record.answers.get(source, value) if not source.startswith("@") else value
                grid.addWidget(text_label(review.question_in_both(form, source, language),
                                          "triggerQuestion"), row, 0)
                grid.addWidget(text_label(
                    review.answer_in_both(form, source, shown, language, zone), "triggerAnswer",
                    selectable=True), row, 1)
            layout.addLayout(grid)
        if flag.patient_message:  # what the patient saw before signing, only when they did
            told = (_("The patient was told: {message}") if flag.patient_told
                    else _("Not shown to the patient before signing: {message}"))
            layout.addWidget(text_label(told.format(message=isolate(flag.patient_message)),
                                        "patientMessage"))

        decisions = list(flag.decisions)
        if decisions:
            current = decisions[-1]
            layout.addWidget(text_label(self._decision_text(current, staff_names), "decisionNow",
                                    selectable=True))
            for earlier in reversed(decisions[:-1]):
                line = text_label(_("Earlier, superseded: {decision}").format(
                    decision=self._decision_text(earlier, staff_names)),
                    "decisionEarlier", selectable=True)
                layout.addWidget(line)

        self.buttons: dict[str, QPushButton] = {}
        if review.needs_decision(flag):
            row = QWidget()
            actions = FlowLayout(row, spacing=10)  # onto two lines where narrow
            if not decisions:
                pending = text_label(_("Needs a decision"), "needsDecision", wrap=False)
                actions.addWidget(pending)
            proceed_text = _("Override and proceed…") if flag.severity == "stop" \
                else _("Proceed…")
            allowed = record.status in review.REVIEWABLE and state.status != "awaiting_resign"
            for decision, text in (("proceed", proceed_text), ("postpone", _("Postpone…")),
                                   ("decline", _("Decline…"))):
                button = QPushButton(text)
                button.setObjectName(f"{decision}Button")
                button.setAccessibleName(_("{action}: {message}").format(
                    action=text.rstrip("…"), message=self.words))
                button.setAccessibleDescription(_("Asks for the reason, then records the decision"))
                button.setEnabled(allowed)
                button.clicked.connect(lambda _=False, d=decision: self.decide_requested.emit(
                    self.flag, d))
                actions.addWidget(button)
                self.buttons[decision] = button
            layout.addWidget(row)
        else:
            layout.addWidget(text_label(_("For information: no decision needed."), "infoNote"))

    def _decision_text(self, decision: Any, staff_names: dict[int, str]) -> str:
        who = staff_names.get(decision.staff_id) or _("staff #{number}").format(
            number=decision.staff_id)
        word = review.decision_word(decision.decision)
        if decision.new_date:
            text = _("Decision: {decision} (new date {date})").format(
                decision=word, date=decision.new_date[:10])
        else:
            text = _("Decision: {decision}").format(decision=word)
        if decision.reason:
            text += f" — “{isolate(decision.reason)}”"
        return text + f" — {isolate(who)}, {show(decision.decided_at, self.zone)}"
