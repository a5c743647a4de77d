"""ui_block_max_ms, peak_rss_mib, signature_event_us: the Qt figures, run in children
(see ``ui_child.py``) so that the parent process never loads Qt."""

from __future__ import annotations

import json
import statistics

from bench.common import BENCH_DIR, Figure, child_env, run_child, temp_home

CHILD = str(BENCH_DIR / "ui_child.py")


def intake_figures(runs: int, language: str = "en") -> list[Figure]:
    """A scripted full intake with PDF, ``runs`` times, each in a new process; in another
    ``language`` than English, only ``ui_block_max_ms_<language>`` (the patient picks it on
    the welcome screen first)."""
    blocks, rss, longest, seconds = [], [], [], []
    for _ in range(runs):
        with temp_home("intake") as home:
            _wall, out = run_child([CHILD, "intake", str(home / "mesocheck.sqlite3"),
                                    language], child_env(home), timeout=300)
        result = json.loads(out.strip().splitlines()[-1])
        if not (result["saved"] and result["pdf_stored"]):
            raise RuntimeError(f"the scripted intake did not finish: {result}")
        blocks.append(result["block_max_ms"])
        rss.append(result["vm_hwm_kib"] / 1024)
        longest += result["longest"]
        seconds.append(result["intake_s"])
    worst = sorted(longest, key=lambda item: -item[0])[:6]
    if language != "en":
        return [Figure(f"ui_block_max_ms_{language}", "ms", 16, blocks,
                       note=f"as ui_block_max_ms, the patient choosing {language} on the "
                            f"welcome screen: the intake in it, PDF included; {runs} run(s)",
                       detail={"slowest_events": [f"{ms:.1f} ms {what}" for ms, what in worst],
                               "intake_s_median": round(statistics.median(seconds), 2)})]
    checkins = [_walk("checkin") for _ in range(runs)]
    intake_s = statistics.median(seconds)
    return [
        Figure("checkin_s", "s", round(intake_s / 3, 2), checkins,
               note=f"a returning patient's scripted check-in (welcome -> thank you, at the "
                    f"same quick pace), against a third of the full intake's "
                    f"{intake_s:.1f} s measured in this run; {runs} run(s)",
               detail={"intake_s_median": round(intake_s, 2),
                       "ratio": round(statistics.median(checkins) / intake_s, 3)}),
        Figure("ui_block_max_ms", "ms", 16, blocks,
               note=f"longest single event of a scripted walk-in intake (welcome -> thank "
                    f"you, PDF in the background), {runs} run(s), one maximum per run",
               detail={"slowest_events": [f"{ms:.1f} ms {what}" for ms, what in worst],
                       "intake_s_median": round(statistics.median(seconds), 2)}),
        Figure("peak_rss_mib", "MiB", 150, rss,
               note="VmHWM of the whole process after the scripted intake and its PDF"),
    ]


def _walk(mode: str) -> float:
    """One scripted walk in a new process (``checkin``: the patient's course consent is
    made first, untimed); its seconds from welcome to "thank you" and the PDF."""
    with temp_home(mode) as home:
        _wall, out = run_child([CHILD, mode, str(home / "mesocheck.sqlite3")],
                               child_env(home), timeout=300)
    result = json.loads(out.strip().splitlines()[-1])
    if not (result["saved"] and result["pdf_stored"]):
        raise RuntimeError(f"the scripted {mode} did not finish: {result}")
    return result["intake_s"]


def signature_figure(moves: int) -> Figure:
    with temp_home("signature") as home:
        _wall, out = run_child([CHILD, "signature", str(moves)], child_env(home), timeout=300)
    result = json.loads(out.strip().splitlines()[-1])
    return Figure(
        "signature_event_us", "us", 1000, result["total_us"],
        note=f"{moves} moves on a {result['pad'][0]}x{result['pad'][1]} pad holding "
             f"{result['points_before']:,} points; move event + the repaint it causes",
        detail={"handler_only_us_median": round(statistics.median(result["handler_us"]), 1)},
    )
