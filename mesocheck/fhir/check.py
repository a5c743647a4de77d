"""Checking Bundles with ``fhir.resources`` (its R4B models, pydantic 2) before they leave.

Imported only by the commands that export or push FHIR: the library takes about 0.1 s to
import, which the tablet never pays.
"""

from __future__ import annotations

from typing import Any, Mapping

from mesocheck.errors import MesocheckError
from mesocheck.i18n import _


class InvalidBundle(MesocheckError):
    """A Bundle mesocheck made does not validate: a bug, reported with where it fails."""


def check_bundle(bundle: Mapping[str, Any]) -> Any:
    """The Bundle as fhir.resources' model; :class:`InvalidBundle` naming the first
    problems if it does not validate."""
    from pydantic import ValidationError

    from fhir.resources.R4B.bundle import Bundle

    try:
        return Bundle.model_validate(bundle)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}"
            for e in exc.errors()[:5])
        intake = (bundle.get("identifier") or {}).get("value")
        raise InvalidBundle(_("the FHIR Bundle of intake {intake} does not validate: "
                              "{problems}").format(intake=intake, problems=problems)) from None
