"""Save screenshots of every screen of the tablet app, landscape and portrait.

    python scripts/screenshots.py [FOLDER]      (default: ./screenshots)

Runs tests/ui/test_screenshots.py and tests/ui/test_unlock.py (the set-up and unlock
screens) on the offscreen platform with MESOCHECK_SCREENSHOTS set; the same tests also check
each screen for cut-off text, overlaps and small touch targets.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "screenshots").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MESOCHECK_SCREENSHOTS": str(folder)}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    code = subprocess.call(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(ROOT / "tests" / "ui" / "test_screenshots.py"),
         str(ROOT / "tests" / "ui" / "test_unlock.py")], cwd=ROOT, env=env)
    shots = sorted(folder.glob("*.png"))
    print(f"{len(shots)} screenshots in {folder}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
