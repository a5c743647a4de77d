"""The Qt figures, each in a process of its own (offscreen), printing one JSON line.

``intake``: a walk-in patient goes from the welcome screen through every step, disclosure,
the summary and the signature to "thank you", through the real widgets (driven the way
``tests/ui`` drives them), and the consent PDF is built in the background as in the app.
Every event the UI thread handles is timed at the outermost ``QApplication.notify``, and so
is each direct call the driver makes where a person's tap would have been an event (picking
from a drop-down); the longest one is ``ui_block_max_ms``. The driver taps at a quick
person's pace (``PACE_MS`` apart, about four taps a second): between taps the app does its
idle-time work (building the next step ahead), in events timed like all the others. At the end the process reports
its peak resident memory (VmHWM).

``signature``: one pointer move on a pad already holding 10,000 points, timed from the
move event to the end of the repaint it causes.

    python bench/ui_child.py intake DB_PATH [LANGUAGE]
    python bench/ui_child.py signature MOVES
"""

from __future__ import annotations

import json
import math
import sys
import time
from datetime import timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

import shiboken6  # noqa: E402
from PySide6.QtCore import QEvent, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget  # noqa: E402


PACE_MS = 250  # between one tap and the next; a patient reading the screen takes far longer


class MeteredApp(QApplication):
    """Times the outermost event handling; used only by this benchmark."""

    def __init__(self, argv: list[str]):
        super().__init__(argv)
        self.depth = 0
        self.on = False
        self.count = 0
        self.where = ""  # the screen and page the driver is on, for the report
        self.longest: list[tuple[float, str]] = []  # (ms, what), the slowest few

    def notify(self, receiver, event):  # noqa: N802
        if self.depth or not self.on:
            return super().notify(receiver, event)
        kind = event.type()
        self.depth = 1
        began = time.perf_counter()
        try:
            return super().notify(receiver, event)
        finally:
            self.depth = 0
            self._record(began, lambda: f"{kind.name} -> {_name(receiver)}{self.where}")

    def span(self, what: str, fn, *args):
        """A direct call standing in for an event (outermost only)."""
        if self.depth or not self.on:
            return fn(*args)
        self.depth = 1
        began = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.depth = 0
            self._record(began, lambda: what + self.where)

    def _record(self, began: float, what) -> None:
        ms = (time.perf_counter() - began) * 1000
        self.count += 1
        if len(self.longest) < 8 or ms > self.longest[-1][0]:
            self.longest.append((ms, what()))
            self.longest.sort(key=lambda item: -item[0])
            del self.longest[8:]


def _name(obj) -> str:
    """The receiver's class, and the words on it where it has some."""
    name = type(obj).__name__
    try:
        if name == "QTimer" and obj.parent() is not None:  # whose timer: the wizard's,
            return f"{name} of {type(obj.parent()).__name__}"  # the collector's, ...
        words = obj.accessibleName() if hasattr(obj, "accessibleName") else ""
    except RuntimeError:  # deleted while its event was handled
        words = ""
    return f"{name} {words!r}" if words else name


class Bot:
    """The three things ``tests/ui/intake_driver.py`` asks of pytest-qt's ``qtbot``."""

    def mouseClick(self, widget, button, *args):  # noqa: N802
        QTest.mouseClick(widget, button, *args)

    def keyClicks(self, widget, text):  # noqa: N802
        QTest.keyClicks(widget, text)

    def waitUntil(self, condition, timeout=5000):  # noqa: N802
        deadline = time.monotonic() + timeout / 1000
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("waited too long")
            QTest.qWait(5)


