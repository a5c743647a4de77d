"""seal_ms, seal_ratio, fhir_bundle_ms: the record others can check, in process, warm.

- ``seal_ms``: the clinic's seal on the typical consent document, already archival (PDF/A
  with its FHIR record): a certification signature with its visible stamp, made with a
  self-signed RSA-3072 key held in memory. No time-stamping authority (its round trip is
  the network's, not ours).
- ``seal_ratio``: over pyHanko signing the same file bare (an invisible signature, the same
  key object, the same space reserved), alternating runs, one ratio per pair.
- ``fhir_bundle_ms``: one intake's transaction Bundle as push sends it (the full sample
  intake, its sealed PDF inside), built, checked with fhir.resources and serialised.
"""

from __future__ import annotations

import statistics
import time
from datetime import datetime, timezone
from io import BytesIO
from typing import Any

from bench.common import Figure
from tests.support.answers import SHORT_ANSWERS
from tests.support.records import SETTINGS, STAFF, make_record


def clinic_seal() -> Any:
    """An unlocked seal without a database: a self-signed key in memory."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding

    from mesocheck.documents.certificate import ClinicSeal, certificates_of, make_self_signed
    from mesocheck.store.records import SealRecord

    now = datetime.now(timezone.utc)
    key, chain = make_self_signed("Clinique Lumière", now)
    pem = "".join(c.public_bytes(Encoding.PEM).decode() for c in chain)
    record = SealRecord(1, pem, "", chain[0].fingerprint(hashes.SHA256()).hex(),
                        "CN=Clinique Lumière", chain[0].not_valid_before_utc,
                        chain[0].not_valid_after_utc, now)
    certs = certificates_of(pem)
    return ClinicSeal(record, key, certs[0], certs[1:])


def archival(record: Any, form: Any, pdf: bytes) -> bytes:
    from mesocheck.documents.pdfa import make_archival
    from mesocheck.fhir.bundle import bundle_json, intake_bundle

    bundle = bundle_json(intake_bundle(record, form, SETTINGS, STAFF))
    return make_archival(pdf, bundle, created=record.submitted_at)


def stored_typical() -> tuple[bytes, bytes, bytes]:
    """The typical consent document as reportlab makes it, archival, and archival and
    sealed (what is stored at submission with the seal unlocked)."""
    from mesocheck.documents.consent import build_consent_pdf
    from mesocheck.documents.seal import seal_pdf
    from mesocheck.forms.registry import default_form

    form = default_form()
    record = make_record(form, SHORT_ANSWERS)
    pdf = build_consent_pdf(record, form, SETTINGS)
    kept = archival(record, form, pdf)
    sealed, _level = seal_pdf(kept, clinic_seal(), timestamping=None)
    return pdf, kept, sealed


def seal_figures(runs: int) -> list[Figure]:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
    from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner

    from mesocheck.documents.seal import seal_pdf
    from mesocheck.forms.registry import default_form

    from mesocheck.documents.consent import build_consent_pdf

    form = default_form()
    record = make_record(form, SHORT_ANSWERS)
    kept = archival(record, form, build_consent_pdf(record, form, SETTINGS))
    seal = clinic_seal()
    reserve = 4096 + 2 * sum(len(c.dump()) for c in [seal.certificate, *seal.chain])

    def sealed() -> bytes:
        return seal_pdf(kept, seal, timestamping=None)[0]

    def bare() -> bytes:
        writer = IncrementalPdfFileWriter(BytesIO(kept))
        meta = PdfSignatureMetadata(field_name="Signature", md_algorithm="sha256",
                                    subfilter=SigSeedSubFilter.PADES)
        return PdfSigner(meta, seal.signer(), new_field_spec=SigFieldSpec("Signature")) \
            .sign_pdf(writer, bytes_reserved=reserve).getvalue()

    sealed(), bare()  # warm: imports, fonts, the stamp's first drawing
    seal_ms, bare_ms, ratios = [], [], []
    for n in range(runs):
        times = {}
        for name, fn in ((("seal", sealed), ("bare", bare)) if n % 2 == 0 else
                         (("bare", bare), ("seal", sealed))):
            began = time.perf_counter()
            fn()
            times[name] = (time.perf_counter() - began) * 1000
        seal_ms.append(times["seal"])
        bare_ms.append(times["bare"])
        ratios.append(times["seal"] / times["bare"])
    return [
        Figure("seal_ms", "ms", 150, seal_ms,
               note=f"the clinic's seal with its stamp on the typical consent document "
                    f"(archival, {len(kept) // 1024} KiB), {runs} warm runs in process",
               detail={"bare_ms_median": round(statistics.median(bare_ms), 1)}),
        Figure("seal_ratio", "x", 1.2, ratios,
               note="over pyHanko signing the same file bare (invisible, same key and "
                    "reserved space), alternating runs"),
    ]


def fhir_figures(runs: int) -> list[Figure]:
    from bench.pdf import full_record
    from mesocheck.fhir.bundle import Document, bundle_json, intake_bundle
    from mesocheck.fhir.check import check_bundle
    from mesocheck.forms.registry import default_form
    from mesocheck.store.records import DocumentInfo

    form = default_form()
    record = full_record(form)
    _pdf, _kept, sealed = stored_typical()
    info = DocumentInfo(1, record.id, "reviewed_consent", "0" * 64, len(sealed),
                        record.submitted_at, None, "B-B")
    document = Document(info, sealed)

    def one() -> bytes:
        bundle = intake_bundle(record, form, SETTINGS, STAFF, document)
        check_bundle(bundle)
        return bundle_json(bundle)

    data = one()  # warm: fhir.resources imported, the Questionnaire made once per form
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        one()
        samples.append((time.perf_counter() - began) * 1000)
    return [Figure("fhir_bundle_ms", "ms", 20, samples,
                   note=f"one intake's transaction Bundle ({len(data) // 1024} KiB with its "
                        f"sealed PDF), built, checked with fhir.resources and serialised; "
                        f"{runs} warm runs")]
