"""Realistic synthetic intakes for training, screenshots and benchmarks.

Each is an intake the app could have produced, since staff train on them: answers drawn per
question with clinically plausible odds (most intakes clean, some raising flags of every
severity), the flags the form's rules raise for *its own* answers, age and area, the
patient's signature in handwriting bound to its real signed content, and, for a share, a
review reached through the review's rules: decisions, the status they lead to, and the
practitioner's countersignature bound to the review as it stands.

To make 100,000 intakes in about a minute, answer *profiles* (answers with times relative to
the appointment) are drawn once and reused; the rules and hashes run per intake.
"""

from __future__ import annotations

import math
import random
import secrets
import uuid
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace
from typing import Any, Callable, Iterator

from msgspec import Struct, structs

from mesocheck.forms import Facts, Flow, Form, evaluate_rules
from mesocheck.forms.flow import disclosure_text_hash, signed_content_hash
from mesocheck.forms.model import NEVER, NOT_RECENT, Question
from mesocheck.forms.outcome import outcome, review_content_hash
from mesocheck.forms.registry import canonical_content, default_form
from mesocheck.review import MEANINGS
from mesocheck.store.bulk import one_bulk_at_a_time
from mesocheck.timeutil import add_months, age_on, clinic_zone

FIRST = ["Amelia", "Oliver", "Zoë", "Mateo", "Sofía", "Liam", "Chloé", "Noah", "Aisha",
         "Yusuf", "Mei", "Hiroshi", "Ingrid", "Björn", "Élodie", "Łukasz", "Dmitri", "Анна",
         "Νίκος", "Priya", "Kwame", "Siobhán", "Fatima", "Jonas", "Leila", "Tomás", "Grace",
         "Ravi", "Hana", "Olumide", "Maja", "Rafael", "Nadia", "Sven", "Camille", "Ewan"]
LAST = ["Smith", "García", "Müller", "O'Brien", "Nguyen", "Kowalski", "Rossi", "Dubois",
        "Okafor", "Tanaka", "Haddad", "Johansson", "Petrov", "Иванова", "Παπαδόπουλος",
        "Shah", "Mensah", "Fernández", "Brown", "Cohen", "Kim", "Silva", "Novak", "Ahmed",
        "Jansen", "Moreau", "Walsh", "Lindqvist", "Costa", "Yilmaz"]
RTL_NAMES = ["مريم الحسن", "דוד לוי"]
# Each language of the form, the share of patients who read it, and names they might have:
# every review screen and PDF is seen in every shipped language.
LANGUAGE_SHARES = {"en": 0.7, "es": 0.1, "fr": 0.08, "ar": 0.07, "zh": 0.05}
NAMES_BY_LANGUAGE = {
    "ar": ["مريم الحسن", "يوسف حداد", "ليلى منصور", "عمر الخطيب", "فاطمة الزهراء"],
    "zh": ["王小明", "李静", "张伟", "刘芳", "陈杰"],
}

# Odds that a question gets the answer which raises a flag; the rest are unremarkable.
FLAG_ODDS = {
    "consultation": 0.06, "allergy_planned_ingredient": 0.02, "allergies_any": 0.15,
    "medicines_any": 0.3, "anticoagulant": 0.03, "sun_recent": 0.12,
    "transport_arranged": 0.08,
}
PROFILES = 400
SIGNATURES = 40


class _Profile(Struct, frozen=True):
    answers: dict[str, Any]   # last_taken answers hold a timedelta before the appointment
    age: int


REVIEWER = "Demo practitioner"


