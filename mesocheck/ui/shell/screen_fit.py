"""The window on its screen: filling it on a tablet (a kiosk), and following it when the
tablet turns between landscape and portrait; or a window of a chosen size on a desk.

Filling is done twice over: the window asks the window manager for full screen, and takes
the screen's geometry itself, since a kiosk often runs with no window manager to ask. When
the geometry of the screen it was shown on changes (the tablet rotated, the monitor
changed), it takes the new one; the screens inside lay themselves out for landscape or
portrait from their width. (Its window handle, which would tell of a move to another
screen, is not asked for: PySide would first have to learn that Qt-made class, some
milliseconds of start-up, for a tablet that has one screen.)
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QWidget

WINDOW_SIZE = (1280, 800)  # a landscape tablet's screen, for a window on a desk


class ScreenFit(QObject):
    """Shows ``window`` full screen (``full``) or as a window of ``size``."""

    def __init__(self, window: QWidget, *, full: bool, size: tuple[int, int] = WINDOW_SIZE):
        super().__init__(window)
        self.window = window
        self.full = full
        self.size = size
        self._screen: QScreen | None = None

    def show(self) -> None:
        if self.full:
            self.fit()
            self.window.showFullScreen()
        else:
            self.window.resize(*self.size)
            self.window.showNormal()
        self._watch(self._current())

    def set_full(self, full: bool) -> None:
        """Switch between full screen and a window (the clinic's setting changed)."""
        if full != self.full:
            self.full = full
            self.show()

    def stop(self) -> None:
        """No longer follow the screen (another fit takes over)."""
        self.full = False
        self._watch_none()

    def _watch_none(self) -> None:
        if self._screen is not None:
            self._screen.geometryChanged.disconnect(self.fit)
        self._screen = None

    def _current(self) -> QScreen | None:
        return QWidget.screen(self.window)  # the main window has a screen() of its own

    def _watch(self, screen: QScreen | None) -> None:
        self._watch_none()
        self._screen = screen
        if screen is not None:
            screen.geometryChanged.connect(self.fit)
        self.fit()

    def fit(self, geometry: QRect | None = None) -> None:
        """Take the whole of the screen the window is on, or ``geometry`` (the screen's new
        one, as its signal hands it over); nothing in a window."""
        if not self.full:
            return
        if not isinstance(geometry, QRect):
            screen = self._current()
            geometry = screen.geometry() if screen is not None else None
        if geometry is not None:
            self.window.setGeometry(geometry)
