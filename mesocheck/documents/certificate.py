"""The clinic's seal: its certificate and private key, set up once and unlocked per process.

``mesocheck seal setup`` makes a self-signed certificate in the clinic's name (for a clinic
without a certificate authority) or imports a PKCS#12 bundle a CA issued. The private key
is stored in the database only wrapped by the clinic passphrase (``mesocheck.keys``); the
certificate, public, is stored beside it. Unlocking (the passphrase, once per process: a
command's ``--passphrase-file`` or prompt, the tablet's staff screen) keeps the key in this
process's memory until it ends; nothing else ever holds it in clear.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

from mesocheck.errors import MesocheckError
from mesocheck.i18n import _
from mesocheck.keys import WrongPassphrase, unwrap, wrap

PURPOSE = "mesocheck clinic seal private key"
SELF_SIGNED_YEARS = 10
_unlocked: dict[str, "ClinicSeal"] = {}  # certificate fingerprint -> unlocked seal
_lock = threading.Lock()


class SealUnavailable(MesocheckError):
    """Sealing cannot happen now (none set up, locked, certificate out of date); the
    document is kept unsealed and sealed later."""


class ClinicSeal:
    """An unlocked seal: the certificate, its chain and the private key, in memory."""

    def __init__(self, record: Any, key: Any, certificate: Any, chain: list[Any]):
        self.record = record
        self.key = key  # a cryptography private key object
        self.certificate = certificate  # asn1crypto x509.Certificate
        self.chain = chain  # the CA certificates above it, if any
        self._signer = None

    @property
    def fingerprint(self) -> str:
        return self.record.fingerprint

    @property
    def name(self) -> str:
        return common_name(self.certificate)

    def usable_at(self, moment: datetime) -> None:
        """Refuse (:class:`SealUnavailable`) outside the certificate's validity."""
        refusal = validity_refusal(self.record.not_before, self.record.not_after, moment,
                                   "the clinic's certificate")
        if refusal:
            raise SealUnavailable(refusal + "; set up a new seal (mesocheck seal setup)")

    def signer(self):
        """A pyHanko signer using the key already in memory (loading a key for every
        signature costs more than the signature)."""
        if self._signer is None:
            self._signer = _make_signer(self)
        return self._signer


def common_name(certificate: Any) -> str:
    native = certificate.subject.native
    return str(native.get("common_name") or native.get("organization_name") or
               certificate.subject.human_friendly)


def validity_refusal(not_before: datetime, not_after: datetime, moment: datetime,
                     what: str) -> str | None:
    if moment < not_before:
        return f"{what} is valid only from {not_before:%Y-%m-%d %H:%M} UTC"
    if moment >= not_after:
        return f"{what} expired on {not_after:%Y-%m-%d %H:%M} UTC"
    return None


# -- setting the seal up -------------------------------------------------------------------------


