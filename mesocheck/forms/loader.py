"""Reading a form file: parse TOML, check everything, report every problem at once.

A clinic edits its form as data, so a mistake in the file is the clinic's to fix: each
problem names the file, the path inside it (``steps[2].questions[0].enable_when.op``) and the
reason. Nothing here raises anything but :class:`FormInvalid` for a bad file.

One module (about 550 lines) because every check shares one pass over the file and its
list of problems, and a form's parts refer to one another (rules to questions, conditions to
earlier answers); split, each piece would need the whole loader's state.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any, Callable

# tomli, not tomllib: its compiled build of the same parser (same results and errors) reads
# the shipped form three times quicker, which the tablet's start-up waits for.
import tomli
from msgspec import Struct

from mesocheck.errors import MesocheckError
from mesocheck.forms.model import (
    FACTS,
    OPERATORS,
    QUESTION_TYPES,
    SEVERITIES,
    Compare,
    Condition,
    Disclosure,
    Form,
    Group,
    Guardian,
    Option,
    Question,
    Rule,
    Section,
    Step,
    Text,
    TranslationReview,
    Understanding,
)

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
DEFAULT_TEXT_LIMIT = 1000
MAX_FILE_BYTES = 2_000_000


class FormProblem(Struct, frozen=True):
    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.reason}"


class FormInvalid(MesocheckError):
    def __init__(self, problems: list[FormProblem]):
        self.problems = problems
        count = len(problems)
        super().__init__(
            f"The form file has {count} problem{'s' if count != 1 else ''}:\n"
            + "\n".join(f"  {p}" for p in problems)
        )


def content_hash(data: dict) -> str:
    """SHA-256 of the form's content, independent of comments, order and layout of the file."""
    canonical = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_form(path: str | Path) -> Form:
    path = Path(path)
    name = str(path)
    try:
        if path.is_dir():
            raise IsADirectoryError
        if not path.is_file():  # a device (/dev/zero) or a pipe: never read without end
            if not path.exists():
                raise FileNotFoundError
            raise FormInvalid([FormProblem(name, "", "is not a file but a device or a pipe")])
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise FormInvalid([FormProblem(name, "", "file not found")]) from None
    except IsADirectoryError:
        raise FormInvalid([FormProblem(name, "", "is a folder, not a form file")]) from None
    except OSError as exc:
        raise FormInvalid([FormProblem(name, "", f"cannot be read ({exc.strerror})")]) from None
    return parse_form(raw, name)


def parse_form(raw: bytes | str, name: str = "<form>") -> Form:
    if isinstance(raw, bytes):
        if len(raw) > MAX_FILE_BYTES:
            raise FormInvalid([FormProblem(name, "", "file is too large to be a form")])
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormInvalid(
                [FormProblem(name, "", f"is not UTF-8 text (bad byte at offset {exc.start})")]
            ) from None
    try:
        data = tomli.loads(raw)
    except tomli.TOMLDecodeError as exc:
        raise FormInvalid([FormProblem(name, "", f"is not valid TOML: {exc}")]) from None
    except RecursionError:
        raise FormInvalid([FormProblem(name, "", "is nested too deeply to be a form")]) from None
    except ValueError:  # Python's limit on the digits of an integer (4,300)
        raise FormInvalid([FormProblem(name, "", "holds a number too long to be read")]) from None
    return form_from_data(data, name)


def form_from_data(data: dict, name: str = "<form>") -> Form:
    """Check and build a form from its parsed content (a TOML file, or an archived copy)."""
    return _Builder(name, data).build()


def check_form(path: str | Path) -> list[FormProblem]:
    try:
        load_form(path)
    except FormInvalid as exc:
        return exc.problems
    return []


