"""Promise 4: bad input everywhere.

Hypothesis feeds every question of the shipped form, the patient's name and date of birth,
the store and the form loader with hostile input: NUL and control characters, right-to-left
overrides, combining marks, emoji, lone surrogates, 100,000-character strings, impossible
dates, wrong types, and truncated, mutated and binary form files. Nothing may crash; every
refusal is a message for a person; accepted text comes back from the store exactly; the
consent PDF renders with the worst accepted text.

The CI default tries a few thousand inputs; ``--long`` multiplies them.
"""

from __future__ import annotations

import copy
import json
import random
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from mesocheck.documents.consent import build_consent_pdf, store_consent_pdf
from mesocheck.forms import FormInvalid, check_answer, parse_form
from mesocheck.forms.loader import FormProblem
from mesocheck.forms.registry import default_form, form_from_content
from mesocheck.paths import default_form_path
from mesocheck.session import IntakeSession, SessionError, check_details
from mesocheck.store import Store
from mesocheck.store.audit import to_json

from tests.support import at_rest
from tests.support.intakes import ZONE, fill_intake
from .harness import record_figures

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
HOSTILE_CHARS = ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\u200b", "\u200e",
                 "\u200f", "\u202a", "\u202b", "\u202d", "\u202e", "\u2066", "\u2067",
                 "\u2069", "\ufeff", "\ufffe", "\uffff", "\u0301", "\u0345", "\u20dd",
                 "\U0001f600", "\U0001f469\u200d\U0001f4bb", "\U0001f1ec\U0001f1e7",
                 "\ud800", "\udfff", "\r", "\r\n", "\t", "\n", "\u2028", "\u2029",
                 "ﷺ", "ﷻ", "ع", "ש", "\u0e01\u0e33", "𒀀", "'", '"', "<b>", "&amp;",
                 "%s", "{0}", "\\", "</para>", "<font size=99>"]

hostile_text = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(HOSTILE_CHARS) | st.characters(), max_size=60).map("".join),
    st.lists(st.sampled_from(HOSTILE_CHARS) | st.text(max_size=5), max_size=30).map("".join),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=3), st.integers(1000, 100_000)),
)
wrong_types = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.binary(max_size=20), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.dates(), st.datetimes(), st.just(object()), st.just(float("inf")),
)
date_texts = st.one_of(
    st.sampled_from(["2023-02-30", "2023-02-29", "2024-02-30", "0000-01-01", "0001-01-01",
                     "9999-12-31", "2020-13-01", "2020-00-10", "1900-1-1", "31/12/1980",
                     "12/31/1980", "1980-12-31T25:00", "1980-12-31T10:00:00+25:00",
                     "2100-01-01", "-2020-01-01", "+002020-01-01", "2020-W01-1", "20200101",
                     "  1990-05-01  ", "1990-05-01\x00", "１９９０-０５-０１", "", " "]),
    st.dates().map(date.isoformat),
    st.datetimes(timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=14)),
                                            timezone(timedelta(hours=-12))])).map(
        lambda d: d.isoformat()),
    st.text(max_size=25),
)


@pytest.fixture
def examples(request):
    """How many examples a property gets: modest in CI, many more with --long."""
    factor = 20 if request.config.getoption("--long") else 1
    return lambda n: n * factor


