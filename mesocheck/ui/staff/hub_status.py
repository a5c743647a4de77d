"""The hub's state in one quiet line of the staff area (a tablet with a hub; never on a
patient's screen): "hub: not reachable since 10:42, 3 intakes waiting"."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel

from mesocheck.i18n import _, ngettext
from mesocheck.ui.widgets.labels import label


def hub_line(status: Any, zone: tzinfo) -> str:
    """``status``: a ``mesocheck.sync.Status``."""
    waiting = status.waiting
    intakes = ngettext("{count} intake waiting", "{count} intakes waiting", waiting).format(
        count=waiting)
    if status.problem is not None:
        if status.failing_since is not None:
            since = status.failing_since.astimezone(zone).strftime("%H:%M")
            return _("hub: not reachable since {time}, {waiting}").format(time=since,
                                                                          waiting=intakes)
        return _("hub: not reachable, {waiting}").format(waiting=intakes)
    if status.connected:
        return (_("hub: connected, {waiting}").format(waiting=intakes) if waiting
                else _("hub: connected, all sent"))
    return _("hub: connecting")


class HubStatus:
    """Keeps a label's text in step with the tablet's sync, once a second."""

    def __init__(self, sync: Any, zone: tzinfo):
        self.sync = sync
        self.zone = zone
        self.label: QLabel = label("", "muted")
        self.label.setObjectName("hubStatus")
        self.label.setAccessibleName(_("Connection to the clinic's hub"))
        self.timer = QTimer(self.label, interval=1000)
        self.timer.timeout.connect(self.update)
        self.timer.start()
        self.update()

    def update(self) -> None:
        status = self.sync.status()
        self.label.setText(hub_line(status, self.zone))
        self.label.setToolTip(status.problem or status.hub)
