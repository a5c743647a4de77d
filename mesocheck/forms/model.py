"""The form as plain, immutable data: what the patient is asked and shown, and the rules.

Nothing here knows how a form is stored on disk (see ``loader``) or drawn (see ``mesocheck.ui``).
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal, Mapping, Sequence, Union

from msgspec import Struct, field

QuestionType = Literal[
    "boolean", "choice", "multi_choice", "date", "datetime", "text", "last_taken"
]
QUESTION_TYPES: tuple[str, ...] = (
    "boolean", "choice", "multi_choice", "date", "datetime", "text", "last_taken"
)
Severity = Literal["info", "review", "stop"]
SEVERITIES: tuple[str, ...] = ("info", "review", "stop")
OPERATORS: tuple[str, ...] = ("=", "!=", "exists", "<", ">", "within")
FACTS: tuple[str, ...] = ("age", "area", "understood", "guardian")
# How many times the understanding check is asked before the patient goes on regardless
# (a review flag then asks the practitioner to talk it through).
UNDERSTANDING_TRIES = 2

# Answer values of a "last taken" question that are not a date.
NEVER = "never"
NOT_RECENT = "not_recent"


class Text(Struct, frozen=True):
    """One text in every language the form carries."""

    values: Mapping[str, str]

    def get(self, language: str) -> str:
        if language in self.values:
            return self.values[language]
        return next(iter(self.values.values()))

    def __bool__(self) -> bool:
        return any(self.values.values())


EMPTY_TEXT = Text({})


class Option(Struct, frozen=True):
    value: str
    label: Text
    exclusive: bool = False  # "None of these": cannot be combined with other options


class Compare(Struct, frozen=True):
    """One test on an answer (``question``) or on a fact of the intake (``fact``)."""

    op: str
    question: str | None = None
    fact: str | None = None
    value: object = None
    days: int | None = None
    hours: int | None = None

    @property
    def source(self) -> str:
        return self.question if self.question is not None else f"@{self.fact}"


class Group(Struct, frozen=True):
    mode: Literal["all", "any"]
    items: tuple["Condition", ...]


Condition = Union[Compare, Group]


class Question(Struct, frozen=True):
    id: str
    type: str
    text: Text
    help: Text = EMPTY_TEXT
    required: bool = False
    options: tuple[Option, ...] = ()
    max_length: int | None = None
    past_only: bool = False
    precision: Literal["date", "datetime"] = "date"
    recent_days: int | None = None
    recent_hours: int | None = None
    enable_when: Condition | None = None
    # On a check-in: the answer the patient gave last visit is shown to confirm or change
    # (conditions, allergies); never on a time-window question, whose answer goes stale.
    carried: bool = False

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    @property
    def recent_window_hours(self) -> float | None:
        """The window that the answer "not recently" stands for, in hours."""
        if self.recent_hours is not None:
            return float(self.recent_hours)
        if self.recent_days is not None:
            return self.recent_days * 24.0
        return None


class Step(Struct, frozen=True):
    id: str
    title: Text
    intro: Text = EMPTY_TEXT
    questions: tuple[Question, ...] = ()
    enable_when: Condition | None = None


class Disclosure(Struct, frozen=True):
    id: str
    kind: str  # "risk", "evidence", "cost", ...
    title: Text
    body: Text
    enable_when: Condition | None = None


class Understanding(Struct, frozen=True):
    """A question of the understanding check (teach-back) before signing: its options, the
    right one, and the risk card the answer comes from."""

    id: str
    text: Text
    options: tuple[Option, ...]
    answer: str
    card: str  # a disclosure id, or "consent" for the consent's own statements

    def option(self, value: str | None) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


class Guardian(Struct, frozen=True):
    """A patient under ``under`` years old signs to agree (assent) and a parent or guardian
    signs to consent: the consent page's words for them, and the relationships offered."""

    title: Text
    intro: Text
    meaning: Text  # the guardian's signature means this
    assent_meaning: Text  # and the minor's own signature this
    relationships: tuple[Option, ...]
    under: int = 18

    def relationship(self, value: str | None) -> Option | None:
        return next((o for o in self.relationships if o.value == value), None)


class Rule(Struct, frozen=True):
    id: str
    severity: str
    when: Condition
    practitioner: Text
    patient: Text = EMPTY_TEXT


class Section(Struct, frozen=True):
    """A titled list of plain statements: the consent statement, the aftercare sheet."""

    title: Text
    items: tuple[Text, ...]
    intro: Text = EMPTY_TEXT


class TranslationReview(Struct, frozen=True):
    """A translation's status: ``machine-assisted`` (to be checked by a qualified person
    before a clinic relies on it) or ``reviewed`` (``by`` whom, ``on`` which day)."""

    status: str
    by: str = ""
    on: str = ""

    @property
    def reviewed(self) -> bool:
        return self.status == "reviewed"


class Form(Struct, frozen=True, dict=True):  # dict: room for its cached lookups
    id: str
    version: str
    title: Text
    languages: tuple[str, ...]
    areas: tuple[Option, ...]
    steps: tuple[Step, ...]
    disclosures: tuple[Disclosure, ...]
    rules: tuple[Rule, ...]
    consent: Section
    aftercare: Section
    signature_meaning: Text
    content_hash: str
    source: Mapping = field(default_factory=dict)  # the parsed file, for its canonical copy
    understanding: tuple[Understanding, ...] = ()  # asked after the summary, before signing
    guardian: Guardian | None = None  # a minor's parent or guardian signs too
    # A check-in: the short form of each later visit of a course, continuing the consent
    # signed on the form with this id (None: a full form, whose consent opens a course).
    continues: str | None = None
    # Who checked each translation (not the source language, the first): outside the
    # content and its hash, so a translation's review never changes what was signed.
    translations: Mapping[str, "TranslationReview"] = field(default_factory=dict)

    def offered_languages(self, enabled: Sequence[str]) -> tuple[str, ...]:
        """The languages a patient may choose: the form's own (the first) and each
        translation the clinic has ``enabled``, in the form's order."""
        return tuple(lang for lang in self.languages
                     if lang == self.languages[0] or lang in enabled)

    def reviewed(self, language: str) -> bool:
        """The source language, or a translation a qualified person has checked."""
        review = self.translations.get(language)
        return language == self.languages[0] or (review is not None and review.reviewed)

    def question(self, question_id: str) -> Question:
        return self._questions[question_id]

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for step in self.steps for q in step.questions)

    @cached_property
    def _questions(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def step_of(self, question_id: str) -> Step:
        return next(s for s in self.steps if any(q.id == question_id for q in s.questions))

    def disclosure(self, disclosure_id: str) -> Disclosure:
        return next(d for d in self.disclosures if d.id == disclosure_id)

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def understood_answers(self) -> dict[str, str]:
        """The right option for each question of the understanding check."""
        return {u.id: u.answer for u in self.understanding}

    def area(self, value: str) -> Option | None:
        return next((a for a in self.areas if a.value == value), None)
