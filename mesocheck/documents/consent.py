"""The signed consent PDF: the clinic's legal record and the patient's take-home copy.

Built from the stored intake and the exact form it was filled in with, it holds every answer
in the words the patient saw, every disclosure with its acknowledgement time, the consent
statement and the patient's signature, the practitioner's review (filled in once done, blank
lines until then) and the aftercare sheet. Every page's footer names the patient, the form
and the intake.

The same inputs always give the same bytes: ``build_consent_pdf`` reads no clock and no
machine setting (time zone included: times are shown in the clinic's zone from its
settings), so a stored document can be rebuilt and compared, and a golden file can pin it.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timezone
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from msgspec import Struct, field
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    HRFlowable,
    Image,
    KeepTogether,
    PageBreak,
    Spacer,
)

from mesocheck.documents import styles as st
from mesocheck.documents.layout import (
    Block,
    FillIn,
    Metadata,
    PageFrame,
    Row,
    Stack,
    render,
)
from mesocheck.documents.signature import SignatureDrawing
from mesocheck.documents.text import Para, escape, para
from mesocheck.documents.wording import LANGUAGE_NAMES, words
from mesocheck.errors import MesocheckError
from mesocheck.forms.answers import answer_text, choice_labels
from mesocheck.forms.conditions import Facts, is_answered
from mesocheck.forms.flow import Flow, disclosure_text_hash
from mesocheck.forms.model import Compare, Form, Group, Question, Section, Step
from mesocheck.forms.registry import FormNotFound, form_of
from mesocheck.store.records import CONSENT, CONSENT_KINDS, REVIEWED_CONSENT

# Changes whenever the layout changes on purpose (and the golden files are regenerated).
LAYOUT_VERSION = "2"

TRIGGER_CHARS = 180  # an answer quoted under a flag is cut after this many characters


class DocumentRefused(MesocheckError):
    """The consent document cannot be made faithfully for this intake."""


class Review(Struct, frozen=True):
    """What the practitioner review adds that the intake record does not carry itself."""

    staff_names: Mapping[int, str] = field(default_factory=dict)
    notes: str = ""


def build_consent_pdf(record: Any, form: Form, settings: Mapping[str, Any], *,
                      review: Review | Mapping[str, Any] | None = None) -> bytes:
    """The consent document of ``record`` (a store ``IntakeRecord``) as PDF bytes.

    ``form`` must be the form the intake was filled in with (same content hash);
    ``settings`` are the clinic's (clinic_name, clinic_address, logo_path, time_zone).
    Pure: the same arguments give byte-identical output.
    """
    doc = _ConsentDocument(record, form, settings, _review(review))
    return doc.render()


def store_consent_pdf(store: Any, intake_id: str) -> int:
    """Build the intake's consent document and keep it in ``store``; returns its id.

    The form is the shipped one with the intake's exact content hash (or the store's
    archived copy of that content): if neither exists the document is refused, because the
    text printed must be the text the patient was shown. A document identical to the latest
    one is not stored twice. Safe in a worker thread that has its own Store.
    """
    record = store.intake(intake_id)
    if record.status == "voided":
        raise DocumentRefused("This intake was voided; no consent document is made for it.")
    if record.submitted_at is None or not _signatures(record, "patient"):
        raise DocumentRefused(
            "The patient has not signed this intake yet; the consent document is made "
            "when it is submitted."
        )
    form = _form_of(record)
    staff = {m.id: m.name for m in store.staff_members(include_inactive=True)}
    pdf = build_consent_pdf(record, form, store.settings(), review=Review(staff_names=staff))
    kind = REVIEWED_CONSENT if _signatures(record, "practitioner") else CONSENT
    previous = store.latest_document(intake_id, kinds=CONSENT_KINDS)
    digest = hashlib.sha256(pdf).hexdigest()
    if previous is not None and previous.sha256 == digest and previous.kind == kind:
        return previous.id
    return store.add_document(
        intake_id, kind, pdf, created_at=_created_at(record),
        supersedes=previous.id if previous is not None else None,
    )


def _form_of(record: Any) -> Form:
    try:
        return form_of(record)
    except FormNotFound as exc:
        raise DocumentRefused(
            f"No consent document was made: {exc.message}. Restore version "
            f"{record.form_version} of the form file, then try again."
        ) from None


def _review(review: Review | Mapping[str, Any] | None) -> Review:
    if review is None:
        return Review()
    if isinstance(review, Review):
        return review
    return Review(staff_names=dict(review.get("staff_names") or {}),
                  notes=str(review.get("notes") or ""))


def _signatures(record: Any, role: str) -> list[Any]:
    return [s for s in record.signatures if s.role == role]


def _created_at(record: Any) -> datetime:
    """The document's time: when it was signed, or when its review was completed."""
    moments = [record.submitted_at or record.updated_at]
    moments += [s.signed_at for s in _signatures(record, "practitioner")]
    if record.reviewed_at is not None:
        moments.append(record.reviewed_at)
    return max(moments)


