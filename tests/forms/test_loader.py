import pytest

from mesocheck.forms import FormInvalid, check_form, parse_form


def problems_of(text: str) -> list[str]:
    with pytest.raises(FormInvalid) as caught:
        parse_form(text, "bad.toml")
    return [str(p) for p in caught.value.problems]


def test_small_form_loads_with_its_structure(small_form):
    assert small_form.id == "small"
    assert [s.id for s in small_form.steps] == ["one", "two"]
    assert [q.id for q in small_form.questions] == [
        "smoker", "per_day", "last_coffee", "kinds", "notes"]
    assert small_form.question("notes").max_length == 20
    assert small_form.question("kinds").option("none").exclusive
    assert len(small_form.content_hash) == 64


def test_content_hash_ignores_layout_but_not_words(small_text):
    SMALL_FORM = small_text
    base = parse_form(SMALL_FORM).content_hash
    relaid = parse_form("# a comment\n" + SMALL_FORM.replace("  [[steps.questions]]", "[[steps.questions]]"))
    assert relaid.content_hash == base
    reworded = parse_form(SMALL_FORM.replace("It may hurt.", "It may hurt a bit."))
    assert reworded.content_hash != base


def test_every_problem_is_reported_at_once_with_its_path(small_text):
    SMALL_FORM = small_text
    broken = (
        SMALL_FORM
        .replace('id = "per_day"', 'id = "smoker"')                       # duplicate id
        .replace('when = { question = "per_day"', 'when = { question = "ghost"')
        .replace('op = "within", hours = 24', 'op = "about", hours = 24')    # bad operator
        .replace('body = { en = "It may hurt." }', 'body = { fr = "Ça fait mal." }')
    )
    found = problems_of(broken)
    text = "\n".join(found)
    assert "steps[0].questions[1].id: duplicate id 'smoker'" in text
    assert "rules[0].when.question: unknown question id 'ghost'" in text
    assert "rules[1].when.any[0].op: unknown operator 'about'" in text
    assert "disclosures[0].body: missing translation for 'en'" in text
    assert "disclosures[0].body.fr: language 'fr' is not in `languages`" in text
    assert all(line.startswith("bad.toml: ") for line in found)


@pytest.mark.parametrize(
    "change, expected",
    [
        (('type = "boolean"', 'type = "yesno"'), "unknown type 'yesno'"),
        (('severity = "review"', 'severity = "urgent"'), "unknown severity 'urgent'"),
        (('when = { question = "per_day", op = "=", value = "many" }',
          'when = { question = "per_day", op = "=", value = "lots" }'),
         "'lots' is not a possible answer to 'per_day'"),
        (('recent_hours = 24', 'recent_hours = 12'),
         "longer than the question's \"not recently\" answer"),
        (('fact = "age"', 'fact = "height"'), "unknown fact 'height'"),
        (('max_length = 20', 'max_length = -5'), "must be a whole number above 0"),
        (('required = true', 'requird = true'), "steps[0].questions[0].requird: unknown key"),
        (('type = "boolean"', 'type = "boolean"\n  precision = "datetime"'),
         "only last_taken questions take a precision"),
        (('when = { question = "per_day", op = "=", value = "many" }',
          'when = { question = "per_day", op = "=", value = "many", days = 3 }'),
         'days and hours only go with op = "within"'),
        (('op = "within", hours = 24', 'op = "within", hours = 24, value = 1'),
         "within takes days or hours, not a value"),
    ],
)
def test_specific_mistakes_are_named(change, expected, small_text):
    SMALL_FORM = small_text
    old, new = change
    assert old in SMALL_FORM
    assert any(expected in p for p in problems_of(SMALL_FORM.replace(old, new, 1)))


def test_enable_when_may_not_look_forward(small_text):
    SMALL_FORM = small_text
    text = SMALL_FORM.replace(
        'enable_when = { question = "smoker", op = "=", value = true }',
        'enable_when = { question = "notes", op = "exists" }',
    )
    assert any("come before it" in p for p in problems_of(text))


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"\xff\xfe\x00binary", "is not UTF-8 text"),
        (b"id = ", "is not valid TOML"),
        (b"", "missing"),
    ],
)
def test_truncated_binary_and_empty_files_get_messages_not_tracebacks(raw, reason):
    with pytest.raises(FormInvalid) as caught:
        parse_form(raw, "x.toml")
    assert caught.value.problems
    assert reason in str(caught.value)


def test_truncated_form_is_reported(small_text):
    assert problems_of(small_text[: len(small_text) // 2])


def test_check_form_on_missing_file_and_folder(tmp_path):
    assert "file not found" in str(check_form(tmp_path / "nope.toml")[0])
    assert "is a folder" in str(check_form(tmp_path)[0])

