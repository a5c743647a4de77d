"""Building the consent PDF after submission, in the background, when the app has it.

The PDF module is optional here: submission never depends on it. The job opens its own
Store (SQLite connections belong to one thread) and reports back through a signal.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from mesocheck.errors import MesocheckError
from mesocheck.logs import log_bug
from mesocheck.store import Store

log = logging.getLogger(__name__)

CONSENT_MODULE = "mesocheck.documents.consent"


def consent_pdf_available() -> bool:
    try:
        return importlib.util.find_spec(CONSENT_MODULE) is not None
    except ModuleNotFoundError:
        return False


class _Signals(QObject):
    finished = Signal(str, bool, str)  # intake id, ok, message for staff ("" when ok)


class ConsentPdfJob(QRunnable):
    def __init__(self, db_path: Path, intake_id: str):
        super().__init__()
        self.db_path = db_path
        self.intake_id = intake_id
        self.signals = _Signals()

    def run(self) -> None:
        ok, text = False, ""
        try:
            module = importlib.import_module(CONSENT_MODULE)
            with Store.open(self.db_path, create=False) as store:
                module.store_consent_pdf(store, self.intake_id)
            ok = True
        except MesocheckError as exc:  # the environment's or the data's fault, not a bug
            log.warning("consent PDF not stored: %s", type(exc).__name__)
            text = exc.message
        except Exception as exc:  # noqa: BLE001 - a bug in the PDF must not touch the intake
            log_bug(exc, "building the consent PDF")
            text = "The consent document could not be made; it can be made again later."
        self.signals.finished.emit(self.intake_id, ok, text)


def start_consent_pdf(db_path: Path, intake_id: str, pool: QThreadPool | None = None
                      ) -> ConsentPdfJob | None:
    """Queue the PDF job; None when the app has no PDF module (nothing to do)."""
    if not consent_pdf_available():
        return None
    job = ConsentPdfJob(db_path, intake_id)
    job.setAutoDelete(False)  # the caller keeps it until its signal arrives
    (pool or QThreadPool.globalInstance()).start(job)
    return job


class MissingPdfRepair(QRunnable):
    """At start-up: make the consent PDF of any intake signed just before a crash."""

    def __init__(self, db_path: Path):
        super().__init__()
        self.db_path = db_path

    def run(self) -> None:
        from mesocheck.session import rebuild_missing_consent_pdfs

        try:
            with Store.open(self.db_path, create=False) as store:
                built = rebuild_missing_consent_pdfs(store)
        except MesocheckError as exc:
            log.warning("missing consent PDFs not made: %s", type(exc).__name__)
            return
        except Exception as exc:  # noqa: BLE001 - the app must start whatever happens here
            log_bug(exc, "making missing consent PDFs")
            return
        if built:
            log.info("made %d consent PDF(s) missing after an interruption", len(built))


def repair_missing_pdfs(db_path: Path, pool: QThreadPool | None = None) -> bool:
    """Queue the repair in the background; False when the app has no PDF module."""
    if not consent_pdf_available():
        return False
    (pool or QThreadPool.globalInstance()).start(MissingPdfRepair(db_path))
    return True
