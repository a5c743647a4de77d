"""Sealing a consent PDF with the clinic's certificate: PAdES signatures made by pyHanko,
each an incremental update, so every earlier revision stays in the file unchanged.

- The clinic's seal is a certification signature that allows later signatures and form
  filling only (DocMDP level 2): any other change after it shows as a change.
- On the reviewed document, the practitioner's countersignature follows as a second,
  approval signature made with the same certificate and naming the practitioner, so who
  signed what, and in which order, is in the file.
- With a time-stamping authority configured, each signature carries its timestamp: PAdES
  B-T. Without one, or when it does not answer, B-B; :func:`upgrade` later adds the
  validation data (the certificates and any revocation data, in the document security
  store) and a document timestamp: B-LT.

Nothing here touches the database (see ``archive``); nothing here needs Qt.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone, tzinfo
from functools import lru_cache
from io import BytesIO
from typing import Any, Sequence

from msgspec import Struct

from mesocheck.documents.certificate import ClinicSeal, SealUnavailable, certificates_of
from mesocheck.documents.stamp import HEIGHT, SEAL_PLACE, WIDTH, stamp_pdf
from mesocheck.errors import MesocheckError

log = logging.getLogger(__name__)

SEAL_FIELD = "ClinicSeal"
COUNTERSIGN_FIELD = "PractitionerCountersignature"
TIMESTAMP_FIELD = "ArchiveTimestamp"
DEFAULT_TSA_TIMEOUT_S = 5.0
TSA_RETRY_AFTER_S = 300.0  # after a failure, seals go without asking again for this long
_tsa_failed: dict[str, float] = {}  # authority URL -> when it last failed (monotonic)


class Countersign(Struct, frozen=True):
    """The practitioner's countersignature the reviewed document records."""

    name: str
    meaning: str


class Timestamping(Struct, frozen=True):
    """A time-stamping authority: its URL, how long to wait, and (optionally) the PEM of
    the root it chains to when the system does not already trust it."""

    url: str
    timeout_s: float = DEFAULT_TSA_TIMEOUT_S
    trust_pem: str | None = None


class TimestampUnavailable(MesocheckError):
    """The time-stamping authority could not be reached or refused; the message says
    which, naming its URL."""


def seal_pdf(pdf: bytes, seal: ClinicSeal, *, timestamping: Timestamping | None,
             countersign: Countersign | None = None, zone: tzinfo = timezone.utc,
             now: datetime | None = None) -> tuple[bytes, str]:
    """``pdf`` sealed by the clinic (and countersigned when ``countersign`` is given);
    returns the bytes and the PAdES level reached (``B-T``, or ``B-B`` when there is no
    time-stamping authority or it failed: then :func:`upgrade` adds it later)."""
    moment = now or datetime.now(timezone.utc)
    seal.usable_at(moment)
    timestamper = None
    if timestamping is not None and not _recently_failed(timestamping.url):
        timestamper = _timestamper(timestamping)
    signatures = [(SEAL_FIELD, _seal_lines(seal, moment, zone, countersign), True,
                   f"Sealed by {seal.name}: the consent record as made", None)]
    if countersign is not None:
        signatures.append((COUNTERSIGN_FIELD, None, False,
                           f"Countersigned by {countersign.name}: {countersign.meaning}",
                           countersign.name))
    for field, lines, certify, reason, name in signatures:
        try:
            pdf = _sign(pdf, seal, field, lines, certify, reason, name, timestamper)
        except TimestampUnavailable as exc:
            log.warning("sealing without a timestamp: %s", exc.message)
            _tsa_failed[timestamping.url] = time.monotonic()
            timestamper = None
            pdf = _sign(pdf, seal, field, lines, certify, reason, name, None)
    return pdf, ("B-T" if timestamper is not None else "B-B")


def _recently_failed(url: str) -> bool:
    """A document is not held up twice by an authority that just failed (the app's one
    database thread makes it); upgrading later asks again."""
    failed = _tsa_failed.get(url)
    return failed is not None and time.monotonic() - failed < TSA_RETRY_AFTER_S


