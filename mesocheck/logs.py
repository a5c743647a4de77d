"""One log file per user, for bugs: tracebacks and events, never patient data.

Messages logged by mesocheck name intakes by id only; exceptions that carry user input are
logged by type and traceback, which holds code lines, not values.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from mesocheck.paths import log_dir

LOG_NAME = "mesocheck.log"
_configured: Path | None = None


def setup_logging() -> Path | None:
    """Log to a rotating file; returns its path, or None when no log folder can be made."""
    global _configured
    if _configured is not None:
        return _configured
    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            folder / LOG_NAME, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None
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
