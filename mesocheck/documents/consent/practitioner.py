"""The consent document's practitioner review: the flags summed up for the practitioner, each
flag with the answers that raised it and its decisions, the outcome and the countersignature
(blank lines to fill in until the review is done)."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from mesocheck.documents import styles as st
from mesocheck.documents.consent.parts import badge, in_reading_order, triggers
from mesocheck.documents.layout import Block
from mesocheck.documents.text import Para, escape, para
from mesocheck.forms.answers import source_answer, source_question
from mesocheck.forms.isolation import isolate
from mesocheck.forms.model import Compare, Form, Group
from mesocheck.forms.outcome import printed_outcome

TRIGGER_CHARS = 180  # an answer quoted under a flag is cut after this many characters


class ReviewSection:
    """Mixed into the document (needs its record, form, flags, words and styles)."""

    def flag_summary(self) -> list[Flowable]:
        s, w = self.s, self.w
        if not self.flags:
            return [Para(f"<b>{escape(w('flags_summary') + ':')}</b> "
                              + escape(w("flags_none")), s.body)]
        counts = []
        for severity in ("stop", "review", "info"):
            n = sum(1 for f in self.flags if f.severity == severity)
            if n:
                counts.append(f"{badge(severity)} \u00d7 {n}")
        parts = [f"<b>{escape(w('flags_summary') + ':')}</b>", *counts,
                 f"{escape(w('review'))} {s.forward}" if s.rtl else
                 f"{s.forward} {escape(w('review'))}"]
        return [Para(in_reading_order(parts, s.rtl, "   "), s.body)]

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
        outcome = printed_outcome(r)  # derived, and only once a countersignature covers it
        if outcome:
            closing.append(para(w(f"outcome_{outcome}"), s.body,
                                prefix=f"<b>{escape(w('outcome') + ':')}</b> "))
        else:
            closing.append(para(w("outcome_blank"), s.body,
                                prefix=f"<b>{escape(w('outcome') + ':')}</b>\u00a0\u00a0 "))
        if self.review.notes:
            closing.append(para(self.review.notes, s.body,
                                prefix=f"<b>{escape(w('notes') + ':')}</b> ", base=s.base))
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
        head = para(flag.practitioner_message, s.body_bold, base=s.base,
                    prefix=in_reading_order([badge(flag.severity), f"<b>{n}.</b>"],
                                                   s.rtl) + " ")
        cell: list[Flowable] = [head]
        if flag.patient_message:
            cell.append(para(flag.patient_message, s.flag_note, base=s.base,
                             prefix=f"<font color='#555555'>{escape(w('patient_told') + ':')}"
                                    "</font> "))
        for source, value in triggers(flag.triggers):
            cell.append(para(self.trigger_text(flag, source, value), s.flag_note,
                             prefix=f"<font color='#555555'>{escape(w('raised_by') + ':')}</font> ",
                             base=s.base))
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
                prefix = f"<b>{escape(label + ':')}</b> " if latest else \
                    f"<strike>{escape(label + ':')}</strike> "
                cell.append(para(text, style, prefix=prefix, base=s.base))
                if d.reason:
                    cell.append(para(d.reason, style,
                                     prefix=f"<b>{escape(w('reason') + ':')}</b> ",
                                     base=s.base))
                if d.new_date:
                    cell.append(para(str(d.new_date), style,
                                     prefix=f"<b>{escape(w('new_date') + ':')}</b> "))
        elif flag.severity == "info":
            cell.append(para(w("info_no_decision"), s.flag_note))
        else:
            cell.append(para(w("decision_blank"), s.flag_note,
                             prefix=f"<b>{escape(w('decision') + ':')}</b>\u00a0\u00a0 "))
            cell += self.blank_lines([w("reason")])
        return Block(cell, background=look.tint, bar=look.ink, padding=(4, 8, 5, 9.5),
                     space_after=5)

    def trigger_text(self, flag: Any, source: str, value: Any) -> str:
        """The answer that raised a flag, short: for a list, only the options the rule
        looks for; a long text is cut (it is printed in full with the answers)."""
        if isinstance(value, list):
            wanted = _rule_values(self.form, flag.rule_id, source)
            picked = [v for v in value if v in wanted]
            value = picked or value
        answer = source_answer(self.form, source, value, self.language, self.zone)
        answer = "; ".join(line.strip() for line in answer.splitlines() if line.strip())
        if len(answer) > TRIGGER_CHARS:
            answer = answer[:TRIGGER_CHARS].rsplit(" ", 1)[0] + " \u2026"
        return f"{source_question(self.form, source, self.language)} \u2014 {isolate(answer)}"


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
