"""The intake lifecycle: every state change one audited transaction.

in_progress -> submitted -> cleared | postponed | declined, or voided from in_progress or
submitted. Signing locks answers and acknowledgements; later changes are amendments (new
rows), never overwrites.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any, Iterable, Mapping

from mesocheck.forms.validation import clean_text
from mesocheck.i18n import N_, _
from mesocheck.store import rows
from mesocheck.store.audit import Transaction, staff_actor, staff_of, to_json
from mesocheck.store.db import IntakeLocked, InvalidState, NotFound, translated
from mesocheck.store.records import DECISIONS, OUTCOMES
from mesocheck.store.settings import COURSE_DEFAULTS
from mesocheck.timeutil import add_months, clinic_zone, from_iso

REVIEW_STATUSES = ("submitted", *OUTCOMES)

_NO_INTAKE = N_("No intake has this id; refresh the list and try again.")


class IntakeLifecycle:
    """Write side of intakes; mixed into Store (needs ``transaction``)."""

    def start_intake(
        self, *, name: str, birth_date: date | str, contact: str | None = None,
        form_id: str, form_version: str, form_hash: str, language: str, area: str,
        appointment_at: datetime | str, device: str | None, actor: str,
        form_content: str | None = None, patient_id: int | None = None,
        continues: str | None = None, reconsent: Mapping[str, Any] | None = None,
    ) -> str:
        """An in-progress intake, for the known patient ``patient_id`` or a new patient row;
        returns the intake id (a UUID, see :func:`rows.new_intake_id`). A check-in names the
        signed consent it ``continues``; a full form asked again within a course says why
        (``reconsent``: previous, reasons, changed; see :class:`records.Reconsent`).

        ``form_content`` (the canonical form text) is archived once per ``form_hash``, so the
        exact wording a patient signed stays readable after the form file changes.
        """
        name = " ".join((name or "").split())
        if not name:
            raise ValueError("the patient's name is empty")
        intake_id = rows.new_intake_id()
        with self.transaction(actor, "start_intake", intake_id) as tx:
            if form_content is not None:
                archive_form(tx, form_hash, form_id, form_version, form_content)
            if patient_id is not None:
                if tx.execute("SELECT 1 FROM patients WHERE id = ?",
                              (patient_id,)).fetchone() is None:
                    raise NotFound(_("No patient has this id; start again from their details."))
            else:
                patient_id = tx.insert("patients", {
                    "name": name,
                    "search_key": rows.search_key(name),
                    "birth_date": rows.iso_date(birth_date),
                    "contact": (contact or "").strip() or None,
                    "created_at": tx.at,
                })
            tx.insert("intakes", {
                "id": intake_id,
                "patient_id": patient_id,
                "form_id": form_id,
                "form_version": str(form_version),
                "form_hash": form_hash,
                "language": language,
                "area": area,
                "appointment_at": rows.iso_time(appointment_at),
                "status": "in_progress",
                "device": device,
                "created_at": tx.at,
                "updated_at": tx.at,
                **({"continues": continues} if continues else {}),
                **({"reconsent": json.dumps(
                    {"previous": reconsent["previous"], "reasons": list(reconsent["reasons"]),
                     "changed": list(reconsent.get("changed", ()))},
                    separators=(",", ":"))} if reconsent else {}),
            })
        return intake_id

    def save_answer(
        self, intake_id: str, question_id: str, value: Any, *, actor: str = "patient"
    ) -> None:
        """Save one answer at once; JSON ``null`` means no answer (e.g. hidden by skip logic)."""
        self.save_answers(intake_id, {question_id: value}, actor=actor)

    def save_answers(
        self, intake_id: str, answers: Mapping[str, Any], *, actor: str = "patient"
    ) -> None:
        """Several answers in one transaction; unchanged values write nothing."""
        with self.transaction(actor, "save_answers", intake_id) as tx:
            _open_intake(tx, intake_id)
            current = {
                qid: (row_id, value)
                for qid, row_id, value in tx.execute(
                    "SELECT question_id, id, value FROM answers WHERE intake_id = ?",
                    (intake_id,),
                )
            }
            for question_id, value in answers.items():
                text = to_json(value)
                if question_id in current:
                    row_id, old = current[question_id]
                    if old != text:
                        tx.update("answers", row_id,
                                  {"value": text, "answered_at": tx.at, "actor": actor})
                else:
                    tx.insert("answers", {
                        "intake_id": intake_id, "question_id": question_id, "value": text,
                        "answered_at": tx.at, "actor": actor,
                    })

    def acknowledge(
        self, intake_id: str, disclosure_id: str, text_hash: str,
        read_at: datetime | None = None, *, actor: str = "patient",
    ) -> None:
        """The patient's "I understand" on a card; ``read_at``: when they had read its text
        to the end (never later than the acknowledgement)."""
        with self.transaction(actor, "acknowledge", intake_id) as tx:
            _open_intake(tx, intake_id)
            row = tx.execute(
                "SELECT id, text_hash FROM acknowledgements "
                "WHERE intake_id = ? AND disclosure_id = ?",
                (intake_id, disclosure_id),
            ).fetchone()
            read = None if read_at is None else min(rows.iso_time(read_at), tx.at)  # ISO texts
            if row is None:
                tx.insert("acknowledgements", {
                    "intake_id": intake_id, "disclosure_id": disclosure_id,
                    "text_hash": text_hash, "acknowledged_at": tx.at, "read_at": read,
                })
            elif row[1] != text_hash:
                tx.update("acknowledgements", row[0],
                          {"text_hash": text_hash, "acknowledged_at": tx.at, "read_at": read})

    def withdraw_acknowledgement(
        self, intake_id: str, disclosure_id: str, *, actor: str = "patient"
    ) -> None:
        """Un-acknowledge before signing: the row is deleted, and the deletion audited."""
        with self.transaction(actor, "withdraw_acknowledgement", intake_id) as tx:
            _open_intake(tx, intake_id)
            for (row_id,) in tx.execute(
                "SELECT id FROM acknowledgements WHERE intake_id = ? AND disclosure_id = ?",
                (intake_id, disclosure_id),
            ).fetchall():
                tx.delete("acknowledgements", row_id)

    def set_current_step(self, intake_id: str, step: str | None) -> None:
        """Where to resume. Navigation, not a state change: not audited, not hashed."""
        with self.transaction("system", "navigate", intake_id) as tx:
            if not tx.execute(
                "UPDATE intakes SET current_step = ? WHERE id = ?", (step, intake_id)
            ).rowcount:
                raise NotFound(_(_NO_INTAKE))

    def submit(
        self, intake_id: str, *, signature: Mapping[str, Any], flags: Iterable[Any],
        actor: str = "patient", guardian: Mapping[str, Any] | None = None,
    ) -> int:
        """Sign and lock: signature (and a minor's ``guardian``'s), flags and status in one
        transaction; returns the patient's signature id. Shapes: see
        :func:`rows.signature_values`, :func:`rows.flag_values`."""
        with self.transaction(actor, "submit", intake_id) as tx:
            status, locked_at = _intake_state(tx, intake_id)
            if status != "in_progress":
                raise InvalidState(
                    _("This intake was already submitted or voided; it cannot be signed again.")
                )
            signature_id = tx.insert("signatures",
                                     rows.signature_values(signature, intake_id, tx.at))
            if guardian is not None:
                if guardian.get("role") != "guardian":
                    raise ValueError("submit: the guardian's signature has role 'guardian'")
                tx.insert("signatures", rows.signature_values(guardian, intake_id, tx.at))
            for flag in flags:
                tx.insert("flags", rows.flag_values(flag, intake_id, tx.at))
            course = {}
            if tx.execute("SELECT continues FROM intakes WHERE id = ?",
                          (intake_id,)).fetchone()[0] is None:  # a check-in opens no course
                sessions, until = _course(tx)
                course = {"course_sessions": sessions, "course_until": until}
            _update_intake(tx, intake_id, status="submitted", submitted_at=tx.at,
                           locked_at=tx.at, **course)
        return signature_id

    def add_signature(
        self, intake_id: str, signature: Mapping[str, Any], *, actor: str | None = None
    ) -> int:
        """A practitioner's countersignature, a witness, or a patient re-signing after an
        amendment. A practitioner signature needs the ``staff_id`` of a practitioner."""
        staff_id = signature.get("staff_id")
        actor = actor or (staff_actor(staff_id) if staff_id is not None else "patient")
        with self.transaction(actor, "add_signature", intake_id) as tx:
            _reviewed_here(tx)
            status, locked_at = _intake_state(tx, intake_id)
            if locked_at is None or status == "voided":
                raise InvalidState(
                    _("Only a signed, not voided intake takes further signatures; the patient "
                      "signs first by submitting.")
                )
            values = rows.signature_values(signature, intake_id, tx.at)
            if values["role"] == "practitioner":
                if staff_id is None or _staff_role(tx, staff_id) != "practitioner":
                    raise InvalidState(_("A practitioner's signature needs a practitioner "
                                         "account."))
            elif staff_id is not None:
                _staff_role(tx, staff_id)
            signature_id = tx.insert("signatures", values)
            _touch(tx, intake_id)
        return signature_id

    def add_document(
        self, intake_id: str, kind: str, pdf_bytes: bytes, *,
        created_at: datetime | str | None = None, supersedes: int | None = None,
        actor: str = "system", seal: str | None = None,
    ) -> int:
        """Keep a PDF with its SHA-256; a new version names the one it ``supersedes``;
        ``seal`` is the PAdES level it was sealed at (None: stored unsealed)."""
        if not isinstance(pdf_bytes, (bytes, bytearray)) or not pdf_bytes:
            raise ValueError("a document needs non-empty bytes")
        pdf = bytes(pdf_bytes)
        with self.transaction(actor, "add_document", intake_id) as tx:
            _intake_state(tx, intake_id)
            if supersedes is not None:
                row = tx.execute("SELECT intake_id FROM documents WHERE id = ?",
                                 (supersedes,)).fetchone()
                if row is None or row[0] != intake_id:
                    raise InvalidState(
                        _("A document can only supersede an earlier document of the same intake.")
                    )
            document_id = tx.insert("documents", {
                "intake_id": intake_id,
                "kind": kind,
                "pdf": pdf,
                "sha256": hashlib.sha256(pdf).hexdigest(),
                "created_at": rows.iso_time(created_at) if created_at else tx.at,
                "supersedes": supersedes,
                "seal": seal,
            })
        return document_id

    def amend_answer(
        self, intake_id: str, question_id: str, new_value: Any, reason: str, staff_id: int
    ) -> int:
        """Change a signed answer: a new row that ``amends`` the current one, with a reason."""
        reason = clean_text(reason or "")
        with self.transaction(staff_actor(staff_id), "amend_answer", intake_id) as tx:
            _reviewed_here(tx)
            status, locked_at = _intake_state(tx, intake_id)
            if status == "voided":
                raise InvalidState(_("A voided intake cannot be amended."))
            if locked_at is None:
                raise InvalidState(
                    _("This intake is not signed yet: change the answer directly, not by "
                      "amendment.")
                )
            if not reason:
                raise InvalidState(_("An amendment needs a written reason."))
            _staff_role(tx, staff_id)
            previous = tx.execute(
                "SELECT id FROM answers WHERE intake_id = ? AND question_id = ? "
                "ORDER BY id DESC LIMIT 1",
                (intake_id, question_id),
            ).fetchone()
            answer_id = tx.insert("answers", {
                "intake_id": intake_id, "question_id": question_id,
                "value": to_json(new_value), "answered_at": tx.at, "actor": staff_actor(staff_id),
                "amends": previous[0] if previous else None, "reason": reason,
            })
            _touch(tx, intake_id)
        return answer_id

    def replace_flags(self, intake_id: str, flags: Iterable[Any], actor: str) -> list[int]:
        """After an amendment: the current flags are superseded, the recomputed ones stored."""
        with self.transaction(actor, "replace_flags", intake_id) as tx:
            _reviewed_here(tx)
            status, locked_at = _intake_state(tx, intake_id)
            if locked_at is None or status == "voided":
                raise InvalidState(_("Flags are replaced only on a signed, not voided intake."))
            for (flag_id,) in tx.execute(
                "SELECT id FROM flags WHERE intake_id = ? AND superseded_at IS NULL",
                (intake_id,),
            ).fetchall():
                tx.update("flags", flag_id, {"superseded_at": tx.at})
            new_ids = [tx.insert("flags", rows.flag_values(flag, intake_id, tx.at))
                       for flag in flags]
            _update_intake(tx, intake_id)
        return new_ids

    def decide(
        self, flag_id: int, decision: str, reason: str, staff_id: int,
        new_date: date | datetime | str | None = None,
    ) -> int:
        """A decision on a current flag; earlier ones stay as history (``supersedes``).
        Who may record which decision, and with what reason, is
        :func:`mesocheck.forms.rules.decision_refusal`'s to say."""
        from mesocheck.forms.rules import decision_refusal

        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        reason = clean_text(reason or "")
        with translated():
            row = self._conn.execute("SELECT intake_id FROM flags WHERE id = ?",
                                     (flag_id,)).fetchone()
        if row is None:
            raise NotFound(_("No flag has this id; refresh the review screen."))
        intake_id = row[0]
        with self.transaction(staff_actor(staff_id), "decide", intake_id) as tx:
            _reviewed_here(tx)
            status, locked_at = _intake_state(tx, intake_id)
            if locked_at is None or status == "voided":
                raise InvalidState(_("Flags are decided only on a signed, not voided intake."))
            severity, superseded_at = tx.execute(
                "SELECT severity, superseded_at FROM flags WHERE id = ?", (flag_id,)
            ).fetchone()
            if superseded_at is not None:
                raise InvalidState(
                    _("This flag was replaced after an amendment; decide on the current flags.")
                )
            refusal = decision_refusal(severity, decision, reason, _staff_role(tx, staff_id))
            if refusal is not None:
                raise InvalidState(refusal)
            previous = tx.execute(
                "SELECT id FROM decisions WHERE flag_id = ? ORDER BY id DESC LIMIT 1",
                (flag_id,),
            ).fetchone()
            decision_id = tx.insert("decisions", {
                "flag_id": flag_id, "decision": decision, "reason": reason,
                "new_date": rows.iso_day_or_time(new_date) if new_date else None,
                "staff_id": int(staff_id), "decided_at": tx.at,
                "supersedes": previous[0] if previous else None,
            })
        return decision_id

    def set_status(self, intake_id: str, status: str, actor: str) -> None:
        """The review outcome, set by staff on a signed intake: ``submitted`` (back to
        review, e.g. after an amendment), ``cleared``, ``postponed`` or ``declined``.

        Clearing needs a current ``proceed`` decision on every stop and review flag.
        """
        if status not in REVIEW_STATUSES:
            raise ValueError(f"set_status sets a review status, not {status!r}")
        staff_id = staff_of(actor)
        if staff_id is None:
            raise InvalidState(_("Only staff record a review outcome."))
        with self.transaction(actor, f"set_status:{status}", intake_id) as tx:
            _reviewed_here(tx)
            current, locked_at = _intake_state(tx, intake_id)
            if current not in REVIEW_STATUSES:
                raise InvalidState(
                    _("Only a submitted intake can be reviewed; this one is in progress or voided.")
                )
            if current == status:
                return
            _staff_role(tx, staff_id)
            if status == "cleared":
                undecided = tx.execute(
                    """SELECT count(*) FROM flags f
                       WHERE f.intake_id = ? AND f.superseded_at IS NULL
                         AND f.severity IN ('stop', 'review')
                         AND coalesce((SELECT d.decision FROM decisions d WHERE d.flag_id = f.id
                                       ORDER BY d.id DESC LIMIT 1), '') != 'proceed'""",
                    (intake_id,),
                ).fetchone()[0]
                if undecided:
                    raise InvalidState(
                        _("Every stop and review flag needs a 'proceed' decision before clearing.")
                    )
            _update_intake(tx, intake_id, status=status,
                           reviewed_at=None if status == "submitted" else tx.at)

    def choose_copy(self, intake_id: str, wanted: bool, actor: str = "patient") -> None:
        """The patient's answer at the end of a signed form: a printed copy (``wanted``) or
        none. They may change their mind; each answer is audited."""
        with self.transaction(actor, "copy_choice", intake_id) as tx:
            status, locked_at = _intake_state(tx, intake_id)
            if locked_at is None or status == "voided":
                raise InvalidState(_("A copy is offered once the form is signed."))
            _update_intake(tx, intake_id, copy_wanted=int(bool(wanted)), copy_chosen_at=tx.at)

    def copy_printed(self, intake_id: str, actor: str) -> None:
        """Staff printed the patient's copy (the time shows in the review)."""
        if staff_of(actor) is None:
            raise InvalidState(_("Only staff print the patient's copy."))
        with self.transaction(actor, "copy_printed", intake_id) as tx:
            _intake_state(tx, intake_id)
            _update_intake(tx, intake_id, copy_printed_at=tx.at)

    def ask_reconsent(self, intake_id: str, staff_id: int, asked: bool = True) -> str:
        """A practitioner asks that the patient's next visit take the full consent again,
        instead of a check-in (``asked=False`` withdraws the request). Kept on the course's
        consent: the intake itself, or the consent the check-in ``intake_id`` continues;
        returns that consent's id."""
        with self.transaction(staff_actor(staff_id), "ask_reconsent", intake_id) as tx:
            _reviewed_here(tx)
            status, locked_at = _intake_state(tx, intake_id)
            if locked_at is None or status == "voided":
                raise InvalidState(_("The full consent is asked for from a signed, not voided "
                                     "intake."))
            if _staff_role(tx, staff_id) != "practitioner":
                raise InvalidState(_("Only a practitioner asks for the full consent again."))
            consent = tx.execute("SELECT continues FROM intakes WHERE id = ?",
                                 (intake_id,)).fetchone()[0] or intake_id
            _update_intake(tx, str(consent), reconsent_asked_at=tx.at if asked else None,
                           reconsent_asked_by=int(staff_id) if asked else None)
        return str(consent)

    def add_understanding_try(self, intake_id: str, answers: dict[str, str],
                              wrong: list[str], actor: str = "patient") -> None:
        """One try at the understanding check before signing: the option chosen for each
        question and which were wrong (the form decides that). Every try is kept, in order,
        with its time; only while the form is open."""
        with self.transaction(actor, "understanding", intake_id) as tx:
            _open_intake(tx, intake_id)
            row = tx.execute("SELECT understanding FROM intakes WHERE id = ?",
                             (intake_id,)).fetchone()
            tries = json.loads(row[0]) if row and row[0] else []
            tries.append({"answers": {str(k): str(v) for k, v in answers.items()},
                          "wrong": [str(w) for w in wrong], "at": tx.at})
            _update_intake(tx, intake_id, understanding=json.dumps(
                tries, ensure_ascii=False, separators=(",", ":")))

    def void(self, intake_id: str, reason: str, actor: str) -> None:
        """Abandon an intake (in progress or submitted); everything is kept, marked void."""
        reason = clean_text(reason or "")
        if not reason:
            raise InvalidState(_("Voiding an intake needs a reason."))
        with self.transaction(actor, "void", intake_id) as tx:
            status, locked_at = _intake_state(tx, intake_id)
            if status not in ("in_progress", "submitted"):
                raise InvalidState(_("Only an intake in progress or awaiting review can be "
                                     "voided."))
            if locked_at is not None:
                _reviewed_here(tx)
            _update_intake(tx, intake_id, status="voided", void_reason=reason)


