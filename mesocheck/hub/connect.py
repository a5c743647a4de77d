"""Connecting to the hub, and reading its values exactly as the tablet stores them.

The hub keeps PostgreSQL's own types (``timestamptz``, ``date``, ``uuid``, ``jsonb``,
``bytea``); the store's shared code and the row hashes want the text the tablet stores
(UTC ISO 8601 with milliseconds, canonical JSON). The loaders here hand values back in that
form, so a row read from the hub hashes as the same row read from SQLite. Parameters go
the other way as text that PostgreSQL casts to the column's type.

:class:`PgConnection` gives the shared code what it uses of ``sqlite3.Connection``:
``execute`` with ``?`` placeholders, ``executemany``, ``in_transaction``, ``close``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Sequence

import psycopg
from psycopg.adapt import AdaptersMap, Loader
from psycopg.pq import TransactionStatus

from mesocheck.hub import errors
from mesocheck.store.audit import to_json
from mesocheck.store.db import register_engine_errors
from mesocheck.timeutil import to_iso

SCHEMA = "mesocheck"
CONNECT_TIMEOUT_S = 5
# A cut network is noticed within about this long, instead of a socket waiting for hours.
TCP_USER_TIMEOUT_MS = 10_000

register_engine_errors(errors.classify)


class _IsoTime(Loader):
    """``timestamptz`` (the session's zone is UTC) as the store's text:
    ``2026-03-02T09:00:00.000+00:00``."""

    def load(self, data: Any) -> str:
        text = bytes(data).decode()
        if len(text) >= 22 and text.endswith("+00") and text[10] == " ":
            clock = text[11:-3]
            if "." in clock:
                whole, fraction = clock.split(".")
                clock = f"{whole}.{(fraction + '000')[:3]}"
            else:
                clock += ".000"
            return f"{text[:10]}T{clock}+00:00"
        moment = datetime.fromisoformat(text.replace(" ", "T"))
        return to_iso(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc))


class _Text(Loader):
    def load(self, data: Any) -> str:
        return bytes(data).decode()


class _CanonicalJson(Loader):
    """``jsonb`` as the canonical JSON text the tablet stores (sorted keys, no spaces)."""

    def load(self, data: Any) -> str:
        return to_json(json.loads(bytes(data).decode()))


def _adapters() -> AdaptersMap:
    adapters = AdaptersMap(psycopg.adapters)
    adapters.register_loader("timestamptz", _IsoTime)
    for name in ("date", "uuid"):
        adapters.register_loader(name, _Text)
    for name in ("jsonb", "json"):
        adapters.register_loader(name, _CanonicalJson)
    return adapters


_ADAPTERS = _adapters()


def connect(url: str, *, timeout_s: float = CONNECT_TIMEOUT_S,
            application: str = "mesocheck") -> psycopg.Connection:
    """A connection in autocommit mode (transactions are begun explicitly, as on SQLite),
    in the hub's schema, in UTC. Failures are :class:`~mesocheck.hub.errors.HubError`s
    that name the hub without its password."""
    if not isinstance(url, str) or not url.strip():
        raise errors.HubAddressInvalid()
    try:
        from psycopg.conninfo import conninfo_to_dict

        conninfo_to_dict(url)
    except psycopg.Error:
        raise errors.HubAddressInvalid() from None
    try:
        return psycopg.connect(
            url, autocommit=True, context=_ADAPTERS,
            connect_timeout=max(1, int(round(timeout_s))), application_name=application,
            options=f"-c search_path={SCHEMA} -c TimeZone=UTC -c DateStyle=ISO",
            keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=3,
            tcp_user_timeout=TCP_USER_TIMEOUT_MS)
    except psycopg.OperationalError as exc:
        raise errors.on_connect(exc, url) from None


def _placeholders(sql: str) -> str:
    """``?`` as psycopg's ``%s`` (the shared SQL has no ``?`` or ``%`` in its literals)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PgConnection:
    """The parts of ``sqlite3.Connection`` the store's shared code uses, over psycopg.

    With ``reopen``, a connection lost with the hub (the hub restarted, the network came
    back) is opened again at the next statement that begins a piece of work: what failed
    meanwhile was rolled back by PostgreSQL and said so; nothing continues half done."""

    def __init__(self, raw: psycopg.Connection,
                 reopen: Callable[[], psycopg.Connection] | None = None):
        self.raw = raw
        self._reopen = reopen
        self._sql: dict[str, str] = {}

    def _translate(self, sql: str) -> str:
        translated = self._sql.get(sql)
        if translated is None:
            translated = self._sql[sql] = _placeholders(sql)
        return translated

    def execute(self, sql: str, params: Sequence[Any] | None = ()) -> psycopg.Cursor:
        if self.raw.closed and self._reopen is not None:
            self.raw = self._reopen()
        cursor = self.raw.cursor()
        if params:
            cursor.execute(self._translate(sql), list(params))
        else:
            cursor.execute(sql)
        return cursor

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> psycopg.Cursor:
        cursor = self.raw.cursor()
        cursor.executemany(self._translate(sql), [list(r) for r in rows])
        return cursor

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()
