"""Handing intakes to a real FHIR server (sekmet-fhir on 127.0.0.1): pushed, read back with
searches, equal; a replay sends nothing; an amendment is sent again; and every way the
server can fail gets a sentence, with nothing recorded as sent."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mesocheck import cli
from mesocheck.fhir.export import made_bundle
from mesocheck.store import Store
from tests.support.fhir_server import TOKEN, fhir_get, search


def push(capsys, db_path, server, *extra) -> tuple[int, str, str]:
    code = cli.main(["--db", str(db_path), "fhir", "push", "--server", server, *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    return str(path)


def without_meta(resource: dict) -> dict:
    return {k: v for k, v in resource.items() if k != "meta"}


def test_pushed_searched_and_equal(reviewed_amended, fhir_server, token_file, capsys):
    db_path, intake_id = reviewed_amended
    code, out, err = push(capsys, db_path, fhir_server, "--token-file", token_file)
    assert code == 0, err
    assert out.startswith(f"sent 1 intake to {fhir_server}; 0 unchanged")
    with Store.open(db_path) as store:
        sent = {(e["resource"]["resourceType"], e["resource"]["id"]): e["resource"]
                for e in made_bundle(store, intake_id).bundle["entry"]}
    patient = next(i for (kind, i) in sent if kind == "Patient")
    consent = next(i for (kind, i) in sent if kind == "Consent")
    found = {}
    for query in (f"QuestionnaireResponse?_id={intake_id}",
                  f"Consent?patient=Patient/{patient}",
                  f"DocumentReference?subject=Patient/{patient}",
                  f"Provenance?target=Consent/{consent}",
                  f"Task?focus=QuestionnaireResponse/{intake_id}",
                  f"Patient?_id={patient}",
                  "Questionnaire?url=urn:mesocheck:form:mesotherapy"):
        for resource in search(fhir_server, query):
            found[(resource["resourceType"], resource["id"])] = resource
    expected = {k: v for k, v in sent.items()
                if k[0] not in ("Organization", "Practitioner")}
    assert set(found) == set(expected)
    for key, resource in expected.items():
        assert without_meta(found[key]) == resource, key
    for kind, resource_id in sent:  # and every one, read by its id
        assert without_meta(fhir_get(fhir_server, f"{kind}/{resource_id}")) == \
            sent[(kind, resource_id)]


def test_a_replay_changes_nothing_and_an_amendment_is_sent_again(
        reviewed_amended, fhir_server, token_file, capsys, monkeypatch):
    from mesocheck import review
    from tests.support.intakes import REVIEW_ZONE as ZONE, fast_pins

    db_path, intake_id = reviewed_amended
    assert push(capsys, db_path, fhir_server, "--token-file", token_file)[0] == 0
    version = fhir_get(fhir_server, f"QuestionnaireResponse/{intake_id}")["meta"]["versionId"]
    code, out, _err = push(capsys, db_path, fhir_server, "--token-file", token_file)
    assert code == 0 and out.startswith(f"sent 0 intakes to {fhir_server}; 1 unchanged")
    assert fhir_get(fhir_server, f"QuestionnaireResponse/{intake_id}")["meta"][
        "versionId"] == version

    fast_pins(monkeypatch)
    with Store.open(db_path) as store:
        doctor = next(m for m in store.staff_members() if m.role == "practitioner")
        review.amend(store, intake_id, "transport_arranged", False, "Bus, not a lift",
                     doctor, zone=ZONE)
    code, out, _err = push(capsys, db_path, fhir_server, "--token-file", token_file)
    assert code == 0 and out.startswith(f"sent 1 intake to {fhir_server}")
    answer = fhir_get(fhir_server, f"QuestionnaireResponse/{intake_id}")
    assert answer["meta"]["versionId"] != version
    transport = next(i for s in answer["item"] for i in s.get("item", [])
                     if i["linkId"] == "transport_arranged")
    assert transport["answer"] == [{"valueBoolean": False}]


def test_wrong_credentials_stop_the_run_and_record_nothing(reviewed_amended, fhir_server,
                                                           tmp_path, capsys):
    db_path, _intake = reviewed_amended
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-token\n")
    code, _out, err = push(capsys, db_path, fhir_server, "--token-file", str(wrong))
    assert code == 1
    assert err.strip() == (f"the FHIR server at {fhir_server} refused mesocheck's credentials "
                           "(HTTP 401): give its access token with --token-file")
    with Store.open(db_path) as store:
        assert store.pushed(fhir_server) == {}


class _Answering:
    """A server on 127.0.0.1 that answers every request the same way."""

    def __init__(self, status: int, body: bytes, kind: str):
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/fhir"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


OUTCOME = json.dumps({"resourceType": "OperationOutcome", "issue": [
    {"severity": "error", "code": "exception", "diagnostics": "Zoë Quixley-Marchetti broke it"}
]}).encode()


@pytest.mark.parametrize("status, body, kind, expected", [
    (500, OUTCOME, "application/fhir+json",
     "the FHIR server failed (HTTP 500, issue exception); nothing was recorded as sent"),
    (200, b"<html><body>Welcome to nginx</body></html>", "text/html",
     "answered with something that is not a FHIR transaction response (text/html)"),
    (200, b'{"resourceType": "Bundle", "type": "transaction-response", "entry": '
          b'[{"response": {"status": "422 Unprocessable Entity"}}]}', "application/fhir+json",
     "did not store every resource (statuses 422 Unprocessable Entity)"),
])
def test_a_failing_server_gets_one_sentence_and_nothing_is_recorded(
        reviewed_amended, capsys, status, body, kind, expected):
    db_path, intake_id = reviewed_amended
    server = _Answering(status, body, kind)
    try:
        code, out, err = push(capsys, db_path, server.url)
    finally:
        server.close()
    assert code == 1
    assert out.startswith(f"sent 0 intakes to {server.url}")
    assert err.startswith(f"intake {intake_id}: ")
    assert expected in err
    assert "Zoë" not in err and "Traceback" not in err  # the server's words stay out
    with Store.open(db_path) as store:
        assert store.pushed(server.url) == {}


def test_a_server_that_cannot_be_reached_is_named(reviewed_amended, capsys):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    db_path, _intake = reviewed_amended
    code, _out, err = push(capsys, db_path, f"http://127.0.0.1:{port}/fhir")
    assert code == 1
    assert f"the FHIR server at http://127.0.0.1:{port}/fhir could not be reached" in err


def test_a_url_that_is_not_a_server_is_refused_before_anything(reviewed_amended, capsys):
    db_path, _intake = reviewed_amended
    code, _out, err = push(capsys, db_path, "ehr.example")
    assert code == 1
    assert "ehr.example is not a FHIR server's base URL" in err
