"""A real FHIR R4 server on 127.0.0.1 for the hand-over tests: sekmet-fhir, in a virtual
environment of its own (made once, kept in the user's cache folder), started once per
session (the ``fhir_server`` fixture, in ``tests/fhir/conftest.py``), and reading it back.

Without the package index the server cannot be installed: the tests that need it skip
saying so, except under CI=true, where they fail.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

SEKMET = "sekmet-fhir==0.1.1"
TOKEN = "mesocheck-test-token"


def _cache() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "mesocheck-tests" / SEKMET.replace("==", "-")


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"the FHIR test server is needed under CI: {reason}")
    pytest.skip(f"no FHIR test server: {reason}")


def _sekmet_venv() -> Path:
    venv = _cache()
    sekmet = venv / "bin" / "sekmet"
    if sekmet.exists():
        return sekmet
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                       capture_output=True, timeout=300)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", SEKMET], check=True,
                       capture_output=True, timeout=900)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        _unavailable(f"installing {SEKMET} failed ({detail.decode(errors='replace')[-300:]})")
    return sekmet


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_server(tmp_path_factory):
    """The base URL of a sekmet-fhir server that wants the bearer token ``TOKEN``."""
    sekmet = _sekmet_venv()
    folder = tmp_path_factory.mktemp("sekmet")
    port = _free_port()
    base = f"http://127.0.0.1:{port}/fhir"
    config = folder / "settings.yaml"
    config.write_text(json.dumps({  # YAML reads JSON
        "base_url": base, "host": "127.0.0.1", "port": port, "data_dir": str(folder / "data"),
        "simulator": {"enabled": False},
        "server_auth": {"types": ["bearer"], "tokens": [TOKEN]},
    }))
    log = open(folder / "server.log", "wb")
    process = subprocess.Popen([str(sekmet), "serve", "--config", str(config)], cwd=folder,
                               stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "SEKMET_CONFIG": str(config)})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/metadata", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                _unavailable("sekmet-fhir did not start: "
                             + (folder / "server.log").read_text()[-500:])
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def fhir_get(base: str, path: str) -> dict:
    request = urllib.request.Request(f"{base}/{path}", headers={
        "Authorization": f"Bearer {TOKEN}", "Accept": "application/fhir+json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def search(base: str, path: str) -> list[dict]:
    """The resources a search finds (only matches, not included ones)."""
    found = fhir_get(base, path)
    assert found["resourceType"] == "Bundle" and found["type"] == "searchset"
    return [e["resource"] for e in found.get("entry", [])
            if (e.get("search") or {}).get("mode", "match") == "match"]
