"""Finding the form an intake was made with.

A signature is bound to the exact text shown, so an intake is always rendered with the form
whose content hash it recorded: the shipped file when it still matches, otherwise the copy
of that content the store archived when the intake began.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from mesocheck.errors import MesocheckError
from mesocheck.forms.loader import FormInvalid, FormProblem, form_from_data, load_form
from mesocheck.forms.model import Form
from mesocheck.paths import default_form_path, resource


class FormNotFound(MesocheckError):
    pass


def form_from_content(content: str | dict, name: str = "<archived form>") -> Form:
    """Rebuild a form from its canonical JSON content (as archived with intakes)."""
    try:
        data = json.loads(content) if isinstance(content, str) else content
        # JSON escapes can spell lone surrogates, which no form file can hold
        json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        raise FormInvalid([FormProblem(name, "", "the archived copy is damaged (not JSON)")]
                          ) from None
    if not isinstance(data, dict):
        raise FormInvalid([FormProblem(name, "", "the archived copy is damaged (not a form)")])
    return form_from_data(data, name)


def canonical_content(form: Form) -> str:
    return json.dumps(form.source, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, default=str)


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int) -> Form:
    return load_form(path)


def load_cached(path: Path) -> Form:
    """Load a form file once per change of the file."""
    return _load_cached(str(path), path.stat().st_mtime_ns)


def default_form() -> Form:
    return load_cached(default_form_path())


def shipped_forms() -> list[Form]:
    forms = []
    for path in sorted(resource("forms").glob("*.toml")):
        try:
            forms.append(load_cached(path))
        except FormInvalid:
            continue  # `mesocheck check-form` reports it; an intake can't use it anyway
    return forms


def find_form(form_id: str, content_hash: str, archived: str | None = None) -> Form:
    """The form with this id and exact content, from the shipped files or the archive."""
    for form in shipped_forms():
        if form.id == form_id and form.content_hash == content_hash:
            return form
    if archived is not None:
        try:
            form = form_from_content(archived)
        except FormInvalid:
            pass  # damaged: as good as missing
        else:
            if form.content_hash == content_hash:
                return form
    raise FormNotFound(
        f"the form {form_id!r} this intake was made with (content {content_hash[:12]}) "
        "is no longer available, so its text cannot be shown faithfully"
    )


def form_of(intake: Any) -> Form:
    """The exact form a stored intake was filled in with (``form_id``, ``form_hash``,
    ``form_content``); raises :class:`FormNotFound` when neither the shipped files nor the
    archive hold it."""
    return find_form(intake.form_id, intake.form_hash, getattr(intake, "form_content", None))
