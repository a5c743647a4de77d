"""startup_ratio: launch -> first wizard step painted, over the bare wizard that uses Qt's
``Qt`` namespace doing the same.

Every real page uses the ``Qt`` namespace, whose enums PySide6 builds on first use, so the
floor is a bare QWizard with one page whose label is aligned by a ``Qt`` flag (``bare-qt``).
The one-label wizard without it (``bare``) is measured in the same rounds, and the app's
ratio over it is given beside the figure, so that runs compare with earlier ones.

Each round runs them in turn, the order reversed every other round so a drifting machine
load falls on all alike; each round gives one ratio. The database exists already: the timed
runs are a tablet opening its usual database. It is a plain one, so that the figure compares
with earlier runs and holds what encryption adds to every start (SQLCipher's library in
place of the standard sqlite3); a tablet with an encrypted database first shows its unlock
screen, whose first paint is measured beside it (``app_locked``: launch -> unlock screen
painted), and the passphrase then costs ``unlock_ms``.
"""

from __future__ import annotations

import statistics
import time

from bench.common import (
    BENCH_DIR, Figure, child_env, passphrase_file, run_child, run_child_cpu, temp_home, windowed,
)

CHILD = str(BENCH_DIR / "startup_child.py")
MODES = ("app", "bare-qt", "bare", "app-locked", "app-ar")


def _launch(mode: str, env: dict[str, str]) -> tuple[float, float, float]:
    """(launch -> painted, launch -> exited, CPU time of the whole process), in seconds."""
    args = [CHILD, mode.removesuffix("-locked").removesuffix("-ar")]
    began = time.monotonic()
    wall, out, cpu = run_child_cpu(args, env, timeout=120)
    painted = [line for line in out.splitlines() if line.startswith("painted ")]
    if not painted:
        raise RuntimeError(f"the {mode} start-up never reported its first paint")
    return float(painted[-1].split()[1]) - began, wall, cpu


def startup_figures(pairs: int) -> list[Figure]:
    """startup_ratio and startup_ratio_ar (the same start-up, the intake in Arabic: the
    catalogue, right-to-left layout and Qt's Arabic words loaded before the first paint)."""
    painted: dict[str, list[float]] = {mode: [] for mode in MODES}
    exits: dict[str, list[float]] = {mode: [] for mode in MODES}
    cpus: dict[str, list[float]] = {mode: [] for mode in MODES}
    ratios, one_label, locked, arabic = [], [], [], []
    with temp_home("startup") as home, temp_home("startup-locked") as locked_home:
        env = child_env(home, MESOCHECK_DEMO_INTAKE="1")
        locked_env = child_env(locked_home)
        run_child(["-m", "mesocheck", "setup", "--plain"], env)
        run_child(["-m", "mesocheck", "setup", "--passphrase-file", str(passphrase_file())],
                  locked_env)
        envs = {mode: locked_env if mode == "app-locked" else env for mode in MODES}
        envs["app-ar"] = child_env(home, MESOCHECK_DEMO_INTAKE="ar")
        for mode in MODES:  # warm-up: caches bytecode
            _launch(mode, envs[mode])
        windowed(home)
        for n in range(pairs):
            got = {}
            for mode in MODES if n % 2 == 0 else tuple(reversed(MODES)):
                got[mode] = _launch(mode, envs[mode])
                painted[mode].append(got[mode][0])
                exits[mode].append(got[mode][1])
                cpus[mode].append(got[mode][2])
            ratios.append(got["app"][0] / got["bare-qt"][0])
            one_label.append(got["app"][0] / got["bare"][0])
            locked.append(got["app-locked"][0] / got["bare-qt"][0])
            arabic.append(got["app-ar"][0] / got["bare-qt"][0])

    def ms(values: list[float]) -> float:
        return round(statistics.median(values) * 1000, 1)

    return [Figure(
        "startup_ratio", "x", 1.3, ratios,
        note=f"{pairs} rounds; app = `mesocheck` (no arguments, as the tablet starts it) with "
             "MESOCHECK_DEMO_INTAKE=1 on its existing default database (plain), its first "
             "paint reported by bench/first_paint.py; over the bare wizard using the Qt "
             "namespace. app_locked: the same on an encrypted database, whose first screen "
             "is the unlock screen",
        detail={
            "over_one_label_wizard_median": round(statistics.median(one_label), 2),
            "app_locked_ratio_median": round(statistics.median(locked), 2),
            **{f"{mode.replace('-', '_')}_ms_median": ms(painted[mode]) for mode in MODES},
            **{f"{mode.replace('-', '_')}_exit_ms_median": ms(exits[mode]) for mode in MODES},
            **{f"{mode.replace('-', '_')}_cpu_ms_median": ms(cpus[mode]) for mode in MODES},
        },
    ), Figure(
        "startup_ratio_ar", "x", 1.3, arabic,
        note=f"{pairs} rounds; as startup_ratio with MESOCHECK_DEMO_INTAKE=ar: the first "
             "step of an Arabic intake, right to left, over the same bare wizard",
        detail={"app_ar_ms_median": ms(painted["app-ar"])},
    )]
