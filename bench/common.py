"""What every figure shares: the result record, the statistics, and how children are run.

A figure is a list of samples plus the goal it is held to. Child processes run the real
code with ``QT_QPA_PLATFORM=offscreen`` in a throw-away ``MESOCHECK_HOME``; they get their
bytecode cached (under the bench cache folder) as an installed app has, even where the
shell sets ``PYTHONDONTWRITEBYTECODE``, so start-up figures do not time the compiler.
"""

from __future__ import annotations

import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
PYTHON = sys.executable


@dataclass
class Figure:
    key: str
    unit: str
    goal: float  # the figure meets its goal when its median is at or below this
    samples: list[float] = field(default_factory=list)
    note: str = ""  # how it was measured, and whether it was scaled
    scaled: bool = False  # True when the figure was not measured at its full size
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)

    @property
    def meets_goal(self) -> bool:
        return self.median <= self.goal

    def as_json(self) -> dict[str, Any]:
        return {
            "median": self.median, "min": self.low, "max": self.high, "unit": self.unit,
            "goal": self.goal, "meets_goal": self.meets_goal, "n": len(self.samples),
            "scaled": self.scaled, "note": self.note, "samples": self.samples,
            "detail": self.detail,
        }


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 200 values is the 190th smallest)."""
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered) - 1e-9)))
    return ordered[rank - 1]


def cache_dir() -> Path:
    """Kept between runs: bytecode of the children, the 100,000-intake databases."""
    path = Path(tempfile.gettempdir()) / "mesocheck-bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


PASSPHRASE = "bench clinic passphrase"  # of every encrypted database the benchmarks make


def passphrase_file() -> Path:
    """The benchmarks' clinic passphrase, for the commands they run (--passphrase-file)."""
    path = cache_dir() / "passphrase.txt"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(PASSPHRASE + "\n")
    return path


def child_env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("PYTHONDONTWRITEBYTECODE", "MESOCHECK_DEMO_INTAKE",
                 "PYTHONPROFILEIMPORTTIME"):
        env.pop(name, None)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        MESOCHECK_HOME=str(home),
        PYTHONPYCACHEPREFIX=str(cache_dir() / "pycache"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
    )
    env.update(extra)
    return env


class ChildFailed(RuntimeError):
    pass


def run_child(args: Sequence[str], env: dict[str, str], *, timeout: float = 600.0
              ) -> tuple[float, str]:
    """Run ``python args...``; returns (wall seconds, stdout). A failure raises, with the
    child's stderr, so a broken figure never turns into a fast one."""
    return run_child_cpu(args, env, timeout=timeout)[:2]


def run_child_cpu(args: Sequence[str], env: dict[str, str], *, timeout: float = 600.0
                  ) -> tuple[float, str, float]:
    """Like :func:`run_child`, plus the child's CPU seconds (user + system): on a shared
    machine the gap between wall and CPU time is the wait for a core."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run([PYTHON, *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=str(REPO))
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise ChildFailed(f"{' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, done.stdout, cpu


def windowed(home: Path) -> None:
    """The app under ``home`` opens in a 1280x800 window, as the floors do, rather than
    filling the offscreen platform's screen: the clinic's full-screen setting off."""
    from mesocheck.store import Store

    with Store.open(home / "mesocheck.sqlite3") as store:
        store.set_settings({"full_screen": False}, "system")


@contextmanager
def temp_home(prefix: str) -> Iterator[Path]:
    """A throw-away MESOCHECK_HOME (database, logs), removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=f"mesocheck-bench-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
