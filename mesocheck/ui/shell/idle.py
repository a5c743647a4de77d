"""Idle safety: notice when nobody has touched the tablet, ask "still there?", then clear.

One event filter on the application notes the time of a touch, click, key or stylus event
(a clock read, nothing more); one timer looks at that time when it runs out. Having noted an
input, the filter steps aside for a moment: a filter written in Python costs a call for every
event the application handles, and the moments right after a tap (a page being built) are
the busiest. The time of the last input is therefore known to within that moment.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from mesocheck.i18n import translations
from mesocheck.ui.widgets.labels import label
from mesocheck.ui.widgets.style import set_role

_INPUT = frozenset({
    QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseMove,
    QEvent.Type.MouseButtonDblClick, QEvent.Type.Wheel, QEvent.Type.KeyPress,
    QEvent.Type.KeyRelease, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
    QEvent.Type.TouchEnd, QEvent.Type.TabletPress, QEvent.Type.TabletMove,
    QEvent.Type.TabletRelease, QEvent.Type.InputMethod,
})


class IdleWatcher(QObject):
    """Emits ``idle`` once after ``timeout_s`` without input; input re-arms it.

    Its creation counts as input, so the filter first listens a moment after the app starts.
    """

    idle = Signal()
    activity = Signal()  # the first input after a quiet spell of at least a second

    ASIDE_S = 1.0  # how long the filter steps aside after an input (at most)

    def __init__(self, timeout_s: float, parent: QObject | None = None):
        super().__init__(parent)
        self._listening = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._check)
        self._resume = QTimer(self)
        self._resume.setSingleShot(True)
        self._resume.timeout.connect(self._listen)
        self.set_timeout(timeout_s)

    def set_timeout(self, timeout_s: float) -> None:
        self.timeout_s = float(timeout_s)
        # A quarter of the timeout at most, so the input noted is never stale by much.
        self._resume.setInterval(int(min(self.ASIDE_S, self.timeout_s / 4) * 1000))
        self.poke()

    def poke(self) -> None:
        """Count as input now (e.g. a screen change made by the app itself)."""
        self._last = time.monotonic()
        self._fired = False
        self._arm(self.timeout_s)
        self._step_aside()

    def stop(self) -> None:
        self._timer.stop()
        self._resume.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._listening = False

    def _listen(self) -> None:
        app = QApplication.instance()
        if app is not None and not self._listening:
            app.installEventFilter(self)
            self._listening = True

    def _step_aside(self) -> None:
        if self._listening:
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self)  # safe from inside eventFilter too
            self._listening = False
        self._resume.start()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() in _INPUT:
            now = time.monotonic()
            quiet = now - self._last
            self._last = now
            if self._fired or quiet >= 1.0:
                self._fired = False
                if not self._timer.isActive():
                    self._arm(self.timeout_s)
                self.activity.emit()
            self._step_aside()
        return False

    def _arm(self, seconds: float) -> None:
        self._timer.start(max(10, int(seconds * 1000)))

    def _check(self) -> None:
        left = self.timeout_s - (time.monotonic() - self._last)
        if left > 0.01:
            self._arm(left)
            return
        self._fired = True
        self.idle.emit()


class StillTherePrompt(QWidget):
    """A dimmed layer over the window: "Are you still there?" with a countdown."""

    still_here = Signal()
    expired = Signal()

    def __init__(self, parent: QWidget, seconds: int):
        super().__init__(parent)
        self.setObjectName("overlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.seconds = seconds
        self._left = seconds
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        card = QFrame()
        card.setObjectName("overlayCard")
        card.setMaximumWidth(640)
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(36, 32, 36, 32)
        card_layout.setSpacing(18)
        self.heading = label("", "heading")
        card_layout.addWidget(self.heading)
        self.text = label("", "lead")
        card_layout.addWidget(self.text)
        self.button = set_role(QPushButton(), "primary")
        self.words = translations("en")
        self.button.setProperty("emphasis", "big")
        self.button.clicked.connect(self._still_here)
        card_layout.addWidget(self.button)
        row.addWidget(card, 40)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._count)
        self.hide()

    def start(self, language: str = "en") -> None:
        """Ask, in ``language`` (the patient's, on a patient's screen)."""
        self.words = translations(language)
        self.heading.setText(self.words.gettext("Are you still there?"))
        self.button.setText(self.words.gettext("I'm still here"))
        self._left = self.seconds
        self._show_text()
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()
        self.button.setFocus()
        self._tick.start()

    def dismiss(self) -> None:
        self._tick.stop()
        self.hide()

    @property
    def active(self) -> bool:
        return self._tick.isActive()

    def _still_here(self) -> None:
        self.dismiss()
        self.still_here.emit()

    def _count(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self.dismiss()
            self.expired.emit()
            return
        self._show_text()

    def expire_now(self) -> None:
        """End the countdown at once (tests, screenshots)."""
        self._left = 1
        self._count()

    def _show_text(self) -> None:
        self.text.setText(self.words.ngettext(
            "For your privacy, this screen will close in {n} second. "
            "Your answers are saved, and the staff can help you carry on.",
            "For your privacy, this screen will close in {n} seconds. "
            "Your answers are saved, and the staff can help you carry on.",
            self._left).format(n=self._left))

