"""The FHIR Bundle of an intake: what it holds, and that fhir.resources (R4B) validates it."""

from __future__ import annotations

import base64
import copy
import hashlib
import json

import pytest

from mesocheck import cli
from mesocheck.fhir.bundle import intake_bundle
from mesocheck.fhir.check import InvalidBundle, check_bundle
from mesocheck.fhir.export import made_bundle
from mesocheck.fhir.questionnaire import TRANSLATION, questionnaire
from mesocheck.forms.loader import form_from_data
from mesocheck.forms.registry import default_form
from mesocheck.store import Store


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_a_reviewed_amended_intake_validates_and_says_everything(reviewed_amended):
    db_path, intake_id = reviewed_amended
    with Store.open(db_path) as store:
        made = made_bundle(store, intake_id)
        record = store.intake(intake_id)
        document = store.latest_document(intake_id)
        pdf = store.document_bytes(document.id)
    bundle = made.bundle
    model = check_bundle(bundle)  # fhir.resources, R4B models
    assert model.type == "transaction"
    assert all(e["request"]["method"] == "PUT" for e in bundle["entry"])
    form = default_form()

    (q,) = resources(bundle, "Questionnaire")
    assert q["version"] == form.content_hash and q["url"] == "urn:mesocheck:form:mesotherapy"
    link_ids = {i["linkId"] for step in q["item"] for i in step.get("item", [])}
    assert {question.id for question in form.questions} <= link_ids
    details = next(i for s in q["item"] for i in s.get("item", [])
                   if i["linkId"] == "allergies_details")
    assert details["enableWhen"] == [{"question": "allergies_any", "operator": "=",
                                      "answerBoolean": True}]

    (qr,) = resources(bundle, "QuestionnaireResponse")
    assert qr["id"] == intake_id and qr["status"] == "amended"
    assert qr["questionnaire"] == f"urn:mesocheck:form:mesotherapy|{form.content_hash}"
    aspirin = next(i for s in qr["item"] for i in s.get("item", [])
                   if i["linkId"] == "last_aspirin")
    assert aspirin["answer"][0]["valueCoding"]["code"] == "never"  # the amended answer
    # The understanding check: a repeating group, one instance per try, and its outcome.
    (check,) = [i for i in q["item"] if i["linkId"] == "understanding"]
    assert check["repeats"] and [i["linkId"] for i in check["item"]] == [
        u.id for u in form.understanding]
    tries = [i for i in qr["item"] if i["linkId"] == "understanding"]
    assert len(tries) == len(record.understanding) == 1
    assert {i["linkId"]: i["answer"][0]["valueCoding"]["code"] for i in tries[0]["item"]} \
        == form.understood_answers()
    facts = next(i for i in qr["item"] if i["linkId"] == "@facts")["item"]
    assert {"linkId": "@understood", "answer": [{"valueBoolean": True}]} in facts

    (consent,) = resources(bundle, "Consent")
    assert consent["scope"]["coding"][0]["code"] == "treatment"
    assert record.course_until is not None  # the course the signed consent covers
    assert consent["provision"]["period"]["end"] == record.course_until.isoformat()
    assert consent["category"][0]["coding"][0] == {
        "system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}
    (docref,) = resources(bundle, "DocumentReference")
    assert consent["sourceReference"]["reference"] == f"DocumentReference/{docref['id']}"
    attachment = docref["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"]) == pdf
    assert attachment["size"] == len(pdf)
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode()
    assert docref["identifier"][0]["value"] == document.sha256
    assert docref["docStatus"] == "amended" and "sealed by the clinic" in docref["description"]

    meanings = {p["signature"][0]["type"][0]["code"]: p for p in resources(bundle, "Provenance")}
    assert set(meanings) == {"1.2.840.10065.1.12.1.7", "1.2.840.10065.1.12.1.5"}
    practitioner_ref = meanings["1.2.840.10065.1.12.1.5"]["signature"][0]["who"]["reference"]
    (doctor,) = [p for p in resources(bundle, "Practitioner")
                 if f"Practitioner/{p['id']}" == practitioner_ref]
    assert doctor["name"][0]["text"] == "Dr Ines Okafor"

    tasks = {t["code"]["coding"][0]["code"]: t for t in resources(bundle, "Task")}
    assert set(tasks) == {f.rule_id for f in record.flags}
    for flag in record.flags:
        task = tasks[flag.rule_id]
        if flag.decision is not None:
            assert task["status"] == "completed"
            assert task["output"][0]["valueCode"] == flag.decision.decision
    (patient,) = resources(bundle, "Patient")
    assert patient["name"][0]["text"] == "Zoë Quixley-Marchetti"


