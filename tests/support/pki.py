"""Certificates and a time-stamping authority made by the tests themselves: nothing here
reaches the network. The authority is pyHanko's own test signer (``DummyTimeStamper``)
behind a small HTTP server on 127.0.0.1; a "silent" server accepts connections and never
answers, as an authority that times out."""

from __future__ import annotations

import socket
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption, Encoding, NoEncryption, PrivateFormat, pkcs12,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support import at_rest

NOW = datetime.now(timezone.utc)
PASSPHRASE = at_rest.PASSPHRASE  # one clinic passphrase: the database's and the seal's


def name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def certificate(subject: str, *, issuer: tuple[Any, Any] | None = None, ca: bool = False,
                not_before: datetime | None = None, not_after: datetime | None = None,
                tsa: bool = False, key: Any = None) -> tuple[Any, x509.Certificate]:
    """(key, certificate); self-signed unless ``issuer`` is (its key, its certificate)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    issuer_key, issuer_cert = issuer if issuer else (key, None)
    builder = (
        x509.CertificateBuilder().subject_name(name(subject))
        .issuer_name(issuer_cert.subject if issuer_cert else name(subject))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - timedelta(days=1))
        .not_valid_after(not_after or NOW + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=not ca, content_commitment=not ca and not tsa,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False),
            critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
    )
    if issuer_cert is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False)
    if tsa:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return key, builder.sign(issuer_key, hashes.SHA256())


def pem(*certificates: x509.Certificate) -> str:
    return "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in certificates)


def p12(key: Any, cert: x509.Certificate, chain: list = (), password: str | None = "secret",
        with_key: bool = True) -> bytes:
    encryption = BestAvailableEncryption(password.encode()) if password else NoEncryption()
    return pkcs12.serialize_key_and_certificates(
        b"clinic", key if with_key else None, cert, list(chain) or None, encryption)


def rsa_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class TimeStampingAuthority:
    """An RFC 3161 authority on 127.0.0.1, signing with its own test root's certificate."""

    def __init__(self) -> None:
        from asn1crypto import keys as asn1_keys, x509 as asn1_x509
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        root_key, self.root = certificate("Test Timestamp Root", ca=True,
                                          key=rsa_key())
        tsa_key, tsa_cert = certificate("Test Timestamping Unit", tsa=True,
                                        issuer=(root_key, self.root), key=rsa_key())
        self.stamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(tsa_cert.public_bytes(Encoding.DER)),
            tsa_key=asn1_keys.PrivateKeyInfo.load(tsa_key.private_bytes(
                Encoding.DER, PrivateFormat.PKCS8, NoEncryption())),
            certs_to_embed=[asn1_x509.Certificate.load(self.root.public_bytes(Encoding.DER))])
        self.requests = 0
        authority = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                from asn1crypto import tsp

                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                answer = authority.stamper.request_tsa_response(tsp.TimeStampReq.load(body))
                data = answer.dump()
                authority.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/tsa"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def root_pem(self) -> str:
        return pem(self.root)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SilentServer:
    """Accepts connections on 127.0.0.1 and never answers (an authority that times out)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/tsa"
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def forged_revision(pdf: bytes, *, change_content: bool = True) -> bytes:
    """``pdf`` with a revision appended by someone else: text added to the first page (a
    changed answer) and a second signature made with their own certificate."""
    from io import BytesIO

    from asn1crypto import keys as asn1_keys, x509 as asn1_x509
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key, cert = certificate("Clinique Lumière")  # the same name, another key
    signer = signers.SimpleSigner(
        asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)),
        asn1_keys.PrivateKeyInfo.load(key.private_bytes(Encoding.DER, PrivateFormat.PKCS8,
                                                        NoEncryption())),
        SimpleCertificateStore())
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    if change_content:
        stream = generic.StreamObject(stream_data=b"BT 100 700 Td (No allergies) Tj ET")
        writer.add_stream_to_page(0, writer.add_object(stream))
    out = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="Forged"),
                           signer=signer)
    return out.getvalue()


def flip_byte(data: bytes, where: float = 0.4) -> bytes:
    changed = bytearray(data)
    changed[int(len(changed) * where)] ^= 0x01
    return bytes(changed)
