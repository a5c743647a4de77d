"""One log file per user, for bugs: tracebacks and events, never patient data.

Messages logged by mesocheck name intakes by id only; exceptions that carry user input are
logged by type and traceback, which holds code lines, not values.
"""

from __future__ import annotations

import logging
import os
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
            try:
                self._file = _private_rotating_file(self.path)
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


def _private_rotating_file(path: Path) -> logging.Handler:
    """A RotatingFileHandler whose files, the first and each one after a rotation, are
    readable by this user account only."""
    import logging.handlers

    class Private(logging.handlers.RotatingFileHandler):
        def _open(self):
            fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            return open(fd, self.mode, encoding=self.encoding, errors=self.errors)

    return Private(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")


def setup_logging() -> Path | None:
    """Log to a rotating file; returns its path, or None when no log file can be written."""
    global _configured
    if _configured is not None:
        return _configured
    folder = log_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # It can be written (the handler opens it when the first record comes), and it is
        # private: tracebacks name intakes. Older versions made both readable by all.
        os.close(os.open(folder / LOG_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
    except OSError:
        return None
    for path, mode in ((folder, 0o700), (folder / LOG_NAME, 0o600)):
        try:
            if path.stat().st_mode & 0o777 != mode:
                os.chmod(path, mode)
        except OSError:  # not ours to change: logging still works
            pass
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
