"""The hub's state in one quiet line of the staff area (a tablet with a hub; never on a
patient's screen): "hub: not reachable since 10:42, 3 intakes waiting"."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel

from mesocheck.ui.widgets.labels import label


def hub_line(status: Any, zone: tzinfo) -> str:
    """``status``: a ``mesocheck.sync.Status``."""
    waiting = status.waiting
    intakes = f"{waiting} intake{'s' if waiting != 1 else ''} waiting"
    if status.problem is not None:
        if status.failing_since is not None:
            since = status.failing_since.astimezone(zone).strftime("%H:%M")
            return f"hub: not reachable since {since}, {intakes}"
        return f"hub: not reachable, {intakes}"
    if status.connected:
        return f"hub: connected, {intakes}" if waiting else "hub: connected, all sent"
    return "hub: connecting"


class HubStatus:
    """Keeps a label's text in step with the tablet's sync, once a second."""

    def __init__(self, sync: Any, zone: tzinfo):
        self.sync = sync
        self.zone = zone
        self.label: QLabel = label("", "muted")
        self.label.setObjectName("hubStatus")
        self.label.setAccessibleName("Connection to the clinic's hub")
        self.timer = QTimer(self.label, interval=1000)
        self.timer.timeout.connect(self.update)
        self.timer.start()
        self.update()

    def update(self) -> None:
        status = self.sync.status()
        self.label.setText(hub_line(status, self.zone))
        self.label.setToolTip(status.problem or status.hub)
