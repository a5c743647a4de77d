"""The tablet app's database side in a child process, for the file-lock test.

``python app_like_child.py DB STAFF_ID`` runs what the app runs against its database: the
one background writer (``DbWorker``) and, beside it, Store connections opened and closed by
background jobs (``background.run_with_store``, as the start-up check and every consent PDF
do). It locks staff member STAFF_ID out with five wrong PINs, then saves one answer every
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

HERE = Path(__file__).resolve().parent
if str(HERE.parents[1]) not in sys.path:
    sys.path.insert(0, str(HERE.parents[1]))

WRONG_PIN = "00000000"


def emit(**event) -> None:
    print(json.dumps(event), flush=True)


def main(db: Path, staff_id: int) -> int:
    from PySide6.QtCore import QCoreApplication, QTimer

    from mesocheck.ui import background
    from mesocheck.ui.dbworker import DbWorker

    app = QCoreApplication([])
    worker = DbWorker.open(db, retry_delays=(0.05,))
    worker.refused.connect(lambda message: emit(ev="error", message=message))
    worker.bug.connect(lambda exc: emit(ev="error", message=repr(exc)))
    state = {"n": 0, "intake": None, "jobs": 0}

    def lock_out() -> None:
        for _ in range(5):
            worker.run(lambda store: store.check_pin(staff_id, WRONG_PIN), retry=True,
                       label="check_pin")

    def start_intake() -> None:
        worker.run(lambda store: store.start_intake(
            name="Ida Lock", birth_date="1980-05-06", form_id="mesotherapy", form_version="1",
            form_hash="0" * 64, language="en", area="face",
            appointment_at="2026-05-06T10:00:00+00:00", device="tablet", actor="patient"),
            on_done=lambda intake_id: (state.update(intake=intake_id), after_start()),
            retry=True, label="start_intake")

    def after_start() -> None:
        # What the app does once its first screen shows: a background job with its own
        # connection (the quick check), while the writer's connection stays open.
        job = background.run_with_store(db, lambda store, report: store.check_quickly(),
                                        "checking the database")
        job.done.connect(lambda: (emit(ev="ready"), timer.start(5)))

    def save() -> None:
        if worker.pending > 2:  # the disk is slower than the timer: let the queue drain
            return
        n = state["n"] = state["n"] + 1
        intake = state["intake"]
        worker.run(lambda store: store.save_answers(intake, {f"q{n}": n}),
                   on_done=lambda _: emit(ev="saved", n=n),
                   on_error=lambda exc: emit(ev="error", message=str(exc)),
                   retry=True, label="save_answers")
        if n % 25 == 0 and state["jobs"] < 2:  # a consent PDF's job, say
            state["jobs"] += 1
            job = background.run_with_store(db, lambda store, report: store.settings(),
                                            "making a consent PDF")
            job.done.connect(lambda: state.update(jobs=state["jobs"] - 1))

    timer = QTimer()
    timer.timeout.connect(save)
    lock_out()
    start_intake()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), int(sys.argv[2])))
