"""The consent document's answers: every question the patient was shown, by step, with the
answer in the words the wizard showed, the flags each raised and any amendment."""

from __future__ import annotations

import re
from typing import Any, Iterable

from reportlab.platypus import Flowable

from mesocheck.documents import styles as st
from mesocheck.documents.consent.parts import badge, in_reading_order, paragraphs
from mesocheck.documents.layout import Row, Stack
from mesocheck.documents.text import escape, para
from mesocheck.forms.answers import answer_text
from mesocheck.forms.conditions import is_answered
from mesocheck.forms.model import Question, Step

ANSWER_COLUMN = st.TEXT_WIDTH * 0.52  # the question's share of a row; the answer has the rest
ANSWER_PADDING = (3.5, 6, 4.5, 6)
LONG_ANSWER_LINES = 28  # answers longer than this (in lines of the answer column) go full width
ANSWER_LINE_CHARS = 46
TEXT_PART_CHARS = 1200


class AnswersSection:
    """Mixed into the document (needs its record, form, flow, words and styles)."""

    def flag_marks(self, source: str | None) -> list[Flowable]:
        """What a flag raised by this answer says under it: on the clinic's copy the
        severity badge and the practitioner's message; on the patient's copy the rule's
        message for the patient (a flag that needs a decision and has none says that the
        practitioner will talk it through; an information flag without one says nothing)."""
        if source is None:
            return []
        out = []
        for flag in self.flags_by_source.get(source, ()):
            if self.for_patient:
                message = flag.patient_message or (
                    self.w("patient_flag_default") if flag.severity != "info" else "")
                if message:
                    out.append(para(message, self.s.flag_note, base=self.s.base,
                                    prefix=f"<b>{self.s.forward}</b> "))
                continue
            n = self.flag_numbers[flag.id]
            prefix = in_reading_order([
                badge(flag.severity),
                f"<font size={self.s.sizes.label}>{escape(self.w('flag_ref', n=n))}</font>",
            ], self.s.rtl, " ") + "  "
            out.append(para(flag.practitioner_message, self.s.flag_note, prefix=prefix,
                            base=self.s.base))
        return out

    def answers(self) -> list[Flowable]:
        w, s = self.w, self.s
        answers = self.record.answers
        out: list[Flowable] = []
        lead = [para(w("answers"), s.h1), para(w("answers_intro"), s.intro)]
        amended = self._amendments()
        carried = self._carried()
        for step in self.flow.shown_steps(answers):
            questions = self.flow.shown_questions(step, answers)
            if not questions:
                continue
            head = self.step_head(step)
            rows: list[Flowable] = []
            for question in questions:
                value = answers.get(question.id)
                extras: list[Flowable] = []
                note = amended.get(question.id) or carried.get(question.id)
                if note:
                    extras.append(para(note, s.flag_note))
                extras += self.flag_marks(question.id)
                flags = self.flags_by_source.get(question.id, ())
                worst = _worst(f.severity for f in flags) if flags else None
                if self.for_patient:
                    worst = "info" if flags else None  # a mark, without the severity
                asked = self.asked(question)
                if question.type == "text" and isinstance(value, str) and _is_long(value):
                    if rows:
                        out.append(Stack(head, rows, lead=lead))
                        head, rows, lead = [], [], []
                    out += lead
                    lead = []
                    out.append(self.long_answer(head, asked, value, extras, worst))
                    head = []
                    continue
                cell = self.answer_flowables(question, value) + extras
                rows.append(Row([asked, cell], [ANSWER_COLUMN, None], padding=ANSWER_PADDING,
                                line_below=st.HAIRLINE, **_flag_look(worst)))
            if rows:
                out.append(Stack(head, rows, lead=lead))
                lead = []
        return lead + out

    def step_head(self, step: Step) -> list[Flowable]:
        """The step's title and the introduction the patient read above its questions;
        it opens the step's rows and is repeated where they go on over a page."""
        parts = [para(step.title.get(self.language), self.s.h2_cell)]
        if step.intro:
            parts += [para(p, self.s.intro) for p in paragraphs(step.intro.get(self.language))]
        return [Row([parts], [None], padding=(10, 0, 4, 0), line_below=st.RULE,
                    line_width=0.8)]

    def asked(self, question: Question) -> list[Flowable]:
        """The question as the patient read it: its text and its help text."""
        out = [para(question.text.get(self.language), self.s.question)]
        if question.help:
            out.append(para(question.help.get(self.language), self.s.help))
        return out

    def long_answer(self, head: list[Flowable], asked: list[Flowable], text: str,
                    extras: list[Flowable], worst: str | None) -> Stack:
        """A long free-text answer under its question, full width, in parts that can go
        on over pages (the question is repeated at the top of the next)."""
        look = _flag_look(worst)
        question = Row([asked], [None], padding=(3.5, 6, 1, 6), **look)
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
        if question.type in ("choice", "multi_choice") and question.options:
            return self.options(question, value)
        if not is_answered(value):
            return [para(self.answer_text(question, value), s.not_answered)]
        text = self.answer_text(question, value)
        if question.type == "text":
            return [para(re.sub(r"\n{3,}", "\n\n", text), s.body)]
        return [para(text, s.answer)]

    def options(self, question: Question, value: Any) -> list[Flowable]:
        """Every option the patient saw, the chosen ones ticked and in bold: so "None of
        these" stands beside the list it refers to. A value the form does not know (an
        archived answer) follows, as it is."""
        s = self.s
        chosen = set(map(str, value if isinstance(value, list) else
                         ([value] if is_answered(value) else [])))
        marks = ("\u25c9", "\u25cb") if question.type == "choice" else ("\u2611", "\u2610")
        out: list[Flowable] = []
        for option in question.options:
            picked = option.value in chosen
            out.append(para(option.label.get(self.language),
                            s.option_chosen if picked else s.option,
                            bullet=marks[0] if picked else marks[1]))
        known = {o.value for o in question.options}
        for other in sorted(chosen - known):
            out.append(para(other, s.option_chosen, bullet=marks[0]))
        if not chosen:
            out.insert(0, para(self.answer_text(question, value), s.not_answered))
        return out

    def answer_text(self, question: Question, value: Any) -> str:
        """The answer in the words the patient saw in the wizard."""
        return answer_text(question, value, self.language, self.zone)

    def _carried(self) -> dict[str, str]:
        """A check-in's answers shown from the patient's last visit and left as they were
        (saved by the system when the check-in began, never changed since)."""
        if getattr(self.record, "continues", None) is None:
            return {}
        return {row.question_id: self.w("carried")
                for row in getattr(self.record, "answer_history", ()) or ()
                if row.actor == "system" and row.amends is None}

    def _amendments(self) -> dict[str, str]:
        """Notes for answers staff changed after signing: who changed it, when, why, and
        the patient's own answer."""
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
            note = self.w("amended", staff=self.staff_name(row.actor),
                          when=self.when(row.answered_at), reason=row.reason or "")
            if original is not None:
                before = self.answer_text(question, original.value)
                key = "amended_before_patient" if self.for_patient else "amended_before"
                note += " " + self.w(key, answer=before.replace(chr(10), "; "))
            notes[row.question_id] = note
        return notes


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


def _worst(severities: Iterable[str]) -> str:
    order = ("stop", "review", "info")
    found = set(severities)
    return next((s for s in order if s in found), "info")
