"""Where mesocheck finds its shipped resources and keeps its per-user files.

Resources live in the top-level ``resources/`` folder of a checkout and are copied to
``mesocheck/resources`` inside the wheel, so both layouts are looked up here and nowhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "mesocheck"
_PACKAGE_DIR = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """The folder holding forms/, fonts/ and styles/, installed or in a checkout."""
    for candidate in (_PACKAGE_DIR / "resources", _PACKAGE_DIR.parent / "resources"):
        if (candidate / "forms").is_dir():
            return candidate
    raise FileNotFoundError(
        "mesocheck's resources folder is missing; reinstall the application"
    )


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def default_form_path() -> Path:
    return resource("forms", "mesotherapy.toml")


def data_dir() -> Path:
    """Per-user data folder; ``MESOCHECK_HOME`` moves everything (tests, kiosks)."""
    override = os.environ.get("MESOCHECK_HOME")
    if override:
        return Path(override)
    import platformdirs  # only where a per-user folder is really needed

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "mesocheck.sqlite3"


def log_dir() -> Path:
    override = os.environ.get("MESOCHECK_HOME")
    if override:
        return Path(override) / "logs"
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
