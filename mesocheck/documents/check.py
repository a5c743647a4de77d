"""Checking a consent PDF on its own: who sealed it, when, whether anything changed after,
and which intake and form version it records. Used by ``mesocheck check-pdf`` (any file,
no database) and by ``mesocheck verify`` (every stored document, against the clinic's
certificates).

pyHanko validates each signature: the bytes it covers are unchanged (intact), the signature
matches its certificate (valid), and what was appended after it is only what a signature of
this kind allows (later signatures, validation data, document timestamps). Every signature
of a consent document must be made with the clinic's certificate: given (``--certificate``,
or the database's), or else the one the first signature names.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from io import BytesIO
from typing import Any, Sequence

from msgspec import Struct

from mesocheck.documents.seal import (
    COUNTERSIGN_FIELD, SEAL_FIELD, TIMESTAMP_FIELD, public_roots,
)
from mesocheck.i18n import N_, _

# pyHanko logs each failed check with a traceback; the findings here say it in words.
for _name_ in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name_).addHandler(logging.NullHandler())
    logging.getLogger(_name_).propagate = False

ROLES = {SEAL_FIELD: N_("the clinic's seal"),  # translated where the report is made
         COUNTERSIGN_FIELD: N_("the practitioner's countersignature"),
         TIMESTAMP_FIELD: N_("an archive timestamp")}


class SignatureCheck(Struct):
    number: int
    field: str
    role: str
    signer: str  # the certificate's name
    fingerprint: str  # SHA-256 of the certificate, hex
    issuer: str  # "self-signed" or the issuing authority's name
    when: datetime | None
    timestamp: str | None  # "timestamped by X" or None
    signer_name: str | None  # the /Name a signature gives (the countersigning practitioner)
    revision: int
    covers: str  # in words
    intact: bool
    by_clinic: bool


class PdfCheck(Struct):
    readable: bool
    intake: str | None = None
    form: str | None = None  # "mesotherapy 1.0"
    form_hash: str | None = None
    archival: str | None = None  # "PDF/A-3B" when claimed
    record_attached: bool = False
    level: str | None = None  # B-B, B-T, B-LT, B-LTA
    revisions: int = 0
    signatures: list[SignatureCheck] = []
    problems: list[str] = []

    @property
    def ok(self) -> bool:
        return self.readable and not self.problems


def check_pdf(data: bytes, clinic: Sequence[Any] = (), trust: Sequence[Any] = ()
              ) -> PdfCheck:
    """Check a consent PDF. ``clinic``: the clinic's certificates (asn1crypto), if known;
    ``trust``: further roots to trust for timestamps."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
        revisions = reader.xrefs.total_revisions
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        return PdfCheck(False, problems=[_("it is not a readable PDF ({error})").format(
            error=_short_error(exc))])
    result = PdfCheck(True, revisions=revisions)
    _describe_record(data, result)
    if result.intake is None:
        result.problems.append(_("it records no mesocheck intake: it was not made by "
                                 "mesocheck, or its metadata was removed"))
    if not embedded:
        result.problems.append(_("it carries no seal: nothing shows whether it was changed"))
        return result
    _check_signatures(embedded, list(clinic), list(trust), result)
    result.level = _level(reader, embedded, result)
    return result


def _check_signatures(embedded: list[Any], clinic: list[Any], trust: list[Any],
                      result: PdfCheck) -> None:
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext

    anchors = clinic or [embedded[0].signer_cert]
    fingerprints = {c.sha256.hex() for c in anchors}
    context = ValidationContext(trust_roots=anchors, allow_fetching=False,
                                revocation_mode="soft-fail")
    ts_context = ValidationContext(trust_roots=[*anchors, *trust, *public_roots()],
                                   allow_fetching=False, revocation_mode="soft-fail")
    usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"},
                                match_all_key_usages=False)
    for number, signature in enumerate(embedded, start=1):
        field = signature.field_name
        role = _(ROLES[field]) if field in ROLES else _("a signature named {name}").format(
            name=repr(field))
        is_timestamp = signature.sig_object_type == "/DocTimeStamp"
        try:
            if is_timestamp:
                status = validate_pdf_timestamp(signature, validation_context=ts_context)
            else:
                status = validate_pdf_signature(signature, context, ts_validation_context=ts_context,
                                                key_usage_settings=usage)
        except Exception as exc:  # a malformed signature is a finding, not a crash
            result.problems.append(_("signature {number} ({role}) cannot be read "
                                     "({error})").format(number=number, role=role,
                                                         error=_short_error(exc)))
            continue
        cert = status.signing_cert
        fingerprint = cert.sha256.hex()
        by_clinic = is_timestamp or fingerprint in fingerprints
        intact = bool(status.intact and status.valid)
        check = SignatureCheck(
            number=number, field=field, role=role, signer=_name(cert),
            fingerprint=fingerprint, issuer=_issuer(cert),
            when=getattr(status, "timestamp", None) if is_timestamp
            else status.signer_reported_dt,
            timestamp=_timestamp_words(status, is_timestamp),
            signer_name=_text(signature.sig_object.get("/Name")),
            revision=signature.signed_revision + 1, covers=_coverage(status, result.revisions,
                                                                     signature),
            intact=intact, by_clinic=by_clinic)
        result.signatures.append(check)
        if not intact:
            result.problems.append(
                _("signature {number} ({role}) does not match the document: the bytes it "
                  "covers were changed after it was made").format(number=number, role=role))
        if not by_clinic:
            result.problems.append(
                _("signature {number} ({role}) was made with another certificate ({signer}, "
                  "{fingerprint}) than the clinic's").format(
                    number=number, role=role, signer=check.signer,
                    fingerprint=fingerprint_words(fingerprint)))
        level = status.modification_level
        if level is not None and level.name in ("ANNOTATIONS", "OTHER") or \
                status.docmdp_ok is False:
            result.problems.append(
                _("the document was changed after signature {number} ({role}): it covers "
                  "revisions 1 to {revision} of {revisions}, and what follows changes the "
                  "content, not only adds signatures or validation data").format(
                    number=number, role=role, revision=check.revision,
                    revisions=result.revisions))


