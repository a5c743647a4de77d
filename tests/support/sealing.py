"""The clinic's seal in tests (a pytest plugin, named in ``tests/conftest.py``): a cheap
passphrase cost, one self-signed clinic key for the session, the seal set up and unlocked on
``db_path``, a local time-stamping authority and a silent one (``tests/support/pki.py``), and
the store with the clinic's settings."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mesocheck.store import Store
from tests.support.answers import signature_strokes
from tests.support.pki import PASSPHRASE, SilentServer, TimeStampingAuthority


@pytest.fixture(autouse=True)
def _cheap_passphrases(monkeypatch):
    """Wrapping a key costs 0.3 s and 128 MiB by design; in-process tests use a tiny scrypt
    cost (a wrapped key records its own, so unwrapping follows). Seals unlocked by a test,
    and authorities that failed it, are forgotten after it."""
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
    from mesocheck.documents.certificate import make_self_signed

    return make_self_signed("Clinique Lumière", datetime.now(timezone.utc))


@pytest.fixture
def clinic_seal(db_path, clinic_key):
    """The clinic's seal set up in the test database and unlocked in this process; returns
    the unlocked seal (``.record``, ``.certificate``)."""
    from mesocheck.documents.certificate import store_seal, unlock

    key, chain = clinic_key
    with Store.open(db_path) as store:
        store_seal(store, key, chain, PASSPHRASE, now=datetime.now(timezone.utc))
        return unlock(store, PASSPHRASE)


@pytest.fixture
def clinic_store(store):
    """The fresh store with the clinic's name and zone."""
    store.set_settings({"clinic_name": "Clinique Lumière", "time_zone": "Europe/Paris"},
                       "system")
    return store


@pytest.fixture(scope="session")
def tsa():
    """A time-stamping authority on 127.0.0.1 (pyHanko's test signer)."""
    authority = TimeStampingAuthority()
    yield authority
    authority.close()


@pytest.fixture
def silent_tsa():
    """An address that accepts connections and never answers."""
    server = SilentServer()
    yield server
    server.close()


def countersign(store, intake_id) -> None:
    """A practitioner's review of a signed intake, through the review's rules: every flag
    decided "proceed", then countersigned."""
    from mesocheck import review
    from tests.support.intakes import cheap_pins

    with cheap_pins():
        staff = store.add_staff("Dr Ana Ferreira", "practitioner", "264819", "system")
    doctor = next(m for m in store.staff_members() if m.id == staff)
    for flag in review.undecided(store.intake(intake_id).flags):
        review.decide(store, intake_id, flag.id, "proceed", "Checked with the patient", doctor)
    review.countersign(store, intake_id, doctor, strokes=signature_strokes(3), pad_width=600,
                       pad_height=200, tz="Europe/Paris")
