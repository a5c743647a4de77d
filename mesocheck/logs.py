"""One log file per user, for bugs: tracebacks and events, never patient data.

Messages logged by mesocheck name intakes by id only; exceptions that carry user input are
logged by type and traceback, which holds code lines, not values.
"""

from __future__ import annotations

import logging
from pathlib import Path

from mesocheck.paths import log_dir

LOG_NAME = "mesocheck.log"
MAX_BYTES = 2_000_000
BACKUPS = 3
_configured: Path | None = None


class _RotatingFromFirstRecord(logging.Handler):
    """A rotating log file, set up when the first record comes: most runs log nothing, and
    ``logging.handlers`` (with socket, pickle and queue) then stays out of the start-up."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self._file: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:  # called with this handler's lock
        if self._file is None:
            import logging.handlers

            try:
                self._file = logging.handlers.RotatingFileHandler(
                    self.path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
            except OSError:  # the folder went away since start-up: as any handler would
                self.handleError(record)
                return
            self._file.setFormatter(self.formatter)
        self._file.emit(record)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


def setup_logging() -> Path | None:
    """Log to a rotating file; returns its path, or None when no log file can be written."""
    global _configured
    if _configured is not None:
        return _configured
    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / LOG_NAME, "a", encoding="utf-8"):
            pass  # it can be written: the handler opens it when the first record comes
    except OSError:
        return None
    handler = _RotatingFromFirstRecord(folder / LOG_NAME)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("mesocheck")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    _configured = folder / LOG_NAME
    return _configured


def log_bug(exc: BaseException, where: str) -> Path | None:
    """Record an unexpected error with its traceback, but not its message (may hold input)."""
    path = setup_logging()
    logger = logging.getLogger("mesocheck")
    logger.error(
        "unexpected %s in %s",
        type(exc).__name__,
        where,
        exc_info=(type(exc), _scrubbed(exc), exc.__traceback__),
    )
    return path


def _scrubbed(exc: BaseException) -> BaseException:
    """A stand-in with the same type name and traceback but no message (and no values)."""
    stand_in = RuntimeError(f"{type(exc).__module__}.{type(exc).__qualname__} (message withheld)")
    stand_in.__traceback__ = exc.__traceback__
    return stand_in