def make_self_signed(name: str, now: datetime) -> tuple[Any, Any]:
    """A new RSA-3072 key and a certificate for it in ``name``, valid for ten years."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)])
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * SELF_SIGNED_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION,
                                              x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, [certificate]


def read_pkcs12(data: bytes, password: str | None, source: str) -> tuple[Any, list[Any]]:
    """The key and certificates (the key's own first) of a PKCS#12 bundle, with a sentence
    for each way it can be unusable."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    attempts = [password.encode("utf-8")] if password is not None else [None, b""]
    loaded, wrong_password = None, False
    for attempt in attempts:
        try:
            loaded = pkcs12.load_pkcs12(data, attempt)
            break
        except ValueError as exc:
            wrong_password = wrong_password or "password" in str(exc).lower() or \
                "mac" in str(exc).lower()
        except TypeError:  # a password given to a bundle without one, or the reverse
            wrong_password = True
    if loaded is None:
        if _looks_like_pkcs12(data) and (wrong_password or password is not None):
            raise MesocheckError(_("the password of {source} is wrong (or it is not a PKCS#12 "
                                   "bundle); nothing was changed").format(source=source))
        raise MesocheckError(_("{source} is not a PKCS#12 bundle (.p12 or .pfx file); export the "
                               "certificate with its private key from your certificate "
                               "authority's tool").format(source=source))
    if loaded.key is None:
        raise MesocheckError(_("{source} holds no private key, only certificates: export the "
                               "certificate together with its private key").format(source=source))
    if loaded.cert is None:
        raise MesocheckError(_("{source} holds a key but no certificate for it").format(
            source=source))
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    def public(k: Any) -> bytes:
        return k.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

    if public(loaded.key.public_key()) != public(loaded.cert.certificate.public_key()):
        raise MesocheckError(_("{source}: its private key does not belong to its "
                               "certificate").format(source=source))
    chain = [loaded.cert.certificate] + [c.certificate for c in loaded.additional_certs]
    return loaded.key, chain


def _looks_like_pkcs12(data: bytes) -> bool:
    return len(data) > 4 and data[0] == 0x30


def store_seal(store: Any, key: Any, chain: list[Any], passphrase: str, *,
               now: datetime, source: str = "the certificate") -> Any:
    """Check the certificate is usable now, wrap the key and keep both; returns the
    stored seal record."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import (
        Encoding, NoEncryption, PrivateFormat,
    )

    leaf = chain[0]
    not_before, not_after = _aware(leaf.not_valid_before_utc), _aware(leaf.not_valid_after_utc)
    refusal = validity_refusal(not_before, not_after, now, f"the certificate in {source}")
    if refusal:
        raise MesocheckError(refusal + "; nothing was changed")
    pem = "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in chain)
    der_key = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    wrapped = wrap(der_key, passphrase, PURPOSE)
    record_id = store.add_seal(
        certificate=pem, key=wrapped, fingerprint=leaf.fingerprint(hashes.SHA256()).hex(),
        subject=leaf.subject.rfc4514_string(), not_before=not_before.isoformat(),
        not_after=not_after.isoformat())
    return next(s for s in store.seals() if s.id == record_id)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# -- unlocking -----------------------------------------------------------------------------------


def unlock(store: Any, passphrase: str) -> ClinicSeal:
    """Unlock the clinic's current seal in this process (:class:`WrongPassphrase` if the
    passphrase is not the clinic's). Every later document this process stores is sealed."""
    record = store.current_seal()
    if record is None:
        raise SealUnavailable(_("no clinic seal is set up yet: run `mesocheck seal setup`"))
    der = unwrapped_key(store, record, passphrase)
    with _lock:
        if record.fingerprint in _unlocked:
            return _unlocked[record.fingerprint]
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    key = load_der_private_key(der, password=None)
    certificates = certificates_of(record.certificate)
    seal = ClinicSeal(record, key, certificates[0], certificates[1:])
    with _lock:
        _unlocked[record.fingerprint] = seal
    return seal


def unwrapped_key(store: Any, record: Any, passphrase: str) -> bytes:
    """The seal's private key, from whichever of its stored wrappings ``passphrase`` opens:
    a passphrase change adds the key wrapped anew before it changes the database's key
    file, so after a kill in between the earlier passphrase still opens both."""
    wrapped = [s.key for s in store.seals() if s.fingerprint == record.fingerprint]
    for n, key in enumerate(wrapped):
        try:
            return unwrap(key, passphrase, PURPOSE)
        except WrongPassphrase:
            if n == len(wrapped) - 1:
                raise
    raise WrongPassphrase()


def rewrap(store: Any, *, new: str, old: str | None) -> bool:
    """Let ``new`` unlock the current seal, given the ``old`` passphrase: its key is stored
    again wrapped by ``new`` (the seals are append-only). False when ``old`` is not known
    (a passphrase reset with the recovery key); :class:`WrongPassphrase` when it is wrong."""
    record = store.current_seal()
    try:
        unwrap(record.key, new, PURPOSE)
        return True  # done already (a change that was interrupted, run again)
    except WrongPassphrase:
        pass
    if old is None:
        return False
    der = unwrapped_key(store, record, old)
    store.add_seal(certificate=record.certificate, key=wrap(der, new, PURPOSE),
                   fingerprint=record.fingerprint, subject=record.subject,
                   not_before=record.not_before.isoformat(),
                   not_after=record.not_after.isoformat())
    return True


def unlocked_seal(store: Any) -> ClinicSeal | None:
    """The clinic's current seal if this process has unlocked it, else None."""
    if not _unlocked:
        return None
    record = store.current_seal()
    return _unlocked.get(record.fingerprint) if record is not None else None


def lock_all() -> None:
    """Forget every unlocked key of this process."""
    with _lock:
        _unlocked.clear()


def certificates_of(pem: str) -> list[Any]:
    """asn1crypto certificates from PEM text (the stored chain, a file to check against)."""
    from asn1crypto import pem as asn1_pem, x509

    data = pem.encode("ascii") if isinstance(pem, str) else pem
    if not asn1_pem.detect(data):
        return [x509.Certificate.load(data)]
    return [x509.Certificate.load(der) for _, _, der in asn1_pem.unarmor(data, multiple=True)]


def _make_signer(seal: ClinicSeal):
    from asn1crypto import keys as asn1_keys
    from cryptography.hazmat.primitives.serialization import (
        Encoding, NoEncryption, PrivateFormat,
    )
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    class _InMemorySigner(signers.SimpleSigner):
        """pyHanko's signer, signing with the key object it was given."""

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            return _sign_with(seal.key, self, data, digest_algorithm)

        async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                                 dry_run: bool = False) -> bytes:
            return self.sign_raw(data, digest_algorithm)

    pkcs8 = seal.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    return _InMemorySigner(
        signing_cert=seal.certificate,
        signing_key=asn1_keys.PrivateKeyInfo.load(pkcs8),
        cert_registry=SimpleCertificateStore.from_certs(seal.chain),
    )


def _sign_with(key: Any, signer: Any, data: bytes, digest_algorithm: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    algorithm = getattr(hashes, digest_algorithm.upper().replace("-", "_"))()
    if isinstance(key, rsa.RSAPrivateKey):
        mechanism = signer.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo == "rsassa_pss":
            from pyhanko_certvalidator.util import process_pss_params

            pss, pss_hash = process_pss_params(mechanism["parameters"])
            return key.sign(data, pss, pss_hash)
        return key.sign(data, padding.PKCS1v15(), algorithm)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(algorithm))
    from pyhanko.sign.signers import SimpleSigner

    return SimpleSigner.sign_raw(signer, data, digest_algorithm)
