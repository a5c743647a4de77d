"""Suite-wide options and fixtures: ``--long`` runs the long reliability variants
(thousands of kills, tens of thousands of writes and generated inputs) that CI skips;
``make_window`` builds the tablet app's window on a real database (Qt is imported only when
a test uses it)."""

from __future__ import annotations

from datetime import timezone
from pathlib import Path

import pytest

from mesocheck.forms.registry import default_form
from mesocheck.store import Store


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


@pytest.fixture
def form():
    return default_form()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "clinic.sqlite3"


@pytest.fixture
def practitioner(db_path):
    """A practitioner "Dr Rowan Hale" with PIN 2468; returns the staff id."""
    with Store.open(db_path) as store:
        return store.add_staff("Dr Rowan Hale", "practitioner", "2468", actor="system")


@pytest.fixture
def make_window(qtbot, qapp, db_path, form):
    """Build the main window on the database; afterwards closes it, and waits for its
    database thread to write what is queued and for the other background tasks."""
    made = []

    def make(**kwargs):
        from mesocheck.ui.shell.main_window import MainWindow
        from mesocheck.ui.tasks import Database
        from mesocheck.ui.widgets import style

        style.apply(qapp)

        db = Database.open(db_path, retry_delays=(0.05,))
        settings, has_practitioner = db.call(
            lambda store: (store.settings(), store.has_practitioner()))
        options = dict(settings=settings, zone=timezone.utc, has_practitioner=has_practitioner)
        options.update(kwargs)
        window = MainWindow(db, form, **options)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        made.append((window, db))
        return window

    yield make
    from mesocheck.ui.tasks import shut_down

    for window, db in made:
        try:
            qtbot.waitUntil(lambda: db.pending == 0, timeout=10_000)
        finally:
            window.close()
            window.deleteLater()
            assert shut_down(db), "queued writes were not all saved"


# -- the clinic's seal ------------------------------------------------------------------------

from pki import PASSPHRASE  # noqa: E402


@pytest.fixture(autouse=True)
def _cheap_passphrases(monkeypatch):
    """Wrapping a key costs 0.3 s and 128 MiB by design; in-process tests use a tiny scrypt
    cost (a wrapped key records its own, so unwrapping follows). Seals unlocked by a test
    are forgotten after it."""
    from mesocheck import keys
    from mesocheck.documents import certificate, seal

    monkeypatch.setattr(keys, "SCRYPT_N", 2**4)
    yield
    certificate.lock_all()
    seal._tsa_failed.clear()


@pytest.fixture(scope="session")
def clinic_key():
    """One self-signed clinic key and certificate for the session (RSA key generation is
    slow); each test stores it in its own database."""
    from datetime import datetime, timezone

    from mesocheck.documents.certificate import make_self_signed

    return make_self_signed("Clinique Lumière", datetime.now(timezone.utc))


@pytest.fixture
def clinic_seal(db_path, clinic_key):
    """The clinic's seal set up in the test database and unlocked in this process; returns
    the unlocked seal (``.record``, ``.certificate``)."""
    from datetime import datetime, timezone

    from mesocheck.documents.certificate import store_seal, unlock

    key, chain = clinic_key
    with Store.open(db_path) as store:
        store_seal(store, key, chain, PASSPHRASE, now=datetime.now(timezone.utc))
        return unlock(store, PASSPHRASE)


@pytest.fixture(scope="session")
def tsa():
    """A time-stamping authority on 127.0.0.1 (pyHanko's test signer)."""
    from pki import TimeStampingAuthority

    authority = TimeStampingAuthority()
    yield authority
    authority.close()


@pytest.fixture
def silent_tsa():
    """An address that accepts connections and never answers."""
    from pki import SilentServer

    server = SilentServer()
    yield server
    server.close()
