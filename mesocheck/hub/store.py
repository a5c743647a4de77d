"""The practitioner's station's store: the store's shared code on the hub.

``HubStore.open(url)`` connects, checks that the database is a hub of this version, and
hands back a :class:`~mesocheck.store.Store` whose every read and write is the hub's:
the review queue, decisions, countersignatures, amendments, documents, staff sign-in,
settings and the seal all work as on a tablet, with writes in the hub's own audit chain.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable

from mesocheck.hub import errors, migrate
from mesocheck.hub.connect import PgConnection, connect
from mesocheck.hub.dialect import PostgresDialect
from mesocheck.i18n import _
from mesocheck.store import Store
from mesocheck.store.db import NotFound, translated
from mesocheck.store.records import AuditHead, DocumentInfo, Problem
from mesocheck.timeutil import utc_now


class HubStore(Store):
    """A Store on the hub; ``url`` names it (never shown with its password)."""

    url: str

    @classmethod
    def open(cls, url: str, *, clock: Callable[[], datetime] = utc_now,  # type: ignore[override]
             create: bool = False, timeout_s: float = 5.0, **_: Any) -> "HubStore":
        raw = connect(url, timeout_s=timeout_s)
        try:
            with translated():
                migrate.check(raw)
                device = migrate.hub_device_number(raw)
        except BaseException:
            raw.close()
            raise
        store = cls(PgConnection(raw, lambda: connect(url, timeout_s=timeout_s)), None, clock,
                    PostgresDialect(device))
        store.url = url
        return store

    @property
    def device(self) -> int:
        return self.dialect.device  # type: ignore[attr-defined]

    @property
    def where(self) -> str:
        return errors.describe(self.url)

    def close(self) -> None:
        self._conn.close()

    def _committed(self, head: AuditHead) -> None:
        """The hub has no head file: each device's head is kept in ``devices``."""

    @property
    def schema_version(self) -> int:
        with translated():
            return migrate.check(self._conn.raw)

    def check_quickly(self) -> None:
        """PostgreSQL checks its pages as it reads them; here only that the hub answers."""
        with translated():
            self._conn.execute("SELECT 1").fetchone()

    def pragmas(self) -> dict[str, object]:
        with translated():
            return {"server_version": self._conn.execute("SHOW server_version").fetchone()[0],
                    "schema_version": migrate.check(self._conn.raw)}

    def latest_document(self, intake_id: str, kinds: Iterable[str] | None = None
                        ) -> DocumentInfo | None:
        try:
            if kinds is None:
                return super().latest_document(intake_id)
            return super().latest_document(intake_id, kinds)
        except NotFound:  # not an intake id at all: none, as on a tablet
            return None

    def verify(self, against: Iterable[Any] = ()) -> list[Problem]:
        """The hub's record: every device's chain and every row against the chain that
        wrote it last (``mesocheck.hub.verify``)."""
        from mesocheck.hub.verify import verify_hub

        return verify_hub(self)

    def backup(self, dest: str | Path) -> Path:
        from mesocheck.hub.admin import dump

        return dump(self.url, Path(dest))

    def bulk_insert_intakes(self, *args: Any, **kwargs: Any) -> list[str]:
        raise errors.HubError(_("Demo intakes are made on a tablet's database, which sends them "
                                "to the hub; not on the hub itself."))
