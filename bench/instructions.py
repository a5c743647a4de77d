"""Start-up counted in instructions rather than milliseconds.

Runs the start-up children of ``startup_ratio`` (``bench/startup_child.py``) under
valgrind's callgrind, which counts the instructions a process executes until it exits. On a
shared machine wall time swings by half between minutes; the counts repeat from run to run,
so one run of this tells whether a change to start-up helped. It prints the app, the bare
wizard with its label aligned by a ``Qt`` flag (``startup_ratio``'s floor: the first use of
Qt's ``Qt`` namespace makes PySide6 build all 94 of its enums, which the app cannot avoid),
and the one-label bare wizard without it. Not one of ``run.py``'s figures; needs
``valgrind``.

    python -m bench.instructions          # about a minute
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

from bench.common import (
    BENCH_DIR, PYTHON, REPO, ChildFailed, child_env, run_child, temp_home, windowed,
)

CHILD = str(BENCH_DIR / "startup_child.py")
MODES = ("app", "bare", "bare-qt")


def instructions(mode: str, env: dict[str, str]) -> int:
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", PYTHON, CHILD, mode],
        env=env, cwd=str(REPO), capture_output=True, text=True, timeout=900,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None or "painted " not in done.stdout:
        raise ChildFailed(f"{mode} under callgrind exited {done.returncode}:\n"
                          f"{done.stderr[-3000:]}")
    return int(found.group(1))


def main() -> int:
    if shutil.which("valgrind") is None:
        print("bench/instructions.py needs valgrind (Debian: apt-get install valgrind)",
              file=sys.stderr)
        return 2
    with temp_home("instructions") as home:
        env = child_env(home, MESOCHECK_DEMO_INTAKE="1")
        run_child(["-m", "mesocheck", "setup", "--plain"], env)  # as in startup_ratio
        for mode in MODES:  # as in startup_ratio: the database exists, bytecode is cached
            run_child([CHILD, mode], env, timeout=120)
        windowed(home)
        counts = {mode: instructions(mode, env) for mode in MODES}
    for mode, count in counts.items():
        print(f"{mode:8} {count / 1e6:9.1f} M instructions")
    print(f"app / bare-qt  {counts['app'] / counts['bare-qt']:.3f}   (startup_ratio's floor)")
    print(f"app / bare     {counts['app'] / counts['bare']:.3f}   (the one-label wizard: history)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