def test_the_same_intake_gives_the_same_bundle(reviewed_amended):
    db_path, intake_id = reviewed_amended
    with Store.open(db_path) as store:
        assert made_bundle(store, intake_id).data == made_bundle(store, intake_id).data


def test_every_language_of_the_form_travels_as_translations():
    form = default_form()
    q = questionnaire(form, "five-languages")
    first = q["item"][1]["item"][0]
    text = form.steps[0].questions[0].text
    assert first["text"] == text.get("en")
    translations = first["_text"]["extension"]
    assert [t["url"] for t in translations] == [TRANSLATION] * 4
    assert [t["extension"] for t in translations] == [
        [{"url": "lang", "valueCode": lang}, {"url": "content", "valueString": text.get(lang)}]
        for lang in ("es", "fr", "ar", "zh")]
    check_bundle({"resourceType": "Bundle", "type": "collection",
                  "entry": [{"resource": q}]})


def test_a_bundle_that_does_not_validate_is_refused_with_where(reviewed_amended):
    db_path, intake_id = reviewed_amended
    with Store.open(db_path) as store:
        bundle = made_bundle(store, intake_id).bundle
    broken = copy.deepcopy(bundle)
    resources(broken, "Consent")[0]["status"] = 42
    with pytest.raises(InvalidBundle, match=f"intake {intake_id} does not validate"):
        check_bundle(broken)


def test_export_writes_one_bundle_per_line(reviewed_amended, tmp_path, capsys):
    db_path, intake_id = reviewed_amended
    out = tmp_path / "bundles.ndjson"
    assert cli.main(["--db", str(db_path), "export", "--format", "fhir", "-o", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    bundle = json.loads(lines[0])
    assert bundle["identifier"]["value"] == intake_id
    check_bundle(bundle)
    assert "exported 1 intake " in capsys.readouterr().err


def test_the_tablet_starts_without_the_fhir_library():
    import subprocess
    import sys

    code = ("import sys, mesocheck.cli, mesocheck.session, mesocheck.store, "
            "mesocheck.documents.archive; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('fhir', 'pydantic', 'pyhanko', 'pikepdf')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_an_intake_bundle_carries_no_document_when_none_is_given():
    from tests.support.answers import SHORT_ANSWERS
    from tests.support.records import SETTINGS, STAFF, make_record

    form = default_form()
    bundle = intake_bundle(make_record(form, SHORT_ANSWERS), form, SETTINGS, STAFF)
    check_bundle(bundle)
    assert not resources(bundle, "DocumentReference")
    assert "sourceReference" not in resources(bundle, "Consent")[0]


def test_a_minors_parent_travels_as_the_related_person_who_consented():
    from datetime import date

    from msgspec import structs

    from mesocheck.store.records import Signature
    from tests.support.answers import SHORT_ANSWERS, signature_strokes
    from tests.support.records import SETTINGS, STAFF, SUBMITTED, make_record

    form = default_form()
    record = make_record(form, SHORT_ANSWERS, birth_date=date(2011, 2, 3))
    parent = Signature(9, "guardian", "Pat Parent", form.guardian.meaning.get("en"),
                       signature_strokes(seed=9), 600, 200, SUBMITTED, "Europe/Paris",
                       record.signatures[0].content_hash, None, relationship="father")
    record = structs.replace(record, signatures=(*record.signatures, parent))
    bundle = intake_bundle(record, form, SETTINGS, STAFF)
    check_bundle(bundle)
    (person,) = resources(bundle, "RelatedPerson")
    assert person["name"][0]["text"] == "Pat Parent"
    assert person["relationship"][0]["coding"][0]["code"] == "FTH"
    (consent,) = resources(bundle, "Consent")
    assert {"reference": f"RelatedPerson/{person['id']}"} in consent["performer"]
    signers = [p["signature"][0]["who"]["reference"] for p in resources(bundle, "Provenance")]
    assert f"RelatedPerson/{person['id']}" in signers
