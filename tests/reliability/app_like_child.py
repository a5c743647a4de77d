"""The tablet app's database side in a child process, for the file-lock test.

``python -m tests.reliability.app_like_child DB STAFF_ID`` runs what the app runs against its
database: the one database thread (``tasks.Database``) and, beside it, Store connections
opened and closed by tasks in threads of their own (as the sealing of documents that waited
for the seal does). It locks staff member STAFF_ID out with five wrong PINs, then saves one answer every
few milliseconds through the writer, as the wizard does, opening a background connection
now and then. Each line on stdout is JSON:

``{"ev": "ready"}`` once the first background job has come and gone and the lock-out is
stored; ``{"ev": "saved", "n": N}`` once answer N is committed (the app would now show it
as saved); ``{"ev": "error", ...}`` for anything a person would have seen. It runs until
killed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

WRONG_PIN = "00000000"


def emit(**event) -> None:
    print(json.dumps(event), flush=True)


def main(db: Path, staff_id: int) -> int:
    from PySide6.QtCore import QCoreApplication, QTimer

    from mesocheck.store import Store
    from mesocheck.ui import tasks
    from mesocheck.ui.tasks import Database, Task

    from tests.support.at_rest import unlock

    app = QCoreApplication([])
    unlock(db)  # as the app's unlock screen does
    worker = Database.open(db, retry_delays=(0.05,))
    worker.refused.connect(lambda message: emit(ev="error", message=message))
    tasks.unhandled.bug.connect(lambda exc: emit(ev="error", message=repr(exc)))
    state = {"n": 0, "intake": None, "jobs": 0}

    def own_connection(op):
        """A task with a Store of its own, opened and closed in its thread."""
        def run():
            with Store.open(db, create=False) as store:
                return op(store)
        return run

    def lock_out() -> None:
        for _ in range(5):
            Task(lambda store: store.check_pin(staff_id, WRONG_PIN),
                 what="check_pin").retrying().run_in_background(worker)

    def start_intake() -> None:
        Task(lambda store: store.start_intake(
            name="Ida Lock", birth_date="1980-05-06", form_id="mesotherapy", form_version="1",
            form_hash="0" * 64, language="en", area="face",
            appointment_at="2026-05-06T10:00:00+00:00", device="tablet", actor="patient"),
            success=lambda intake_id: (state.update(intake=intake_id), after_start()),
            what="start_intake").retrying().run_in_background(worker)

    def after_start() -> None:
        # What the app does once its first screen shows: a check on a connection of its
        # own, while the database thread's connection stays open.
        Task(own_connection(lambda store: store.check_quickly()),
             success=lambda _r: (emit(ev="ready"), timer.start(5)),
             what="checking the database").run_in_background()

    def save() -> None:
        if worker.pending > 2:  # the disk is slower than the timer: let the queue drain
            return
        n = state["n"] = state["n"] + 1
        intake = state["intake"]
        Task(lambda store: store.save_answers(intake, {f"q{n}": n}),
             success=lambda _r: emit(ev="saved", n=n), what="save_answers").retrying() \
            .failure(lambda exc: emit(ev="error", message=str(exc))).run_in_background(worker)
        if n % 25 == 0 and state["jobs"] < 2:  # sealing what waited, say
            state["jobs"] += 1
            Task(own_connection(lambda store: store.settings()),
                 success=lambda _r: state.update(jobs=state["jobs"] - 1),
                 what="sealing documents").run_in_background()

    timer = QTimer()
    timer.timeout.connect(save)
    lock_out()
    start_intake()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), int(sys.argv[2])))
