"""A full-window screen: centred, width-limited content that scrolls, and a footer for its
buttons that stays in view."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

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

    def footer(self) -> QHBoxLayout:
        """A bar under the scrolling content for the screen's buttons: always in view."""
        if self._footer is None:
            bar = set_role(QFrame(), "footer")
            self._footer = QHBoxLayout(bar)
            self._footer.setContentsMargins(24, 14, 24, 14)
            self._footer.setSpacing(16)
            self._outer.addWidget(bar)
        return self._footer