def archive_form(tx: Transaction, form_hash: str, form_id: str, form_version: Any,
                 content: str) -> None:
    if tx.execute("SELECT 1 FROM forms WHERE hash = ?", (form_hash,)).fetchone() is None:
        tx.insert("forms", {"hash": form_hash, "form_id": form_id,
                            "form_version": str(form_version), "content": content,
                            "stored_at": tx.at})


def _reviewed_here(tx: Transaction) -> None:
    """A tablet that sends its intakes to the clinic's hub leaves their review to the hub's
    record (the practitioner's station), where every tablet's intakes are: two records of
    one review could not both be kept."""
    row = tx.execute("SELECT value FROM settings WHERE key = 'hub_url'").fetchone()
    if row is not None and row[0] not in ("null", '""'):
        raise InvalidState(
            _("This tablet sends its intakes to the clinic's hub: review them on the "
              "practitioner's station, where every tablet's intakes are."))


def _intake_state(tx: Transaction, intake_id: str) -> tuple[str, str | None]:
    row = tx.execute("SELECT status, locked_at FROM intakes WHERE id = ?",
                     (intake_id,)).fetchone()
    if row is None:
        raise NotFound(_(_NO_INTAKE))
    return row[0], row[1]


def _open_intake(tx: Transaction, intake_id: str) -> None:
    """Refuse patient-side changes once signed (IntakeLocked) or voided."""
    status, locked_at = _intake_state(tx, intake_id)
    if locked_at is not None:
        raise IntakeLocked()
    if status != "in_progress":
        raise InvalidState(_("This intake was voided; start a new one."))


