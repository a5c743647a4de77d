"""One intake as one FHIR R4 transaction Bundle (plain JSON data).

Resources, each written with PUT at an id derived from what it stands for (a UUID 5), so a
Bundle sent twice changes nothing and a changed intake updates the same resources:

- ``Questionnaire`` (the form, see ``questionnaire``), ``QuestionnaireResponse`` (the
  answers; ``completed``, or ``amended`` once an answer was corrected at review),
- ``Consent`` (scope treatment, LOINC 59284-0 Patient consent, source = the document),
- ``DocumentReference`` (the sealed consent PDF: its bytes, size, SHA-1 as R4 asks and
  SHA-256 as mesocheck keeps it),
- ``Provenance``, one per signature (the patient's, the practitioner's countersignature), with
  its ASTM E1762 meaning code,
- ``Task``, one per flag: the rule that raised it and the practitioner's decision (what the
  practitioner was asked to look at is work with an outcome, which is what a Task records),
- minimal ``Patient``, ``Practitioner`` (each staff member who decided or signed) and
  ``Organization`` (the clinic).

The consent PDF carries the same Bundle without the ``DocumentReference`` (a file cannot
hold its own hash). Deterministic: the same intake gives the same Bundle.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import date, datetime, timezone
from typing import Any, Mapping

from mesocheck.fhir.questionnaire import (
    FACTS, LAST_TAKEN_ON, canonical, option_system, questionnaire,
)
from mesocheck.forms.conditions import Facts, is_answered
from mesocheck.forms.flow import Flow
from mesocheck.forms.model import NEVER, NOT_RECENT, Form, Question

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:mesocheck")
LOINC_CONSENT = {"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}
SIGNATURE_TYPES = {  # ASTM E1762-95 signature types, as FHIR R4's signature-type value set
    "patient": ("1.2.840.10065.1.12.1.7", "Consent Signature"),
    "practitioner": ("1.2.840.10065.1.12.1.5", "Verification Signature"),
    "witness": ("1.2.840.10065.1.12.1.11", "Consent Witness Signature"),
    "guardian": ("1.2.840.10065.1.12.1.7", "Consent Signature"),
}
PARTICIPANT = {"patient": "author", "practitioner": "verifier", "witness": "attester",
               "guardian": "author"}
# A guardian's relationship as HL7 v3 RoleCode (the form's option values); others: GUARD.
ROLE_CODES = {"mother": ("MTH", "mother"), "father": ("FTH", "father"),
              "legal_guardian": ("GUARD", "guardian")}
DECISION_WORDS = {"proceed": "Proceed", "postpone": "Postpone", "decline": "Decline"}


class Document:
    """The stored consent PDF a Bundle refers to."""

    def __init__(self, info: Any, pdf: bytes):
        self.info = info
        self.pdf = pdf


def resource_id(kind: str, key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{key}"))


def intake_bundle(record: Any, form: Form, settings: Mapping[str, Any],
                  staff_names: Mapping[int, str], document: Document | None = None
                  ) -> dict[str, Any]:
    """The transaction Bundle of a signed intake (``record``: a store IntakeRecord; ``form``:
    the form it was filled in with; ``staff_names``: staff id -> name)."""
    return _Intake(record, form, settings, staff_names, document).bundle()


def bundle_json(bundle: Mapping[str, Any]) -> bytes:
    """The Bundle as compact, canonical JSON (sorted keys, UTF-8)."""
    return json.dumps(bundle, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


class _Intake:
    def __init__(self, record, form, settings, staff_names, document):
        self.r = record
        self.form = form
        self.language = record.language if record.language in form.languages \
            else form.languages[0]
        self.staff_names = staff_names
        self.document = document
        clinic = str(settings.get("clinic_name") or "").strip()
        self.clinic = clinic or "Clinic"
        self.address = str(settings.get("clinic_address") or "").strip()
        self.ids = {
            "Organization": resource_id("organization", self.clinic),
            "Patient": resource_id("patient", record.id),
            "Questionnaire": resource_id("questionnaire", f"{form.id}|{form.content_hash}"),
            "QuestionnaireResponse": record.id,
            "Consent": resource_id("consent", record.id),
            "DocumentReference": resource_id("document", record.id),
            "RelatedPerson": resource_id("guardian", record.id),
        }
        self.guardian = self._latest_signature("guardian")  # a minor's parent or guardian

    def ref(self, kind: str) -> dict[str, str]:
        return {"reference": f"{kind}/{self.ids[kind]}"}

    def bundle(self) -> dict[str, Any]:
        resources = [self.organization(), *self.practitioners(), self.patient()]
        if self.guardian is not None:
            resources.append(self.related_person())
        resources += [questionnaire(self.form, self.ids["Questionnaire"]), self.response(),
                      self.consent()]
        if self.document is not None:
            resources.append(self.document_reference())
        resources += self.tasks()
        resources += self.provenances()
        return {
            "resourceType": "Bundle", "type": "transaction",
            "identifier": {"system": "urn:mesocheck:intake", "value": self.r.id},
            "entry": [{"fullUrl": f"urn:uuid:{res['id']}", "resource": res,
                       "request": {"method": "PUT", "url": f"{res['resourceType']}/{res['id']}"}}
                      for res in resources],
        }

    # -- who ---------------------------------------------------------------------------------

    def organization(self) -> dict[str, Any]:
        out = {"resourceType": "Organization", "id": self.ids["Organization"],
               "active": True, "name": self.clinic}
        if self.address:
            out["address"] = [{"text": self.address}]
        return out

    def _staff_ids(self) -> list[int]:
        ids = [s.staff_id for s in self.r.signatures if s.staff_id is not None]
        ids += [d.staff_id for f in self.r.flags for d in f.decisions]
        return sorted(set(ids))

    def related_person(self) -> dict[str, Any]:
        """The parent or guardian who consented for a minor, and how they are related."""
        g = self.guardian
        code, display = ROLE_CODES.get(g.relationship or "", ("GUARD", "guardian"))
        return {"resourceType": "RelatedPerson", "id": self.ids["RelatedPerson"],
                "active": True, "patient": self.ref("Patient"),
                "relationship": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                    "code": code, "display": display}],
                    "text": g.relationship or display}],
                "name": [{"text": g.printed_name}]}

    def practitioner_ref(self, staff_id: int) -> dict[str, str]:
        return {"reference": f"Practitioner/{resource_id('practitioner', f'{self.clinic}|{staff_id}')}"}

    def practitioners(self) -> list[dict[str, Any]]:
        return [{
            "resourceType": "Practitioner",
            "id": resource_id("practitioner", f"{self.clinic}|{staff_id}"),
            "identifier": [{"system": "urn:mesocheck:staff", "value": str(staff_id)}],
            "name": [{"text": self.staff_names.get(staff_id) or f"Staff member {staff_id}"}],
        } for staff_id in self._staff_ids()]

    def patient(self) -> dict[str, Any]:
        p = self.r.patient
        return {"resourceType": "Patient", "id": self.ids["Patient"],
                "identifier": [{"system": "urn:mesocheck:intake", "value": self.r.id}],
                "name": [{"text": p.name}], "birthDate": p.birth_date.isoformat()}

    # -- what was answered and signed ------------------------------------------------------------

    def response(self) -> dict[str, Any]:
        r = self.r
        amended = any(a.amends is not None for a in r.answer_history)
        signed = self._latest_signature("patient")
        out = {
            "resourceType": "QuestionnaireResponse", "id": r.id,
            "identifier": {"system": "urn:mesocheck:intake", "value": r.id},
            "questionnaire": canonical(self.form),
            "status": "amended" if amended else "completed",
            "subject": self.ref("Patient"), "author": self.ref("Patient"),
            "source": self.ref("Patient"), "item": self._items(),
        }
        if signed is not None:
            out["authored"] = instant(signed.signed_at)
        return out

    def _items(self) -> list[dict[str, Any]]:
        r, form = self.r, self.form
        facts = Facts.of(r, timezone.utc)
        area = form.area(r.area)
        fact_items = [{"linkId": "@area", "answer": [{"valueCoding": {
            "system": option_system(form, "@area"), "code": r.area,
            **({"display": area.label.get(self.language)} if area else {})}}]}]
        if (age := facts.get("age")) is not None:
            fact_items.append({"linkId": "@age", "answer": [{"valueInteger": age}]})
        fact_items.append({"linkId": "@appointment",
                           "answer": [{"valueDateTime": instant(r.appointment_at)}]})
        if facts.understood is not None:
            fact_items.append({"linkId": "@understood",
                               "answer": [{"valueBoolean": facts.understood}]})
        items = [{"linkId": FACTS, "item": fact_items}]
        flow = Flow(form, facts, self.language)
        answers = dict(r.answers)
        for step in flow.shown_steps(answers):
            children = [self._answered(q, answers[q.id])
                        for q in flow.shown_questions(step, answers)
                        if is_answered(answers.get(q.id))]
            if children:
                items.append({"linkId": step.id, "text": step.title.get(self.language),
                              "item": children})
        acknowledged = [a.disclosure_id for a in r.acknowledgements]
        if acknowledged:
            items.append({"linkId": "disclosures", "item": [
                {"linkId": d, "answer": [{"valueBoolean": True}]} for d in acknowledged]})
        for attempt in getattr(r, "understanding", ()):  # every try, in order
            children = [{"linkId": u.id, "text": u.text.get(self.language),
                         "answer": [{"valueCoding": self._coding(u, attempt.answers[u.id])}]}
                        for u in form.understanding if attempt.answers.get(u.id)]
            if children:
                items.append({"linkId": "understanding", "item": children})
        return items

    def _answered(self, q: Question, value: Any) -> dict[str, Any]:
        item = {"linkId": q.id, "text": q.text.get(self.language)}
        kind = q.type
        if kind == "boolean":
            answers = [{"valueBoolean": bool(value)}]
        elif kind in ("choice", "multi_choice"):
            values = value if isinstance(value, list) else [value]
            answers = [{"valueCoding": self._coding(q, str(v))} for v in values]
        elif kind == "date":
            answers = [{"valueDate": str(value)}]
        elif kind == "datetime":
            answers = [{"valueDateTime": moment(value)}]
        elif kind == "last_taken":
            system = option_system(self.form, q.id)
            if value in (NEVER, NOT_RECENT):
                answers = [{"valueCoding": {"system": system, "code": value}}]
            else:
                when = {"valueDateTime": moment(value)} if q.precision == "datetime" \
                    else {"valueDate": str(value)}
                answers = [{"valueCoding": {"system": system, "code": LAST_TAKEN_ON},
                            "item": [{"linkId": f"{q.id}.when", "answer": [when]}]}]
        else:
            answers = [{"valueString": str(value)}]
        item["answer"] = answers
        return item

    def _coding(self, q: Question, value: str) -> dict[str, Any]:
        coding: dict[str, Any] = {"system": option_system(self.form, q.id), "code": value}
        option = q.option(value)
        if option is not None:
            coding["display"] = option.label.get(self.language)
        return coding

    def _latest_signature(self, role: str) -> Any:
        signed = [s for s in self.r.signatures if s.role == role]
        return signed[-1] if signed else None

    def consent(self) -> dict[str, Any]:
        signed = self._latest_signature("patient")
        out = {
            "resourceType": "Consent", "id": self.ids["Consent"], "status": "active",
            "scope": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                "code": "treatment", "display": "Treatment"}]},
            "category": [{"coding": [LOINC_CONSENT]}],
            "patient": self.ref("Patient"),
            "performer": [self.ref("Patient")] + (
                [self.ref("RelatedPerson")] if self.guardian is not None else []),
            "organization": [self.ref("Organization")],
            "policyRule": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN",
                "display": "opt-in"}]},
            "provision": {"type": "permit", "period": {"start": instant(self.r.appointment_at)}},
        }
        if signed is not None:
            out["dateTime"] = instant(signed.signed_at)
        if getattr(self.r, "course_until", None) is not None:  # the course it covers
            out["provision"]["period"]["end"] = self.r.course_until.isoformat()
        continues = getattr(self.r, "continues", None)
        if continues is not None and continues.until is not None:  # a check-in: its course's
            out["provision"]["period"]["end"] = continues.until.isoformat()
        if self.document is not None:
            out["sourceReference"] = self.ref("DocumentReference")
        return out

    def _relates_to(self) -> list[dict[str, Any]]:
        """A check-in's record appends to its course consent's; a full consent asked again
        replaces the one it renews. By the intake's identifier (a logical reference): the
        other record may not be on the server yet."""
        continues = getattr(self.r, "continues", None)
        reconsent = getattr(self.r, "reconsent", None)
        if continues is not None:
            code, other = "appends", continues.intake_id
        elif reconsent is not None:
            code, other = "replaces", reconsent.previous
        else:
            return []
        return [{"code": code, "target": {
            "type": "DocumentReference",
            "identifier": {"system": "urn:mesocheck:intake", "value": other}}}]

    def document_reference(self) -> dict[str, Any]:
        doc, pdf = self.document.info, self.document.pdf
        amended = any(a.amends is not None for a in self.r.answer_history)
        reviewed = doc.kind == "reviewed_consent"
        sealed = f", sealed by the clinic (PAdES {doc.seal})" if doc.seal else ""
        out: dict[str, Any] = {
            "resourceType": "DocumentReference", "id": self.ids["DocumentReference"],
            "identifier": [{"system": "urn:mesocheck:document-sha256", "value": doc.sha256}],
            "status": "current", "docStatus": "amended" if amended else "final",
            "type": {"coding": [LOINC_CONSENT]}, "subject": self.ref("Patient"),
            "date": instant(doc.created_at), "author": [self.ref("Organization")],
            "custodian": self.ref("Organization"),
            "description": ("Consent record with the practitioner's review" if reviewed
                            else "Consent record signed by the patient") + sealed,
            "content": [{"attachment": {
                "contentType": "application/pdf", "language": self.language,
                "data": base64.b64encode(pdf).decode("ascii"), "size": len(pdf),
                "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii"),
                "title": f"Consent {self.r.id}.pdf", "creation": instant(doc.created_at),
            }}],
            "context": {"related": [self.ref("QuestionnaireResponse")]},
        }
        if relates := self._relates_to():
            out["relatesTo"] = relates
        countersigned = self._latest_signature("practitioner")
        if reviewed and countersigned is not None and countersigned.staff_id is not None:
            out["authenticator"] = self.practitioner_ref(countersigned.staff_id)
        return out

    # -- flags and signatures ---------------------------------------------------------------------

    def tasks(self) -> list[dict[str, Any]]:
        out = []
        for flag in self.r.flags:
            rule_system = f"urn:mesocheck:form:{self.form.id}:rules"
            task: dict[str, Any] = {
                "resourceType": "Task",
                "id": resource_id("flag", f"{self.r.id}|{flag.rule_id}"),
                "status": "requested", "intent": "order",
                "code": {"coding": [{"system": rule_system, "code": flag.rule_id}],
                         "text": f"Review flag ({flag.severity})"},
                "description": flag.practitioner_message,
                "focus": self.ref("QuestionnaireResponse"), "for": self.ref("Patient"),
                "authoredOn": instant(flag.raised_at),
                "input": [{"type": {"text": "severity"}, "valueCode": flag.severity}],
            }
            decision = flag.decisions[-1] if flag.decisions else None
            if decision is not None:
                task["status"] = "completed"
                task["businessStatus"] = {"coding": [{
                    "system": "urn:mesocheck:decision", "code": decision.decision,
                    "display": DECISION_WORDS.get(decision.decision, decision.decision)}]}
                task["owner"] = self.practitioner_ref(decision.staff_id)
                task["lastModified"] = instant(decision.decided_at)
                task["output"] = [{"type": {"text": "decision"},
                                   "valueCode": decision.decision}]
                if decision.reason:
                    task["output"].append({"type": {"text": "reason"},
                                           "valueString": decision.reason})
                if decision.new_date:
                    task["output"].append({"type": {"text": "new date"},
                                           "valueString": str(decision.new_date)})
            elif flag.severity == "info":
                task["status"] = "completed"
                task["businessStatus"] = {"text": "For information; no decision needed"}
            out.append(task)
        return out

    def provenances(self) -> list[dict[str, Any]]:
        targets = [self.ref("QuestionnaireResponse"), self.ref("Consent")]
        if self.document is not None:
            targets.append(self.ref("DocumentReference"))
        out = []
        for role in ("patient", "guardian", "practitioner", "witness"):
            signed = self._latest_signature(role)
            if signed is None:
                continue
            who = self.ref("RelatedPerson") if role == "guardian" else self.ref("Patient") \
                if signed.staff_id is None else self.practitioner_ref(signed.staff_id)
            code, display = SIGNATURE_TYPES[role]
            provenance = {
                "resourceType": "Provenance",
                "id": resource_id("provenance", f"{self.r.id}|{role}"),
                "target": targets, "recorded": instant(signed.signed_at),
                "agent": [{"type": {"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                    "code": PARTICIPANT[role]}]}, "who": who}],
                "signature": [{
                    "type": [{"system": "urn:iso-astm:E1762-95:2013", "code": code,
                              "display": display}],
                    "when": instant(signed.signed_at), "who": who,
                }],
            }
            if signed.meaning:
                provenance["reason"] = [{"text": signed.meaning}]
            out.append(provenance)
        return out


def instant(moment: datetime | date) -> str:
    """An aware datetime as a FHIR instant (UTC, whole seconds)."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).isoformat(timespec="seconds")
    return moment.isoformat()


def moment(value: Any) -> str:
    """A stored date-and-time answer (ISO text) as a FHIR dateTime (seconds required)."""
    try:
        return instant(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)
