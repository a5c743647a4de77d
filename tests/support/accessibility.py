"""What a screen reader is told: the accessible tree of a window, as Qt hands it to one."""

from __future__ import annotations

from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QWidget

# The roles a person acts on (not the text and frames between them).
CONTROLS = {
    QAccessible.Role.PushButton, QAccessible.Role.RadioButton, QAccessible.Role.CheckBox,
    QAccessible.Role.ComboBox, QAccessible.Role.EditableText, QAccessible.Role.SpinBox,
    QAccessible.Role.Slider, QAccessible.Role.Table, QAccessible.Role.List,
    QAccessible.Role.PageTab, QAccessible.Role.Canvas, QAccessible.Role.ScrollBar,
}


def unnamed_controls(top: QWidget) -> list[str]:
    """Each visible control in ``top``'s accessible tree without a name or a description."""
    QAccessible.setActive(True)
    problems: list[str] = []

    def walk(node, depth: int) -> None:
        if node is None or not node.isValid() or depth > 60:
            return
        state = node.state()
        if state.invisible or state.offscreen:
            return
        if node.role() in CONTROLS and node.role() != QAccessible.Role.ScrollBar:
            name = node.text(QAccessible.Text.Name).strip()
            description = node.text(QAccessible.Text.Description).strip()
            widget = node.object()
            if node.role() == QAccessible.Role.ComboBox:
                # On Linux a list box's accessible name is its current text (its label
                # comes through a relation); the name it was given is what is checked.
                name = widget.accessibleName().strip()
            what = f"{node.role().name} {type(widget).__name__}({name!r})"
            if not name:
                problems.append(f"no name: {what}")
            if not description:
                problems.append(f"no description: {what}")
            if node.role() in (QAccessible.Role.Table, QAccessible.Role.List,
                               QAccessible.Role.ComboBox):
                return  # its rows and items are read from its model
        for index in range(node.childCount()):
            walk(node.child(index), depth + 1)

    walk(QAccessible.queryAccessibleInterface(top), 0)
    return problems
