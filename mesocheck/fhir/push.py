"""``mesocheck fhir push``: each signed intake's Bundle to the clinic's FHIR R4 server.

A Bundle is a transaction of PUTs at ids derived from the intake, so the server ends in the
same state however often it is sent. Only what changed is sent: each push is recorded with
the state of the intake it was made from and the Bundle's SHA-256, so a replay sends nothing,
and an intake amended, reviewed or sealed since is sent again. A failure is one sentence per
intake (the server's words are left out: they may quote the patient's data back); a server
that refuses the credentials, or cannot be reached, stops the run.

With the clinic's seal set up, an intake whose document is not sealed yet waits: the EHR
gets the sealed copy.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Callable

from msgspec import Struct

from mesocheck.errors import MesocheckError
from mesocheck.fhir.export import made_bundle
from mesocheck.i18n import _

FHIR_JSON = "application/fhir+json"


class PushReport(Struct):
    sent: int = 0
    unchanged: int = 0
    waiting_for_seal: int = 0
    failures: list[str] = []


class _Stop(Exception):
    """Every further request would fail the same way."""


def push(store: Any, server: str, *, token: str | None = None, timeout_s: float = 30.0,
         progress: Callable[[int, int], None] | None = None) -> PushReport:
    server = normalised(server)
    report = PushReport()
    pushed = store.pushed(server)
    sealing = store.current_seal() is not None
    candidates = store.push_candidates()
    context: dict = {}
    for done, (intake_id, state) in enumerate(candidates, start=1):
        if progress:
            progress(done, len(candidates))
        last = pushed.get(intake_id)
        if last is not None and last[0] == state:
            report.unchanged += 1
            continue
        if sealing and store.latest_document(intake_id).seal is None:
            report.waiting_for_seal += 1
            continue
        try:
            made = made_bundle(store, intake_id, state, context=context)
        except MesocheckError as exc:
            report.failures.append(exc.message)
            continue
        if last is not None and last[1] == made.sha256:
            store.record_push(intake_id, server, state, made.sha256)  # same Bundle: not resent
            report.unchanged += 1
            continue
        try:
            _send(server, made.data, token, timeout_s)
        except _Stop as exc:
            report.failures.append(str(exc))
            break
        except MesocheckError as exc:
            report.failures.append(_("intake {id}: {why}").format(id=intake_id,
                                                                   why=exc.message))
            continue
        store.record_push(intake_id, server, state, made.sha256)
        report.sent += 1
    return report


def normalised(server: str) -> str:
    server = (server or "").strip().rstrip("/")
    if not server.startswith(("http://", "https://")) or len(server) < 10:
        raise MesocheckError((_("{server} is not a FHIR server's base URL (like "
                                "https://ehr.example/fhir)").format(server=server) if server else
                              _("the server is not a FHIR server's base URL (like "
                                "https://ehr.example/fhir)")))
    return server


def _send(server: str, data: bytes, token: str | None, timeout_s: float) -> None:
    headers = {"Content-Type": f"{FHIR_JSON}; charset=utf-8", "Accept": FHIR_JSON}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(server, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            body, kind = response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        status = exc.code
        detail = _outcome(exc.read())
        if status in (401, 403):
            raise _Stop(_("the FHIR server at {server} refused mesocheck's credentials (HTTP "
                          "{status}): give its access token with --token-file").format(
                server=server, status=status)) from None
        failed = (_("the FHIR server failed (HTTP {status}{detail}); nothing was recorded as "
                    "sent") if status >= 500 else
                  _("the FHIR server refused the Bundle (HTTP {status}{detail}); nothing was "
                    "recorded as sent"))
        raise MesocheckError(failed.format(status=status, detail=detail)) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if "timed out" in str(reason):
            raise _Stop(_("the FHIR server at {server} did not answer in time; nothing more "
                          "was sent").format(server=server)) from None
        raise _Stop(_("the FHIR server at {server} could not be reached ({reason}); nothing "
                      "more was sent").format(server=server, reason=_reason(reason))) from None
    _check_response(server, body, kind)


def _check_response(server: str, body: bytes, kind: str) -> None:
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or answer.get("resourceType") != "Bundle" or \
            answer.get("type") != "transaction-response":
        shown = kind.split(";")[0] or "no content type"
        raise MesocheckError(_("the server at {server} answered with something that is not a "
                               "FHIR transaction response ({shown}); nothing was recorded as "
                               "sent").format(server=server, shown=shown))
    statuses = [str((e.get("response") or {}).get("status", "")) for e in
                answer.get("entry") or [] if isinstance(e, dict)]
    failed = [s for s in statuses if not s[:1] == "2"]
    if failed:
        raise MesocheckError(_("the FHIR server did not store every resource (statuses "
                               "{statuses}); nothing was recorded as sent").format(
            statuses=", ".join(sorted(set(failed)))))


def _outcome(body: bytes) -> str:
    """The issue codes of an OperationOutcome (never its free text)."""
    try:
        outcome = json.loads(body)
        codes = sorted({str(i.get("code")) for i in outcome.get("issue", []) if i.get("code")})
    except (ValueError, AttributeError, TypeError):
        return ""
    return f", issue {', '.join(codes)}" if codes else ""


def _reason(reason: Any) -> str:
    text = getattr(reason, "strerror", None) or str(reason)
    return text.lower() if text else "no answer"
