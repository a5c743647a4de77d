"""Running crash_driver.py jobs and killing them: a fork server (fast) or a fresh
interpreter per job (realistic), the same interface for both."""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DRIVER = "tests.reliability.crash_driver"  # run with -m from the repository
REPO = Path(__file__).resolve().parents[2]
FIGURES_ENV = "MESOCHECK_RELIABILITY_FIGURES"


def record_figures(name: str, **figures) -> None:
    """Print the figures a test measured, and append them to the file named by
    $MESOCHECK_RELIABILITY_FIGURES (docs/reliability.md quotes them)."""
    print(f"{name}: {figures}")
    path = os.environ.get(FIGURES_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"test": name, **figures}) + "\n")


class Lines:
    """Complete JSON lines from a pipe, read without blocking past a deadline."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = b""
        self.eof = False

    def read(self, timeout: float) -> list[dict]:
        if self.eof:
            return []
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not ready:
            return []
        chunk = os.read(self.fd, 65536)
        if not chunk:
            self.eof = True
        self.buffer += chunk
        *whole, self.buffer = self.buffer.split(b"\n")
        return [json.loads(line) for line in whole if line.strip()]


@dataclass
class KillPlan:
    """Kill after the ``after_events``-th event line (then ``pause`` seconds more), or
    ``delay`` seconds after the worker exists; never when both are None."""

    after_events: int | None = None
    pause: float = 0.0
    delay: float | None = None

    @classmethod
    def random(cls, rng: random.Random, max_events: int, max_delay: float) -> "KillPlan":
        if rng.random() < 0.5:
            return cls(after_events=rng.randint(1, max_events),
                       pause=rng.choice([0.0, 0.0, rng.uniform(0, 0.004)]))
        return cls(delay=rng.uniform(0, max_delay))


@dataclass
class Outcome:
    events: list[dict] = field(default_factory=list)
    killed: bool = False  # our SIGKILL ended it
    exited: bool = False  # the fork server saw it end
    code: int | None = None  # exit status when it ended by itself
    stderr: str = ""

    @property
    def in_flight(self) -> dict | None:
        """The ``begin`` with no ``end``: what the kill interrupted, if anything."""
        open_ = None
        for event in self.events:
            if event["ev"] == "begin":
                open_ = event
            elif event["ev"] == "end":
                open_ = None
        return open_

    def landed(self) -> str:
        if not self.killed:
            return "not killed"
        event = self.in_flight
        if event is not None:
            return event["op"]
        return "between writes" if self.events else "start-up"


def _kill(pid: int) -> None:
    """SIGKILL a worker this harness started (a zombie not yet reaped takes it quietly)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class _Runner:
    timeout = 60.0

    def _drive(self, lines: Lines, plan: KillPlan | None, pid: int | None,
               end_seen) -> Outcome:
        outcome = Outcome()
        seen = 0
        started = time.monotonic() if pid else None
        deadline = time.monotonic() + self.timeout
        killed = False
        while not end_seen(outcome):
            now = time.monotonic()
            if now > deadline:
                if pid:
                    os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"crash driver job did not finish: {outcome.events[-5:]}")
            wait = 0.05
            if plan and plan.delay is not None and started and not killed:
                wait = max(0.0, min(wait, started + plan.delay - now))
            for event in lines.read(wait):
                if event["ev"] == "pid":
                    pid = event["pid"]
                    started = time.monotonic()
                elif event["ev"] == "exit":
                    outcome.killed = event["signal"] == signal.SIGKILL
                    outcome.code = event["code"]
                    outcome.exited = True
                else:
                    outcome.events.append(event)
                    seen += 1
                    if (plan and plan.after_events is not None and not killed and pid
                            and seen >= plan.after_events):
                        if plan.pause:
                            time.sleep(plan.pause)
                        _kill(pid)
                        killed = True
            if (plan and plan.delay is not None and not killed and pid and started
                    and time.monotonic() >= started + plan.delay):
                _kill(pid)
                killed = True
            if lines.eof:
                break
        return outcome


class ForkServer(_Runner):
    """One warm server per test; each job is a forked worker process."""

    def __init__(self, env: dict | None = None):
        self.errors = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", DRIVER, "serve"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.errors, env=env, cwd=REPO)
        self.lines = Lines(self.proc.stdout.fileno())
        deadline = time.monotonic() + 120
        while True:
            events = self.lines.read(1.0)
            if any(e["ev"] == "ready" for e in events):
                break
            if self.lines.eof or time.monotonic() > deadline:
                raise AssertionError(f"fork server did not start: {self.stderr()}")

    def stderr(self) -> str:
        self.errors.seek(0)
        return self.errors.read().decode(errors="replace")

    def run(self, job: dict, plan: KillPlan | None = None) -> Outcome:
        start = self.errors.seek(0, os.SEEK_END)
        self.proc.stdin.write((json.dumps(job) + "\n").encode())
        self.proc.stdin.flush()
        outcome = self._drive(self.lines, plan, None, lambda o: o.exited)
        self.errors.seek(start)
        outcome.stderr = self.errors.read().decode(errors="replace")
        return outcome

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.errors.close()


class FreshProcess(_Runner):
    """A new interpreter per job: start-up, imports and all."""

    def __init__(self, env: dict | None = None):
        self.env = env

    def run(self, job: dict, plan: KillPlan | None = None) -> Outcome:
        with tempfile.TemporaryFile() as errors:
            proc = subprocess.Popen([sys.executable, "-m", DRIVER, "run", json.dumps(job)],
                                    stdout=subprocess.PIPE, stderr=errors, env=self.env,
                                    cwd=REPO)
            try:
                outcome = self._drive(Lines(proc.stdout.fileno()), plan, proc.pid,
                                      lambda _: False)
            finally:
                code = proc.wait(timeout=30)
                proc.stdout.close()
            outcome.killed = code == -signal.SIGKILL
            outcome.code = None if code < 0 else code
            outcome.events = [e for e in outcome.events if e["ev"] != "pid"]
            errors.seek(0)
            outcome.stderr = errors.read().decode(errors="replace")
        return outcome

    def close(self) -> None:
        pass
