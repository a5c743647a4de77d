"""A full-window screen: centred, width-limited content that scrolls, and a footer for its
buttons that stays in view; and the keyboard's way around scrolling content (the focus is
always scrolled into view; Page Up and Page Down scroll)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

FOCUS_MARGIN = 96  # px kept in view above and below the focused control (its question's words)


def scroll_into_view(widget: QWidget | None) -> None:
    """Scroll every scroll area holding ``widget`` so that it is in view (the focus moved
    there, by Tab, an arrow key or the app)."""
    if widget is None:
        return
    child, parent = widget, widget.parentWidget()
    while parent is not None and not parent.isWindow():
        area = parent.parentWidget()
        if isinstance(area, QScrollArea) and parent is area.viewport() \
                and area.widget() is not None and area.widget().isAncestorOf(widget):
            # The whole control (ensureWidgetVisible would show only a text box's caret).
            room = area.viewport().height()
            margin = min(FOCUS_MARGIN, max(0, (room - child.height()) // 2))
            top_left = child.mapTo(area.widget(), child.rect().topLeft())
            half_h = min(child.height(), room) // 2
            area.ensureVisible(top_left.x() + child.width() // 2, top_left.y() + half_h,
                               child.width() // 2 + 16, half_h + margin)
            child = area
        parent = parent.parentWidget()


def page_scroll(area: QAbstractScrollArea | None, event: QKeyEvent) -> bool:
    """Page Up / Page Down that no control took: scroll ``area`` by a page."""
    if area is None or event.key() not in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
        return False
    bar = area.verticalScrollBar()
    step = bar.pageStep() if event.key() == Qt.Key.Key_PageDown else -bar.pageStep()
    bar.setValue(bar.value() + step)
    return True

from mesocheck.ui.widgets.labels import CONTENT_WIDTH, touch_scrolling
from mesocheck.ui.widgets.style import set_role


class Screen(QWidget):
    """A full-window screen with centred, width-limited content that scrolls if needed."""

    def __init__(self, *, width: int = CONTENT_WIDTH):
        super().__init__()
        self.setObjectName("screen")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no Tab stop that shows nothing
        touch_scrolling(self.scroll)
        holder = QWidget()
        holder.setObjectName("scrollBody")
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        self.body = QWidget()
        self.body.setObjectName("scrollBody")
        self.body.setMaximumWidth(width)
        # Centred, as wide as the screen allows up to the readable maximum.
        row.addStretch(1)
        row.addWidget(self.body, 1000)
        row.addStretch(1)
        self.scroll.setWidget(holder)
        outer.addWidget(self.scroll, 1)
        self.layout_ = QVBoxLayout(self.body)
        self.layout_.setContentsMargins(40, 40, 40, 32)
        self.layout_.setSpacing(20)
        self._outer = outer
        self._footer: QHBoxLayout | None = None

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if not page_scroll(self.scroll, event):
            super().keyPressEvent(event)

    def footer(self) -> QHBoxLayout:
        """A bar under the scrolling content for the screen's buttons: always in view."""
        if self._footer is None:
            bar = set_role(QFrame(), "footer")
            self._footer = QHBoxLayout(bar)
            self._footer.setContentsMargins(24, 14, 24, 14)
            self._footer.setSpacing(16)
            self._outer.addWidget(bar)
        return self._footer


def enter_presses_focused_button(window: QWidget, event: QKeyEvent) -> bool:
    """For a window's ``keyPressEvent``: Enter presses the button that has the focus (Qt's
    buttons take only Space outside dialogs). True when it did."""
    focus = window.focusWidget()
    if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
            isinstance(focus, QPushButton) and focus.isEnabled():
        focus.click()
        return True
    return False
