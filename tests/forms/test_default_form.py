"""The shipped default form: it loads, and it covers the clinical brief (shared/CONTENT.md)."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from mesocheck.forms import Facts, Flow, load_form, parse_form
from mesocheck.forms.model import Text
from mesocheck.paths import default_form_path

FORM_PATH = default_form_path()
APPOINTMENT = datetime(2026, 11, 21, 10, 0, tzinfo=ZoneInfo("Europe/London"))

RISKS = [
    "pain", "bruising_swelling", "infection", "allergic_reaction", "hyperpigmentation",
    "scarring", "nodules", "limited_results",
]
STEPS = [
    "about", "health", "allergies", "medicines", "blood_thinners", "anticoagulants",
    "sun_skin", "alcohol_caffeine", "after_visit",
]
# Every preparation topic of the brief, and the question(s) that ask about it.
TOPICS = {
    "consultation": {"consultation": "boolean"},
    "conditions": {"conditions": "multi_choice", "conditions_other": "text"},
    "allergies": {"allergy_planned_ingredient": "boolean", "allergies_any": "boolean",
                  "allergies_details": "text"},
    "medications": {"medicines_any": "boolean", "medicine_kinds": "multi_choice",
                    "medicines_list": "text"},
    "blood thinners": {"last_aspirin": "last_taken", "last_nsaid": "last_taken",
                       "last_fish_oil": "last_taken", "last_vitamin_e": "last_taken"},
    "prescription anticoagulants": {"anticoagulant": "boolean", "anticoagulant_name": "text"},
    "sun": {"sun_recent": "boolean", "skin_type": "choice"},
    "alcohol": {"last_alcohol": "last_taken"},
    "caffeine": {"last_caffeine": "last_taken"},
    "transport": {"transport_arranged": "boolean"},
    "other instructions": {"other_instructions": "text"},
}


@pytest.fixture(scope="module")
def form():
    return load_form(FORM_PATH)


def all_texts(form):
    """(where, text) for every text a patient or practitioner can read."""
    out = [("title", form.title), ("signature_meaning", form.signature_meaning)]
    out += [(f"areas.{a.value}", a.label) for a in form.areas]
    for step in form.steps:
        out += [(f"{step.id}.title", step.title), (f"{step.id}.intro", step.intro)]
        for q in step.questions:
            out += [(q.id, q.text), (f"{q.id}.help", q.help)]
            out += [(f"{q.id}.{o.value}", o.label) for o in q.options]
    for d in form.disclosures:
        out += [(f"{d.id}.title", d.title), (f"{d.id}.body", d.body)]
    for name, section in (("consent", form.consent), ("aftercare", form.aftercare)):
        out += [(f"{name}.title", section.title), (f"{name}.intro", section.intro)]
        out += [(f"{name}.items[{i}]", t) for i, t in enumerate(section.items)]
    for r in form.rules:
        out += [(f"{r.id}.practitioner", r.practitioner), (f"{r.id}.patient", r.patient)]
    return [(where, text.get("en")) for where, text in out if isinstance(text, Text) and text]


def test_the_shipped_form_loads(form):
    assert form.id == "mesotherapy"
    assert form.version == "1.4"
    assert form.languages == SHIPPED_LANGUAGES
    assert [a.value for a in form.areas] == ["face", "neck", "body", "scalp"]
    assert "hair loss" in form.area("scalp").label.get("en").lower()
    assert form.signature_meaning.get("en") == "Consent to treatment"
    assert re.fullmatch(r"[0-9a-f]{64}", form.content_hash)


def test_steps_come_in_order_with_a_title_each(form):
    assert [s.id for s in form.steps] == STEPS
    assert form.steps[0].title.get("en") == "About your treatment"
    assert all(s.title for s in form.steps)
    assert all(s.enable_when is None for s in form.steps)


def test_every_preparation_topic_has_a_question(form):
    for topic, questions in TOPICS.items():
        for qid, qtype in questions.items():
            assert form.question(qid).type == qtype, (topic, qid)
    asked = {qid for questions in TOPICS.values() for qid in questions}
    assert asked == {q.id for q in form.questions}


def test_the_about_step_explains_the_procedure(form):
    intro = form.step_of("consultation").intro.get("en").lower()
    for fact in ("injections", "middle layer", "face", "neck", "body", "scalp", "cellulite",
                 "hair loss", "acetyl tetrapeptide-3", "biochanin a", "platelet-rich plasma",
                 "growth factors", "doctor or nurse", "anaesthetic", "10 to 30 minutes",
                 "10 sessions", "closer together at first", "insurance may not pay"):
        assert fact in intro, fact


def test_conditions_list_every_contraindication_and_an_exclusive_none(form):
    conditions = form.question("conditions")
    assert [o.value for o in conditions.options] == [
        "bleeding_disorder", "diabetes", "weak_immunity", "skin_infection", "keloid",
        "pregnant_breastfeeding", "none"]
    assert [o.value for o in conditions.options if o.exclusive] == ["none"]
    assert conditions.required


def test_time_questions_carry_their_windows(form):
    for qid in ("last_aspirin", "last_nsaid", "last_fish_oil", "last_vitamin_e"):
        q = form.question(qid)
        assert (q.precision, q.past_only, q.recent_days, q.required) == ("date", True, 7, True)
    for qid in ("last_alcohol", "last_caffeine"):
        q = form.question(qid)
        assert (q.precision, q.past_only, q.recent_hours, q.required) == (
            "datetime", True, 24, True)


def test_skin_types_one_to_six_and_not_sure(form):
    options = form.question("skin_type").options
    assert [o.value for o in options] == [f"type_{n}" for n in range(1, 7)] + ["not_sure"]
    numerals = ["I", "II", "III", "IV", "V", "VI"]
    for option, numeral in zip(options, numerals):
        assert option.label.get("en").startswith(f"Type {numeral}:")


def test_follow_up_questions_appear_only_after_yes(form):
    flow = Flow(form, Facts(appointment=APPOINTMENT, birth_date=date(1990, 1, 1), area="face"))
    for step_id, trigger, follow_ups in (
        ("allergies", "allergies_any", ["allergies_details"]),
        ("medicines", "medicines_any", ["medicine_kinds", "medicines_list"]),
        ("anticoagulants", "anticoagulant", ["anticoagulant_name"]),
    ):
        step = flow.form_step(step_id)
        shown_no = {q.id for q in flow.shown_questions(step, {trigger: False})}
        shown_yes = {q.id for q in flow.shown_questions(step, {trigger: True})}
        assert not shown_no & set(follow_ups)
        assert set(follow_ups) <= shown_yes


def test_every_risk_is_its_own_disclosure_then_evidence_and_cost(form):
    assert [d.id for d in form.disclosures] == RISKS + [
        "evidence_limited", "hair_loss_not_approved", "cost", "electronic_signature",
        "paper_records"]
    assert {d.id for d in form.disclosures if d.kind == "risk"} == set(RISKS)
    assert form.disclosure("evidence_limited").kind == "evidence"
    assert form.disclosure("hair_loss_not_approved").kind == "evidence"
    assert form.disclosure("cost").kind == "cost"
    for records in ("electronic_signature", "paper_records"):
        assert form.disclosure(records).kind == "records"


def test_the_patient_is_told_what_signing_electronically_means_before_signing(form):
    """What ESIGN asks a consumer be told before consenting to electronic records: that a
    paper copy is available and how, that consent to electronic records can be withdrawn
    and how, and what the consent covers."""
    told = " ".join(form.disclosure(d).body.get("en") for d in
                    ("electronic_signature", "paper_records")).lower()
    for point in ("paper copy of this form at any time, free of charge",
                  "front desk or contact the clinic",
                  "want your records on paper from now on", "for this form only",
                  "counts the same as a handwritten one", "does not cancel"):
        assert point in told, point


def test_claims_are_no_stronger_than_the_sources(form):
    texts = " ".join(text for _where, text in all_texts(form)).lower()
    for claim in ("usually does not pay", "every two weeks", "no anaesthetic is used"):
        assert claim not in texts, claim
    about = form.step_of("consultation").intro.get("en")
    assert "At this clinic, no numbing cream or anaesthetic is used." in about
    assert "Health insurance may not pay" in form.disclosure("cost").body.get("en")
    reasons = [form.step_of("last_alcohol").intro.get("en"),
               form.rule("alcohol_recent").practitioner.get("en"),
               form.rule("caffeine_recent").practitioner.get("en")]
    assert not any("bruis" in r for r in reasons)
    assert "before" in form.question("sun_recent").help.get("en") or \
        "after the treatment" in form.question("sun_recent").help.get("en")
    assert "in the last week" in form.question("sun_recent").help.get("en")


def test_disclosure_bodies_are_short_plain_paragraphs(form):
    for d in form.disclosures:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", d.body.get("en")) if s]
        assert 2 <= len(sentences) <= 4, d.id
        assert d.title


def test_evidence_and_cost_say_what_the_brief_says(form):
    evidence = form.disclosure("evidence_limited").body.get("en").lower()
    assert "limited" in evidence and "vary" in evidence
    hair = form.disclosure("hair_loss_not_approved").body.get("en")
    assert "FDA" in hair and "not cleared or approved" in hair and "causes" in hair
    cost = form.disclosure("cost").body.get("en").lower()
    assert "insurance" in cost and "packages" in cost


def test_hair_loss_disclosure_is_shown_for_the_scalp_only(form):
    for area in ("face", "neck", "body", "scalp"):
        flow = Flow(form, Facts(appointment=APPOINTMENT, birth_date=date(1990, 1, 1), area=area))
        shown = [d.id for d in flow.shown_disclosures({})]
        assert ("hair_loss_not_approved" in shown) == (area == "scalp"), area
        assert set(RISKS) <= set(shown)
        assert "evidence_limited" in shown and "cost" in shown


def test_consent_has_the_six_statements(form):
    items = [t.get("en").lower() for t in form.consent.items]
    assert len(items) == 6
    for item, words in zip(items, (
        ("true", "complete"),
        ("read", "questions"),
        ("agree",),
        ("stop at any time",),
        ("electronic signature", "handwritten"),
        ("paper copy",),
    )):
        assert all(w in item for w in words), item
    intro = form.consent.intro.get("en").lower()
    assert "limited" in intro and "vary" in intro


def test_aftercare_has_the_six_items(form):
    items = [t.get("en").lower() for t in form.aftercare.items]
    assert len(items) == 6
    for item, words in zip(items, (
        ("swelling", "bruising", "few days"),
        ("pain relief",),
        ("sun",),
        ("harsh",),
        ("follow-up", "several sessions"),
        ("contact the clinic", "fever"),
    )):
        assert all(w in item for w in words), item


def test_no_marketing_claims_anywhere(form):
    texts = all_texts(form)
    assert len(texts) > 100
    for where, text in texts:
        assert "%" not in text, where
        assert "guarantee" not in text.lower(), where
        assert "success rate" not in text.lower(), where


def test_patient_texts_are_short_sentences(form):
    for where, text in all_texts(form):
        if where.endswith(".practitioner"):
            continue
        for sentence in re.split(r"(?<=[.!?:])\s+", text):
            assert len(sentence.split()) <= 25, (where, sentence)


def test_content_hash_is_stable_across_loads(form):
    assert load_form(FORM_PATH).content_hash == form.content_hash
    assert parse_form(FORM_PATH.read_bytes()).content_hash == form.content_hash


def test_content_hash_ignores_comments_and_layout(form):
    text = FORM_PATH.read_text(encoding="utf-8")
    reshaped = "# an extra comment\n\n" + text.replace('id = "mesotherapy"', 'id   =   "mesotherapy"')
    assert parse_form(reshaped).content_hash == form.content_hash


def test_content_hash_changes_when_one_word_changes(form):
    text = FORM_PATH.read_text(encoding="utf-8")
    old = "Bruising and swelling are common."
    assert text.count(old) == 1
    edited = parse_form(text.replace(old, "Bruising and swelling are frequent."))
    assert edited.content_hash != form.content_hash
    assert edited.version == form.version  # a new hash even if the clinic forgot the version


SHIPPED_LANGUAGES = ("en", "es", "fr", "ar", "zh")


def test_the_form_carries_every_shipped_language_in_every_text():
    form = load_form(FORM_PATH)
    assert form.languages == SHIPPED_LANGUAGES
    texts = [form.title, form.signature_meaning, *(a.label for a in form.areas)]
    for step in form.steps:
        texts += [step.title, *([step.intro] if step.intro else [])]
        for question in step.questions:
            texts += [question.text, *([question.help] if question.help else [])]
            texts += [o.label for o in question.options]
    for text in texts:
        for language in SHIPPED_LANGUAGES:
            words = text.values.get(language, "")
            assert words.strip(), (language, text.get("en"))
            if language != "en":
                assert words != text.get("en") or len(words) < 12, (language, words)


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES[1:])
def test_check_form_names_a_text_missing_in_one_language(tmp_path, language):
    """Taking one translation out of the shipped form makes check-form refuse it, saying
    where and which language."""
    from mesocheck.forms.loader import check_form

    lines = FORM_PATH.read_text(encoding="utf-8").splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines)
                  if line.startswith(f'signature_meaning.{language} = '))
    broken = tmp_path / "form.toml"
    broken.write_text("".join(lines[:target] + lines[target + 1:]), encoding="utf-8")
    problems = [str(p) for p in check_form(broken)]
    assert any("signature_meaning" in p and f"missing translation for '{language}'" in p
               for p in problems), problems


@pytest.mark.parametrize("language, said", [
    ("en", "On 3 March 2026"), ("es", "El 3 de marzo de 2026"), ("fr", "Le 3 mars 2026"),
    ("ar", "في 3 مارس 2026"), ("zh", "2026年3月3日")])
def test_a_date_answer_is_said_in_the_patients_language(form, language, said):
    from mesocheck.forms.answers import answer_text

    question = next(q for step in form.steps for q in step.questions if q.id == "last_aspirin")
    text = answer_text(question, "2026-03-03", language, ZoneInfo("Europe/Paris"))
    assert said in text  # the month in the patient's words and order, never English's
    if language != "en":
        assert "March" not in text