def upgrade(pdf: bytes, timestamping: Timestamping, trusted: Sequence[Any]) -> bytes:
    """Add validation data for every signature and a document timestamp (B-B to B-LT).
    ``trusted``: the clinic's certificates. :class:`TimestampUnavailable` when the
    authority cannot be reached; the document is then left as it was."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import validation
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

    context = _validation_context(trusted, timestamping)
    for index in range(len(_embedded_signatures(pdf))):
        signature = _embedded_signatures(pdf)[index]  # read again: each adds a revision
        pdf = validation.add_validation_info(
            signature, context, skip_timestamp=True, add_vri_entry=False).getvalue()
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    _producer_as_pyhanko(writer)
    stamper = PdfTimeStamper(_timestamper(timestamping), field_name=TIMESTAMP_FIELD)
    try:
        out = stamper.timestamp_pdf(writer, "sha256", validation_context=context,
                                    bytes_reserved=16384)
    except _tsa_errors() as exc:
        raise TimestampUnavailable(_tsa_problem(timestamping.url, exc)) from None
    _tsa_failed.pop(timestamping.url, None)
    return out.getvalue()


def _embedded_signatures(pdf: bytes) -> list[Any]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return list(PdfFileReader(BytesIO(pdf)).embedded_regular_signatures)


def _sign(pdf: bytes, seal: ClinicSeal, field: str, lines: list[str] | None, certify: bool,
          reason: str, name: str | None, timestamper: Any) -> bytes:
    """One signature; with ``lines``, a visible stamp saying them in the document's seal
    box (invisible where the document has none)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import MDPPerm, SigFieldSpec, SigSeedSubFilter
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner

    reserve = 4096 + 2 * sum(len(c.dump()) for c in [seal.certificate, *seal.chain])
    if timestamper is not None:
        reserve += 12288
    for attempt in range(2):
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        _producer_as_pyhanko(writer)
        place = _seal_place(writer) if lines else None
        style, spec = None, SigFieldSpec(field, on_page=-1)
        if place is not None:
            page, (x1, y1, x2, y2) = place
            width, height = min(x2 - x1, WIDTH), min(y2 - y1, HEIGHT)
            box = (x1, y2 - height, x1 + width, y2)
            spec = SigFieldSpec(field, on_page=page, box=tuple(round(v, 2) for v in box))
            style = _stamp_style(stamp_pdf(lines, width, height))
        meta = PdfSignatureMetadata(
            field_name=field, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
            certify=certify, docmdp_permissions=MDPPerm.FILL_FORMS, reason=reason,
            name=name, location=None)
        signer = PdfSigner(meta, seal.signer(), timestamper=timestamper,
                           stamp_style=style, new_field_spec=spec)
        try:
            return signer.sign_pdf(writer, bytes_reserved=reserve).getvalue()
        except _tsa_errors() as exc:
            raise TimestampUnavailable(_tsa_problem(timestamper.url, exc)) from None
        except SigningError:
            if attempt:
                raise
            reserve *= 2  # the signature came out larger than estimated
    raise AssertionError("unreachable")