# --------------------------------------------------------------------------------------------


class _ConsentDocument:
    def __init__(self, record: Any, form: Form, settings: Mapping[str, Any], review: Review):
        self.record = record
        self.form = form
        self.settings = settings
        self.review = review
        self.s = st.styles()
        self.language = record.language if record.language in form.languages \
            else form.languages[0]
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
        self.patient_signature = (_signatures(record, "patient") or [None])[-1]
        self.practitioner_signature = (_signatures(record, "practitioner") or [None])[-1]
        self.created = _created_at(record)
        self.document_id = self._document_id()

    # -- the whole ------------------------------------------------------------------------

    def render(self) -> bytes:
        w, record = self.w, self.record
        title = self.form.title.get(self.language)
        name = record.patient.name
        frame = PageFrame(
            footer_name=name,
            footer_line1=f"  \u00b7  {w('footer_born', date=_day(record.patient.birth_date))}",
            footer_line2="  \u00b7  ".join((
                w("footer_form", id=self.form.id, version=self.form.version),
                w("footer_intake", id=record.id),
            )),
            header="  \u00b7  ".join(x for x in (self._clinic_name(), title) if x),
            page_of=lambda page, pages: w("page_of", page=page, pages=pages),
            created=self.created,
            document_id=self.document_id,
        )
        reviewed = self.practitioner_signature is not None
        meta = Metadata(
            title=w("metadata_title", title=title, name=name),
            author=self._clinic_name() or "mesocheck",
            subject=w("metadata_subject_reviewed" if reviewed else "metadata_subject",
                      id=record.id),
            keywords=", ".join((f"intake {record.id}", f"document {self.document_id}",
                                f"form {self.form.id} {self.form.version}")),
            creator=f"mesocheck (consent layout {LAYOUT_VERSION})",
            language=self.language,
        )
        return render(self.story(), frame, meta)

    def story(self) -> list[Flowable]:
        out: list[Flowable] = []
        out += self.header()
        out += self.patient_block()
        out += self.flag_summary()
        out += self.answers()
        out += self.disclosures()
        out += self.consent()
        out += self.review_section()
        out += self.aftercare()
        out += self.record_block()
        return out

    # -- parts ----------------------------------------------------------------------------

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
        out.append(para(self.w("subtitle"), s.subtitle))
        return out

    def patient_block(self) -> list[Flowable]:
        w, s, r = self.w, self.s, self.record
        birth = _day(r.patient.birth_date)
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
        flowing = []
        for label, value, source in cells:
            cell: list[Flowable] = [para(label, s.label),
                                    para(value, s.value, align_rtl=False)]
            cell += self.flag_marks(source)
            flowing.append(cell)
        pairs = [flowing[i:i + 2] for i in range(0, len(flowing), 2)]
        rows = [Row(pair, [st.TEXT_WIDTH / 2, None], padding=(4, 7, 4, 7),
                    background=st.PANEL,
                    line_below=st.HAIRLINE if n < len(pairs) - 1 else None)
                for n, pair in enumerate(pairs)]
        return [Block(rows, space_after=6)]

    def flag_summary(self) -> list[Flowable]:
        s, w = self.s, self.w
        if not self.flags:
            return [Para(f"<b>{escape(w('flags_summary'))}:</b> "
                              + escape(w("flags_none")), s.body)]
        counts = []
        for severity in ("stop", "review", "info"):
            n = sum(1 for f in self.flags if f.severity == severity)
            if n:
                counts.append(f"{badge(severity)} \u00d7 {n}")
        link = escape(w("review"))
        return [Para(
            f"<b>{escape(w('flags_summary'))}:</b>  " + "   ".join(counts)
            + f"   \u2192 {link}", s.body)]

    def flag_marks(self, source: str | None) -> list[Flowable]:
        """The severity badge and message under an answer that raised a flag."""
        if source is None:
            return []
        out = []
        for flag in self.flags_by_source.get(source, ()):
            n = self.flag_numbers[flag.id]
            prefix = (f"{badge(flag.severity)} "
                      f"<font size=7>{escape(self.w('flag_ref', n=n))}</font>  ")
            out.append(para(flag.practitioner_message, self.s.flag_note, prefix=prefix,
                            base="L"))
        return out

    def answers(self) -> list[Flowable]:
        w, s = self.w, self.s
        answers = self.record.answers
        out: list[Flowable] = [para(w("answers"), s.h1), para(w("answers_intro"), s.intro)]
        amended = self._amendments()
        for step in self.flow.shown_steps(answers):
            questions = self.flow.shown_questions(step, answers)
            if not questions:
                continue
            head = self.step_head(step)
            rows: list[Flowable] = []
            for question in questions:
                value = answers.get(question.id)
                extras: list[Flowable] = []
                note = amended.get(question.id)
                if note:
                    extras.append(para(note, s.flag_note))
                extras += self.flag_marks(question.id)
                flags = self.flags_by_source.get(question.id, ())
                worst = _worst(f.severity for f in flags) if flags else None
                asked = para(question.text.get(self.language), s.question)
                if question.type == "text" and isinstance(value, str) and _is_long(value):
                    if rows:
                        out.append(Stack(head, rows))
                        head, rows = [], []
                    out.append(self.long_answer(head, asked, value, extras, worst))
                    head = []
                    continue
                cell = self.answer_flowables(question, value) + extras
                rows.append(Row([[asked], cell], [ANSWER_COLUMN, None], padding=ANSWER_PADDING,
                                line_below=st.HAIRLINE, **_flag_look(worst)))
            if rows:
                out.append(Stack(head, rows))
        return out

    def step_head(self, step: Step) -> list[Flowable]:
        """The step's title and the introduction the patient read above its questions;
        it opens the step's rows and is repeated where they go on over a page."""
        parts = [para(step.title.get(self.language), self.s.h2_cell)]
        if step.intro:
            parts += [para(p, self.s.intro) for p in _paragraphs(step.intro.get(self.language))]
        return [Row([parts], [None], padding=(10, 0, 4, 0), line_below=st.RULE,
                    line_width=0.8)]

    def long_answer(self, head: list[Flowable], asked: Flowable, text: str,
                    extras: list[Flowable], worst: str | None) -> Stack:
        """A long free-text answer under its question, full width, in parts that can go
        on over pages (the question is repeated at the top of the next)."""
        look = _flag_look(worst)
        question = Row([[asked]], [None], padding=(3.5, 6, 1, 6), **look)
        parts = [Row([[para(part, self.s.body)]], [None], padding=(1, 6, 1, 18), **look)
                 for part in _text_parts(text)]
        if extras:
            parts.append(Row([extras], [None], padding=(1, 6, 1, 18), **look))
        last = parts[-1]
        last.padding = (last.padding[0], 6, 4.5, last.padding[3])
        last.line_below = st.HAIRLINE
        return Stack(head + [question], parts)

    def answer_flowables(self, question: Question, value: Any) -> list[Flowable]:
        s = self.s
        if not is_answered(value):
            return [para(self.answer_text(question, value), s.not_answered)]
        if question.type == "multi_choice" and isinstance(value, list) and len(value) > 1:
            return [_bullet(label, s.answer_item)
                    for label in choice_labels(question, value, self.language)]
        text = self.answer_text(question, value)
        if question.type == "text":
            return [para(re.sub(r"\n{3,}", "\n\n", text), s.body)]
        return [para(text, s.answer)]

    def answer_text(self, question: Question, value: Any) -> str:
        """The answer in the words the patient saw in the wizard."""
        return answer_text(question, value, self.language, self.zone)

    def _amendments(self) -> dict[str, str]:
        """Notes for answers staff changed after signing, with the patient's own answer."""
        history = list(getattr(self.record, "answer_history", ()) or ())
        by_id = {a.id: a for a in history}
        notes: dict[str, str] = {}
        for row in history:
            if row.amends is None:
                continue
            original = by_id.get(row.amends)
            while original is not None and original.amends is not None:
                original = by_id.get(original.amends)
            try:
                question = self.form.question(row.question_id)
            except KeyError:
                continue
            note = self.w("amended", reason=row.reason or "")
            if original is not None:
                before = self.answer_text(question, original.value)
                note += f" ({self.w('patient')}: {before.replace(chr(10), '; ')})"
            notes[row.question_id] = note
        return notes

    def disclosures(self) -> list[Flowable]:
        w, s = self.w, self.s
        shown = self.flow.shown_disclosures(self.record.answers)
        if not shown:
            return []
        acks = {a.disclosure_id: a for a in self.record.acknowledgements}
        out: list[Flowable] = [para(w("disclosures"), s.h1),
                               para(w("disclosures_intro"), s.intro)]
        for disclosure in shown:
            block: list[Flowable] = [para(disclosure.title.get(self.language),
                                          s.disclosure_title)]
            for paragraph in _paragraphs(disclosure.body.get(self.language)):
                block.append(para(paragraph, s.disclosure_body))
            ack = acks.get(disclosure.id)
            if ack is None:
                block.append(Para(
                    f'<font color="{_hex(st.SEVERITY["stop"].ink)}">'
                    f"<b>\u2717 {escape(w('not_acknowledged'))}</b></font>", s.ack))
            else:
                block.append(para(w("acknowledged",
                                    when=self.when(ack.acknowledged_at, seconds=True)),
                                  s.ack, prefix="\u2713 "))
                if ack.text_hash != disclosure_text_hash(disclosure, self.language):
                    block.append(para(w("ack_text_changed"), s.ack, prefix="\u26a0 "))
            out.append(Block(block, space_after=5))
        return out

    def consent(self) -> list[Flowable]:
        s, w = self.s, self.w
        statement = self.section(self.form.consent, s.h1)
        sig = self.patient_signature
        if sig is None:
            block = self.signature_block(w("patient_signature"), None, None,
                                         self.form.signature_meaning.get(self.language))
        else:
            block = self.signature_block(w("patient_signature"), sig, sig.printed_name,
                                         sig.meaning)
        # What the patient confirmed and their signature under it share a page.
        return [KeepTogether(statement + [KeepTogether(block)])]

    def section(self, section: Section, heading_style) -> list[Flowable]:
        s = self.s
        out: list[Flowable] = [para(section.title.get(self.language), heading_style)]
        if section.intro:
            for paragraph in _paragraphs(section.intro.get(self.language)):
                out.append(para(paragraph, s.intro))
        for item in section.items:
            out.append(_bullet(item.get(self.language), s.bullet))
        return out

    def signature_block(self, heading: str, sig: Any, name: str | None, meaning: str,
                        *, blank_name: bool = False) -> list[Flowable]:
        w, s = self.w, self.s
        box_w, box_h = 86 * mm, 30 * mm
        drawing = SignatureDrawing(
            sig.strokes if sig is not None else None,
            sig.pad_width if sig is not None else None,
            sig.pad_height if sig is not None else None,
            box_w, box_h,
            empty_text="" if sig is None and blank_name else
            (w("no_strokes") if sig is not None else w("not_signed")),
        )
        lines: list[Flowable] = []
        if sig is not None:
            lines += [
                para(w("signed_by"), s.label),
                para(name or "", s.value, align_rtl=False),
                para(w("meaning"), s.label),
                para(meaning, s.value),
                para(w("signed_at"), s.label),
                para(self.when(sig.signed_at, seconds=True, offset=True), s.value),
                para(w("signed_content"), s.label),
                para(_grouped(sig.content_hash), s.record_mono),
            ]
        else:
            lines += [
                para(w("meaning"), s.label),
                para(meaning, s.value),
            ]
            lines += self.blank_lines([w("name_blank"), w("date_blank")])
        row = Row([[drawing], lines], [box_w + 10, None])
        return [para(heading, s.h2), row, Spacer(1, 4)]

    def blank_lines(self, labels: Sequence[str]) -> list[Flowable]:
        return [FillIn(label, label_width=26 * mm, size=self.s.label.fontSize)
                for label in labels]

    def review_section(self) -> list[Flowable]:
        w, s, r = self.w, self.s, self.record
        out: list[Flowable] = [CondPageBreak(50 * mm), para(w("review"), s.h1)]
        done = self.practitioner_signature is not None
        if not done:
            out.append(para(w("review_intro_pending"), s.intro))
        if not self.flags:
            out.append(para(w("flags_none"), s.body))
        for flag in self.flags:
            out.append(self.flag_entry(flag))
        # The outcome, the notes and the signature that vouches for them stay together.
        closing: list[Flowable] = [Spacer(1, 4)]
        outcome = r.status if r.status in ("cleared", "postponed", "declined") else None
        if outcome:
            closing.append(para(w(f"outcome_{outcome}"), s.body,
                                prefix=f"<b>{escape(w('outcome'))}:</b> "))
        else:
            closing.append(para(w("outcome_blank"), s.body,
                                prefix=f"<b>{escape(w('outcome'))}:</b>\u00a0\u00a0 "))
        if self.review.notes:
            closing.append(para(self.review.notes, s.body,
                                prefix=f"<b>{escape(w('notes'))}:</b> ", base="L"))
        sig = self.practitioner_signature
        meaning = sig.meaning if sig is not None else w("practitioner_meaning")
        closing += self.signature_block(w("practitioner_signature"), sig,
                                        sig.printed_name if sig is not None else None,
                                        meaning, blank_name=True)
        out.append(KeepTogether(closing))
        return out

    def flag_entry(self, flag: Any) -> Flowable:
        w, s = self.w, self.s
        n = self.flag_numbers[flag.id]
        look = st.SEVERITY.get(flag.severity, st.SEVERITY["info"])
        head = para(flag.practitioner_message, s.body_bold, base="L",
                    prefix=f"{badge(flag.severity)}  <b>{n}.</b> ")
        cell: list[Flowable] = [head]
        for source, value in _triggers(flag.triggers):
            cell.append(para(self.trigger_text(flag, source, value), s.flag_note,
                             prefix=f"<font color='#555555'>{escape(w('raised_by'))}:</font> ",
                             base="L"))
        decisions = list(flag.decisions)
        if decisions:
            for i, d in enumerate(decisions):
                staff = self.review.staff_names.get(d.staff_id) or \
                    w("staff_unknown", id=d.staff_id)
                text = w("decided", decision=w(f"decision_{d.decision}"), staff=staff,
                         when=self.when(d.decided_at))
                label = w("decision")
                style = s.flag_note
                latest = i == len(decisions) - 1
                prefix = f"<b>{escape(label)}:</b> " if latest else \
                    f"<strike>{escape(label)}:</strike> "
                cell.append(para(text, style, prefix=prefix, base="L"))
                if d.reason:
                    cell.append(para(d.reason, style,
                                     prefix=f"<b>{escape(w('reason'))}:</b> ", base="L"))
                if d.new_date:
                    cell.append(para(str(d.new_date), style,
                                     prefix=f"<b>{escape(w('new_date'))}:</b> "))
        elif flag.severity == "info":
            cell.append(para(w("info_no_decision"), s.flag_note))
        else:
            cell.append(para(w("decision_blank"), s.flag_note,
                             prefix=f"<b>{escape(w('decision'))}:</b>\u00a0\u00a0 "))
            cell += self.blank_lines([w("reason")])
        return Block(cell, background=look.tint, bar=look.ink, padding=(4, 8, 5, 9.5),
                     space_after=5)

    def trigger_text(self, flag: Any, source: str, value: Any) -> str:
        """The answer that raised a flag, short: for a list, only the options the rule
        looks for; a long text is cut (it is printed in full with the answers)."""
        w = self.w
        if source == "@age":
            return f"{w('age_fact')}: {value}"
        if source == "@area":
            area = self.form.area(str(value))
            return f"{w('area_fact')}: {area.label.get(self.language) if area else value}"
        try:
            question = self.form.question(source)
        except KeyError:
            return f"{source}: {value}"
        if isinstance(value, list):
            wanted = _rule_values(self.form, flag.rule_id, source)
            picked = [v for v in value if v in wanted]
            value = picked or value
        answer = self.answer_text(question, value)
        answer = "; ".join(line.strip() for line in answer.splitlines() if line.strip())
        if len(answer) > TRIGGER_CHARS:
            answer = answer[:TRIGGER_CHARS].rsplit(" ", 1)[0] + " \u2026"
        return f"{question.text.get(self.language)} \u2014 {answer}"

    def aftercare(self) -> list[Flowable]:
        w, s, r = self.w, self.s, self.record
        out: list[Flowable] = [PageBreak()]
        out += self.section(self.form.aftercare, s.h1)[:1]
        out.append(para(w("aftercare_for", name=r.patient.name,
                          date=_day(r.appointment_at.astimezone(self.zone).date())),
                        s.subtitle, align_rtl=False))
        out += self.section(self.form.aftercare, s.h1)[1:]
        contact = [x for x in (self._clinic_name(),
                               str(self.settings.get("clinic_address") or "").strip()) if x]
        if contact:
            out.append(Spacer(1, 8))
            out.append(Block([para(w("contact"), s.label)] + [para(c, s.body) for c in contact],
                             background=st.PANEL, padding=(5, 8, 6, 8)))
        return out

    def record_block(self) -> list[Flowable]:
        w, s, r = self.w, self.s, self.record
        rows = [
            (w("record_document"), _grouped(self.document_id)),
            (w("intake"), r.id),
            (w("form"), w("form_value", id=self.form.id, version=self.form.version)),
            (w("record_form_hash"), self.form.content_hash),
            (w("record_created"), self.when(self.created, seconds=True, offset=True)),
        ]
        lines = [Row([[para(label, s.record)], [para(value, s.record_mono)]], [40 * mm, None],
                     padding=(1.5, 0, 1.5, 0)) for label, value in rows]
        lines.append(Row([[para(w("record_note"), s.record)]], [None], padding=(1.5, 0, 1.5, 0)))
        rule = HRFlowable(width="100%", thickness=0.6, color=st.RULE, spaceBefore=0,
                          spaceAfter=3.5)
        return [Spacer(1, 14), Block([para(w("record"), s.h2), rule] + lines)]

    # -- values ---------------------------------------------------------------------------

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

    def _document_id(self) -> str:
        """An id for exactly this content: every input of the document hashed together."""
        r = self.record
        manifest = {
            "layout": LAYOUT_VERSION,
            "intake": r.id,
            "form": [self.form.id, self.form.version, self.form.content_hash],
            "language": self.language,
            "patient": [r.patient.name, str(r.patient.birth_date)],
            "area": r.area,
            "appointment": r.appointment_at.isoformat(),
            "status": r.status,
            "answers": dict(r.answers),
            "history": [[a.id, a.amends, a.reason] for a in
                        getattr(r, "answer_history", ()) or () if a.amends is not None],
            "acks": [[a.disclosure_id, a.text_hash, a.acknowledged_at.isoformat()]
                     for a in r.acknowledgements],
            "flags": [[f.rule_id, f.severity, f.practitioner_message,
                       [[d.decision, d.reason, d.new_date, d.staff_id,
                         d.decided_at.isoformat()] for d in f.decisions]] for f in r.flags],
            "signatures": [[s.role, s.printed_name, s.meaning, s.signed_at.isoformat(),
                            s.content_hash, hashlib.sha256(json.dumps(
                                s.strokes, sort_keys=True).encode()).hexdigest()]
                           for s in r.signatures],
            "settings": {k: str(self.settings.get(k) or "") for k in
                         ("clinic_name", "clinic_address", "logo_path", "time_zone")},
            "review": [sorted((int(k), v) for k, v in self.review.staff_names.items()),
                       self.review.notes],
        }
        digest = hashlib.sha256(json.dumps(manifest, sort_keys=True, default=str,
                                           ensure_ascii=False).encode("utf-8"))
        return digest.hexdigest()[:20].upper()


