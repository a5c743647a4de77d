"""Read side: one intake in full, the review queue, documents, and rows for export."""

from __future__ import annotations

import hashlib
import json
import zlib
from contextlib import contextmanager
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Iterable, Iterator

from mesocheck.i18n import _
from mesocheck.store import rows
from mesocheck.store.db import DocumentDamaged, NotFound, UnreadableRecord, translated
from mesocheck.store.dialect import Dialect
from mesocheck.store.records import (
    CONSENT_KINDS, SEVERITIES, STATUSES, Acknowledgement, Answer, Decision, DocumentInfo, Flag,
    CourseConsent, IntakeRecord, Patient, QueueRow, Reconsent, Signature, UnderstandingTry,
    UnfinishedIntake,
)
from mesocheck.timeutil import from_iso, to_iso

def _last_change(dialect: Dialect) -> str:
    """An intake's last change. Answers and acknowledgements saved before signing leave
    the intake row as it was (each rewrite would cost an audit entry): it is the latest of
    its own row's and theirs."""
    return dialect.latest(
        "i.updated_at",
        "(SELECT max(answered_at) FROM answers WHERE intake_id = i.id)",
        "(SELECT max(acknowledged_at) FROM acknowledgements WHERE intake_id = i.id)")


def _intake_columns(dialect: Dialect) -> str:
    return ("i.id, i.patient_id, i.form_id, i.form_version, i.form_hash, i.language, i.area, "
            "i.appointment_at, i.status, i.current_step, i.device, i.created_at, "
            f"{_last_change(dialect)}, i.submitted_at, i.locked_at, i.reviewed_at, "
            "i.void_reason, i.course_sessions, i.course_until, i.copy_wanted, "
            "i.copy_chosen_at, i.copy_printed_at, i.understanding, i.continues, i.reconsent, "
            "i.reconsent_asked_at, i.reconsent_asked_by")


@contextmanager
def _decoding() -> Iterator[None]:
    """A stored value that does not decode (a time that is not a time, an answer that is
    not JSON, signature strokes that do not inflate) was changed outside mesocheck or
    damaged: the user's error to act on, not our bug. The value is not repeated."""
    try:
        yield
    except (ValueError, zlib.error):
        raise UnreadableRecord() from None


def understanding_tries(text: str | None) -> tuple[UnderstandingTry, ...]:
    """The ``intakes.understanding`` column's tries (JSON text; NULL when not asked)."""
    if not text:
        return ()
    return tuple(UnderstandingTry(answers=dict(t["answers"]), wrong=tuple(t["wrong"]),
                                  at=from_iso(t["at"])) for t in json.loads(text))


def reconsent_of(text: str | None) -> Reconsent | None:
    """The ``intakes.reconsent`` column: why a full form was asked again (JSON; NULL: not)."""
    if not text:
        return None
    value = json.loads(text)
    return Reconsent(previous=str(value["previous"]), reasons=tuple(value["reasons"]),
                     changed=tuple(value.get("changed", ())))


def _time(text: str | None) -> datetime | None:
    return from_iso(text) if text else None


