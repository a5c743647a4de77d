"""The clinic-language summary: when a patient answered in a language other than the
clinic's, the clinic's record carries a page for the practitioner in the clinic's language:
who and which intake, each flag with its question in both languages and the patient's
answer, and the decisions taken. The patient's copy has no such page."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, HRFlowable, PageBreak, Spacer

from mesocheck.documents import styles as st
from mesocheck.documents.consent.parts import badge, day, in_reading_order, triggers
from mesocheck.documents.consent.practitioner import _rule_values
from mesocheck.documents.layout import Block, Direction, Row
from mesocheck.documents.text import escape, para
from mesocheck.documents.wording import LANGUAGE_NAMES, words
from mesocheck.forms.answers import source_answer, source_question
from mesocheck.forms.outcome import printed_outcome


class SummarySection:
    """Mixed into the document (needs its record, form, flags, language and settings)."""

    def clinic_language(self) -> str:
        return str(self.settings.get("clinic_language") or "en")

    def has_summary(self) -> bool:
        return not self.for_patient and self.clinic_language() != self.language

    def clinic_summary(self) -> list[Flowable]:
        """The summary page(s), in the clinic's language and direction; then the document
        goes on in the patient's."""
        if not self.has_summary():
            return []
        cl = self.clinic_language()
        w, s, r = words(cl), st.styles(st.CLINIC_SIZES, cl), self.record
        out: list[Flowable] = [PageBreak(), Direction(s.rtl),
                               para(w("summary_title", language=_name(cl)), s.h1),
                               para(w("summary_intro", language=_name(self.language)), s.intro)]
        area = self.form.area(r.area)
        cells = [
            (w("patient"), r.patient.name),
            (w("birth_date"), day(r.patient.birth_date)),
            (w("appointment"), self.when(r.appointment_at)),
            (w("area"), area.label.get(cl) if area is not None else r.area),
            (w("intake"), r.id),
            (w("language"), _name(self.language)),
        ]
        out += [Row([[para(label, s.label)], [para(value, s.value, align_rtl=False)]],
                    [45 * mm, None], padding=(2, 4, 2, 4), background=st.PANEL)
                for label, value in cells]
        out.append(Spacer(1, 8))
        if not self.flags:
            out.append(para(w("flags_none"), s.body))
        for n, flag in enumerate(self.flags, start=1):
            out.append(self._summary_flag(n, flag, cl, w, s))
        outcome = printed_outcome(r)
        if outcome:
            out.append(para(w(f"outcome_{outcome}"), s.body_bold,
                            prefix=f"<b>{escape(w('outcome') + ':')}</b> "))
        out += [HRFlowable(width="100%", thickness=0.6, color=st.RULE, spaceBefore=6),
                Direction(self.s.rtl), PageBreak()]
        return out

    def _summary_flag(self, n: int, flag: Any, cl: str, w, s) -> Flowable:
        look = st.SEVERITY.get(flag.severity, st.SEVERITY["info"])
        try:
            message = self.form.rule(flag.rule_id).practitioner.get(cl)
        except StopIteration:  # a rule the form no longer has: its words as stored
            message = flag.practitioner_message
        cell: list[Flowable] = [para(message, s.body_bold, base=s.base,
                                     prefix=in_reading_order([badge(flag.severity), f"<b>{n}.</b>"],
                                                   s.rtl) + " ")]
        for source, value in triggers(flag.triggers):
            if isinstance(value, list):  # only the options the rule looks for
                value = [v for v in value if v in _rule_values(self.form, flag.rule_id,
                                                               source)] or value
            answer = source_answer(self.form, source, value, cl, self.zone)
            cell.append(para(source_question(self.form, source, cl), s.flag_note,
                             base=s.base))
            cell.append(para(source_question(self.form, source, self.language), s.flag_note,
                             base=s.base, align_rtl=s.rtl, prefix="<font color='#555555'>"
                             f"{escape(w('summary_asked', language=_name(self.language)))}"
                             ":</font> "))
            cell.append(para(answer, s.flag_note, base=s.base,
                             prefix=f"<b>{escape(w('raised_by') + ':')}</b> "))
        for d in flag.decisions[-1:]:  # the decision standing; the full trail is in the review
            staff = self.review.staff_names.get(d.staff_id) or w("staff_unknown", id=d.staff_id)
            cell.append(para(w("decided", decision=w(f"decision_{d.decision}"), staff=staff,
                               when=self.when(d.decided_at)), s.flag_note, base=s.base,
                             prefix=f"<b>{escape(w('decision') + ':')}</b> "))
            if d.reason:
                cell.append(para(d.reason, s.flag_note,
                                 prefix=f"<b>{escape(w('reason') + ':')}</b> "))
        return Block(cell, background=look.tint, bar=look.ink, padding=(4, 8, 5, 9.5),
                     space_after=5)


def _name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, language)
