"""Finding a known patient: by name and date of birth, and the likely duplicates of one.

A patient is the same person when the folded name (:func:`rows.search_key`) and the date of
birth both match; a near match (same birth date and a similar name, or the same name and
another birth date) is only a warning for staff: a typo, or two people.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from difflib import SequenceMatcher

from msgspec import Struct

from mesocheck.store import rows
from mesocheck.store.db import NotFound, translated

SIMILAR_NAME = 0.8  # difflib ratio: one or two letters apart in an ordinary full name


class PatientMatch(Struct, frozen=True):
    """A stored patient matching the details typed: ``exact`` or a likely duplicate."""

    id: int
    name: str
    birth_date: date
    exact: bool
    visits: int


class Visit(Struct, frozen=True):
    """A signed, not voided intake of a patient, as a course's route reads it."""

    id: str
    form_id: str
    form_hash: str
    area: str
    appointment_at: str  # ISO, as stored
    status: str
    continues: str | None  # a check-in: the consent it continues
    course_sessions: int | None  # a consent: the course it covers
    course_until: date | None
    reconsent_asked: bool  # a consent: a practitioner asked for it again at the next visit


class PatientLookup:
    """Read side of patients; mixed into Store (needs ``_conn``)."""

    def patient_matches(self, name: str, birth_date: date | str) -> list[PatientMatch]:
        """The patients these details may be, exact matches first, then by most visits.

        Several exact rows can exist (a duplicate kept on purpose); each is listed."""
        key = rows.search_key(name)
        born = rows.iso_date(birth_date)
        with translated():
            found = self._conn.execute(
                "SELECT p.id, p.name, p.search_key, p.birth_date, "
                "(SELECT count(*) FROM intakes i WHERE i.patient_id = p.id) "
                "FROM patients p WHERE p.birth_date = ? OR p.search_key = ? ORDER BY p.id",
                (born, key)).fetchall()
        matches = []
        for pid, pname, pkey, pborn, visits in found:
            exact = pkey == key and pborn == born
            if not exact and pborn == born and \
                    SequenceMatcher(None, pkey, key).ratio() < SIMILAR_NAME:
                continue  # only born the same day
            matches.append(PatientMatch(pid, pname, date.fromisoformat(pborn), exact, visits))
        return sorted(matches, key=lambda m: (not m.exact, -m.visits, m.id))

    def patient_visits(self, patient_id: int) -> list[Visit]:
        """The patient's signed, not voided intakes, oldest appointment first."""
        with translated():
            found = self._conn.execute(
                "SELECT id, form_id, form_hash, area, appointment_at, status, continues, "
                "course_sessions, course_until, reconsent_asked_at FROM intakes "
                "WHERE patient_id = ? AND locked_at IS NOT NULL AND status != 'voided' "
                f"ORDER BY appointment_at, {self.dialect.insertion_order('intakes')}",
                (patient_id,)).fetchall()
        return [Visit(str(r[0]), r[1], r[2], r[3], str(r[4]), r[5],
                      str(r[6]) if r[6] else None, r[7],
                      date.fromisoformat(str(r[8])) if r[8] else None, r[9] is not None)
                for r in found]

    def patient_history(self, intake_id: str) -> list[Any]:
        """Every intake of the patient of ``intake_id``, newest appointment first, each whole
        (:meth:`intake`): the course as staff review it."""
        with translated():
            row = self._conn.execute("SELECT patient_id FROM intakes WHERE id = ?",
                                     (intake_id,)).fetchone()
            if row is None:
                raise NotFound("No intake has this id; refresh the list and try again.")
            ids = [r[0] for r in self._conn.execute(
                "SELECT i.id FROM intakes i WHERE i.patient_id = ? "
                f"ORDER BY i.appointment_at DESC, {self.dialect.insertion_order('i')} DESC",
                (row[0],))]
        return [self.intake(i) for i in ids]
