"""Every wait a user of mesocheck has, measured; a table of median, min and max per figure.

    python -m bench.run            full run (several minutes; builds a 100,000-intake database)
    python -m bench.run --quick    short run (under two minutes); 100k figures scaled, marked
    python -m bench.run --json out.json [--only startup_ratio,pdf_ms]

(from the repository's folder: the benchmarks drive the app as its tests do, tests/support).

Goals are reported, never asserted. On a shared machine absolute times drift, so the figures
that can be are ratios against a bare floor measured in the same run, alternating runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Callable

from bench.common import Figure

KEYS = (
    "startup_ratio", "startup_ratio_ar", "pdf_ms", "pdf_ratio", "autosave_p95_ms",
    "autosave_p95_ms_plain", "ui_block_max_ms", "ui_block_max_ms_ar", "review_first_page_ms_100k", "review_first_page_ms_100k_plain",
    "unlock_ms", "demo_100k_s", "signature_event_us", "peak_rss_mib", "db_kib_per_intake",
    "pdf_kib", "pdf_kib_zh", "seal_ms", "seal_ratio", "fhir_bundle_ms",
    "sync_visible_ms", "hub_push_100k_s", "checkin_s",
)


def plan(quick: bool) -> list[tuple[tuple[str, ...], Callable[[], list[Figure]]]]:
    """(keys produced, how), in running order: the demo run leaves the review database."""
    from bench import hub, pdf, record, startup, store, ui

    if quick:
        def demo_10k() -> list[Figure]:
            # Its databases serve the review figures while no 100k ones are cached.
            keep = not store.review_db_path(100_000).exists()
            return [store.demo_figure(10_000, runs=1, keep_for_review=keep)]

        return [
            (("startup_ratio", "startup_ratio_ar"), lambda: startup.startup_figures(pairs=5)),
            (("pdf_ms", "pdf_ratio", "pdf_kib"), lambda: pdf.pdf_figures(builds=20)),
            (("pdf_kib_zh",), lambda: pdf.pdf_zh_figures(builds=10)),
            (("autosave_p95_ms", "autosave_p95_ms_plain", "db_kib_per_intake"),
             lambda: store.intake_figures(intakes=20, background=500)),
            (("unlock_ms",), lambda: [store.unlock_figure(reps=5)]),
            (("checkin_s", "ui_block_max_ms", "peak_rss_mib"),
             lambda: ui.intake_figures(runs=1)),
            (("ui_block_max_ms_ar",), lambda: ui.intake_figures(runs=1, language="ar")),
            (("signature_event_us",), lambda: [ui.signature_figure(moves=500)]),
            (("demo_100k_s",), demo_10k),
            (("review_first_page_ms_100k", "review_first_page_ms_100k_plain"),
             lambda: store.review_figures(reps=20, build_count=10_000)),
            (("seal_ms", "seal_ratio"), lambda: record.seal_figures(runs=20)),
            (("fhir_bundle_ms",), lambda: record.fhir_figures(runs=20)),
            (("sync_visible_ms",), lambda: [hub.sync_visible(samples=10)]),
            (("hub_push_100k_s",), lambda: [hub.hub_push(10_000)]),
        ]
    return [
        (("demo_100k_s",), lambda: [store.demo_figure(100_000, runs=2, keep_for_review=True)]),
        (("review_first_page_ms_100k", "review_first_page_ms_100k_plain"),
         lambda: store.review_figures(reps=100, build_count=100_000)),
        (("startup_ratio", "startup_ratio_ar"), lambda: startup.startup_figures(pairs=20)),
        (("pdf_ms", "pdf_ratio", "pdf_kib"), lambda: pdf.pdf_figures(builds=60)),
        (("pdf_kib_zh",), lambda: pdf.pdf_zh_figures(builds=30)),
        (("autosave_p95_ms", "autosave_p95_ms_plain", "db_kib_per_intake"),
         lambda: store.intake_figures(intakes=100, background=2000)),
        (("unlock_ms",), lambda: [store.unlock_figure(reps=10)]),
        (("checkin_s", "ui_block_max_ms", "peak_rss_mib"), lambda: ui.intake_figures(runs=5)),
        (("ui_block_max_ms_ar",), lambda: ui.intake_figures(runs=3, language="ar")),
        (("signature_event_us",), lambda: [ui.signature_figure(moves=3000)]),
        (("seal_ms", "seal_ratio"), lambda: record.seal_figures(runs=60)),
        (("fhir_bundle_ms",), lambda: record.fhir_figures(runs=60)),
        (("sync_visible_ms",), lambda: [hub.sync_visible(samples=30)]),
        (("hub_push_100k_s",), lambda: [hub.hub_push(100_000)]),
    ]


def machine() -> dict[str, object]:
    import PySide6
    import reportlab

    from mesocheck.store.db import connect, sqlite

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "commit": _commit(),
        "cpu": cpu, "cores": os.cpu_count(), "load_avg_start": os.getloadavg(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(), "pyside6": PySide6.__version__,
        "reportlab": reportlab.Version, "sqlite": sqlite.sqlite_version,
        "sqlcipher": connect(":memory:", None).execute("PRAGMA cipher_version").fetchone()[0],
    }


def _commit() -> str:
    """The commit measured, marked when the working tree had changes on top of it."""
    import subprocess

    repo = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=repo, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted changes" if dirty else "")


def _fmt(value: float) -> str:
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}" if abs(value) < 1000 \
        else f"{value:,.0f}"


def table(figures: dict[str, Figure], errors: dict[str, str]) -> str:
    head = f"{'figure':<27} {'median':>9} {'min':>9} {'max':>9} {'unit':<4} {'goal':>6}  " \
           f"{'':<5} {'n':>5}"
    lines = [head, "-" * len(head)]
    notes = []
    for key in KEYS:
        if key in errors:
            lines.append(f"{key:<27} {'FAILED':>9}  (see below)")
            continue
        f = figures.get(key)
        if f is None:
            continue
        mark = "ok" if f.meets_goal else "MISS"
        flag = " *" if f.scaled else ""
        lines.append(f"{key:<27} {_fmt(f.median):>9} {_fmt(f.low):>9} {_fmt(f.high):>9} "
                     f"{f.unit:<4} {'≤' + _fmt(f.goal):>6}  {mark:<5} {len(f.samples):>5}"
                     f"{flag}")
        if "over_one_label_wizard_median" in f.detail:  # to compare with earlier runs
            lines.append(f"{'  over one-label wizard':<27} "
                         f"{_fmt(f.detail['over_one_label_wizard_median']):>9} "
                         f"{'':>9} {'':>9} {f.unit:<4} {'':>6}  (history)")
        extra = ", ".join(f"{k}={v}" for k, v in f.detail.items()
                          if k not in ("slowest_events", "database"))
        notes.append(f"  {key}: {f.note}" + (f" [{extra}]" if extra else ""))
        for slow in f.detail.get("slowest_events", []):
            notes.append(f"      {slow}")
    out = "\n".join(lines) + "\n\n" + "\n".join(notes)
    if any(f.scaled for f in figures.values()):
        out += "\n\n  * not measured at full size in this run: see its note"
    for key, text in errors.items():
        out += f"\n\n{key} FAILED:\n{text}"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short run (< 2 minutes)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures as JSON")
    parser.add_argument("--only", help="comma-separated figure keys to run")
    args = parser.parse_args(argv)
    wanted = set(args.only.split(",")) if args.only else set(KEYS)
    unknown = wanted - set(KEYS)
    if unknown:
        parser.error(f"unknown figures: {', '.join(sorted(unknown))}")

    info = machine()
    mode = "quick" if args.quick else "full"
    print(f"mesocheck benchmarks, {mode} run: {info['cpu']}, {info['cores']} cores, "
          f"load {info['load_avg_start'][0]:.2f}; Python {info['python']}, "
          f"PySide6 {info['pyside6']}, reportlab {info['reportlab']}, "
          f"SQLite {info['sqlite']} (SQLCipher {info['sqlcipher']}); commit "
          f"{info['commit']}", flush=True)
    began = time.perf_counter()
    figures: dict[str, Figure] = {}
    errors: dict[str, str] = {}
    for keys, measure in plan(args.quick):
        if not wanted & set(keys):
            continue
        step = time.perf_counter()
        print(f"  measuring {', '.join(keys)} ...", end="", flush=True)
        try:
            for figure in measure():
                figures[figure.key] = figure
        except Exception:  # one broken family must not hide the others' figures
            for key in keys:
                errors[key] = traceback.format_exc()
            print(" FAILED", flush=True)
            continue
        print(f" {time.perf_counter() - step:.0f} s", flush=True)
    elapsed = time.perf_counter() - began
    info["load_avg_end"] = os.getloadavg()
    print()
    print(table({k: f for k, f in figures.items() if k in wanted}, errors))
    print(f"\n{mode} run took {elapsed:.0f} s; load average at the end "
          f"{info['load_avg_end'][0]:.2f}")
    if args.json:
        payload = {"mode": mode, "seconds": round(elapsed, 1), "machine": info,
                   "figures": {k: figures[k].as_json() for k in KEYS if k in figures},
                   "errors": errors}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
