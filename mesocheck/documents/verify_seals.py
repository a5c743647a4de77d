"""``mesocheck verify``, the seal's part: every stored document that says it is sealed is
checked as ``check-pdf`` checks a file, against every certificate the clinic has sealed with,
and must be at the level stored with it. (Its SHA-256 and its audit row are the store's
part.) Documents stored unsealed are counted, not reported: they wait for the seal.
"""

from __future__ import annotations

from typing import Any

from mesocheck.store.records import Problem

_LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


def seal_problems(store: Any) -> list[Problem]:
    from mesocheck.documents.certificate import certificates_of
    from mesocheck.documents.check import check_pdf

    seals = store.seals()
    clinic = [certificates_of(s.certificate)[0] for s in seals]
    problems = []
    for info, pdf in store.all_documents():
        if info.seal is None:
            continue
        if not isinstance(pdf, bytes):
            continue  # the store's own check reports it
        result = check_pdf(pdf, clinic=clinic)

        def report(detail: str) -> None:
            problems.append(Problem("seal", "documents", info.id, info.intake_id, detail))

        for problem in result.problems:
            report(problem)
        found = result.level
        if found is not None and _LEVELS.index(found) < _LEVELS.index(info.seal):
            report(f"stored as sealed at {info.seal}, but the file shows {found}")
    return problems


def unsealed_count(store: Any) -> int:
    return len(store.documents_to_seal()) if store.current_seal() is not None else 0