def _staff_role(tx: Transaction, staff_id: int) -> str:
    row = tx.execute("SELECT role, active FROM staff WHERE id = ?", (staff_id,)).fetchone()
    if row is None:
        raise NotFound(_("No staff account has this id."))
    if not row[1]:
        raise InvalidState(_("This staff account is deactivated."))
    return row[0]


def _touch(tx: Transaction, intake_id: str) -> None:
    if tx.rows:
        _update_intake(tx, intake_id)


def _update_intake(tx: Transaction, intake_id: str, **changes: Any) -> None:
    """Update the intake row with fresh flag counters and ``updated_at``."""
    severities = [s for (s,) in tx.execute(
        "SELECT severity FROM flags WHERE intake_id = ? AND superseded_at IS NULL",
        (intake_id,),
    )]
    tx.update("intakes", intake_id,
              {**changes, **rows.flag_counts(severities), "updated_at": tx.at})


def _course(tx: Transaction) -> tuple[int, str]:
    """The course a consent signed now covers: the clinic's settings in this transaction,
    counted from today in the clinic's calendar."""
    stored = {key: json.loads(value) for key, value in tx.execute(
        "SELECT key, value FROM settings WHERE key IN "
        "('course_sessions', 'course_months', 'time_zone')")}
    values = {**COURSE_DEFAULTS, "time_zone": None, **stored}
    today = from_iso(tx.at).astimezone(clinic_zone(values["time_zone"])).date()
    until = add_months(today, int(values["course_months"]))
    return int(values["course_sessions"]), until.isoformat()