class _Builder:
    """Walks the parsed TOML once, building the model and collecting problems."""

    def __init__(self, name: str, data: dict):
        self.name = name
        self.data = data
        self.problems: list[FormProblem] = []
        self.languages: tuple[str, ...] = ("en",)
        self.questions: dict[str, Question] = {}

    def problem(self, path: str, reason: str) -> None:
        self.problems.append(FormProblem(self.name, path, reason))

    # -- typed field readers -------------------------------------------------

    def keys(self, table: dict, path: str, allowed: set[str], required: set[str]) -> None:
        for key in table:
            if key not in allowed:
                self.problem(_join(path, key), "unknown key (a typo?)")
        for key in sorted(required - table.keys()):
            self.problem(_join(path, key), "missing")

    def ident(self, table: dict, path: str, seen: set[str] | None = None) -> str:
        value = table.get("id")
        if value is None:
            return ""
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.problem(
                _join(path, "id"),
                f"{value!r} is not a valid id (lower-case letters, digits and _, "
                "starting with a letter)",
            )
            return str(value)
        if seen is not None:
            if value in seen:
                self.problem(_join(path, "id"), f"duplicate id {value!r}")
            seen.add(value)
        return value

    def text(self, table: dict, key: str, path: str) -> Text:
        value = table.get(key)
        where = _join(path, key)
        if value is None:
            return Text({})
        return self.text_value(value, where)

    def text_value(self, value: Any, where: str) -> Text:
        if not isinstance(value, dict):
            self.problem(
                where,
                "must be a table of languages, e.g. { en = \"...\" }",
            )
            return Text({})
        out: dict[str, str] = {}
        for lang in self.languages:
            if lang not in value:
                self.problem(where, f"missing translation for {lang!r}")
            elif not isinstance(value[lang], str) or not value[lang].strip():
                self.problem(_join(where, lang), "must be non-empty text")
            else:
                out[lang] = value[lang].strip()
        for lang in value:
            if lang not in self.languages:
                self.problem(_join(where, lang), f"language {lang!r} is not in `languages`")
        return Text(out)

    def flag(self, table: dict, key: str, path: str) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            self.problem(_join(path, key), "must be true or false")
            return False
        return value

    def positive_int(self, table: dict, key: str, path: str) -> int | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.problem(_join(path, key), "must be a whole number above 0")
            return None
        return value

    def table_list(self, table: dict, key: str, path: str, required: bool = True) -> list:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(_join(path, key), "must be a list of tables")
            return []
        if required and not value:
            self.problem(_join(path, key), "must not be empty")
        return value

    # -- the form ------------------------------------------------------------

    def build(self) -> Form:
        data = self.data
        self.keys(
            data,
            "",
            {"id", "version", "title", "languages", "areas", "steps", "disclosures",
             "rules", "consent", "aftercare", "signature_meaning", "description",
             "translations", "understanding", "guardian", "continues"},
            {"id", "version", "title", "languages", "areas", "steps", "disclosures",
             "rules", "consent", "aftercare", "signature_meaning"},
        )
        languages = data.get("languages")
        if (
            isinstance(languages, list)
            and languages
            and all(isinstance(x, str) and re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)?", x)
                    for x in languages)
            and len(set(languages)) == len(languages)
        ):
            self.languages = tuple(languages)
        elif "languages" in data:
            self.problem("languages", 'must be a list of distinct language codes, e.g. ["en"]')

        form_id = self.ident(data, "")
        version = data.get("version")
        if "version" in data and (not isinstance(version, str) or not version.strip()):
            self.problem("version", 'must be text such as "1.0"')
        title = self.text(data, "title", "")
        meaning = self.text(data, "signature_meaning", "")
        areas = self.options(data, "areas", "")

        step_ids: set[str] = set()
        question_ids: set[str] = set()
        steps = []
        for i, raw in enumerate(self.table_list(data, "steps", "")):
            steps.append(self.step(raw, f"steps[{i}]", step_ids, question_ids))

        disclosure_ids: set[str] = set()
        disclosures = [
            self.disclosure(raw, f"disclosures[{i}]", disclosure_ids)
            for i, raw in enumerate(self.table_list(data, "disclosures", ""))
        ]
        understanding_ids: set[str] = set()
        understanding = [
            self.understanding(raw, f"understanding[{i}]", understanding_ids, disclosure_ids)
            for i, raw in enumerate(self.table_list(data, "understanding", "", required=False))
        ]
        rule_ids: set[str] = set()
        rules = [
            self.rule(raw, f"rules[{i}]", rule_ids)
            for i, raw in enumerate(self.table_list(data, "rules", ""))
        ]
        guardian = self.guardian(data["guardian"]) if "guardian" in data else None
        continues = data.get("continues")
        if "continues" in data and (not isinstance(continues, str)
                                    or not re.fullmatch(r"[a-z][a-z0-9_]*", continues)):
            self.problem("continues", "must be the id of the full form whose consent a "
                         'check-in continues, e.g. "mesotherapy"')
            continues = None
        elif continues == form_id:
            self.problem("continues", "a check-in continues another form's consent, not its own")
            continues = None
        carried = [q.id for q in self.questions.values() if q.carried]
        if carried and continues is None:
            self.problem("", f"only a check-in (a form with `continues`) carries answers "
                         f"from the last visit: {', '.join(carried)}")
        consent = self.section(data, "consent")
        aftercare = self.section(data, "aftercare")

        translations = self.translations(data)
        content = {k: v for k, v in data.items() if k != "translations"}

        if self.problems:
            raise FormInvalid(self.problems)
        return Form(
            id=form_id,
            version=version.strip(),
            title=title,
            languages=self.languages,
            areas=tuple(areas),
            steps=tuple(steps),
            disclosures=tuple(disclosures),
            rules=tuple(rules),
            consent=consent,
            aftercare=aftercare,
            signature_meaning=meaning,
            content_hash=content_hash(content),
            source=content,
            translations=translations,
            understanding=tuple(understanding),
            guardian=guardian,
            continues=continues,
        )

    def translations(self, data: dict) -> dict[str, TranslationReview]:
        """``[translations]``: each language but the first, its review status."""
        raw = data.get("translations", {})
        if not isinstance(raw, dict):
            self.problem("translations", 'must be a table of languages, e.g. '
                         'es = { status = "machine-assisted" }')
            return {}
        out = {}
        for lang, entry in raw.items():
            where = _join("translations", lang)
            if lang not in self.languages[1:]:
                self.problem(where, f"language {lang!r} is not a translation in `languages`")
                continue
            if not isinstance(entry, dict):
                self.problem(where, 'must be a table, e.g. { status = "machine-assisted" }')
                continue
            self.keys(entry, where, {"status", "by", "on"}, {"status"})
            status, by, on = entry.get("status"), entry.get("by", ""), entry.get("on", "")
            if status not in ("machine-assisted", "reviewed"):
                self.problem(_join(where, "status"),
                             'must be "machine-assisted" or "reviewed"')
                continue
            if status == "reviewed" and (not isinstance(by, str) or not by.strip()):
                self.problem(_join(where, "by"), "a reviewed translation names who reviewed it")
                continue
            if not isinstance(on, (str, date)):
                self.problem(_join(where, "on"), "must be a date such as 2026-11-30")
                continue
            out[lang] = TranslationReview(status, str(by).strip(), str(on))
        return out

    def options(self, table: dict, key: str, path: str) -> list[Option]:
        seen: set[str] = set()
        out = []
        for i, raw in enumerate(self.table_list(table, key, path)):
            where = f"{_join(path, key)}[{i}]"
            self.keys(raw, where, {"value", "label", "exclusive"}, {"value", "label"})
            value = raw.get("value")
            if not isinstance(value, str) or not ID_PATTERN.match(value or ""):
                self.problem(_join(where, "value"), f"{value!r} is not a valid option value")
            elif value in seen:
                self.problem(_join(where, "value"), f"duplicate option {value!r}")
            seen.add(str(value))
            out.append(
                Option(str(value), self.text(raw, "label", where), self.flag(raw, "exclusive", where))
            )
        return out

    def guardian(self, raw: Any) -> Guardian | None:
        """``[guardian]``: the words for a minor's parent or guardian, who signs too."""
        if not isinstance(raw, dict):
            self.problem("guardian", "must be a table")
            return None
        self.keys(raw, "guardian", {"title", "intro", "meaning", "assent_meaning",
                                    "relationships", "under"},
                  {"title", "intro", "meaning", "assent_meaning", "relationships"})
        under = raw.get("under", 18)
        if isinstance(under, bool) or not isinstance(under, int) or not 1 <= under <= 25:
            self.problem(_join("guardian", "under"), "must be an age in whole years, e.g. 18")
            under = 18
        return Guardian(title=self.text(raw, "title", "guardian"),
                        intro=self.text(raw, "intro", "guardian"),
                        meaning=self.text(raw, "meaning", "guardian"),
                        assent_meaning=self.text(raw, "assent_meaning", "guardian"),
                        relationships=tuple(self.options(raw, "relationships", "guardian")),
                        under=under)

    def section(self, data: dict, key: str) -> Section:
        raw = data.get(key)
        if not isinstance(raw, dict):
            if key in data:
                self.problem(key, "must be a table with title and items")
            return Section(Text({}), ())
        self.keys(raw, key, {"title", "intro", "items"}, {"title", "items"})
        items = raw.get("items", [])
        if not isinstance(items, list) or not items:
            self.problem(_join(key, "items"), "must be a non-empty list of texts")
            items = []
        return Section(
            title=self.text(raw, "title", key),
            intro=self.text(raw, "intro", key),
            items=tuple(self.text_value(item, f"{key}.items[{i}]") for i, item in enumerate(items)),
        )

    def step(self, raw: dict, path: str, step_ids: set[str], question_ids: set[str]) -> Step:
        self.keys(raw, path, {"id", "title", "intro", "questions", "enable_when"}, {"id", "title"})
        step_id = self.ident(raw, path, step_ids)
        enable_when = self.condition_at(raw, "enable_when", path)
        questions = []
        for i, q in enumerate(self.table_list(raw, "questions", path, required=False)):
            questions.append(self.question(q, f"{path}.questions[{i}]", question_ids))
        return Step(
            id=step_id,
            title=self.text(raw, "title", path),
            intro=self.text(raw, "intro", path),
            questions=tuple(questions),
            enable_when=enable_when,
        )

    def question(self, raw: dict, path: str, question_ids: set[str]) -> Question:
        self.keys(
            raw,
            path,
            {"id", "type", "text", "help", "required", "options", "max_length",
             "past_only", "precision", "recent_days", "recent_hours", "enable_when",
             "carried"},
            {"id", "type", "text"},
        )
        qid = self.ident(raw, path, question_ids)
        qtype = raw.get("type")
        if "type" in raw and qtype not in QUESTION_TYPES:
            self.problem(
                _join(path, "type"),
                f"unknown type {qtype!r}; use one of {', '.join(QUESTION_TYPES)}",
            )
        options: list[Option] = []
        if qtype in ("choice", "multi_choice"):
            options = self.options(raw, "options", path)
        elif "options" in raw:
            self.problem(_join(path, "options"), f"only choice questions have options, not {qtype}")
        precision = raw.get("precision", "datetime" if qtype == "datetime" else "date")
        if "precision" in raw and qtype != "last_taken":
            self.problem(_join(path, "precision"), "only last_taken questions take a precision")
        if precision not in ("date", "datetime"):
            self.problem(_join(path, "precision"), 'must be "date" or "datetime"')
            precision = "date"
        if "max_length" in raw and qtype != "text":
            self.problem(_join(path, "max_length"), "only text questions take max_length")
        if "past_only" in raw and qtype not in ("date", "datetime", "last_taken"):
            self.problem(_join(path, "past_only"), "only dates and times can be past_only")
        max_length = self.positive_int(raw, "max_length", path)
        if qtype == "text" and max_length is None:
            max_length = DEFAULT_TEXT_LIMIT
        recent_days = self.positive_int(raw, "recent_days", path)
        recent_hours = self.positive_int(raw, "recent_hours", path)
        if (recent_days or recent_hours) and qtype != "last_taken":
            self.problem(path, "recent_days / recent_hours only apply to last_taken questions")
        if recent_days and recent_hours:
            self.problem(path, "give recent_days or recent_hours, not both")
        if raw.get("carried") is True and qtype in ("date", "datetime", "last_taken"):
            self.problem(_join(path, "carried"), "a time-window answer (a date or a last "
                         "time taken) is asked afresh at every visit, never carried")
        # enable_when may only look back, which also rules out cycles.
        enable_when = self.condition_at(raw, "enable_when", path)
        question = Question(
            id=qid,
            type=str(qtype),
            text=self.text(raw, "text", path),
            help=self.text(raw, "help", path),
            required=self.flag(raw, "required", path),
            options=tuple(options),
            max_length=max_length,
            past_only=self.flag(raw, "past_only", path),
            precision=precision,
            recent_days=recent_days,
            recent_hours=recent_hours,
            enable_when=enable_when,
            carried=self.flag(raw, "carried", path) and qtype not in (
                "date", "datetime", "last_taken"),
        )
        if qid:
            self.questions[qid] = question
        return question

    def disclosure(self, raw: dict, path: str, seen: set[str]) -> Disclosure:
        self.keys(raw, path, {"id", "kind", "title", "body", "enable_when"},
                  {"id", "kind", "title", "body"})
        kind = raw.get("kind", "risk")
        if not isinstance(kind, str) or not ID_PATTERN.match(kind):
            self.problem(_join(path, "kind"), "must be a word such as risk, evidence or cost")
        return Disclosure(
            id=self.ident(raw, path, seen),
            kind=str(kind),
            title=self.text(raw, "title", path),
            body=self.text(raw, "body", path),
            enable_when=self.condition_at(raw, "enable_when", path),
        )

    def understanding(self, raw: dict, path: str, seen: set[str],
                      cards: set[str]) -> Understanding:
        """A question of the understanding check: one right option, from a named card."""
        self.keys(raw, path, {"id", "text", "options", "answer", "card"},
                  {"id", "text", "options", "answer", "card"})
        options = self.options(raw, "options", path)
        answer, card = raw.get("answer"), raw.get("card")
        if len(options) < 2:
            self.problem(_join(path, "options"), "needs at least two options to choose from")
        if "answer" in raw and (not isinstance(answer, str)
                                or answer not in {o.value for o in options}):
            self.problem(_join(path, "answer"), f"{answer!r} is not one of the options")
        if "card" in raw and (not isinstance(card, str) or card not in cards | {"consent"}):
            self.problem(_join(path, "card"),
                         f"{card!r} is not the id of a disclosure (or consent)")
        return Understanding(id=self.ident(raw, path, seen), text=self.text(raw, "text", path),
                             options=tuple(options), answer=str(answer), card=str(card))

    def rule(self, raw: dict, path: str, seen: set[str]) -> Rule:
        self.keys(raw, path, {"id", "severity", "when", "practitioner", "patient"},
                  {"id", "severity", "when", "practitioner"})
        severity = raw.get("severity")
        if "severity" in raw and severity not in SEVERITIES:
            self.problem(
                _join(path, "severity"),
                f"unknown severity {severity!r}; use one of {', '.join(SEVERITIES)}",
            )
        when = self.condition_at(raw, "when", path, for_rule=True)
        return Rule(
            id=self.ident(raw, path, seen),
            severity=str(severity),
            when=when or Group("all", ()),
            practitioner=self.text(raw, "practitioner", path),
            patient=self.text(raw, "patient", path),
        )

    # -- conditions ----------------------------------------------------------

    def condition_at(
        self, table: dict, key: str, path: str, for_rule: bool = False
    ) -> Condition | None:
        if key not in table:
            return None
        return self.condition(table[key], _join(path, key), for_rule)

    def condition(self, raw: Any, path: str, for_rule: bool) -> Condition | None:
        if not isinstance(raw, dict):
            self.problem(path, "must be a table: { question = ..., op = ..., value = ... } "
                               "or { all = [...] } / { any = [...] }")
            return None
        groups = [k for k in ("all", "any") if k in raw]
        if groups:
            if len(raw) != 1:
                self.problem(path, "a group holds exactly one key: all or any")
            mode = groups[0]
            items = raw[mode]
            if not isinstance(items, list) or not items:
                self.problem(_join(path, mode), "must be a non-empty list of conditions")
                return None
            built = [self.condition(item, f"{path}.{mode}[{i}]", for_rule)
                     for i, item in enumerate(items)]
            return Group(mode, tuple(c for c in built if c is not None))
        return self.compare(raw, path, for_rule)

    def compare(self, raw: dict, path: str, for_rule: bool) -> Compare | None:
        self.keys(raw, path, {"question", "fact", "op", "value", "days", "hours"}, {"op"})
        op = raw.get("op")
        if op is not None and op not in OPERATORS:
            self.problem(_join(path, "op"),
                         f"unknown operator {op!r}; use one of {' '.join(OPERATORS)}")
            return None
        question_id, fact = raw.get("question"), raw.get("fact")
        if (question_id is None) == (fact is None):
            self.problem(path, "name exactly one of question or fact")
            return None
        compare = Compare(op=str(op), question=question_id, fact=fact, value=raw.get("value"),
                          days=raw.get("days"), hours=raw.get("hours"))
        if fact is not None:
            if fact not in FACTS:
                self.problem(_join(path, "fact"),
                             f"unknown fact {fact!r}; use one of {', '.join(FACTS)}")
                return None
            self.check_fact_compare(compare, path)
            return compare
        question = self.questions.get(question_id) if isinstance(question_id, str) else None
        if question is None:
            reason = (f"unknown question id {question_id!r}" if for_rule else
                      f"unknown question id {question_id!r} (enable_when may only name "
                      "questions that come before it)")
            self.problem(_join(path, "question"), reason)
            return None
        self.check_question_compare(compare, question, path)
        return compare

    def check_fact_compare(self, c: Compare, path: str) -> None:
        if c.fact == "age":
            if c.op not in ("<", ">", "=", "!=") or isinstance(c.value, bool) \
                    or not isinstance(c.value, int):
                self.problem(path, "age compares with <, >, = or != to a whole number of years")
        elif c.fact in ("understood", "guardian"):
            if c.op not in ("=", "!=") or not isinstance(c.value, bool):
                self.problem(path, f"{c.fact} compares with = or != to true or false")
        elif c.fact == "area":
            if c.op not in ("=", "!="):
                self.problem(_join(path, "op"), "area compares with = or !=")
            elif not any(a.get("value") == c.value for a in _listed(self.data.get("areas"))
                         if isinstance(a, dict)):
                self.problem(_join(path, "value"), f"{c.value!r} is not one of the areas")

    def check_question_compare(self, c: Compare, q: Question, path: str) -> None:
        def bad(reason: str) -> None:
            self.problem(path, f"{reason} (question {q.id!r} is {q.type})")

        if c.op == "exists":
            if c.value is not None and not isinstance(c.value, bool):
                self.problem(_join(path, "value"), "exists takes true or false")
            return
        if c.op != "within" and (c.days is not None or c.hours is not None):
            self.problem(path, "days and hours only go with op = \"within\"")
        if c.op == "within":
            if c.value is not None:
                self.problem(_join(path, "value"), "within takes days or hours, not a value")
            if q.type not in ("date", "datetime", "last_taken"):
                bad("within only applies to dates and times")
                return
            if (c.days is None) == (c.hours is None):
                self.problem(path, "within needs days or hours (one of them)")
                return
            window = c.days if c.days is not None else c.hours
            if isinstance(window, bool) or not isinstance(window, int) or window <= 0:
                self.problem(path, "the window must be a whole number above 0")
                return
            if c.hours is not None and q.type != "datetime" and q.precision == "date":
                bad("a window in hours needs a question with precision = \"datetime\"")
            hours = c.days * 24 if c.days is not None else c.hours
            recent = q.recent_window_hours
            if recent is not None and hours > recent:
                self.problem(path, f"the rule's window is longer than the question's "
                                   f"\"not recently\" answer covers ({q.id!r})")
            return
        checker: Callable[[Any], bool] | None = {
            "boolean": lambda v: isinstance(v, bool),
            "choice": lambda v: q.option(v) is not None if isinstance(v, str) else False,
            "multi_choice": lambda v: q.option(v) is not None if isinstance(v, str) else False,
            "date": _is_iso_date,
            "last_taken": lambda v: v in ("never", "not_recent") or _is_iso_date(v),
            "text": lambda v: isinstance(v, str),
            "datetime": lambda v: isinstance(v, str),
        }.get(q.type)
        if c.op in ("<", ">") and q.type not in ("date", "datetime"):
            bad(f"{c.op} only compares dates and times")
        elif checker is not None and not checker(c.value):
            self.problem(_join(path, "value"),
                         f"{c.value!r} is not a possible answer to {q.id!r} ({q.type})")


def _is_iso_date(value: Any) -> bool:
    if isinstance(value, date):
        return True
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _listed(value: Any) -> list:
    """A list from the file, or nothing when it holds something else (already reported)."""
    return value if isinstance(value, list) else []


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