def _coverage(status: Any, revisions: int, signature: Any) -> str:
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    revision = signature.signed_revision + 1
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return _("the whole file")
    if status.coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        added = {"NONE": N_("nothing"), "LTA_UPDATES": N_("validation data or timestamps only"),
                 "FORM_FILLING": N_("later signatures only (allowed)"),
                 "ANNOTATIONS": N_("annotations"), "OTHER": N_("changes to the content")}
        level = status.modification_level
        words = added.get(level.name, N_("changes")) if level is not None else N_("changes")
        return _("revisions 1 to {revision} of {revisions}; added after it: {added}").format(
            revision=revision, revisions=revisions, added=_(words))
    return _("an unclear part of the file")


def _timestamp_words(status: Any, is_timestamp: bool) -> str | None:
    if is_timestamp:
        return (_("by {authority}") if status.trusted else
                _("by {authority} (an authority this computer does not know)")).format(
            authority=_name(status.signing_cert))
    ts = status.timestamp_validity
    if ts is None:
        return None
    if not (ts.intact and ts.valid):
        return _("a timestamp by {authority} that does not match").format(
            authority=_name(ts.signing_cert))
    return (_("{time} UTC by {authority}") if ts.trusted else
            _("{time} UTC by {authority} (an authority this computer does not know)")).format(
        time=f"{ts.timestamp:%Y-%m-%d %H:%M:%S}", authority=_name(ts.signing_cert))


def _level(reader: Any, embedded: list[Any], result: PdfCheck) -> str | None:
    signatures = [s for s in result.signatures if s.field != TIMESTAMP_FIELD]
    if not signatures:
        return None
    has_ts = all(s.timestamp for s in signatures)
    doc_ts = any(s.sig_object_type == "/DocTimeStamp" for s in embedded)
    dss = "/DSS" in reader.root
    if has_ts and dss and doc_ts:
        return "B-LTA"
    if (has_ts or doc_ts) and dss:
        return "B-LT"
    if has_ts or doc_ts:
        return "B-T"
    return "B-B"


def _describe_record(data: bytes, result: PdfCheck) -> None:
    """The intake, form and archival claim, from the metadata and the attached Bundle."""
    import re

    import pikepdf

    try:
        with pikepdf.open(BytesIO(data)) as doc:
            keywords = str(doc.docinfo.get("/Keywords", ""))
            if "/Metadata" in doc.Root:
                meta = doc.open_metadata()
                part, conformance = meta.get("pdfaid:part"), meta.get("pdfaid:conformance")
                if part:
                    result.archival = f"PDF/A-{part}{(conformance or '').lower()}"
            from mesocheck.documents.pdfa import ATTACHMENT_NAME

            spec = doc.attachments.get(ATTACHMENT_NAME)
            bundle = spec.get_file().read_bytes() if spec is not None else None
    except pikepdf.PdfError:
        return
    for part in keywords.split(", "):
        if (found := re.fullmatch(r"intake ([0-9a-f-]{36})", part.strip())):
            result.intake = found[1]
        elif part.startswith("form "):
            result.form = part[5:].strip()
    if bundle is not None:
        result.record_attached = True
        result.form_hash = _form_hash(bundle)


def _form_hash(bundle: bytes) -> str | None:
    try:
        parsed = json.loads(bundle)
        for entry in parsed.get("entry", []):
            resource = entry.get("resource", {})
            if resource.get("resourceType") == "QuestionnaireResponse":
                return str(resource.get("questionnaire", "")).partition("|")[2] or None
    except (ValueError, AttributeError):
        return None
    return None


def _name(cert: Any) -> str:
    native = cert.subject.native
    return str(native.get("common_name") or native.get("organization_name") or
               cert.subject.human_friendly)


def _issuer(cert: Any) -> str:
    if cert.self_signed in ("yes", "maybe") or cert.issuer == cert.subject:
        return "self-signed"
    native = cert.issuer.native
    return str(native.get("common_name") or native.get("organization_name") or
               cert.issuer.human_friendly)


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None


def fingerprint_words(fingerprint: str) -> str:
    """The start of a SHA-256 fingerprint as people compare it."""
    return "SHA-256 " + ":".join(fingerprint[i:i + 2] for i in range(0, 32, 2)).upper()


def _short_error(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]
