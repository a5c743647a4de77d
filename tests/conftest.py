"""Suite-wide options: ``--long`` runs the long reliability variants (thousands of kills, tens
of thousands of writes and generated inputs) that CI skips. The shared fixtures (a fresh
database, the store, staff, the app's window) are in ``tests/support/fixtures.py``."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.support.fixtures", "tests.support.sealing", "tests.support.hub"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--long", action="store_true", default=False,
        help="also run the long reliability variants (tests marked 'long' or 'slow')",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "long: long reliability variant, skipped unless pytest runs with --long")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--long"):
        return
    skip = pytest.mark.skip(reason="long variant: run with --long")
    for item in items:
        if item.get_closest_marker("long") or item.get_closest_marker("slow"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _english_clinic():
    """Each test starts with the clinic's language English, as a new clinic does; a test
    that changes it (a command line read from the environment, a saved setting) leaves no
    trace on the next."""
    from mesocheck import i18n

    i18n.set_clinic_language(i18n.SOURCE_LANGUAGE)
    yield
    i18n.set_clinic_language(i18n.SOURCE_LANGUAGE)
