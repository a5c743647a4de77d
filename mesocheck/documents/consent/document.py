"""The consent document as a whole: its inputs, its header, the patient's details, the order
of its sections, its page frame and metadata, and the record block that names it."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, HRFlowable, Image, Spacer

from mesocheck.documents import styles as st
from mesocheck.documents.consent.answers import AnswersSection
from mesocheck.documents.consent.parts import (
    CLINIC,
    LAYOUT_VERSION,
    PATIENT,
    DocumentRefused,
    Review,
    created_at,
    day,
    grouped,
    triggers,
)
from mesocheck.documents.consent.practitioner import ReviewSection
from mesocheck.documents.consent.statements import StatementsSection
from mesocheck.documents.consent.summary import SummarySection
from mesocheck.documents.layout import Block, Metadata, PageFrame, Row, render
from mesocheck.documents.stamp import SealSpace
from mesocheck.documents.text import para
from mesocheck.documents.wording import LANGUAGE_NAMES, words
from mesocheck.forms.conditions import Facts
from mesocheck.forms.flow import Flow
from mesocheck.forms.isolation import isolate, strip_direction_controls
from mesocheck.forms.model import Form
from mesocheck.forms.outcome import current_countersignature, patient_signature, unreachable
from mesocheck.i18n import _
from mesocheck.store.audit import staff_of
from mesocheck.store.witness import head_text


class ConsentDocument(AnswersSection, StatementsSection, ReviewSection, SummarySection):
    """One intake's consent document, in one of its two copies: the clinic's record
    (``CLINIC``: everything, in the practitioner's words where a flag speaks to the
    practitioner) or the patient's copy (``PATIENT``: the patient's words only, in larger
    type). Its inputs, the page frame and the order of its sections (each in a module of
    its own).

    A record the review's rules could not have produced is refused
    (:class:`DocumentRefused`): the outcome printed is derived from the decisions and the
    countersignature, never taken from a status handed in.
    """

    def __init__(self, record: Any, form: Form, settings: Mapping[str, Any], review: Review,
                 copy: str = CLINIC):
        if copy not in (CLINIC, PATIENT):
            raise ValueError(f"unknown copy {copy!r}")
        why = unreachable(record)
        if why is not None:
            raise DocumentRefused(_("No consent document was made for intake {id}: {why}, which "
                                    "the review's rules cannot lead to.").format(
                                        id=record.id, why=why))
        self.record = record
        self.form = form
        self.settings = settings
        self.review = review
        self.copy = copy
        self.for_patient = copy == PATIENT
        self.language = record.language if record.language in form.languages \
            else form.languages[0]
        self.s = st.styles(st.PATIENT_SIZES if self.for_patient else st.CLINIC_SIZES,
                           self.language)
        self.w = words(self.language)
        self.zone = _zone(settings.get("time_zone"), record)
        self.facts = Facts.of(record, self.zone)
        self.flow = Flow(form, self.facts, self.language)
        self.flags = list(record.flags)
        self.flag_numbers = {flag.id: n for n, flag in enumerate(self.flags, start=1)}
        self.flags_by_source: dict[str, list[Any]] = {}
        for flag in self.flags:
            for source in _trigger_sources(flag.triggers):
                self.flags_by_source.setdefault(source, []).append(flag)
        self.patient_signature = patient_signature(record)
        self.earlier_patient_signatures = sorted(
            (s for s in record.signatures
             if s.role == "patient" and s is not self.patient_signature),
            key=lambda s: (s.signed_at, s.id), reverse=True)
        # Only a countersignature that covers the review as it stands vouches for it.
        self.practitioner_signature = current_countersignature(record)
        # A minor's parent or guardian, who consents beside the patient's agreement.
        self.guardian_signature = next(
            (s for s in reversed(record.signatures) if s.role == "guardian"), None)
        # The signatures this copy records: the patient's copy leaves the review out.
        self.signatures = [s for s in record.signatures
                           if not self.for_patient or s.role in ("patient", "guardian")]
        self.created = created_at(record) if not self.for_patient else max(
            [record.submitted_at or record.updated_at] + [s.signed_at for s in self.signatures])
        self.document_id = self._document_id()

    def render(self) -> bytes:
        w, record = self.w, self.record
        title = self.form.title.get(self.language)
        name = record.patient.name
        frame = PageFrame(
            footer_name=name,
            footer_line1=f"  \u00b7  {w('footer_born', date=day(record.patient.birth_date))}",
            footer_line2="  \u00b7  ".join((
                w("footer_form", id=self.form.id, version=self.form.version),
                w("footer_intake", id=record.id),
            )),
            header="  \u00b7  ".join(x for x in (isolate(self._clinic_name()), title) if x),
            page_of=lambda page, pages: w("page_of", page=page, pages=pages),
            created=self.created,
            document_id=self.document_id,
            footer_size=self.s.sizes.footer,
            rtl=self.s.rtl,
        )
        reviewed = self.practitioner_signature is not None
        subject = "metadata_subject_patient" if self.for_patient else \
            "metadata_subject_reviewed" if reviewed else "metadata_subject"
        meta = Metadata(
            title=strip_direction_controls(w("metadata_title", title=title, name=name)),
            author=self._clinic_name() or "mesocheck",
            subject=strip_direction_controls(w(subject, id=record.id)),
            keywords=", ".join((f"intake {record.id}", f"document {self.document_id}",
                                f"form {self.form.id} {self.form.version}",
                                *self._witness())),
            creator=f"mesocheck (consent layout {LAYOUT_VERSION})",
            language=self.language,
        )
        return render(self.story(), frame, meta)

    def story(self) -> list[Flowable]:
        out: list[Flowable] = []
        out += self.header()
        out += self.patient_block()
        if not self.for_patient:
            out += self.flag_summary()
        out += self.answers()
        out += self.disclosures()
        out += self.understanding()
        out += self.consent()
        if not self.for_patient:
            out += self.review_section()
            out += self.clinic_summary()
        out += self.aftercare()
        out += self.record_block()
        out.append(SealSpace())  # where sealing draws its stamps
        return out

    def _clinic_name(self) -> str:
        return str(self.settings.get("clinic_name") or "").strip()

    def header(self) -> list[Flowable]:
        s = self.s
        texts: list[Flowable] = []
        if self._clinic_name():
            texts.append(para(self._clinic_name(), s.clinic_name))
        address = str(self.settings.get("clinic_address") or "").strip()
        if address:
            texts.append(para(address, s.clinic_address))
        logo = _logo(self.settings.get("logo_path"))
        out: list[Flowable] = []
        if logo is not None or texts:
            cells, widths = ([[logo], texts], [logo.drawWidth + 8, None]) \
                if logo is not None else ([texts], [None])
            out.append(Row(cells, widths, padding=(0, 0, 6, 0), line_below=st.ACCENT,
                           line_width=0.8))
        out.append(Spacer(1, 8))
        out.append(para(self.form.title.get(self.language), s.title))
        out.append(para(self.w("subtitle_patient" if self.for_patient else "subtitle"),
                        s.subtitle))
        return out

    def patient_block(self) -> list[Flowable]:
        w, s, r = self.w, self.s, self.record
        birth = day(r.patient.birth_date)
        age = self.facts.get("age")
        if age is not None:
            birth += f" ({w('age', age=age)})"
        area = self.form.area(r.area)
        area_label = area.label.get(self.language) if area is not None else r.area
        cells = [
            (w("patient"), r.patient.name, None),
            (w("birth_date"), birth, "@age"),
            (w("appointment"), self.when(r.appointment_at), None),
            (w("area"), area_label, "@area"),
            (w("intake"), r.id, None),
            (w("language"), LANGUAGE_NAMES.get(self.language, self.language), None),
            (w("form"), w("form_value", id=self.form.id, version=self.form.version), None),
            (w("submitted"), self.when(r.submitted_at) if r.submitted_at else "\u2014", None),
        ]
        continues = getattr(r, "continues", None)
        if continues is not None:  # a check-in: the consent it continues, at a glance
            cells += [(w("continues_consent"), continues.intake_id, None),
                      (w("consent_signed"), self.when(continues.signed_at)
                       if continues.signed_at else "\u2014", None)]
        reconsent = getattr(r, "reconsent", None)
        if reconsent is not None:
            cells += [(w("renews_consent"), reconsent.previous, None),
                      (w("renewed_because"), "; ".join(w(f"reason_{reason}")
                                                       for reason in reconsent.reasons), None)]
        flowing = []
        for label, value, source in cells:
            is_id = value in (r.id, getattr(continues, "intake_id", None),
                              getattr(reconsent, "previous", None))
            cell: list[Flowable] = [para(label, s.label),
                                    para(value, s.value_id if is_id else s.value,
                                         align_rtl=False)]
            cell += self.flag_marks(source)
            flowing.append(cell)
        pairs = [flowing[i:i + 2] for i in range(0, len(flowing), 2)]
        rows = [Row(pair, [st.TEXT_WIDTH / 2, None], padding=(4, 7, 4, 7),
                    background=st.PANEL,
                    line_below=st.HAIRLINE if n < len(pairs) - 1 else None)
                for n, pair in enumerate(pairs)]
        return [Block(rows, space_after=6)]

    def record_block(self) -> list[Flowable]:
        """What ties this document to the stored record: its content id, the intake, the
        exact form, the device, every signature, and the audit log's newest entry when it
        was made; and how a reader holding only paper can check it."""
        w, s, r = self.w, self.s, self.record
        rows = [
            (w("record_document"), grouped(self.document_id)),
            (w("record_copy"), w("copy_patient" if self.for_patient else "copy_clinic")),
            (w("intake"), r.id),
            (w("form"), w("form_value", id=self.form.id, version=self.form.version)),
            (w("record_form_hash"), self.form.content_hash),
            (w("record_device"), r.device or "\u2014"),
            (w("record_created"), self.when(self.created, seconds=True, offset=True)),
        ]
        head = getattr(r, "audit_head", None)
        if head is not None:
            rows.append((w("record_audit_head"), w("record_audit_head_value",
                                                   id=head.audit_id, hash=head.digest.hex())))
        for sig in sorted(self.signatures, key=lambda x: (x.signed_at, x.id)):
            rows.append((w(f"record_signature_{sig.role}") if sig.role in
                         ("patient", "practitioner") else sig.role,
                         self.signature_line(sig)))
        lines = [Row([[para(label, s.record)], [para(value, s.record_mono)]], [40 * mm, None],
                     padding=(1.5, 0, 1.5, 0)) for label, value in rows]
        for key in ("record_note", "record_paper"):
            lines.append(Row([[para(w(key, intake=r.id), s.record)]], [None],
                             padding=(1.5, 0, 1.5, 0)))
        rule = HRFlowable(width="100%", thickness=0.6, color=st.RULE, spaceBefore=0,
                          spaceAfter=3.5)
        return [Spacer(1, 14), Block([para(w("record"), s.h2), rule] + lines)]

    def signature_line(self, sig: Any) -> str:
        """One signature in the record: who, when, and the content it is bound to; one
        that no longer covers the intake as it stands says so."""
        current = sig in (self.patient_signature, self.practitioner_signature,
                          self.guardian_signature)
        text = (f"{sig.printed_name}, {self.when(sig.signed_at, seconds=True, offset=True)}; "
                f"{self.w('signed_content')} {sig.content_hash}")
        return text if current else f"{text} ({self.w('signature_superseded')})"

    def staff_name(self, actor_or_id: Any) -> str:
        """A staff member's name from their id or an audit actor (``staff:7``)."""
        staff_id = actor_or_id if isinstance(actor_or_id, int) else staff_of(str(actor_or_id))
        if staff_id is None:
            return str(actor_or_id)
        return self.review.staff_names.get(staff_id) or self.w("staff_unknown", id=staff_id)

    def when(self, moment: datetime | None, *, seconds: bool = False,
             offset: bool = False) -> str:
        if moment is None:
            return "\u2014"
        here = moment.astimezone(self.zone)
        text = here.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
        name = here.tzname() or ""
        utc_offset = _offset(here)
        if not name or name[0] in "+-" or name == utc_offset:
            return f"{text} {utc_offset}"
        return f"{text} {name} ({utc_offset})" if offset else f"{text} {name}"

    def _witness(self) -> list[str]:
        """The audit head in the metadata, as ``mesocheck verify --against`` reads it."""
        head = getattr(self.record, "audit_head", None)
        return [head_text(head)] if head is not None else []

    def _document_id(self) -> str:
        """An id for exactly this content: every input of the document hashed together."""
        r = self.record
        manifest = {
            "layout": LAYOUT_VERSION,
            "copy": self.copy,
            "intake": r.id,
            "form": [self.form.id, self.form.version, self.form.content_hash],
            "language": self.language,
            "patient": [r.patient.name, str(r.patient.birth_date)],
            "area": r.area,
            "appointment": r.appointment_at.isoformat(),
            "status": r.status,
            "device": r.device,
            "answers": dict(r.answers),
            "history": [[a.id, a.amends, a.reason, a.actor, a.answered_at.isoformat()] for a in
                        getattr(r, "answer_history", ()) or () if a.amends is not None],
            "acks": [[a.disclosure_id, a.text_hash, a.acknowledged_at.isoformat()]
                     for a in r.acknowledgements],
            "flags": [[f.rule_id, f.severity, f.practitioner_message, f.patient_message,
                       [[d.decision, d.reason, d.new_date, d.staff_id,
                         d.decided_at.isoformat()] for d in f.decisions]] for f in r.flags],
            "signatures": [[s.role, s.printed_name, s.meaning, s.signed_at.isoformat(),
                            s.content_hash, hashlib.sha256(json.dumps(
                                s.strokes, sort_keys=True).encode()).hexdigest()]
                           for s in self.signatures],
            "settings": {k: str(self.settings.get(k) or "") for k in
                         ("clinic_name", "clinic_address", "logo_path", "time_zone")},
            "review": [sorted((int(k), v) for k, v in self.review.staff_names.items()),
                       self.review.notes],
        }
        if self.has_summary():  # only where there is one, so other documents keep their id
            manifest["summary_language"] = self.clinic_language()
        if getattr(r, "course_until", None) is not None:  # only where a course is printed
            manifest["course"] = [r.course_sessions, r.course_until.isoformat()]
        if self.for_patient:  # the review is not on the patient's copy: it does not move it
            manifest["status"] = None
            manifest["review"] = [sorted(
                (int(k), v) for k, v in self.review.staff_names.items()
                if k in {staff_of(a.actor) for a in r.answer_history}), ""]
            for flag in manifest["flags"]:
                flag[2], flag[4] = None, []
        digest = hashlib.sha256(json.dumps(manifest, sort_keys=True, default=str,
                                           ensure_ascii=False).encode("utf-8"))
        return digest.hexdigest()[:20].upper()


