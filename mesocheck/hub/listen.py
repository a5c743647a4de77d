"""Hearing the hub change: a thread with a connection of its own that LISTENs, and calls
``on_change(intake_id or "")`` for each write committed on the hub (every hub write
notifies, ``dialect.CHANNEL``). A lost connection is opened again every few seconds; the
caller learns of it through ``on_state(connected)``, and should read afresh when it comes
back (what was said meanwhile is not kept)."""

from __future__ import annotations

import logging
import threading
from typing import Callable

from mesocheck.errors import MesocheckError

log = logging.getLogger(__name__)


class Listener:
    def __init__(self, url: str, on_change: Callable[[str], None], *,
                 on_state: Callable[[bool], None] | None = None, retry_s: float = 2.0):
        self.url = url
        self.on_change = on_change
        self.on_state = on_state or (lambda _connected: None)
        self.retry_s = retry_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mesocheck-hub-listen",
                                        daemon=True)

    def start(self) -> "Listener":
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        from mesocheck.hub.connect import connect
        from mesocheck.hub.dialect import CHANNEL
        from mesocheck.hub.errors import classify

        connected = None
        while not self._stop.is_set():
            try:
                conn = connect(self.url, application="mesocheck listen")
            except MesocheckError:
                if connected is not False:
                    connected = False
                    self.on_state(False)
                self._stop.wait(self.retry_s)
                continue
            try:
                conn.execute(f"LISTEN {CHANNEL}")
                if connected is not True:
                    connected = True
                    self.on_state(True)
                while not self._stop.is_set():
                    for note in conn.notifies(timeout=0.5):
                        self.on_change(note.payload)
            except Exception as exc:  # the hub went away: try again; anything else is ours
                if classify(exc) is None:
                    log.warning("listening to the hub failed: %s", type(exc).__name__)
                connected = False
                self.on_state(False)
                self._stop.wait(self.retry_s)
            finally:
                try:
                    conn.close()
                except Exception:  # already closed with the network
                    pass