class IntakeQueries:
    """Read side of intakes; mixed into Store (needs ``_conn``)."""

    def intake(self, intake_id: str) -> IntakeRecord:
        """The intake whole, read in one snapshot: a review another program commits while it
        is read (decisions, then the status) never shows half of itself."""
        conn = self._conn
        with translated(), _decoding():
            if conn.in_transaction:  # inside a write: that transaction is the snapshot
                return self._intake(intake_id)
            self.dialect.begin_snapshot(conn)
            try:
                return self._intake(intake_id)
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")

    def _intake(self, intake_id: str) -> IntakeRecord:
        conn = self._conn
        row = conn.execute(f"SELECT {_intake_columns(self.dialect)} FROM intakes i "
                           "WHERE i.id = ?", (intake_id,)).fetchone()
        if row is None:
            raise NotFound(_("No intake has this id; refresh the list and try again."))
        (iid, patient_id, form_id, form_version, form_hash, language, area, appointment_at,
         status, current_step, device, created_at, updated_at, submitted_at, locked_at,
         reviewed_at, void_reason, course_sessions, course_until, copy_wanted, copy_chosen_at,
         copy_printed_at, understanding, continues, reconsent, reconsent_asked_at,
         reconsent_asked_by) = row
        p = conn.execute(
            "SELECT id, name, birth_date, contact, created_at FROM patients WHERE id = ?",
            (patient_id,),
        ).fetchone()
        patient = Patient(p[0], p[1], date.fromisoformat(p[2]), p[3], from_iso(p[4]))
        history = tuple(
            Answer(a[0], a[1], json.loads(a[2]), from_iso(a[3]), a[4], a[5], a[6])
            for a in conn.execute(
                "SELECT id, question_id, value, answered_at, actor, amends, reason "
                "FROM answers WHERE intake_id = ? ORDER BY id", (intake_id,))
        )
        current = {answer.question_id: answer.value for answer in history}
        acks = tuple(
            Acknowledgement(a[0], a[1], a[2], from_iso(a[3]), from_iso(a[4]) if a[4] else None)
            for a in conn.execute(
                "SELECT id, disclosure_id, text_hash, acknowledged_at, read_at "
                "FROM acknowledgements "
                "WHERE intake_id = ? ORDER BY id", (intake_id,))
        )
        content = conn.execute("SELECT content FROM forms WHERE hash = ?",
                               (form_hash,)).fetchone()
        return IntakeRecord(
            id=iid, patient=patient, form_id=form_id, form_version=form_version,
            form_hash=form_hash, form_content=content[0] if content else None,
            language=language, area=area,
            appointment_at=from_iso(appointment_at), status=status,
            current_step=current_step, device=device, created_at=from_iso(created_at),
            updated_at=from_iso(updated_at), submitted_at=_time(submitted_at),
            locked_at=_time(locked_at), reviewed_at=_time(reviewed_at),
            void_reason=void_reason, answers=MappingProxyType(current),
            answer_history=history, acknowledgements=acks,
            flags=self._flags(intake_id), signatures=self._signatures(intake_id),
            documents=self._documents(intake_id), audit_head=self.dialect.chain_head(conn),
            course_sessions=course_sessions,
            course_until=date.fromisoformat(str(course_until)) if course_until else None,
            copy_wanted=None if copy_wanted is None else bool(copy_wanted),
            copy_chosen_at=_time(copy_chosen_at), copy_printed_at=_time(copy_printed_at),
            understanding=understanding_tries(understanding),
            continues=self._course_consent(str(continues)) if continues else None,
            reconsent=reconsent_of(reconsent),
            reconsent_asked_at=_time(reconsent_asked_at),
            reconsent_asked_by=reconsent_asked_by,
        )

    def _course_consent(self, intake_id: str) -> CourseConsent:
        """The signed consent a check-in continues, as the check-in names it."""
        row = self._conn.execute(
            "SELECT id, submitted_at, form_version, course_sessions, course_until "
            "FROM intakes WHERE id = ?", (intake_id,)).fetchone()
        if row is None:  # on a hub being filled, the consent may not have arrived yet
            return CourseConsent(intake_id, None, "", None, None)
        return CourseConsent(str(row[0]), _time(row[1]), row[2], row[3],
                             date.fromisoformat(str(row[4])) if row[4] else None)

    def _flags(self, intake_id: str, *, include_superseded: bool = False) -> tuple[Flag, ...]:
        conn = self._conn
        decisions: dict[int, list[Decision]] = {}
        for d in conn.execute(
            "SELECT d.id, d.flag_id, d.decision, d.reason, d.new_date, d.staff_id, "
            "d.decided_at, d.supersedes FROM decisions d JOIN flags f ON f.id = d.flag_id "
            "WHERE f.intake_id = ? ORDER BY d.id", (intake_id,)
        ):
            decisions.setdefault(d[1], []).append(
                Decision(d[0], d[1], d[2], d[3], d[4], d[5], from_iso(d[6]), d[7]))
        where = "" if include_superseded else " AND superseded_at IS NULL"
        flags = [
            Flag(f[0], f[1], f[2], f[3], f[4], json.loads(f[5]), from_iso(f[6]),
                 _time(f[7]), tuple(decisions.get(f[0], ())), bool(f[8]))
            for f in conn.execute(
                "SELECT id, rule_id, severity, practitioner_message, patient_message, "
                "triggers, raised_at, superseded_at, patient_told FROM flags "
                f"WHERE intake_id = ?{where} ORDER BY id", (intake_id,))
        ]
        flags.sort(key=lambda f: -SEVERITIES.index(f.severity))
        return tuple(flags)

    def flag_history(self, intake_id: str) -> tuple[Flag, ...]:
        """Every flag ever raised on the intake, superseded ones included."""
        with translated():
            return self._flags(intake_id, include_superseded=True)

    def _signatures(self, intake_id: str) -> tuple[Signature, ...]:
        return tuple(
            Signature(s[0], s[1], s[2], s[3], rows.unpacked_strokes(s[4]), s[5], s[6],
                      from_iso(s[7]), s[8], s[9], s[10], s[11] or "drawn", s[12], s[13])
            for s in self._conn.execute(
                "SELECT id, role, printed_name, meaning, strokes, pad_width, pad_height, "
                "signed_at, tz, content_hash, staff_id, method, witness, relationship "
                "FROM signatures "
                "WHERE intake_id = ? ORDER BY id", (intake_id,))
        )

    def _documents(self, intake_id: str, kinds: Iterable[str] | None = None
                   ) -> tuple[DocumentInfo, ...]:
        sql = ("SELECT id, intake_id, kind, sha256, length(pdf), created_at, supersedes, seal "
               "FROM documents WHERE intake_id = ?")
        params: list[Any] = [intake_id]
        if kinds is not None:
            kinds = list(kinds)
            sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
            params += kinds
        return tuple(
            DocumentInfo(d[0], d[1], d[2], d[3], d[4], from_iso(d[5]), d[6], d[7])
            for d in self._conn.execute(sql + " ORDER BY id", params)
        )

    def document_bytes(self, document_id: int) -> bytes:
        """The stored PDF, checked against the SHA-256 taken when it was stored: a damaged
        or altered copy is refused (:class:`DocumentDamaged`), never shown or printed."""
        with translated():
            row = self._conn.execute("SELECT pdf, sha256 FROM documents WHERE id = ?",
                                     (document_id,)).fetchone()
        if row is None:
            raise NotFound(_("No document has this id."))
        pdf, sha256 = row
        if not isinstance(pdf, bytes) or hashlib.sha256(pdf).hexdigest() != sha256:
            raise DocumentDamaged()
        return pdf

    def latest_document(
        self, intake_id: str, kinds: Iterable[str] = CONSENT_KINDS
    ) -> DocumentInfo | None:
        """The newest document of one of ``kinds`` (what to print), or None."""
        with translated(), _decoding():
            documents = self._documents(intake_id, kinds)
        return documents[-1] if documents else None

    def signed_without_document(
        self, kinds: Iterable[str] = CONSENT_KINDS
    ) -> list[str]:
        """Ids of signed, not voided intakes with no document of ``kinds``, oldest first:
        what a crash between signing and storing the PDF leaves behind."""
        kinds = list(kinds)
        marks = ", ".join("?" * len(kinds))
        with translated():
            return [r[0] for r in self._conn.execute(
                "SELECT i.id FROM intakes i WHERE i.submitted_at IS NOT NULL "
                "AND i.status != 'voided' "
                "AND EXISTS (SELECT 1 FROM signatures s "
                "            WHERE s.intake_id = i.id AND s.role = 'patient') "
                "AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.intake_id = i.id "
                f"               AND d.kind IN ({marks})) "
                "ORDER BY i.submitted_at, i.id", kinds)]

    def unfinished_intakes(self) -> list[UnfinishedIntake]:
        """Intakes still in progress, most recently touched first: what a tablet resumes."""
        with translated():
            return [
                UnfinishedIntake(r[0], r[1], from_iso(r[2]), r[3], r[4], from_iso(r[5]))
                for r in self._conn.execute(
                    "SELECT i.id, p.name, i.appointment_at, i.current_step, i.device, "
                    f"{_last_change(self.dialect)} AS last FROM intakes i "
                    "JOIN patients p ON p.id = i.patient_id "
                    "WHERE i.status = 'in_progress' ORDER BY last DESC")
            ]

    def queue(
        self, *, date_from: date | datetime | None = None, date_to: date | datetime | None = None,
        statuses: Iterable[str] | None = None, flagged_only: bool = False,
        severity: str | None = None, name: str | None = None, limit: int = 50, offset: int = 0,
    ) -> list[QueueRow]:
        """The review list: intakes with a stop flag first, then review, info, clean; then by
        appointment time. ``date_to`` is exclusive; a date means local midnight. One indexed
        query on the per-intake flag counters, so a page stays fast on 100,000 intakes."""
        where, params = _queue_filter(self.dialect, date_from, date_to, statuses,
                                      flagged_only, severity, name)
        sql = (
            "SELECT i.id, p.name, p.birth_date, i.appointment_at, i.status, "
            "i.n_stop, i.n_review, i.n_info, CASE WHEN i.continues IS NOT NULL THEN 'checkin' "
            "WHEN i.reconsent IS NOT NULL THEN 'renewed' ELSE 'full' END FROM intakes i "
            f"JOIN patients p ON p.id = i.patient_id {where} "
            f"ORDER BY i.flag_rank, i.appointment_at, {self.dialect.insertion_order('i')} "
            "LIMIT ? OFFSET ?"
        )
        with translated():
            return [
                QueueRow(r[0], r[1], date.fromisoformat(r[2]), from_iso(r[3]), r[4],
                         r[5], r[6], r[7], r[8])
                for r in self._conn.execute(sql, [*params, int(limit), int(offset)])
            ]

    def queue_count(
        self, *, date_from: date | datetime | None = None, date_to: date | datetime | None = None,
        statuses: Iterable[str] | None = None, flagged_only: bool = False,
        severity: str | None = None, name: str | None = None,
    ) -> int:
        where, params = _queue_filter(self.dialect, date_from, date_to, statuses,
                                      flagged_only, severity, name)
        join = "JOIN patients p ON p.id = i.patient_id " if name else ""
        with translated():
            return self._conn.execute(
                f"SELECT count(*) FROM intakes i {join}{where}", params
            ).fetchone()[0]

    def iter_export(self, flagged_only: bool = False) -> Iterator[dict[str, Any]]:
        """One plain dict per intake, by appointment time, for the JSON/CSV export.

        Signatures come without their strokes; flags with their current decision.
        """
        where = "WHERE i.flag_rank < 3" if flagged_only else ""
        ids = [r[0] for r in self._conn.execute(
            f"SELECT i.id FROM intakes i {where} ORDER BY i.appointment_at, "
            f"{self.dialect.insertion_order('i')}")]
        for intake_id in ids:
            with translated(), _decoding():
                row = self._export_row(intake_id)
            yield row

    def _export_row(self, intake_id: str) -> dict[str, Any]:
        conn = self._conn
        i = conn.execute(f"SELECT {_intake_columns(self.dialect)} FROM intakes i "
                         "WHERE i.id = ?", (intake_id,)).fetchone()
        patient = conn.execute(
            "SELECT name, birth_date, contact FROM patients WHERE id = ?", (i[1],)
        ).fetchone()
        answers: dict[str, Any] = {}
        carried: list[str] = []  # a check-in's answers from the last visit, left as they were
        for question_id, value, actor in conn.execute(
            "SELECT question_id, value, actor FROM answers WHERE intake_id = ? ORDER BY id",
            (intake_id,),
        ):
            answers[question_id] = json.loads(value)
            if actor == "system" and i[23]:
                carried.append(question_id)
        flags = []
        for f in self._flags(intake_id):
            d = f.decision
            flags.append({
                "rule_id": f.rule_id, "severity": f.severity,
                "message": f.practitioner_message, "raised_at": to_iso(f.raised_at),
                "decision": d.decision if d else None, "decision_reason": d.reason if d else None,
                "decided_by": d.staff_id if d else None,
                "decided_at": to_iso(d.decided_at) if d else None,
                "new_date": d.new_date if d else None,
                "patient_told": f.patient_told,
            })
        signatures = [
            {"role": s[0], "printed_name": s[1], "meaning": s[2], "signed_at": s[3],
             "tz": s[4], "content_hash": s[5], "staff_id": s[6], "method": s[7] or "drawn",
             "witness": s[8], "relationship": s[9]}
            for s in conn.execute(
                "SELECT role, printed_name, meaning, signed_at, tz, content_hash, staff_id, "
                "method, witness, relationship FROM signatures WHERE intake_id = ? ORDER BY id",
                (intake_id,))
        ]
        return {
            "intake_id": i[0],
            "patient": {"id": i[1], "name": patient[0], "birth_date": patient[1],
                        "contact": patient[2]},
            "form_id": i[2], "form_version": i[3], "form_hash": i[4], "language": i[5],
            "area": i[6], "appointment_at": i[7], "status": i[8], "device": i[10],
            "created_at": i[11], "submitted_at": i[13], "reviewed_at": i[15],
            "void_reason": i[16],
            "course": {"sessions": i[17], "until": str(i[18])} if i[18] else None,
            "patient_copy": None if i[19] is None else {
                "wanted": bool(i[19]), "chosen_at": i[20], "printed_at": i[21]},
            "understanding": json.loads(i[22]) if i[22] else None,  # every try, in order
            # A course's visits: the consent a check-in continues and its answers carried
            # from the last visit; why a full form was asked again; a request for that.
            "visit": {"continues": str(i[23]) if i[23] else None,
                      "carried": carried,
                      "reconsent": json.loads(i[24]) if i[24] else None,
                      "reconsent_asked_at": i[25], "reconsent_asked_by": i[26]},
            "answers": answers,
            "acknowledgements": [
                {"disclosure_id": a[0], "text_hash": a[1], "acknowledged_at": a[2],
                 "read_at": a[3]}
                for a in conn.execute(
                    "SELECT disclosure_id, text_hash, acknowledged_at, read_at "
                    "FROM acknowledgements "
                    "WHERE intake_id = ? ORDER BY id", (intake_id,))
            ],
            "flags": flags,
            "signatures": signatures,
        }


def _queue_filter(dialect, date_from, date_to, statuses, flagged_only, severity, name
                  ) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if date_from is not None:
        clauses.append("i.appointment_at >= ?")
        params.append(rows.day_start(date_from))
    if date_to is not None:
        clauses.append("i.appointment_at < ?")
        params.append(rows.day_start(date_to))
    if statuses is not None:
        statuses = list(statuses)
        unknown = set(statuses) - set(STATUSES)
        if unknown:
            raise ValueError(f"unknown statuses: {sorted(unknown)}")
        if len(statuses) == 1:
            clauses.append("i.status = ?")
        else:
            # "+" keeps SQLite on the (flag_rank, appointment_at) index, already in queue
            # order: an IN list on the status index would sort every match first.
            clauses.append(f"{dialect.not_indexed('i.status')} IN "
                           f"({', '.join('?' * len(statuses))})")
        params += statuses
    if flagged_only:
        clauses.append("i.flag_rank < 3")
    if severity is not None:
        if severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}")
        clauses.append(f"i.n_{severity} > 0")
    if name:
        clauses.append(dialect.contains("p.search_key"))
        params.append(rows.search_key(name))
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params
