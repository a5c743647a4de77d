"""The consent document's statements: the risks read and acknowledged, the consent with the
patient's signature, signature blocks, and the aftercare sheet."""

from __future__ import annotations

from typing import Any, Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from mesocheck.documents import styles as st
from mesocheck.documents.consent.parts import bullet, day, grouped, hex_colour, paragraphs
from mesocheck.documents.layout import Block, FillIn, Row
from mesocheck.documents.signature import SignatureDrawing
from mesocheck.documents.text import Para, escape, para
from mesocheck.forms.flow import disclosure_text_hash
from mesocheck.forms.model import Section


class StatementsSection:
    """Mixed into the document (needs its record, form, flow, words and styles)."""

    def disclosures(self) -> list[Flowable]:
        w, s = self.w, self.s
        shown = self.flow.shown_disclosures(self.record.answers)
        if not shown:
            return []
        acks = {a.disclosure_id: a for a in self.record.acknowledgements}
        out: list[Flowable] = []
        lead = [para(w("disclosures"), s.h1), para(w("disclosures_intro"), s.intro)]
        for disclosure in shown:
            block: list[Flowable] = lead + [para(disclosure.title.get(self.language),
                                                 s.disclosure_title)]
            lead = []  # the heading opens the first card's block: never alone at a foot
            for paragraph in paragraphs(disclosure.body.get(self.language)):
                block.append(para(paragraph, s.disclosure_body))
            ack = acks.get(disclosure.id)
            if ack is None:
                block.append(Para(
                    f'<font color="{hex_colour(st.SEVERITY["stop"].ink)}">'
                    f"<b>\u2717 {escape(w('not_acknowledged'))}</b></font>", s.ack))
            else:
                when = self.when(ack.acknowledged_at, seconds=True)
                block.append(para(
                    w("acknowledged", when=when) if ack.read_at is None else
                    w("read_and_acknowledged", when=when,
                      read=f"{ack.read_at.astimezone(self.zone):%H:%M:%S}"),
                    s.ack, prefix="\u2713 "))
                if ack.text_hash != disclosure_text_hash(disclosure, self.language):
                    block.append(para(w("ack_text_changed"), s.ack, prefix="\u26a0 "))
            out.append(Block(block, space_after=5))
        return out

    def understanding(self) -> list[Flowable]:
        """The check before signing: each question, its right answer, and every try."""
        tries = getattr(self.record, "understanding", ())
        if not tries or not self.form.understanding:
            return []
        w, s, lang = self.w, self.s, self.language
        lead = [para(w("understanding"), s.h1), para(w("understanding_intro"), s.intro)]
        out: list[Flowable] = []
        for question in self.form.understanding:
            right = question.option(question.answer)
            block: list[Flowable] = lead + [
                para(question.text.get(lang), s.disclosure_title),
                para(w("understanding_right", answer=right.label.get(lang) if right
                       else question.answer), s.disclosure_body)]
            lead = []  # the heading stays with the first question
            for n, attempt in enumerate(tries, start=1):
                chosen = question.option(attempt.answers.get(question.id))
                answer = chosen.label.get(lang) if chosen else w("understanding_none")
                if question.id in attempt.wrong:
                    block.append(Para(
                        f'<font color="{hex_colour(st.SEVERITY["review"].ink)}">'
                        f"\u2717 {escape(w('understanding_wrong', n=n, answer=answer))}"
                        "</font>", s.ack))
                else:
                    block.append(para(w("understanding_ok", n=n, answer=answer), s.ack,
                                      prefix="\u2713 "))
            out.append(Block(block, space_after=5))
        return out

    def consent(self) -> list[Flowable]:
        """What the patient confirmed, with their signature under it on the same page; a
        signature made before an amendment follows, smaller, as part of the record."""
        s, w = self.s, self.w
        statement = self.section(self.form.consent, s.h1)
        until = getattr(self.record, "course_until", None)
        if until is not None:
            statement.append(para(w("course", sessions=self.record.course_sessions,
                                    until=day(until)), s.body))
        statement.extend(para(line, s.body) for line in self.course_lines())
        sig = self.patient_signature
        if sig is None:
            block = self.signature_block(w("patient_signature"), None, None,
                                         self.form.signature_meaning.get(self.language))
        else:
            block = self.signature_block(w("patient_signature"), sig, sig.printed_name,
                                         sig.meaning)
        # One KeepTogether, not nested: a nested one reports an endless height, which
        # pushed the whole consent onto a page of its own.
        out: list[Flowable] = [KeepTogether(statement + block)]
        guardian = self.guardian_signature
        if guardian is not None:  # a minor: the parent or guardian consents
            option = self.form.guardian.relationship(guardian.relationship) \
                if self.form.guardian is not None else None
            out.append(KeepTogether(self.signature_block(
                w("guardian_signature", relationship=option.label.get(self.language)
                  if option is not None else guardian.relationship or ""),
                guardian, guardian.printed_name, guardian.meaning)))
        for earlier in self.earlier_patient_signatures:
            out.append(KeepTogether(self.signature_block(
                w("patient_signature_earlier"), earlier, earlier.printed_name,
                earlier.meaning)))
        return out

    def course_lines(self) -> list[str]:
        """A check-in names the course consent it continues; a full consent asked again
        within a course, the consent it renews and why."""
        w, r = self.w, self.record
        continues = getattr(r, "continues", None)
        if continues is not None:
            ref = continues.intake_id
            if continues.signed_at is None or continues.until is None:
                return [w("continues_unknown", ref=ref)]
            return [w("continues", signed=day(continues.signed_at.astimezone(self.zone).date()),
                      ref=ref,
                      sessions=continues.sessions, until=day(continues.until))]
        reconsent = getattr(r, "reconsent", None)
        if reconsent is not None:
            why = "; ".join(w(f"reason_{reason}") for reason in reconsent.reasons)
            return [w("renews", ref=reconsent.previous, why=why)]
        return []

    def section(self, section: Section, heading_style) -> list[Flowable]:
        s = self.s
        out: list[Flowable] = [para(section.title.get(self.language), heading_style)]
        if section.intro:
            for paragraph in paragraphs(section.intro.get(self.language)):
                out.append(para(paragraph, s.intro))
        for item in section.items:
            out.append(bullet(item.get(self.language), s.bullet))
        return out

    def signature_block(self, heading: str, sig: Any, name: str | None, meaning: str,
                        *, blank_name: bool = False) -> list[Flowable]:
        w, s = self.w, self.s
        box_w, box_h = 86 * mm, 30 * mm
        method = getattr(sig, "method", "drawn") if sig is not None else None
        drawing = SignatureDrawing(
            sig.strokes if sig is not None else None,
            sig.pad_width if sig is not None else None,
            sig.pad_height if sig is not None else None,
            box_w, box_h,
            empty_text="" if sig is None and blank_name else
            (w("no_strokes") if sig is not None else w("not_signed")),
            alt=w({"typed": "signature_alt_typed", "mark": "signature_alt_mark"}.get(
                method or "", "signature_alt"), heading=heading, name=name or "",
                when=self.when(sig.signed_at), witness=getattr(sig, "witness", "") or "")
            if sig is not None and (sig.strokes or method == "typed")
            else w("signature_alt_blank", heading=heading),
            adopted_name=name if method == "typed" else None,
        )
        lines: list[Flowable] = []
        if sig is not None:
            how = (w("signed_mark", witness=sig.witness or "") if method == "mark"
                   else w(f"signed_{method}"))
            lines += [
                para(w("signed_by"), s.label),
                para(name or "", s.value, align_rtl=False),
                para(w("meaning"), s.label),
                para(meaning, s.value),
                para(w("signed_how"), s.label),
                para(how, s.value),
                para(w("signed_at"), s.label),
                para(self.when(sig.signed_at, seconds=True, offset=True), s.value),
                para(w("signed_content"), s.label),
                para(grouped(sig.content_hash), s.record_mono),
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

    def aftercare(self) -> list[Flowable]:
        """The aftercare sheet: on a page of its own only when it does not fit below."""
        w, s, r = self.w, self.s, self.record
        heading, *items = self.section(self.form.aftercare, s.h1)
        out: list[Flowable] = [heading]
        out.append(para(w("aftercare_for", name=r.patient.name,
                          date=day(r.appointment_at.astimezone(self.zone).date())),
                        s.subtitle, align_rtl=False))
        out += items
        contact = [x for x in (self._clinic_name(),
                               str(self.settings.get("clinic_address") or "").strip()) if x]
        if contact:
            out.append(Spacer(1, 8))
            out.append(Block([para(w("contact"), s.label)] + [para(c, s.body) for c in contact],
                             background=st.PANEL, padding=(5, 8, 6, 8)))
        return [KeepTogether(out)]