# --------------------------------------------------------------------------------------------


def badge(severity: str) -> str:
    """Inline markup for a severity: symbol and word on a tint, legible without colour."""
    look = st.SEVERITY.get(severity, st.SEVERITY["info"])
    return (f'<font backColor="{_hex(look.tint)}" color="{_hex(look.ink)}">'
            f"<b>\u00a0{look.symbol}\u00a0{look.word}\u00a0</b></font>")


ANSWER_COLUMN = st.TEXT_WIDTH * 0.52  # the question's share of a row; the answer has the rest
ANSWER_PADDING = (3.5, 6, 4.5, 6)
LONG_ANSWER_LINES = 28  # answers longer than this (in lines of the answer column) go full width
ANSWER_LINE_CHARS = 46
TEXT_PART_CHARS = 1200


def _flag_look(worst: str | None) -> dict[str, Any]:
    """A flagged answer's row: the severity's tint and a bar of its colour on the left."""
    if worst is None:
        return {}
    look = st.SEVERITY[worst]
    return {"background": look.tint, "bar": look.ink}


def _is_long(text: str) -> bool:
    lines = sum(1 + len(line) // ANSWER_LINE_CHARS for line in text.split("\n"))
    return lines > LONG_ANSWER_LINES


def _text_parts(text: str) -> list[str]:
    """A long text in pieces at line breaks (and, in a very long line, at spaces)."""
    text = re.sub(r"\n{3,}", "\n\n", text)
    parts: list[str] = []
    for line in text.split("\n"):
        while len(line) > TEXT_PART_CHARS:
            cut = line.rfind(" ", 0, TEXT_PART_CHARS)
            cut = cut if cut > 0 else TEXT_PART_CHARS
            parts.append(line[:cut])
            line = line[cut:].lstrip(" ")
        parts.append(line if line.strip() else "\u00a0")
    return parts


def _hex(color) -> str:
    return "#" + color.hexval()[2:]


def _worst(severities: Iterable[str]) -> str:
    order = ("stop", "review", "info")
    found = set(severities)
    return next((s for s in order if s in found), "info")


def _triggers(raw: Any) -> list[tuple[str, Any]]:
    out = []
    for item in raw or ():
        if isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str):
            out.append((item[0], item[1]))
        elif isinstance(item, dict) and isinstance(item.get("source"), str):
            out.append((item["source"], item.get("value")))
    return out


def _rule_values(form: Form, rule_id: str, question_id: str) -> set[Any]:
    """The values a rule compares ``question_id`` with (``=``): the options it looks for."""
    try:
        rule = form.rule(rule_id)
    except StopIteration:
        return set()
    found: set[Any] = set()
    pending: list[Any] = [rule.when]
    while pending:
        node = pending.pop()
        if isinstance(node, Group):
            pending.extend(node.items)
        elif isinstance(node, Compare) and node.question == question_id and node.op == "=":
            found.add(node.value)
    return found


def _trigger_sources(raw: Any) -> list[str]:
    return list(dict.fromkeys(source for source, _v in _triggers(raw)))


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


def _day(day: date) -> str:
    return day.isoformat()


def _grouped(text: str) -> str:
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def _bullet(text: str, style) -> Flowable:
    return para(text, style, bullet="\u2022")


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