def _settings(n: int):
    return settings(max_examples=n, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


def _clear(message) -> None:
    """A refusal is a sentence for a person, not a repr or a traceback."""
    assert isinstance(message, str) and message.strip()
    assert "Traceback" not in message and "<" not in message.replace("<b>", "")
    assert not any(word in message for word in ("Error", "None", "object at", "\\x"))


# -- answers to every question -------------------------------------------------------------


def test_every_question_takes_any_input_without_crashing(examples):
    form = default_form()
    questions = form.questions
    tried = []

    @_settings(examples(1500))
    @given(st.sampled_from(questions),
           st.one_of(hostile_text, wrong_types, date_texts,
                     st.lists(hostile_text | st.sampled_from(["none", "keloid", "other"]),
                              max_size=4)))
    def check(question, raw):
        tried.append(1)
        checked = check_answer(question, raw, now=NOW)
        if not checked.ok:
            _clear(checked.error)
            return
        if checked.value is None:
            return
        to_json(checked.value)  # storable as it stands
        if question.type == "text":
            text = checked.value
            assert text == text.strip() and len(text) <= (question.max_length or 10**9)
            assert not any(ord(c) < 32 and c not in "\t\n" or 0x7f <= ord(c) <= 0x9f
                           for c in text)
            assert not any(0xD800 <= ord(c) <= 0xDFFF for c in text)
        elif question.type in ("date", "last_taken") and checked.value not in (
                "never", "not_recent"):
            day = datetime.fromisoformat(checked.value)
            assert day.date() <= NOW.date() or not question.past_only

    check()
    record_figures("hostile.answers", inputs=len(tried))


def test_a_100000_character_answer_is_refused_in_words_quickly():
    form = default_form()
    text = next(q for q in form.questions if q.type == "text")
    started = datetime.now()
    checked = check_answer(text, "ü" * 100_000, now=NOW)
    assert not checked.ok and "too long" in checked.error
    assert datetime.now() - started < timedelta(seconds=1)


# -- names and dates at the start ----------------------------------------------------------


def test_names_and_birth_dates_are_checked_not_crashed_on(examples):
    form = default_form()
    tried = []

    @_settings(examples(1000))
    @given(hostile_text | wrong_types, date_texts | wrong_types,
           st.sampled_from(["face", "scalp", "", "FACE", "elbow"]) | wrong_types)
    def check(name, birth, area):
        tried.append(1)
        details, errors = check_details(form, name=name, birth_date=birth, area=area,
                                        appointment_at=NOW + timedelta(hours=1),
                                        today=NOW.date())
        assert (details is None) == bool(errors)
        for message in errors.values():
            _clear(message)
        if details is not None:
            assert details.name and len(details.name) <= 200
            assert details.birth_date <= NOW.date()

    check()
    record_figures("hostile.details", inputs=len(tried))


# -- round trips through the store ---------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    at_rest.set_up(tmp_path / "clinic.sqlite3")
    with Store.open(tmp_path / "clinic.sqlite3") as opened:
        yield opened


def test_accepted_text_comes_back_from_the_store_exactly(store, tmp_path, examples):
    """Through the session (checked, saved, read by a second connection and resumed)."""
    form = default_form()
    texts = [q for q in form.questions if q.type == "text"]
    tried = []
    names = {}

    @_settings(examples(300))
    @given(hostile_text, hostile_text, st.sampled_from(texts))
    def check(name, answer, question):
        tried.append(1)
        details, errors = check_details(form, name=name, birth_date="1990-05-01",
                                        area="face", appointment_at=NOW + timedelta(hours=1),
                                        today=NOW.date())
        assume(details is not None)
        session = IntakeSession.start(store, form, details, zone=ZONE, clock=lambda: NOW)
        session.answer(question.id, answer)  # a hidden question's answer is cleared
        session.flush()
        names[session.intake_id] = (details.name, question.id,
                                    session.answers.get(question.id))

    check()
    assume_any = [v for v in names.values() if v[2] is not None]
    assert assume_any, "no hostile text was accepted at all"
    with Store.open(tmp_path / "clinic.sqlite3") as second:
        for intake_id, (name, qid, value) in names.items():
            record = second.intake(intake_id)
            assert record.patient.name == name
            if value is not None:
                assert record.answers[qid] == value
                resumed = IntakeSession.resume(second, intake_id, form=form, zone=ZONE)
                assert resumed.answers.get(qid) == value
        assert second.verify() == []
    record_figures("hostile.round_trip", inputs=len(tried), intakes=len(names))


def test_the_store_keeps_any_unicode_value_exactly(store, examples):
    """Below the checks too: whatever valid Unicode reaches the store is kept as given."""
    intake = store.start_intake(
        name="Round Trip", birth_date="1990-01-01", form_id="f", form_version="1",
        form_hash="0" * 64, language="en", area="face", appointment_at=NOW, device=None,
        actor="patient")
    tried = []
    values = st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
        | st.text(st.characters(exclude_categories=["Cs"])),
        lambda inner: st.lists(inner, max_size=3)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"]), max_size=5),
                          inner, max_size=3), max_leaves=8)

    @_settings(examples(300))
    @given(values)
    def check(value):
        tried.append(1)
        store.save_answer(intake, "q", value)
        assert store.intake(intake).answer_history[-1].value == value

    check()
    assert store.verify() == []
    record_figures("hostile.store_values", inputs=len(tried))


# -- the consent PDF with the worst accepted text ------------------------------------------