def _trigger_sources(raw: Any) -> list[str]:
    return list(dict.fromkeys(source for source, _v in triggers(raw)))


def _zone(name: Any, record: Any):
    candidates = [name] + [s.tz for s in reversed(record.signatures)]
    for candidate in candidates:
        if not candidate or not isinstance(candidate, str):
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return timezone.utc


def _offset(moment: datetime) -> str:
    delta = moment.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@lru_cache(maxsize=4)
def _logo_image(path: str, mtime_ns: int, size: int):
    """The clinic's logo, scaled down once so a large photo does not bloat every PDF."""
    from PIL import Image as PILImage

    with PILImage.open(path) as image:
        image.load()
        image = image.convert("RGBA") if image.mode in ("P", "LA", "RGBA") else \
            image.convert("RGB")
        image.thumbnail((600, 300))
        out = BytesIO()
        image.save(out, format="PNG", optimize=False)
    return out.getvalue(), image.size


def _logo(path: Any) -> Flowable | None:
    if not path:
        return None
    try:
        p = Path(str(path))
        info = p.stat()
        data, (px_w, px_h) = _logo_image(str(p), info.st_mtime_ns, info.st_size)
    except Exception:  # a missing or unreadable logo must not stop the consent document
        return None
    height = 16 * mm
    width = min(px_w * height / px_h, 45 * mm)
    height = width * px_h / px_w
    return Image(BytesIO(data), width=width, height=height)