def create_demo_intakes(
    store: Any,
    count: int,
    *,
    seed: int = 1,
    with_pdf: bool = True,
    form: Form | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 2000,
) -> int:
    form = form or default_form()
    rng = random.Random(seed)
    profiles = [_profile(form, rng) for _ in range(min(PROFILES, count * 2))]
    signatures = [_signature_strokes(rng) for _ in range(min(SIGNATURES, count))]
    archived = canonical_content(form)
    reviewer = _demo_reviewer(store)
    settings = store.settings()  # the course a consent signed now covers, as the app records
    course = (int(settings["course_sessions"]), int(settings["course_months"]),
              clinic_zone(settings.get("time_zone")))

    def bulk(n: int, done_before: int = 0) -> tuple[int, list[str]]:
        """``n`` intakes in batches (PDFs for the signed): how many, and the signed ids."""
        signs: list[bool] = []

        def feed() -> Iterator[dict]:
            for intake in _intakes(form, rng, n, profiles, signatures, archived, reviewer,
                                   course):
                signs.append(intake["signature"] is not None)
                yield intake

        ids = store.bulk_insert_intakes(
            feed(), batch_size=batch_size,
            progress=(lambda done: progress(done_before + done, count)) if progress else None)
        signed = [intake_id for intake_id, sign in zip(ids, signs) if sign]
        if with_pdf:
            from mesocheck.documents.consent import store_consent_pdf

            for intake_id in signed:
                store_consent_pdf(store, intake_id)
        return len(ids), signed

    # A few of the intakes are returning patients' later visits (made the slow, real way);
    # where too few consents can have one, the rest are first visits: ``count`` in all.
    later = min(count // 20, MAX_LATER_VISITS)
    made, signed = bulk(count - later)
    with one_bulk_at_a_time(store.path):  # its many small writes take a bulk load's turn
        visits = _courses(store, form, rng, signed, signatures, with_pdf, later)
    if visits < later:
        made += bulk(later - visits, made + visits)[0]
    return made + visits


MAX_LATER_VISITS = 30  # each goes through a session and its transactions, as at the tablet


def _courses(store: Any, form: Form, rng: random.Random, signed: list[str],
             signatures: list[list], with_pdf: bool, limit: int) -> int:
    """Up to ``limit`` returning patients' visits, through the app's own path (the route, a
    session, signing): later visits on a valid course (the check-in, some reporting how the
    last session went), and a full consent asked again where an old course has run out (a
    quarter of them, where there are such). Returns how many visits were made."""
    from mesocheck.course import route
    from mesocheck.session import IntakeSession, PatientDetails

    if limit <= 0:
        return 0
    zone = clinic_zone(store.settings().get("time_zone"))
    today = datetime.now(zone).date()
    ended_wanted = max(1, limit // 4)
    made = ended = 0
    candidates = list(signed)
    rng.shuffle(candidates)
    for consent_id in candidates[:limit * 20]:  # read only as many as it takes
        if made >= limit:
            break
        consent = store.intake(consent_id)
        if consent.status in ("declined", "voided") or consent.course_until is None \
                or consent.appointment_at.astimezone(zone).date() >= today:
            continue  # no course, or not seen before today
        over = consent.course_until < today
        if over and ended >= ended_wanted or not over and made - ended >= limit - ended_wanted:
            continue
        patient = consent.patient
        visits = 1 if over else rng.randint(1, 3)
        for k in range(min(visits, limit - made)):
            appointment = datetime.combine(today + timedelta(days=7 * k),
                                           time(9 + rng.randint(0, 8), 0), tzinfo=zone)
            if age_on(patient.birth_date, appointment.date()) < 18:
                break  # a minor comes back with a parent: not in the demo
            details = PatientDetails(patient.name, patient.birth_date, consent.area,
                                     appointment, patient_id=patient.id)
            found = route(store, form, patient.id, consent.area, appointment.date())
            session = IntakeSession.start(store, form, details, device="demo", zone=zone,
                                          language=consent.language, route=found)
            _walk(session, rng, appointment)
            session.submit(session.prepare_signature(patient.name, rng.choice(signatures),
                                                     600, 200))
            made += 1
            ended += over
            if with_pdf:
                from mesocheck.documents.consent import store_consent_pdf

                store_consent_pdf(store, session.intake_id)
    return made


def _walk(session: Any, rng: random.Random, appointment: datetime) -> None:
    """Answer, read and check as a patient does: a carried answer is mostly confirmed as
    it was; everything else is answered afresh."""
    form = session.form
    asked_at = min(appointment, datetime.now(timezone.utc))  # "last taken" is in the past
    for page in session.pages():
        if page.kind == "step":
            step = session.step(page.key)
            asked: set[str] = set()
            while True:  # questions appear as earlier answers enable them
                pending = [q for q in session.shown_questions(step) if q.id not in asked]
                if not pending:
                    break
                for q in pending:
                    asked.add(q.id)
                    if q.id in session.carried and rng.random() < 0.9:
                        continue
                    for _try in range(20):  # a draw the question refuses: draw again
                        value = _answer(q, rng)
                        if session.answer(q.id, None if value is None else _materialise(
                                form, {q.id: value}, asked_at)[q.id]).ok:
                            break
            session.flush()
        elif page.kind == "disclosure":
            session.read_to_end(page.key)
            session.acknowledge(page.key)
        elif page.kind == "understanding":
            session.check_understanding(form.understood_answers())


def _profile(form: Form, rng: random.Random) -> _Profile:
    reference = datetime(2026, 1, 15, 10, 0, tzinfo=timezone.utc)
    age = rng.choice([16, 17]) if rng.random() < 0.02 else rng.randint(18, 75)
    area = "face"
    facts = Facts(appointment=reference, birth_date=None, area=area)
    flow = Flow(form, facts)
    answers: dict[str, Any] = {}
    for step in form.steps:
        # Questions appear as earlier answers enable them, exactly as in the wizard.
        asked: set[str] = set()
        while True:
            pending = [q for q in flow.shown_questions(step, answers) if q.id not in asked]
            if not pending:
                break
            for q in pending:
                asked.add(q.id)
                value = _answer(q, rng)
                if value is not None:
                    answers[q.id] = value
    return _Profile(answers, age)


def _answer(q: Question, rng: random.Random) -> Any:
    if not q.required and q.type == "text" and rng.random() < 0.8:
        return None
    if q.type == "boolean":
        odds = FLAG_ODDS.get(q.id, 0.1)
        healthy = q.id in ("consultation", "transport_arranged")
        flagged = rng.random() < odds
        return (not flagged) if healthy else flagged
    if q.type == "choice":
        # Earlier options first: for skin type, the lighter types are the more common here.
        weights = [len(q.options) - i for i in range(len(q.options))]
        return rng.choices(q.options, weights=weights)[0].value
    if q.type == "multi_choice":
        plain = [o for o in q.options if not o.exclusive]
        exclusive = [o for o in q.options if o.exclusive]
        if exclusive and rng.random() < 0.93:
            return [exclusive[0].value]
        picked = rng.sample(plain, k=rng.randint(1, min(2, len(plain))))
        return [o.value for o in q.options if o in picked]
    if q.type == "text":
        return rng.choice([
            "Hay fever, seasonal.", "Penicillin (rash as a child).", "Levothyroxine 50 mcg daily",
            "Metformin 500 mg twice a day", "Asthma, well controlled", "Combined pill",
            "Keep the area clean the night before.", "Migraine now and then",
        ])
    if q.type == "last_taken":
        roll = rng.random()
        if roll < 0.5:
            return NEVER
        if roll < 0.95 and q.recent_window_hours is not None:
            return NOT_RECENT
        if q.precision == "date":
            return timedelta(days=rng.randint(1, 14))
        return timedelta(minutes=rng.randint(60, 72 * 60))
    return None


def _materialise(form: Form, answers: dict[str, Any], appointment: datetime) -> dict[str, Any]:
    """Times kept relative to the appointment become dates or UTC times, as entered."""
    out = {}
    for key, value in answers.items():
        if isinstance(value, timedelta):
            if form.question(key).precision == "date":
                value = (appointment.date() - timedelta(days=value.days)).isoformat()
            else:
                value = (appointment - value).astimezone(timezone.utc).isoformat(
                    timespec="minutes")
        out[key] = value
    return out


def _signature_strokes(rng: random.Random) -> list[list[list[Any]]]:
    """A signature as a hurried hand writes one on a 600 x 200 pad: a tall capital, a run
    of joined letters of varying height (now and then a loop above or below the line), a
    second word, perhaps an underline; slanted, sitting on the pad's line (y = 150),
    timed at a pen's pace. Touch screens report no pressure."""
    base, x_height, cap = 150.0, rng.uniform(22, 32), rng.uniform(55, 80)
    slant = rng.uniform(0.15, 0.35)
    strokes: list[list[list[Any]]] = []
    clock = [0.0]
    x = rng.uniform(30, 70)
    for word in range(rng.choice((1, 2, 2))):
        keys = [(x, base - rng.uniform(0, 8))]
        # the capital: up, a loop back down to the line
        width = rng.uniform(22, 40)
        keys += [(x + width * 0.3, base - cap), (x + width * 0.55, base - cap * 0.9),
                 (x + width * 0.25, base - cap * 0.35), (x + width * 0.7, base)]
        x += width * 0.8
        for _letter in range(rng.randint(3, 7)):
            w = rng.uniform(12, 22)
            top = x_height * rng.uniform(0.8, 1.15)
            roll = rng.random()
            if roll < 0.15:  # an ascender: a loop up to the capitals
                keys += [(x + w * 0.6, base - cap * 0.85), (x + w * 0.35, base - cap * 0.6)]
            elif roll < 0.25:  # a descender: a loop under the line
                keys += [(x + w * 0.3, base - top), (x + w * 0.45, base + 28),
                         (x + w * 0.2, base + 18)]
            else:
                keys += [(x + w * 0.35, base - top), (x + w * 0.55, base - top * 0.85)]
            keys.append((x + w, base - rng.uniform(0, 4)))
            x += w
        strokes.append(_pen(keys, slant, rng, clock))
        x += rng.uniform(18, 35)
    if rng.random() < 0.5:  # an underline, quick
        start = rng.uniform(30, 80)
        keys = [(start, base + 14), ((start + x) / 2, base + rng.uniform(10, 20)),
                (min(x, 570), base + rng.uniform(4, 14))]
        strokes.append(_pen(keys, 0.0, rng, clock, speed=2.0))
    return strokes


def _pen(keys: list[tuple[float, float]], slant: float, rng: random.Random,
         clock: list[float], speed: float = 1.0) -> list[list[Any]]:
    """A smooth stroke through ``keys`` (Catmull-Rom), slanted, with a little tremor, at a
    pen's varying pace (about 0.6 px/ms, faster on long runs)."""
    pts = [keys[0]] + keys + [keys[-1]]
    out: list[list[Any]] = []
    for i in range(1, len(pts) - 2):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        steps = max(3, int(math.dist(p1, p2) / 5))
        for k in range(steps):
            t = k / steps
            t2, t3 = t * t, t * t * t
            px = 0.5 * (2 * p1[0] + (-p0[0] + p2[0]) * t + (2 * p0[0] - 5 * p1[0] + 4 * p2[0]
                        - p3[0]) * t2 + (-p0[0] + 3 * p1[0] - 3 * p2[0] + p3[0]) * t3)
            py = 0.5 * (2 * p1[1] + (-p0[1] + p2[1]) * t + (2 * p0[1] - 5 * p1[1] + 4 * p2[1]
                        - p3[1]) * t2 + (-p0[1] + 3 * p1[1] - 3 * p2[1] + p3[1]) * t3)
            px += (150 - py) * slant + rng.gauss(0, 0.4)
            py += rng.gauss(0, 0.4)
            if out:
                step = math.dist(out[-1][:2], (px, py))
                clock[0] += max(step / (0.6 * speed * rng.uniform(0.7, 1.4)), 4)
            out.append([round(px, 1), round(py, 1), int(clock[0]), None])
    clock[0] += rng.uniform(150, 400)  # the pen lifts
    return out


def _intakes(
    form: Form,
    rng: random.Random,
    count: int,
    profiles: list[_Profile],
    signatures: list[list],
    archived: str,
    reviewer: int,
    course: tuple[int, int, Any],
) -> Iterator[dict]:
    today = datetime.now(timezone.utc).date()
    areas = [a.value for a in form.areas]
    languages = [lang for lang in form.languages if lang in LANGUAGE_SHARES] or \
        [form.languages[0]]
    shares = [LANGUAGE_SHARES[lang] for lang in languages] if languages[0] in \
        LANGUAGE_SHARES else [1.0]
    text_hashes = {lang: {d.id: disclosure_text_hash(d, lang) for d in form.disclosures}
                   for lang in languages}
    ruled: dict[tuple[int, str, str], tuple[list[dict], list[str]]] = {}
    for n in range(count):
        profile = rng.choice(profiles)
        language = rng.choices(languages, shares)[0]
        day = today + timedelta(days=rng.randint(-60, 14)) if n % 10 else today
        if n % 40 == 7:  # a consent from over a year ago: its course has run out
            day = today - timedelta(days=rng.randint(380, 420))
        appointment = datetime.combine(day, time(8 + rng.randint(0, 9), rng.choice((0, 15, 30, 45))),
                                       tzinfo=timezone.utc)
        birth = _birth_date(profile.age, day, rng)
        if language in NAMES_BY_LANGUAGE:
            name = rng.choice(NAMES_BY_LANGUAGE[language])
        else:
            name = rng.choice(RTL_NAMES) if rng.random() < 0.01 else (
                f"{rng.choice(FIRST)} {rng.choice(LAST)}")
        intake_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        answers = _materialise(form, profile.answers, appointment)
        started = appointment - timedelta(minutes=rng.randint(10, 40))
        submitted = started + timedelta(minutes=rng.randint(5, 15))
        area = rng.choice(areas)
        facts = Facts(appointment=appointment, birth_date=birth, area=area)
        # The rules see times relative to the appointment, the age and the area, which a
        # profile fixes for an area: they run once per (profile, area); each flag then
        # quotes this intake's own answers, exactly as evaluate_rules would.
        key = (id(profile), area, language)
        if key not in ruled:
            ruled[key] = ([f.as_dict() for f in evaluate_rules(form, answers, facts, language)],
                          [d.id for d in Flow(form, facts).shown_disclosures(answers)])
        raised, shown = ruled[key]
        acknowledged = [  # each card read to its end a few seconds before "I understand"
            (d, text_hashes[language][d], started + timedelta(minutes=3, seconds=i * 20),
             started + timedelta(minutes=3, seconds=i * 20 - rng.randint(2, 9)))
            for i, d in enumerate(shown)
        ]
        status = "submitted"
        if day > today and rng.random() >= 0.7:
            status = "in_progress"
        if status == "in_progress":
            yield _intake(form, intake_id, name, birth, area, appointment, started, archived,
                          answers, acknowledged[:3], status=status, language=language)
            continue
        tries = _understanding_tries(form, rng, started + timedelta(
            minutes=3, seconds=20 * len(shown) + 30))
        rerun = False
        if tries and tries[-1]["wrong"]:  # still wrong after every try: one more flag
            facts = structs.replace(facts, understood=False)
            rerun = True
        parent = _parent(form, name, facts, rng)  # most minors come with a parent who signs
        if parent is not None:
            facts = structs.replace(facts, guardian=True)
            rerun = True
        if rerun:
            raised = [f.as_dict() for f in evaluate_rules(form, answers, facts, language)]
        flags = [{**f, "triggers": [[source, _quoted(source, answers, facts)]
                                    for source, _value in f["triggers"]]} for f in raised]
        patient = {
            "role": "patient", "printed_name": name,
            "meaning": (form.guardian.assent_meaning if parent else
                        form.signature_meaning).get(language),
            "strokes": rng.choice(signatures), "pad_width": 600, "pad_height": 200,
            "signed_at": submitted, "tz": "UTC", "staff_id": None,
            "content_hash": signed_content_hash(
                form, intake_id, language, answers, facts,
                {d: h for d, h, *_times in acknowledged}, name,
                {"name": parent["printed_name"], "relationship": parent["relationship"]}
                if parent else None),
        }
        signed_too = []
        if parent is not None:  # both vouch for the same content, as at the tablet
            signed_too = [{**parent, "meaning": form.guardian.meaning.get(language),
                           "strokes": rng.choice(signatures), "pad_width": 600,
                           "pad_height": 200, "signed_at": submitted, "tz": "UTC",
                           "staff_id": None, "content_hash": patient["content_hash"]}]
        decisions: list[dict] = []
        countersignature = []
        if day < today and rng.random() < 0.8:
            decided_at = appointment - timedelta(minutes=5)
            for index, flag in enumerate(flags):
                if flag["severity"] == "info":
                    continue
                choice = "proceed"
                if flag["severity"] == "stop":
                    choice = rng.choice(["decline", "postpone", "proceed"])
                elif rng.random() < 0.15:
                    choice = "postpone"
                decisions.append({"flag_index": index, "decision": choice,
                                  "reason": _reason(choice), "staff_id": reviewer,
                                  "decided_at": decided_at})
            status, countersignature = _review(intake_id, form, answers, flags, decisions,
                                               patient, reviewer, signatures, rng,
                                               decided_at + timedelta(minutes=2))
        yield _intake(form, intake_id, name, birth, area, appointment, started, archived,
                      answers, acknowledged, status=status, submitted=submitted,
                      signature=patient, signatures=signed_too + countersignature, flags=flags,
                      decisions=decisions, course=course, language=language,
                      understanding=tries)


def _understanding_tries(form: Form, rng: random.Random, at: datetime) -> list[dict]:
    """The check before signing as patients go through it: most right at once, some right
    the second time, a few still wrong after both tries."""
    if not form.understanding:
        return []
    right = form.understood_answers()
    luck = rng.random()
    misses = 0 if luck < 0.85 else 1 if luck < 0.97 else 2
    question = rng.choice(form.understanding)  # the one they get wrong, if any
    wrong_answer = next(o.value for o in question.options if o.value != question.answer)
    tries = [{"answers": {**right, question.id: wrong_answer}, "wrong": [question.id]}
             for _miss in range(misses)]
    if misses < 2:
        tries.append({"answers": right, "wrong": []})
    return [{**t, "at": at + timedelta(seconds=25 * n)} for n, t in enumerate(tries)]


PARENT_FIRST = {"mother": ["Maria", "Grace", "Leila", "Anna"],
                "father": ["Jonas", "Rafael", "Kwame", "Tomás"]}


def _parent(form: Form, name: str, facts: Facts, rng: random.Random) -> dict | None:
    """A minor's parent or guardian who signs the consent beside them (nine in ten; the
    rest came alone and are stopped by the age rule), or None for an adult."""
    age = facts.get("age")
    if form.guardian is None or age is None or age >= form.guardian.under \
            or rng.random() >= 0.9:
        return None
    relationship = rng.choice([o.value for o in form.guardian.relationships])
    first = rng.choice(PARENT_FIRST.get(relationship, PARENT_FIRST["mother"]))
    family = name.split()[-1] if " " in name else name
    return {"role": "guardian", "printed_name": f"{first} {family}",
            "relationship": relationship}


def _quoted(source: str, answers: dict, facts: Facts) -> Any:
    """The value a flag quotes for its source: this intake's answer, or its fact."""
    return facts.get(source[1:]) if source.startswith("@") else answers.get(source)


def _review(intake_id: str, form: Form, answers: dict, flags: list[dict],
            decisions: list[dict], patient: dict, reviewer: int, signatures: list[list],
            rng: random.Random, signed_at: datetime) -> tuple[str, list[dict]]:
    """The status the decisions lead to and the countersignature over them, computed by the
    review's own rules from the intake as the store will hand it out."""
    chosen = {d["flag_index"]: d for d in decisions}
    record = SimpleNamespace(
        id=intake_id, form_hash=form.content_hash, answers=answers,
        patient=SimpleNamespace(id=None),  # made on this tablet: its ids stay as they are
        flags=[SimpleNamespace(
            rule_id=f["rule_id"], severity=f["severity"],
            decisions=[SimpleNamespace(**{k: chosen[i][k] for k in
                                          ("decision", "reason", "staff_id", "decided_at")})]
            if i in chosen else []) for i, f in enumerate(flags)],
        signatures=[SimpleNamespace(id=0, role="patient", signed_at=patient["signed_at"],
                                    content_hash=patient["content_hash"])],
    )
    status = outcome(record.flags)
    assert status is not None  # every flag that needs a decision got one
    return status, [{
        "role": "practitioner", "printed_name": REVIEWER, "meaning": MEANINGS[status],
        "strokes": rng.choice(signatures), "pad_width": 600, "pad_height": 200,
        "signed_at": signed_at, "tz": "UTC", "staff_id": reviewer,
        "content_hash": review_content_hash(record),
    }]


def _intake(form: Form, intake_id: str, name: str, birth: date, area: str,
            appointment: datetime, started: datetime, archived: str, answers: dict,
            acknowledged: list, *, status: str, submitted: datetime | None = None,
            signature: dict | None = None, signatures: list[dict] = (),
            flags: list[dict] = (), decisions: list[dict] = (),
            course: tuple[int, int, Any] | None = None, language: str = "en",
            understanding: list[dict] = ()) -> dict:
    return {
        "id": intake_id,
        "patient": {"name": name, "birth_date": birth.isoformat(), "contact": None},
        "form_id": form.id, "form_version": form.version, "form_hash": form.content_hash,
        "form_content": archived, "language": language, "area": area,
        "appointment_at": appointment, "device": "demo", "status": status,
        "created_at": started, "submitted_at": submitted, "answers": answers,
        "acknowledgements": acknowledged, "signature": signature,
        "signatures": list(signatures), "flags": list(flags), "decisions": list(decisions),
        "reviewed_at": next((s["signed_at"] for s in signatures
                             if s.get("role") == "practitioner"), None),
        "understanding": list(understanding) or None,
        **({"course_sessions": course[0],
            "course_until": add_months(submitted.astimezone(course[2]).date(), course[1])}
           if submitted is not None and course is not None else {}),
    }


def _demo_reviewer(store: Any) -> int:
    """The practitioner whose name is on demo decisions: inactive, with a PIN nobody knows,
    so demo data never opens a way into the staff screens."""
    name = REVIEWER
    for member in store.staff_members(include_inactive=True):
        if member.name == name:
            return member.id
    pin = "".join(secrets.choice("0123456789") for _ in range(12))
    staff_id = store.add_staff(name, "practitioner", pin, actor="system")
    store.set_staff_active(staff_id, False, actor="system")
    return staff_id


def _birth_date(age: int, on: date, rng: random.Random) -> date:
    try:
        birthday = on.replace(year=on.year - age)
    except ValueError:
        birthday = date(on.year - age, 3, 1)
    return birthday - timedelta(days=rng.randint(1, 360))


def _reason(decision: str) -> str:
    return {
        "proceed": "Discussed with the patient; safe to proceed.",
        "postpone": "Rebook after the stop window has passed.",
        "decline": "Contraindicated; advised to see their GP.",
    }[decision]


