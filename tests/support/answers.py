"""What patients answer and draw, for every test, benchmark and driver: a plain answer that
raises no flag, a typical patient's, a random valid one, fixed sets of answers (short, long,
flagged, clean) and signatures."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from typing import Any


# -- one answer to one question --------------------------------------------------------------


def plain_answer(question):
    """An answer that raises no flag (None: leave an optional question empty)."""
    if question.type == "boolean":
        return question.id in ("consultation", "transport_arranged")
    if question.type == "choice":
        return question.options[0].value
    if question.type == "multi_choice":
        exclusive = [o.value for o in question.options if o.exclusive]
        return exclusive or [question.options[0].value]
    if question.type == "last_taken":
        return "never"
    if question.type == "text":
        return "Nothing else." if question.required else None
    return None


TYPICAL_TEXT = {
    "medicines_list": "Levothyroxine 50 mcg every morning; cetirizine in spring.",
    "allergies_details": "Hay fever (grass pollen). Penicillin gave me a rash as a child.",
}


def typical_answer(question, rng: random.Random):
    """An answer a patient might give: mostly unremarkable, sometimes not."""
    kind = question.type
    if kind == "boolean":
        healthy = question.id in ("consultation", "transport_arranged")
        return healthy if rng.random() > 0.15 else not healthy
    if kind == "choice":
        return question.options[rng.randrange(min(3, len(question.options)))].value
    if kind == "multi_choice":
        exclusive = [o.value for o in question.options if o.exclusive]
        return exclusive[:1] if exclusive and rng.random() < 0.85 else \
            [question.options[0].value]
    if kind == "last_taken":
        return "never" if rng.random() < 0.6 else "not_recent"
    if kind == "text":
        if question.id in TYPICAL_TEXT:
            return TYPICAL_TEXT[question.id]
        return "Nothing else." if question.required else None
    if kind == "date":
        return (date.today() - timedelta(days=400)).isoformat()
    return None


NAMES = ["Ada Lovelace", "Zoë Quixley-Marchetti", "Łukasz Brzęczyszczykiewicz",
         "مريم الحسن", "דוד לוי", "Анна Иванова", "Siobhán Ní Bhriain", "李小龙"]


TEXTS = ["", "None.", "Ibuprofen 200 mg twice a day", "Penicillin – rash 🙁",
         "line one\nline two", "x" * 900, "‮reversed‬ text", "e\u0301 combining"]


def random_answer(question, rng: random.Random, now: datetime) -> Any:
    kind = question.type
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "choice":
        return rng.choice(question.options).value
    if kind == "multi_choice":
        exclusive = [o.value for o in question.options if o.exclusive]
        if exclusive and rng.random() < 0.5:
            return [exclusive[0]]
        plain = [o.value for o in question.options if not o.exclusive]
        return rng.sample(plain, rng.randint(1, min(3, len(plain))))
    if kind == "text":
        text = rng.choice(TEXTS)
        return text if text or not question.required else "Nothing else."
    if kind == "last_taken":
        if rng.random() < 0.5:
            return "never"
        moment = now - timedelta(hours=rng.randint(1, 24 * 40))
        if question.precision == "datetime":
            return moment.isoformat(timespec="minutes")
        return moment.date().isoformat()
    if kind == "date":
        return (now.date() - timedelta(days=rng.randint(0, 4000))).isoformat()
    if kind == "datetime":
        return (now - timedelta(hours=rng.randint(1, 4000))).isoformat(timespec="minutes")
    raise ValueError(kind)


# -- whole sets of answers to the shipped form ----------------------------------------------


def flagged_answers(appointment: datetime) -> dict:
    """Answers raising stop, review and info flags, several of each."""
    return {
        "consultation": False,  # review
        "conditions": ["bleeding_disorder", "diabetes", "keloid"],  # stop, info, review
        "conditions_other": "Mild asthma, uses an inhaler",  # info
        "allergy_planned_ingredient": True,  # stop
        "allergies_any": True,
        "allergies_details": "Penicillin: rash and hives",  # info
        "medicines_any": True,
        "medicine_kinds": ["blood_pressure"],
        "medicines_list": "Ramipril 5 mg daily",  # info
        "last_aspirin": (appointment - timedelta(days=3)).date().isoformat(),  # review
        "last_nsaid": "never",
        "last_fish_oil": "not_recent",
        "last_vitamin_e": "never",
        "anticoagulant": False,
        "sun_recent": False,
        "skin_type": "type_3",
        "last_alcohol": "not_recent",
        "last_caffeine": "not_recent",
        "transport_arranged": True,
    }


CLEAN_ANSWERS = {
    "consultation": True, "conditions": ["none"], "allergy_planned_ingredient": False,
    "allergies_any": False, "medicines_any": False, "last_aspirin": "never",
    "last_nsaid": "never", "last_fish_oil": "never", "last_vitamin_e": "never",
    "anticoagulant": False, "sun_recent": False, "skin_type": "type_2",
    "last_alcohol": "not_recent", "last_caffeine": "not_recent", "transport_arranged": True,
}


SHORT_ANSWERS = {
    "consultation": True,
    "conditions": ["none"],
    "allergy_planned_ingredient": False,
    "allergies_any": False,
    "medicines_any": False,
    "last_aspirin": "never",
    "last_nsaid": "not_recent",
    "last_fish_oil": "never",
    "last_vitamin_e": "never",
    "anticoagulant": False,
    "sun_recent": False,
    "skin_type": "type_2",
    "last_alcohol": "not_recent",
    "last_caffeine": "2026-01-14T07:15+00:00",
    "transport_arranged": True,
}


LONG_TEXT = (
    "Seasonal hay fever (birch and grass pollen) every spring, treated with cetirizine. "
    "As a child I reacted badly to penicillin: a red itchy rash over my arms and chest "
    "that lasted about three days. Plasters with strong glue leave red marks on my skin "
    "for a day or two. I also had a swollen lip once after eating walnuts, in 2019, and "
    "since then I avoid all tree nuts. <Please> note & keep this in mind: "
    "Ελληνικά: αλλεργία στη γύρη. Русский: аллергия на пыльцу. "
    "עברית: אלרגיה לאבקה. العربية: حساسية من حبوب اللقاح."
)


LONG_ANSWERS = {
    "consultation": False,
    "conditions": ["bleeding_disorder", "diabetes", "weak_immunity", "keloid",
                   "pregnant_breastfeeding", "skin_infection"],
    "conditions_other": "Mild asthma since childhood, uses an inhaler twice a week.\n"
                        "Migraine about once a month.\n\nThyroid: hypothyroidism, stable.",
    "allergy_planned_ingredient": True,
    "allergies_any": True,
    "allergies_details": LONG_TEXT,
    "medicines_any": True,
    "medicine_kinds": ["blood_pressure", "diabetes", "hormones", "steroids", "other"],
    "medicines_list": "Metformin 500 mg twice a day; ramipril 5 mg in the morning; "
                      "levothyroxine 75 µg; combined pill (Microgynon); "
                      "beclometasone inhaler when needed; " * 3,
    "last_aspirin": "2026-01-12",
    "last_nsaid": "2026-01-13",
    "last_fish_oil": "2026-01-14",
    "last_vitamin_e": "never",
    "anticoagulant": True,
    "anticoagulant_name": "Apixaban (Eliquis) 5 mg twice a day, prescribed by my cardiologist",
    "sun_recent": True,
    "skin_type": "type_5",
    "last_alcohol": "2026-01-14T21:30+00:00",
    "last_caffeine": "2026-01-15T07:45+00:00",
    "transport_arranged": False,
    "other_instructions": "The practitioner asked me to bring my inhaler and to eat "
                          "breakfast before coming. Ich habe verstanden. 👍🏽 Merci ! ✅",
}


# -- signatures -----------------------------------------------------------------------------


def scribble(width: float = 600, height: float = 200, turns: int = 3) -> list[list]:
    """A plausible handwritten signature: two strokes, a loop and a flourish."""
    strokes, t = [], 0
    first = []
    for i in range(80):
        x = 40 + i * (width - 120) / 80
        y = height * 0.55 + math.sin(i / 80 * turns * 2 * math.pi) * height * 0.25
        first.append([round(x, 1), round(y, 1), t, None])
        t += 12
    strokes.append(first)
    second = []
    for i in range(30):
        x = width * 0.3 + i * 8
        y = height * 0.8 - i * 2
        second.append([round(x, 1), round(y, 1), t, None])
        t += 10
    strokes.append(second)
    return strokes


def signature_strokes(seed: int = 0, with_pressure: bool = False) -> list[list[list[Any]]]:
    """A cursive-looking, deterministic signature on a 600 x 200 pad."""
    strokes = []
    t = 0
    for part in range(3):
        stroke = []
        x0 = 40 + part * 170
        n = 45 + 10 * part
        for i in range(n):
            u = i / (n - 1)
            x = x0 + u * 150 + 18 * math.sin(u * 19 + seed + part)
            y = 100 + 42 * math.sin(u * 11 + part) * math.cos(u * 3 + seed)
            pressure = round(0.35 + 0.5 * abs(math.sin(u * 5)), 3) if with_pressure else None
            stroke.append([round(x, 1), round(y, 1), t, pressure])
            t += 9 + (i % 3) * 4
        strokes.append(stroke)
        t += 180
    strokes.append([[60.0, 165.0, t, None], [300.0, 158.0, t + 120, None],
                    [520.0, 162.0, t + 260, None]])
    return strokes


def random_strokes(rng: random.Random) -> list:
    """A quick, varied, valid signature."""
    x, y = rng.uniform(20, 60), rng.uniform(40, 80)
    points = []
    for i in range(rng.randint(12, 40)):
        x += rng.uniform(4, 12)
        y += rng.uniform(-10, 10)
        points.append([round(x, 1), round(y, 1), i * 16, None])
    return [points]