def _producer_as_pyhanko(writer: Any) -> None:
    """PDF/A wants the document information and the XMP to agree; pyHanko writes its own
    name as the XMP producer, and appends it to the information's, so the information
    gets exactly its name first."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata.model import VENDOR

    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if info_ref is None:
        return
    info = info_ref.get_object()
    if str(info.get("/Producer", "")) != VENDOR:
        info["/Producer"] = generic.TextStringObject(VENDOR)
        writer.update_container(info)


def _seal_place(writer: Any) -> tuple[int, tuple[float, float, float, float]] | None:
    """The page index and rectangle of the box the document keeps for stamps."""
    root = writer.root
    dests = root.get("/Dests")
    dest = None
    if dests is not None:
        dest = dests.get_object().get("/" + SEAL_PLACE)
    if dest is None and "/Names" in root and "/Dests" in root["/Names"]:
        names = list(root["/Names"]["/Dests"].get("/Names", []))
        for key, value in zip(names[::2], names[1::2]):
            if str(key) == SEAL_PLACE:
                dest = value
    if dest is None:
        return None
    dest = dest.get_object()
    if hasattr(dest, "get") and "/D" in dest:
        dest = dest["/D"]
    try:
        page_ref, fit, left, bottom, right, top = list(dest)[:6]
        if str(fit) != "/FitR":
            return None
        count = int(writer.root["/Pages"]["/Count"])
        index = [writer.find_page_for_modification(i)[0].idnum
                 for i in range(count)].index(page_ref.idnum)
        return index, (float(left), float(bottom), float(right), float(top))
    except (ValueError, TypeError, AttributeError):
        return None


def _stamp_style(page_pdf: bytes) -> Any:
    from pyhanko.pdf_utils import layout
    from pyhanko.stamp import StaticStampStyle

    return StaticStampStyle(
        background=_PdfPage(page_pdf), border_width=0, background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins.uniform(0)))


def _pdf_page_class():
    from pyhanko.pdf_utils import content
    from pyhanko.pdf_utils.layout import BoxConstraints
    from pyhanko.pdf_utils.reader import PdfFileReader

    @lru_cache(maxsize=8)
    def reader(data: bytes) -> Any:
        return PdfFileReader(BytesIO(data))

    class PdfPage(content.PdfContent):
        """The first page of a PDF held in memory, as a form XObject (pyHanko's
        ``ImportedPdfPage`` reads a file by name). The page's reader is kept: the same
        stamp is drawn on every document of a day."""

        def __init__(self, data: bytes):
            super().__init__()
            self.data = data

        def render(self) -> bytes:
            with _READING:  # a reader's stream has one position: one thread at a time
                xobj = self._ensure_writer.import_page_as_xobject(reader(self.data),
                                                                  page_ix=0)
            self.resources.xobject["/Stamp"] = xobj
            x1, y1, x2, y2 = xobj.get_object()["/BBox"]
            self.box = BoxConstraints(width=abs(x2 - x1), height=abs(y2 - y1))
            return b"/Stamp Do"

    return PdfPage


def _PdfPage(data: bytes) -> Any:  # noqa: N802 (a class made on first use: pyHanko is lazy)
    global _PDF_PAGE
    if _PDF_PAGE is None:
        _PDF_PAGE = _pdf_page_class()
    return _PDF_PAGE(data)


_PDF_PAGE = None
_READING = threading.Lock()


def _seal_lines(seal: ClinicSeal, moment: datetime, zone: tzinfo,
                countersign: Countersign | None) -> list[str]:
    lines = [f"Sealed by {seal.name}",
             f"on {moment.astimezone(zone):%Y-%m-%d} \u00b7 certificate "
             f"{_short(seal.fingerprint)}"]
    if countersign is not None:
        lines.append(f"Countersigned by {countersign.name} (second signature)")
    lines.append("Any change since shows in a PDF signature check (mesocheck check-pdf)")
    return lines


def _short(fingerprint: str) -> str:
    return ":".join(fingerprint[i:i + 2] for i in range(0, 16, 2)).upper()


# -- time-stamping ---------------------------------------------------------------------------------


def _timestamper(timestamping: Timestamping) -> Any:
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(timestamping.url, timeout=timestamping.timeout_s)


def _tsa_errors() -> tuple[type[BaseException], ...]:
    import asyncio

    import aiohttp
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    return (TimestampRequestError, aiohttp.ClientError, asyncio.TimeoutError, OSError)


def _tsa_problem(url: str, exc: BaseException) -> str:
    import aiohttp

    causes = []
    while exc is not None and len(causes) < 8:
        causes.append(exc)
        exc = exc.__cause__ or exc.__context__
    if any(isinstance(c, TimeoutError) for c in causes):
        return f"the time-stamping authority at {url} did not answer in time"
    status = next((c.status for c in causes if isinstance(c, aiohttp.ClientResponseError)),
                  None)
    if status:
        return f"the time-stamping authority at {url} answered HTTP {status}"
    if any(isinstance(c, (aiohttp.ClientConnectionError, OSError)) for c in causes):
        return f"the time-stamping authority at {url} could not be reached"
    return f"the time-stamping authority at {url} gave no usable timestamp"


def _validation_context(trusted: Sequence[Any], timestamping: Timestamping | None) -> Any:
    from pyhanko_certvalidator import ValidationContext

    roots = [*trusted, *public_roots()]
    if timestamping is not None and timestamping.trust_pem:
        roots += certificates_of(timestamping.trust_pem)
    return ValidationContext(trust_roots=roots, allow_fetching=True,
                             revocation_mode="soft-fail")


@lru_cache(maxsize=1)
def public_roots() -> tuple[Any, ...]:
    """The certificate authorities the web trusts (certifi's list), which public
    time-stamping authorities chain to."""
    import certifi

    with open(certifi.where(), "rb") as file:
        return tuple(certificates_of(file.read()))


__all__ = ["Countersign", "SealUnavailable", "TimestampUnavailable", "Timestamping",
           "seal_pdf", "upgrade"]
