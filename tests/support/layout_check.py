"""Finding what a person would see as broken: clipped text, overlaps, tiny touch targets."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QComboBox,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QWidget,
)

MIN_TOUCH = 48


def _visible_rect(widget: QWidget, top: QWidget) -> QRect:
    """The part of ``widget`` that is on screen inside ``top`` (scrolled-away parts cut)."""
    rect = QRect(widget.mapTo(top, widget.rect().topLeft()), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if isinstance(parent, QAbstractScrollArea) or parent.objectName() == "qt_scrollarea_viewport":
            area = QRect(parent.mapTo(top, parent.rect().topLeft()), parent.size())
            rect = rect.intersected(area)
        parent = parent.parentWidget()
    return rect.intersected(top.rect())


def _shown(widget: QWidget, top: QWidget) -> bool:
    return widget.isVisibleTo(top) and not _visible_rect(widget, top).isEmpty()


def layout_problems(top: QWidget) -> list[str]:
    problems: list[str] = []
    for widget in top.findChildren(QWidget):
        if not _shown(widget, top) or widget.window() is not top.window():
            continue
        name = widget.accessibleName() or widget.objectName() or type(widget).__name__
        if isinstance(widget, QLabel) and widget.text() and widget.pixmap().isNull():
            if widget.wordWrap():
                needed = widget.heightForWidth(widget.width())
                if needed > widget.height() + 2:
                    problems.append(f"label cut off ({needed} > {widget.height()} px): "
                                    f"{widget.text()[:50]!r}")
            elif widget.sizeHint().width() > widget.width() + 2:
                problems.append(f"label too narrow ({widget.sizeHint().width()} > "
                                f"{widget.width()} px): {widget.text()[:50]!r}")
        if isinstance(widget, (QAbstractButton, QComboBox, QLineEdit)):
            if widget.height() < MIN_TOUCH:
                problems.append(f"touch target {widget.height()} px high: {name!r}")
            if isinstance(widget, QAbstractButton) and widget.text() and \
                    widget.sizeHint().width() > widget.width() + 2:
                problems.append(f"button text cut off: {widget.text()!r}")
            if widget.hasHeightForWidth() and \
                    widget.heightForWidth(widget.width()) > widget.height() + 2:
                problems.append(f"option text cut off: {name!r}")
        if _cut_by_parent(widget):
            problems.append(f"cut off by the edge of what holds it: {name!r}")
        if isinstance(widget, QComboBox) and widget.sizeHint().width() > widget.width() + 2:
            problems.append(f"list box too narrow for its text: {name!r}")
        if isinstance(widget, QAbstractScrollArea) and \
                widget.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff:
            inner = getattr(widget, "widget", lambda: None)()
            if inner is not None and inner.width() > widget.viewport().width() + 1:
                problems.append(f"content wider than its screen ({inner.width()} > "
                                f"{widget.viewport().width()} px) in {name!r}")
    problems += _overlaps(top)
    return problems


def _cut_by_parent(widget: QWidget) -> bool:
    """Whether ``widget`` reaches past the edge of its parent (which clips it), outside a
    scroll area's viewport (where content reaches past the edge on purpose)."""
    parent = widget.parentWidget()
    if parent is None or widget.isWindow() or isinstance(parent, QAbstractScrollArea) \
            or isinstance(parent.parentWidget(), QAbstractScrollArea):  # parent: a viewport
        return False
    return not parent.rect().adjusted(-1, -1, 1, 1).contains(widget.geometry())


def _overlaps(top: QWidget) -> list[str]:
    problems = []
    for parent in [top, *top.findChildren(QWidget)]:
        if isinstance(parent, QStackedWidget) or not parent.isVisibleTo(top) and parent is not top:
            continue
        children = [c for c in parent.findChildren(QWidget, options=_direct())
                    if c.isVisibleTo(top) and c.objectName() not in ("overlay",)
                    and not c.isWindow()]
        for i, a in enumerate(children):
            for b in children[i + 1:]:
                if a.geometry().intersected(b.geometry()).isEmpty():
                    continue
                if a.geometry().contains(b.geometry()) or b.geometry().contains(a.geometry()):
                    # a scroll bar or a decoration drawn inside its sibling's box
                    if _decoration(a) or _decoration(b):
                        continue
                if _decoration(a) or _decoration(b):
                    continue
                problems.append(f"overlap: {_name(a)} and {_name(b)}")
    return problems


def _ancestors(widget: QWidget, top: QWidget) -> list[QWidget]:
    found, parent = [], widget.parentWidget()
    while parent is not None and parent is not top:
        found.append(parent)
        parent = parent.parentWidget()
    return found


def _direct():
    from PySide6.QtCore import Qt

    return Qt.FindChildOption.FindDirectChildrenOnly


def _decoration(widget: QWidget) -> bool:
    name = widget.objectName()
    return name.startswith("qt_") or type(widget).__name__ in ("QScrollBar", "QFocusFrame")


def _name(widget: QWidget) -> str:
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    return f"{type(widget).__name__}({widget.accessibleName() or text or widget.objectName()!s:.30})"


def window_problems(dialog: QWidget, window: QWidget) -> list[str]:
    """A dialog must fit on the window it belongs to, its buttons inside it: one that runs
    below the screen's edge leaves its buttons out of reach of a finger."""
    from PySide6.QtWidgets import QPushButton

    problems = []
    screen = window.geometry()
    box = dialog.frameGeometry()
    if box.height() > screen.height() or box.width() > screen.width():
        problems.append(f"dialog larger than the screen ({box.width()}x{box.height()} on "
                        f"{screen.width()}x{screen.height()})")
    elif not screen.contains(box):
        problems.append(f"dialog beyond the screen's edge ({box} on {screen})")
    for button in dialog.findChildren(QPushButton):
        scrolled = any(isinstance(a, QAbstractScrollArea) for a in _ancestors(button, dialog))
        if button.isVisibleTo(dialog) and not scrolled and not dialog.rect().contains(
                QRect(button.mapTo(dialog, button.rect().topLeft()), button.size())):
            problems.append(f"button outside its dialog: {button.text()!r}")
    return problems


SHAPES = ((1280, 800), (800, 1280))  # a landscape and a portrait tablet


def look_in_both_shapes(qtbot, top: QWidget, name: str, folder, *, show=None) -> None:
    """Resize ``top`` to each tablet shape, let it lay out (``show()`` then brings what is
    to be seen into view), save ``<name>-<w>x<h>.png`` in ``folder`` (the screenshots folder
    named by ``$MESOCHECK_SCREENSHOTS`` when set) and check nothing is cut off or overlaps;
    back to landscape after."""
    import os
    from pathlib import Path

    folder = Path(os.environ.get("MESOCHECK_SCREENSHOTS") or folder)
    for size in SHAPES:
        top.resize(*size)
        qtbot.wait(50)
        if show is not None:
            show()
            qtbot.wait(20)
        top.grab().save(str(folder / f"{name}-{size[0]}x{size[1]}.png"))
        assert layout_problems(top) == [], (name, size)
    top.resize(*SHAPES[0])
