"""startup_ratio: launch -> first wizard step painted, over a bare QWizard doing the same.

Runs alternate app and bare, in ABBA order so a drifting machine load falls on both alike;
each pair gives one ratio. The database exists already (the first, untimed, run creates it):
the timed runs are a tablet opening its usual database.
"""

from __future__ import annotations

import statistics
import time

from bench.common import BENCH_DIR, Figure, child_env, run_child_cpu, temp_home

CHILD = str(BENCH_DIR / "startup_child.py")


def _launch(mode: str, env: dict[str, str]) -> tuple[float, float, float]:
    """(launch -> painted, launch -> exited, CPU time of the whole process), in seconds."""
    args = [CHILD, mode]
    began = time.monotonic()
    wall, out, cpu = run_child_cpu(args, env, timeout=120)
    painted = [line for line in out.splitlines() if line.startswith("painted ")]
    if not painted:
        raise RuntimeError(f"the {mode} start-up never reported its first paint")
    return float(painted[-1].split()[1]) - began, wall, cpu


def startup_ratio(pairs: int) -> Figure:
    app_s: list[float] = []
    bare_s: list[float] = []
    exits: dict[str, list[float]] = {"app": [], "bare": []}
    cpus: dict[str, list[float]] = {"app": [], "bare": []}
    ratios = []
    with temp_home("startup") as home:
        env = child_env(home, MESOCHECK_EXIT_AFTER_FIRST_PAINT="1", MESOCHECK_DEMO_INTAKE="1")
        for mode in ("app", "bare"):  # warm-up: creates the database, caches bytecode
            _launch(mode, env)
        for n in range(pairs):
            order = ("app", "bare") if n % 2 == 0 else ("bare", "app")
            got = {}
            for mode in order:
                got[mode] = _launch(mode, env)
                exits[mode].append(got[mode][1])
                cpus[mode].append(got[mode][2])
            app_s.append(got["app"][0])
            bare_s.append(got["bare"][0])
            ratios.append(got["app"][0] / got["bare"][0])
    return Figure(
        "startup_ratio", "x", 1.5, ratios,
        note=f"{pairs} alternating pairs; app = `mesocheck` (no arguments, as the tablet starts "
             "it) with MESOCHECK_DEMO_INTAKE=1 and MESOCHECK_EXIT_AFTER_FIRST_PAINT=1 on its "
             "existing default database",
        detail={
            "app_ms_median": round(statistics.median(app_s) * 1000, 1),
            "bare_ms_median": round(statistics.median(bare_s) * 1000, 1),
            "app_exit_ms_median": round(statistics.median(exits["app"]) * 1000, 1),
            "bare_exit_ms_median": round(statistics.median(exits["bare"]) * 1000, 1),
            "app_cpu_ms_median": round(statistics.median(cpus["app"]) * 1000, 1),
            "bare_cpu_ms_median": round(statistics.median(cpus["bare"]) * 1000, 1),
        },
    )
