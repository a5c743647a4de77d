"""Text on screen: a label in its style role, scrolling with a finger, paragraphs of form
text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QScrollArea, QScroller, QWidget

from mesocheck.ui.widgets.style import set_role

CONTENT_WIDTH = 920  # readable line length on a landscape screen


def label(text: str, role: str, *, rich: bool = False) -> QLabel:
    widget = set_role(QLabel(text), role)
    widget.setWordWrap(True)
    widget.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    return widget


NAME_LIMIT = 200  # characters in a typed full name


def name_field(name: str, description: str) -> QLineEdit:
    """A line for a person's full name (a patient, a parent, a witness), named and described
    for a screen reader."""
    edit = QLineEdit()
    edit.setMaxLength(NAME_LIMIT)
    edit.setAccessibleName(name)
    edit.setAccessibleDescription(description)
    return edit


def touch_scrolling(area: QScrollArea) -> None:
    """Kinetic scrolling with a finger (not the mouse, which selects and clicks); called
    before the area is given its widget, as it replaces the area's viewport.

    The scroll area is given a viewport made here rather than asked for its own: the first
    widget PySide hands back that Python did not make has it set up every QtWidgets class
    to find that widget's type (about 15 ms), which would otherwise fall on start-up."""
    viewport = QWidget(area)
    area.setViewport(viewport)
    QScroller.grabGesture(viewport, QScroller.ScrollerGestureType.TouchGesture)


def paragraphs(text: str) -> list[str]:
    """Form text split at blank lines; single line breaks inside a paragraph are spaces."""
    blocks = [" ".join(block.split()) for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]
