"""``mesocheck verify``, the seal's part: every stored document that says it is sealed is
checked as ``check-pdf`` checks a file, against every certificate the clinic has sealed with,
and must be at the level stored with it. (Its SHA-256 and its audit row are the store's
part.) Documents stored unsealed are counted, not reported: they wait for the seal.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct

from mesocheck.i18n import _, ngettext
from mesocheck.store.records import Problem

_LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


class SealCheck(Struct):
    problems: list[Problem]
    checked: int  # sealed documents read
    waiting: int  # intakes whose newest consent document waits for the seal


def check_seals(store: Any) -> SealCheck:
    from mesocheck.documents.certificate import certificates_of
    from mesocheck.documents.check import check_pdf

    seals = store.seals()
    clinic = [certificates_of(s.certificate)[0] for s in seals]
    problems: list[Problem] = []
    checked = 0
    for info, pdf in store.all_documents():
        if info.seal is None:
            continue
        if not isinstance(pdf, bytes):
            continue  # the store's own check reports it
        checked += 1
        result = check_pdf(pdf, clinic=clinic)

        def report(detail: str) -> None:
            problems.append(Problem("seal", "documents", info.id, info.intake_id, detail))

        for problem in result.problems:
            report(problem)
        found = result.level
        if found is not None and _LEVELS.index(found) < _LEVELS.index(info.seal):
            report(_("stored as sealed at {stored}, but the file shows {found}").format(
                stored=info.seal, found=found))
    waiting = len(store.documents_to_seal()) if seals else 0
    return SealCheck(problems, checked, waiting)


def seal_problems(store: Any) -> list[Problem]:
    return check_seals(store).problems


def summary(check: SealCheck) -> str | None:
    """verify's line about the seals, when there is anything to say."""
    if not check.checked and not check.waiting:
        return None
    parts = []
    if check.checked:
        parts.append(ngettext("{n} sealed document intact and made with the clinic's "
                              "certificate",
                              "{n} sealed documents intact and made with the clinic's "
                              "certificate", check.checked).format(n=check.checked))
    if check.waiting:
        parts.append(ngettext("{n} waits for the seal (`mesocheck seal upgrade`)",
                              "{n} wait for the seal (`mesocheck seal upgrade`)",
                              check.waiting).format(n=check.waiting))
    return _("seals: {parts}").format(parts="; ".join(parts))
