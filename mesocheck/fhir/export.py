"""Every signed intake as a FHIR Bundle: ``mesocheck export --format fhir`` writes them as
newline-delimited JSON (one transaction Bundle a line), and ``push`` sends them.

Each Bundle is checked with ``fhir.resources`` before it is written or sent. An intake whose
Bundle cannot be made (its form is gone, its PDF is damaged) is named and skipped; the rest
still go.
"""

from __future__ import annotations

import hashlib
from typing import IO, Any, Callable, Iterator

from msgspec import Struct

from mesocheck.errors import MesocheckError
from mesocheck.fhir.bundle import Document, bundle_json, intake_bundle
from mesocheck.i18n import _


class Made(Struct):
    intake_id: str
    state: str
    bundle: dict
    data: bytes  # the Bundle as canonical JSON

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def made_bundle(store: Any, intake_id: str, state: str = "", *,
                context: dict | None = None) -> Made:
    """The checked Bundle of one signed intake; :class:`MesocheckError` saying why not."""
    from mesocheck.fhir.check import check_bundle
    from mesocheck.forms.registry import FormNotFound, form_of

    context = context if context is not None else {}
    if "staff" not in context:
        context["staff"] = {m.id: m.name for m in store.staff_members(include_inactive=True)}
        context["settings"] = store.settings()
    record = store.intake(intake_id)
    try:
        form = form_of(record)
    except FormNotFound as exc:
        raise MesocheckError(_("intake {intake_id}: {message}").format(
            intake_id=intake_id, message=exc.message)) from None
    document = None
    info = store.latest_document(intake_id)
    if info is not None:
        document = Document(info, store.document_bytes(info.id))
    bundle = intake_bundle(record, form, context["settings"], context["staff"], document)
    check_bundle(bundle)
    return Made(intake_id, state, bundle, bundle_json(bundle))


def signed_intakes(store: Any, *, flagged_only: bool = False) -> list[tuple[str, str]]:
    """(intake id, state) of every signed intake with a consent document, oldest first."""
    candidates = store.push_candidates()
    if not flagged_only:
        return candidates
    flagged = {r.intake_id for r in _queue_all(store)}
    return [c for c in candidates if c[0] in flagged]


def _queue_all(store: Any) -> Iterator[Any]:
    offset = 0
    while True:
        rows = store.queue(flagged_only=True, limit=1000, offset=offset)
        yield from rows
        if len(rows) < 1000:
            return
        offset += 1000


def write_bundles(store: Any, stream: IO[str], *, flagged_only: bool = False,
                  on_problem: Callable[[str], None] | None = None) -> int:
    """One Bundle a line; returns how many were written."""
    count, context = 0, {}
    for intake_id, state in signed_intakes(store, flagged_only=flagged_only):
        try:
            made = made_bundle(store, intake_id, state, context=context)
        except MesocheckError as exc:
            if on_problem is not None:
                on_problem(exc.message)
            continue
        stream.write(made.data.decode("utf-8"))
        stream.write("\n")
        count += 1
    return count