def vm_hwm_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def intake(db_path: str, language: str = "en", checkin: bool = False) -> dict:
    """The scripted walk-in to "thank you"; with ``checkin``, the same patient has signed a
    course consent before (untimed), so the walk is their check-in."""
    from tests.support import intake_driver as drive

    from mesocheck.forms.registry import default_form
    from mesocheck.ui.widgets import style
    from mesocheck.store import Store, staff as staff_accounts
    from mesocheck.ui.tasks import Database
    from mesocheck.ui.shell.main_window import MainWindow

    app = MeteredApp(sys.argv[:1])
    plain_pick, plain_click = drive.pick, drive.click
    def pick(combo, text):
        app.span(f"pick -> {combo.accessibleName()}", plain_pick, combo, text)
        QTest.qWait(PACE_MS)

    drive.pick = pick

    def click(bot, widget):
        wizard = window.wizard
        page = f": {wizard.current.title}" if wizard is not None else ""
        app.where = f" (after a tap on {window.current_screen}{page})"
        plain_click(bot, widget)
        QTest.qWait(PACE_MS)

    drive.click = click
    bot = Bot()
    style.apply(app)
    form = default_form()
    from bench.common import PASSPHRASE
    from mesocheck.store import atrest

    # A new encrypted database, as a new install's, and a clinic with a practitioner, so the
    # app opens on the welcome screen. The passphrase's wrapping and the PIN at a tiny scrypt
    # cost: the unlock and a sign-in each take scrypt's 128 MiB for a moment at the start
    # (unlock_ms measures that one), which would otherwise be this process's peak.
    atrest.set_up(Path(db_path), PASSPHRASE, cost=2**4)
    staff_accounts.SCRYPT_N = 2**4
    with Store.open(Path(db_path)) as store:
        if not store.has_practitioner():
            store.add_staff("Dr Bench", "practitioner", "264819", actor="system")
        if language != form.languages[0]:  # offered, so the welcome screen offers it
            store.set_settings({"patient_languages": [language]}, "system")
        if checkin:  # the first visit of the course: Ada Example's consent for the scalp
            import random
            from datetime import date

            from tests.support.intakes import fill_intake

            fill_intake(store, form, random.Random(1), name="Ada Example",
                        birth=date(1990, 5, 1), area="scalp", pdf=False)
    worker = Database.open(Path(db_path))
    settings, has_practitioner = worker.call(
        lambda store: (store.settings(), store.has_practitioner()))
    window = MainWindow(worker, form, settings=settings, zone=timezone.utc,
                        has_practitioner=has_practitioner)
    window.resize(1280, 800)
    window.show()
    QTest.qWaitForWindowExposed(window)
    bot.waitUntil(lambda: worker.pending == 0)
    QTest.qWait(50)

    app.on = True
    began = time.perf_counter()
    wizards = []  # the wizard, kept to time its teardown to the end
    if language != form.languages[0]:
        click(bot, window.welcome.language_buttons[language])
    drive.walk_in_and_sign(bot, window, {"sun_recent": True}, before_signing=wizards.append,
                           timeout=20_000)
    wizard = wizards[0]
    if checkin and wizard.session.continues is None:
        raise RuntimeError("the returning patient was not given the check-in")
    bot.waitUntil(lambda: not window.pdf_jobs and worker.pending == 0, timeout=60_000)
    # The finished wizard is taken down a page per turn once the PDF is made: time it all.
    bot.waitUntil(lambda: not shiboken6.isValid(wizard), timeout=60_000)
    QTest.qWait(100)
    intake_s = time.perf_counter() - began
    app.on = False
    window.close()
    ok = worker.close()
    with_pdf = _has_pdf(db_path)
    return {"block_max_ms": app.longest[0][0], "longest": app.longest, "events": app.count,
            "vm_hwm_kib": vm_hwm_kib(), "intake_s": intake_s, "saved": ok,
            "pdf_stored": with_pdf}


def _has_pdf(db_path: str) -> bool:
    from mesocheck.store import atrest
    from mesocheck.store.db import connect

    conn = connect(db_path, atrest.key_for(db_path))
    try:
        return conn.execute("SELECT count(*) FROM documents").fetchone()[0] > 0
    finally:
        conn.close()


def signature(moves: int) -> dict:
    from mesocheck.ui.widgets import style
    from mesocheck.ui.widgets.signature_pad import SignaturePad

    app = QApplication(sys.argv[:1])
    style.apply(app)
    holder = QWidget()
    layout = QVBoxLayout(holder)
    pad = SignaturePad()
    layout.addWidget(pad)
    holder.resize(640, 300)  # the pad's share of the consent page on a landscape tablet
    holder.show()
    QTest.qWaitForWindowExposed(holder)
    w, h = pad.width(), pad.height()
    strokes, t = [], 0
    for s in range(40):  # 40 strokes of 250 points: 10,000 points
        points = []
        for i in range(250):
            u = i / 249
            points.append([round(w * (0.05 + 0.9 * u), 1),
                           round(h * (0.5 + 0.35 * math.sin(u * 12 + s))), t, None])
            t += 8
        strokes.append(points)
        t += 150
    pad.load(strokes, w, h)
    QTest.qWait(50)  # the first paint draws all the ink into the pad's cache once
    held = sum(len(s) for s in pad.strokes())

    def send(kind, x, y):
        pos = QPointF(x, y)
        buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease \
            else Qt.MouseButton.LeftButton
        QApplication.sendEvent(pad, QMouseEvent(kind, pos, pad.mapToGlobal(pos),
                                                Qt.MouseButton.LeftButton, buttons,
                                                Qt.KeyboardModifier.NoModifier))

    send(QEvent.Type.MouseButtonPress, w * 0.1, h * 0.5)
    QApplication.processEvents()
    total_us, handler_us = [], []
    for i in range(moves):
        u = (i % 400) / 400  # a zig-zag across the pad, 4-5 px per move
        x = w * (0.1 + 0.8 * (u if (i // 400) % 2 == 0 else 1 - u))
        y = h * (0.5 + 0.3 * math.sin(i / 9))
        began = time.perf_counter()
        send(QEvent.Type.MouseMove, x, y)
        handled = time.perf_counter()
        QApplication.processEvents()  # the repaint of the touched rectangle
        done = time.perf_counter()
        handler_us.append((handled - began) * 1e6)
        total_us.append((done - began) * 1e6)
    send(QEvent.Type.MouseButtonRelease, x, y)
    return {"total_us": total_us, "handler_us": handler_us, "points_before": held,
            "pad": [w, h]}


if __name__ == "__main__":
    mode = sys.argv[1]
    result = (intake(sys.argv[2], *sys.argv[3:4]) if mode == "intake"
              else intake(sys.argv[2], checkin=True) if mode == "checkin"
              else signature(int(sys.argv[2])))
    print(json.dumps(result), flush=True)
