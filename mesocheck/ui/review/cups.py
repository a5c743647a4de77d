"""The print system's side of printing where it is CUPS (Linux, macOS): whether a printer
is a CUPS queue, whether it takes jobs now, and handing it a PDF with ``lp`` (the document on
its standard input, the job's options as CUPS options). No Qt here."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess

from mesocheck.errors import MesocheckError
from mesocheck.i18n import _

log = logging.getLogger(__name__)
_C = {"LC_ALL": "C", "LANG": "C"}  # CUPS's words in English, to be read here


class PrintError(MesocheckError):
    """Printing failed; ``message`` says why and what to do. Nothing stored is affected."""


def is_cups_queue(name: str) -> bool:
    """Whether ``name`` is a CUPS queue that ``lp`` can send a PDF to."""
    lpstat, lp = shutil.which("lpstat"), shutil.which("lp")
    if lpstat is None or lp is None:
        return False
    try:
        answer = subprocess.run([lpstat, "-v", name], capture_output=True, text=True,
                                timeout=5, env={**os.environ, **_C})
    except (OSError, subprocess.SubprocessError):
        return False
    return answer.returncode == 0 and "device for" in answer.stdout


def check_accepting(name: str) -> None:
    """Refuse early when the print system would silently drop the job.

    Qt hands a job to CUPS and does not report when the queue refuses it, so the queue is
    asked first (``lpstat -a``, where CUPS is the print system; elsewhere nothing is known
    and nothing is refused).
    """
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return
    try:
        answer = subprocess.run(
            [lpstat, "-a", name], capture_output=True, text=True, timeout=5,
            env={**os.environ, **_C},
        )
    except (OSError, subprocess.SubprocessError):
        return
    first, *rest = (answer.stdout or "").splitlines() or [""]
    if "not accepting" not in first:
        return
    reason = " ".join(line.strip() for line in rest if line.strip())
    why = f" ({reason})" if reason else ""
    raise PrintError(_(
        "The printer “{name}” is not taking jobs now{reason}. Check the printer, or choose "
        "another; the consent stays saved.").format(name=name, reason=why))


def send(pdf_bytes: bytes, queue: str, *, copies: int = 1, title: str = "Consent",
         pages: tuple[int, int] | None = None, sides: str | None = None,
         monochrome: bool = False, label: str | None = None) -> None:
    """Print the PDF on ``queue``: ``pages`` (first, last) or all, ``sides`` (CUPS's
    one-sided / two-sided-long-edge / two-sided-short-edge), ``label`` at the top and
    bottom of every page (e.g. "PATIENT COPY"). Returns once the queue has the job."""
    command = [shutil.which("lp") or "lp", "-d", queue, "-n", str(max(1, copies)),
               "-t", title]
    if pages is not None:
        command += ["-o", f"page-ranges={pages[0]}-{pages[1]}"]
    if sides:
        command += ["-o", f"sides={sides}"]
    if monochrome:
        command += ["-o", "print-color-mode=monochrome"]
    if label:  # quoted: CUPS reads "name=value" options separated by spaces
        words = label.upper().replace("\\", "").replace("'", "")
        command += ["-o", f"page-label='{words}'"]
    try:
        answer = subprocess.run([*command, "--", "-"], input=bytes(pdf_bytes),
                                capture_output=True, timeout=60, env={**os.environ, **_C})
    except (OSError, subprocess.SubprocessError):
        raise PrintError(_("The printer “{name}” could not be reached. Check the print "
                           "service, then try again; the consent stays saved.").format(
            name=queue)) from None
    if answer.returncode != 0:
        why = answer.stderr.decode("utf-8", "replace").strip().splitlines()
        log.warning("lp refused a job (exit %d)", answer.returncode)
        reason = f" ({why[0].removeprefix('lp: ')})" if why else ""
        raise PrintError(_("The printer “{name}” did not take the document{reason}. Check "
                           "it, or choose another; the consent stays saved.").format(
            name=queue, reason=reason))
