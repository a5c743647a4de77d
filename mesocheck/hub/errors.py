"""What can go wrong with the hub, each in one sentence for staff, never quoting the
password (or anything else of the hub's address but its user, host, port and database).

PostgreSQL's failures are sorted as SQLite's are (``mesocheck.store.db.translated``): the
environment's fault becomes a :class:`HubError`; anything else is our bug.
"""

from __future__ import annotations

from mesocheck.i18n import N_, _
from mesocheck.store.db import NotFound, StoreError



class HubError(StoreError):
    """A problem with the hub that staff or the clinic's IT person can act on."""

    default_message = N_("The hub could not be used.")


class HubAddressInvalid(HubError):
    default_message = (
        N_("The hub's address is not a PostgreSQL address; it looks like "
           "postgresql://USER@HOST:5432/DATABASE (the password in ~/.pgpass, or after the user).")
    )


class HubUnreachable(HubError):
    default_message = N_("The hub cannot be reached: check the hub's address (mesocheck hub "
                         "show), then try again.")


class HubRefused(HubError):
    default_message = (
        N_("The hub refused the user name or password: check the user in the hub's address and "
           "the password (in the address, or in ~/.pgpass).")
    )


class HubMissingDatabase(HubError):
    default_message = (
        N_("The hub's server has no database of that name: create it (createdb), then run "
           "`mesocheck hub init --hub URL`.")
    )


class HubNotSetUp(HubError):
    default_message = (
        N_("This PostgreSQL database is not a mesocheck hub yet: run `mesocheck hub init --hub "
           "URL` to set it up.")
    )


class HubForeign(HubError):
    default_message = (
        N_("This PostgreSQL database holds another program's tables, not a mesocheck hub: give "
           "the hub a database of its own (createdb), then `mesocheck hub init`.")
    )


class HubTooNew(HubError):
    default_message = (
        N_("The hub was set up by a newer version of mesocheck: update mesocheck on this "
           "computer. Nothing was sent or changed; this station keeps working on its own.")
    )


class HubOutdated(HubError):
    default_message = (
        N_("The hub's tables are from an older version of mesocheck: run `mesocheck hub upgrade "
           "--hub URL` on one computer, then try again.")
    )


class HubLost(HubError):
    default_message = (
        N_("The connection to the hub was lost (the hub stopped, or the network went away): "
           "nothing was lost; what was not sent is sent when the hub is back.")
    )


class HubDiskFull(HubError):
    default_message = (
        N_("The hub's disk is full: nothing more can be stored there until space is freed. Each "
           "station keeps its own record meanwhile.")
    )


class HubPermission(HubError):
    default_message = (
        N_("The hub's user may not do this: give it the rights on the hub's tables (it should "
           "own the database), then try again.")
    )


def describe(url: str) -> str:
    """The hub's address for a person: ``user@host:port/database``, never the password."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(url)
    except Exception:  # psycopg's ProgrammingError, or a malformed address
        return "the hub"
    host = info.get("host") or info.get("hostaddr") or "localhost"
    user = f"{info['user']}@" if info.get("user") else ""
    port = f":{info['port']}" if info.get("port") else ""
    database = f"/{info['dbname']}" if info.get("dbname") else ""
    return f"{user}{host}{port}{database}"


def on_connect(error: BaseException, url: str) -> HubError:
    """The sentence for a connection that failed."""
    text = str(error)
    where = describe(url)
    if "password authentication failed" in text or "no password supplied" in text \
            or "authentication failed" in text or "role" in text and "does not exist" in text:
        return HubRefused(f"The hub at {where} refused the user name or password: check the "
                          "user in the hub's address and the password (in the address, or in "
                          "~/.pgpass).")
    if "database" in text and "does not exist" in text:
        return HubMissingDatabase(f"The hub's server at {where} has no such database: create "
                                  "it (createdb), then run `mesocheck hub init --hub URL`.")
    return HubUnreachable(f"The hub at {where} cannot be reached (it is not running, the "
                          "network is down, or the address is wrong); nothing was sent.")


_LOST = ("server closed the connection", "connection is lost", "consuming input failed",
         "terminating connection", "connection to server", "the connection is closed",
         "SSL SYSCALL error", "could not receive data", "could not send data",
         "sending query failed", "timeout expired", "connection timed out")


def classify(error: BaseException) -> StoreError | None:
    """The user-facing error for a psycopg failure, or None when it is our bug."""
    try:
        import psycopg
        from psycopg import errors as pg
    except ImportError:  # pragma: no cover - the hub is not used without psycopg
        return None
    if isinstance(error, (pg.AdminShutdown, pg.CrashShutdown, pg.CannotConnectNow,
                          pg.ConnectionFailure)):
        return HubLost()
    if isinstance(error, pg.DiskFull):
        return HubDiskFull()
    if isinstance(error, pg.InsufficientPrivilege):
        return HubPermission()
    if isinstance(error, pg.InvalidTextRepresentation) and "uuid" in str(error):
        return NotFound(_("No intake has this id; refresh the list and try again."))
    if isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError)):
        text = str(error)
        if isinstance(error, psycopg.InterfaceError) or any(p in text for p in _LOST):
            return HubLost()
    return None
