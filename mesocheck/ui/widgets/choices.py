"""Big, wrapping option buttons and check boxes for a finger, and the line that says what
is wrong next to an input (a warning sign and words: never colour alone)."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QWidget,
)

from mesocheck.i18n import _
from mesocheck.paths import resource
from mesocheck.ui.widgets.style import set_role


class _WrappedLabel:
    """For radio buttons and check boxes whose long labels must wrap, not be cut off."""

    _INDENT = 14 + 28 + 14  # padding + indicator + spacing, as in the style sheet

    def _setup(self, text: str) -> None:
        self._label = QLabel(text, self)  # type: ignore[arg-type]
        self._label.setWordWrap(True)
        self._label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAccessibleName(text)  # type: ignore[attr-defined]
        self.setSizePolicy(QSizePolicy.Policy.Expanding,  # type: ignore[attr-defined]
                           QSizePolicy.Policy.Preferred)

    def label_text(self) -> str:
        return self._label.text()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt names)
        natural = self._label.sizeHint()
        return QSize(natural.width() + self._INDENT + 16, max(56, natural.height() + 20))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(self._INDENT + 120, 56)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def hitButton(self, pos) -> bool:  # noqa: N802 - the whole card is the target
        return self.rect().contains(pos)  # type: ignore[attr-defined]

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return max(56, self._label.heightForWidth(max(60, width - self._INDENT - 16)) + 20)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)  # type: ignore[misc]
        self._place_label()

    def _place_label(self) -> None:
        whole = self.rect()  # type: ignore[attr-defined]
        width = max(60, whole.width() - self._INDENT - 16)
        height = self._label.heightForWidth(width)
        top = (whole.height() - height) // 2
        # Placed by hand, so mirrored by hand: right to left, the indicator is on the right.
        rtl = self._label.layoutDirection() == Qt.LayoutDirection.RightToLeft
        left = whole.width() - self._INDENT - width if rtl else self._INDENT
        self._label.setGeometry(left, top, width, height)

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)  # type: ignore[misc]
        if event.type() == QEvent.Type.LayoutDirectionChange:
            self._place_label()


class OptionButton(_WrappedLabel, QRadioButton):
    def __init__(self, text: str, parent: QWidget | None = None):
        QRadioButton.__init__(self, parent)
        self._setup(text)


class OptionCheck(_WrappedLabel, QCheckBox):
    def __init__(self, text: str, parent: QWidget | None = None):
        QCheckBox.__init__(self, parent)
        self._setup(text)


@lru_cache(maxsize=1)
def _warning_pixmap() -> QPixmap:
    """Drawn from its SVG once: every question has an error line."""
    return QIcon(str(resource("icons", "warning.svg"))).pixmap(24, 24)


class ErrorLine(QWidget):
    """A warning sign and a message: never colour alone."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.icon = QLabel()  # the sign is drawn when a first message shows (SVG, ~2 ms)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.icon.setAccessibleName(_("Problem"))
        self.text = set_role(QLabel(), "error")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        self.hide()

    def show_message(self, message: str | None) -> None:
        if message:
            if self.icon.pixmap().isNull():
                self.icon.setPixmap(_warning_pixmap())
            self.text.setText(message)
            self.show()
        else:
            self.text.clear()
            self.hide()
