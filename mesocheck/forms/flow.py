"""The wizard's route through a form, decided here so that no widget decides it.

Pages come in a fixed order: the shown steps, then each shown disclosure, then a summary,
the understanding check (when the form has one), then consent and signature. Skip logic can add or remove steps as answers change, so the page
list is recomputed from the answers each time it is asked for.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal, Mapping

from msgspec import Struct

from mesocheck.forms.conditions import Facts, effective_answers, holds, is_answered
from mesocheck.forms.messages import message
from mesocheck.forms.model import Disclosure, Form, Question, Step

PageKind = Literal["step", "disclosure", "summary", "understanding", "consent"]


class Page(Struct, frozen=True):
    kind: PageKind
    key: str  # step id, disclosure id, "summary" or "consent": stable, stored for resuming

    @property
    def token(self) -> str:
        return f"{self.kind}:{self.key}"


def disclosure_text_hash(disclosure: Disclosure, language: str) -> str:
    """Binds an acknowledgement to the exact words that were on screen."""
    shown = disclosure.title.get(language) + "\n\n" + disclosure.body.get(language)
    return hashlib.sha256(shown.encode("utf-8")).hexdigest()


def signed_content_hash(
    form: Form, intake_id: str, language: str, answers: Mapping[str, Any], facts: Facts,
    acknowledged: Mapping[str, str], printed_name: str,
    guardian: Mapping[str, str] | None = None,
) -> str:
    """SHA-256 of what the patient's signature vouches for: the exact form, the answers
    that count, each acknowledged text (disclosure id -> text hash) and the printed name,
    and for a minor the parent or guardian who consents (``name``, ``relationship``), whose
    signature vouches for the same. Made when the patient signs and again when the patient
    signs an amendment."""
    content = {
        "form": form.content_hash,
        "intake": intake_id,
        "language": language,
        "answers": effective_answers(form, answers, facts),
        "acknowledged": dict(sorted(acknowledged.items())),
        "printed_name": printed_name,
    }
    if guardian:  # only then: every hash made before guardians signed stays as it was
        content["guardian"] = {"name": guardian["name"],
                               "relationship": guardian["relationship"]}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Flow:
    def __init__(self, form: Form, facts: Facts, language: str | None = None):
        self.form = form
        self.facts = facts
        self.language = language or form.languages[0]

    def shown_steps(self, answers: Mapping[str, Any]) -> list[Step]:
        shown = effective_answers(self.form, answers, self.facts)
        return [s for s in self.form.steps if holds(s.enable_when, self.form, shown, self.facts)]

    def shown_disclosures(self, answers: Mapping[str, Any]) -> list[Disclosure]:
        shown = effective_answers(self.form, answers, self.facts)
        return [
            d for d in self.form.disclosures
            if holds(d.enable_when, self.form, shown, self.facts)
        ]

    def pages(self, answers: Mapping[str, Any]) -> list[Page]:
        return (
            [Page("step", s.id) for s in self.shown_steps(answers)]
            + [Page("disclosure", d.id) for d in self.shown_disclosures(answers)]
            + [Page("summary", "summary")]
            + ([Page("understanding", "understanding")] if self.form.understanding else [])
            + [Page("consent", "consent")]
        )

    def shown_questions(self, step: Step, answers: Mapping[str, Any]) -> list[Question]:
        """Questions of a step to show now; those after a changed answer may appear or go."""
        shown = effective_answers(self.form, answers, self.facts)
        out = []
        for q in step.questions:
            if holds(q.enable_when, self.form, shown, self.facts):
                out.append(q)
                # Later questions in the same step may depend on this one's current answer.
                if q.id in answers:
                    shown[q.id] = answers[q.id]
        return out

    def missing(self, step: Step, answers: Mapping[str, Any]) -> dict[str, str]:
        """Required questions of a shown step still unanswered, with what to tell the patient."""
        return {
            q.id: message("required", self.language)
            for q in self.shown_questions(step, answers)
            if q.required and not is_answered(answers.get(q.id))
        }

    def hidden_answered(self, answers: Mapping[str, Any]) -> list[str]:
        """Answered questions that skip logic now hides: their answers should be cleared."""
        shown = effective_answers(self.form, answers, self.facts)
        return [qid for qid, v in answers.items() if is_answered(v) and qid not in shown]

    def page_complete(
        self, page: Page, answers: Mapping[str, Any], acknowledged: set[str]
    ) -> bool:
        if page.kind == "step":
            return not self.missing(self.form_step(page.key), answers)
        if page.kind == "disclosure":
            return page.key in acknowledged
        return False  # the summary, the check and the signature: done only by signing

    def resume_index(
        self, answers: Mapping[str, Any], acknowledged: set[str], stored: str | None = None
    ) -> int:
        """Where to reopen an unfinished intake: the stored page if still reachable, else the
        first page not yet complete."""
        pages = self.pages(answers)
        first_open = next(
            (i for i, p in enumerate(pages) if not self.page_complete(p, answers, acknowledged)),
            len(pages) - 1,
        )
        tokens = [p.token for p in pages]
        if stored in tokens:
            return min(tokens.index(stored), first_open)
        return first_open

    def form_step(self, step_id: str) -> Step:
        return next(s for s in self.form.steps if s.id == step_id)
