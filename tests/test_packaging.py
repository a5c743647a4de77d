"""The built wheel carries its resources and works from a fresh virtual environment."""

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True, capture_output=True,
    )
    (built,) = out.glob("mesocheck-*.whl")
    return built


def test_wheel_contains_forms_fonts_and_styles(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "mesocheck/resources/forms/mesotherapy.toml" in names
    assert "mesocheck/resources/fonts/DejaVuSans.ttf" in names
    assert "mesocheck/resources/fonts/LICENSE-DejaVu.txt" in names
    assert any(n.startswith("mesocheck/resources/styles/") for n in names)


def _copy_distribution(name: str, site: Path) -> None:
    """Install ``name`` into ``site`` by copying its files from this environment (a compiled
    package may keep some of them beside its folder)."""
    for file in metadata.distribution(name).files or ():
        if "__pycache__" in file.parts or file.parts[0].startswith(".."):
            continue
        target = site / file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file.locate(), target)


def test_installed_wheel_checks_its_shipped_form(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    # The fresh environment must see only what was installed into it.
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    # Only the package and the dependencies check-form needs (msgspec for the form's records,
    # tomli to read it), copied from this environment: this keeps the test off the network.
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
        check=True, capture_output=True,
    )
    site = subprocess.run(
        [str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    for name in ("msgspec", "tomli"):
        _copy_distribution(name, Path(site))
    shipped = subprocess.run(
        [str(bin_dir / "python"), "-c",
         "from mesocheck.paths import default_form_path; print(default_form_path())"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=clean,
    ).stdout.strip()
    assert shipped.startswith(str(env_dir))
    script = bin_dir / ("mesocheck-admin.exe" if sys.platform == "win32" else "mesocheck")
    done = subprocess.run(
        [str(script), "check-form", shipped], capture_output=True, text=True, cwd=tmp_path,
        env=clean,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{shipped}: ok"