def test_the_consent_pdf_renders_with_hostile_accepted_text(store, examples):
    form = default_form()
    tried = []
    worst_name = ("\u202eZoë \u0301\u0301 \U0001f469\u200d\U0001f4bb مريم הלוי 𒀀 "
                  "<b>&amp;</b> " + "Ｗ" * 150)[:200]

    @_settings(examples(12))
    @given(hostile_text, st.integers(0, 2**32))
    def check(text, seed):
        tried.append(1)
        details, _ = check_details(form, name=text or "x", birth_date="1990-05-01",
                                   area="face", appointment_at=NOW, today=NOW.date())
        name = details.name if details else worst_name
        answers = {q.id: (text * 1000)[:q.max_length or 1000] or "x"
                   for q in form.questions if q.type == "text"}
        checked = {k: check_answer(form.question(k), v, now=datetime.now(ZONE))
                   for k, v in answers.items()}
        answers = {k: c.value for k, c in checked.items() if c.ok and c.value is not None}
        session = fill_intake(store, form, random.Random(seed), name=name,
                              answers=answers, pdf=False)
        document = store_consent_pdf(store, session.intake_id)
        pdf = store.document_bytes(document)
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")

    check()
    assert store.verify() == []
    record_figures("hostile.pdf", inputs=len(tried))


# -- the form loader -------------------------------------------------------------------------


def _only_form_problems(call) -> None:
    try:
        call()
    except FormInvalid as exc:
        assert exc.problems
        for problem in exc.problems:
            assert isinstance(problem, FormProblem) and problem.reason
            assert "Traceback" not in str(problem)


def test_truncated_mutated_and_binary_form_files_get_problems_not_crashes(examples):
    raw = default_form_path().read_bytes()
    tried = []

    @_settings(examples(600))
    @given(st.one_of(
        st.integers(0, len(raw)).map(lambda n: raw[:n]),
        st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 255)).map(
            lambda p: raw[:p[0]] + bytes([p[1]]) + raw[p[0] + 1:]),
        st.tuples(st.integers(0, len(raw)), st.integers(0, len(raw))).map(
            lambda p: raw[:min(p)] + raw[max(p):]),
        st.binary(max_size=2000),
        st.binary(max_size=50).map(lambda b: raw[:len(raw) // 2] + b),
        st.just(b"\xef\xbb\xbf" + raw), st.just(raw.replace(b"\n", b"\r\n")),
        st.just(b"\x00" * 3_000_000), st.just(raw.decode().encode("utf-16")),
    ))
    @example(b"a = " + b"[" * 5000)  # found by the --long run: RecursionError
    @example(b"a = " + b"{x=" * 3000)
    def check(data):
        tried.append(1)
        _only_form_problems(lambda: parse_form(data, "hostile.toml"))

    check()
    record_figures("hostile.form_files", inputs=len(tried))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


def test_wrong_types_anywhere_in_a_form_get_problems_not_crashes(examples):
    """Every key of the shipped form, replaced or removed, one at a time and in pairs."""
    source = default_form().source
    paths = [p for p in _paths(source) if p]
    tried = []
    replacement = st.one_of(
        wrong_types.filter(lambda v: not isinstance(v, (bytes, object)) or
                           isinstance(v, (int, float, str, list, dict, bool, date))),
        hostile_text, st.just([]), st.just({}), st.just([{}]), st.just({"en": 3}),
        st.just("DELETE"))

    @_settings(examples(800))
    @given(st.lists(st.tuples(st.sampled_from(paths), replacement), min_size=1, max_size=2))
    @example([(("areas",), False)])  # found by the --long run: TypeError
    @example([(("version",), "\ud800")])  # and UnicodeEncodeError
    def check(edits):
        tried.append(1)
        data = copy.deepcopy(source)
        for path, value in edits:
            parent = data
            try:
                for key in path[:-1]:
                    parent = parent[key]
                if value == "DELETE":
                    del parent[path[-1]]
                else:
                    parent[path[-1]] = value
            except (KeyError, IndexError, TypeError):
                continue
        _only_form_problems(lambda: form_from_content(data, "mutated.toml"))

    check()
    record_figures("hostile.form_types", inputs=len(tried))


def test_a_damaged_archived_form_is_a_problem_not_a_crash(examples):
    """The archived copy of a form (read back from the store) may be damaged too."""
    text = json.dumps(default_form().source)
    tried = []

    @_settings(examples(200))
    @given(st.one_of(st.integers(0, len(text)).map(lambda n: text[:n]), hostile_text,
                     st.just("null"), st.just("[]"), st.just('"form"'), st.just("{}")))
    @example("[" * 3000)  # found by the --long run: RecursionError
    @example('{"version": "\\ud800"}')  # a lone surrogate, spelled as a JSON escape
    def check(content):
        tried.append(1)
        _only_form_problems(lambda: form_from_content(content))

    check()
    record_figures("hostile.archived_forms", inputs=len(tried))
