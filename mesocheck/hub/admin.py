"""The clinic IT person's side of the hub: its status (devices, what each last sent, their
chain heads) and a backup with PostgreSQL's own ``pg_dump``."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

from msgspec import Struct

from mesocheck.fileio import atomic_writer
from mesocheck.hub import errors
from mesocheck.i18n import _
from mesocheck.timeutil import from_iso


class DeviceStatus(Struct, frozen=True):
    number: int
    name: str
    kind: str
    registered_at: datetime
    last_push_at: datetime | None
    last_pull_at: datetime | None
    head_id: int
    head_hash: str | None
    clock_offset_ms: int | None
    waiting: int


def devices(store: Any) -> list[DeviceStatus]:
    """Every device the hub knows, the hub first."""
    conn = store.connection
    own = {device: (last, digest) for device, last, digest in conn.execute(
        "SELECT DISTINCT ON (device) device, id, hash FROM audit ORDER BY device, id DESC")}
    found = []
    for (number, name, kind, registered, pushed, pulled, head_id, head_hash, offset,
         waiting) in conn.execute(
            "SELECT number, name, kind, registered_at, last_push_at, last_pull_at, head_id, "
            "head_hash, clock_offset_ms, waiting FROM devices ORDER BY number"):
        if kind == "hub" and number in own:  # the hub's own chain is read, not recorded
            head_id, head_hash = own[number]
        found.append(DeviceStatus(
            number, name, kind, from_iso(registered), from_iso(pushed) if pushed else None,
            from_iso(pulled) if pulled else None, head_id,
            bytes(head_hash).hex() if head_hash else None, offset, waiting))
    return found


def pg_tool(name: str) -> Path:
    """``pg_dump`` (or another client tool): the newest PostgreSQL's, or the one on PATH."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda p: int(Path(p).parent.name), reverse=True):
        if (Path(folder) / name).exists():
            return Path(folder) / name
    found = shutil.which(name)
    if found is None:
        raise errors.HubError(_("{name} is not installed on this computer (Debian: apt-get "
                                "install postgresql-client); the hub's backup needs it.").format(
                                    name=name))
    return Path(found)


def _without_password(url: str) -> tuple[str, dict[str, str]]:
    """The address as libpq conninfo without its password, and the environment that gives
    the password to a client tool (never on its command line, which others can read)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    info = conninfo_to_dict(url)
    env = dict(os.environ)
    password = info.pop("password", None)
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo(**{k: str(v) for k, v in info.items()}), env


def dump(url: str, dest: Path) -> Path:
    """The hub's whole database as a ``pg_dump`` archive (custom format, for
    ``pg_restore``), written to a temporary file and renamed when complete."""
    tool = pg_tool("pg_dump")
    conninfo, env = _without_password(url)
    with atomic_writer(dest) as stream:
        done = subprocess.run([str(tool), "--format=custom", "--no-owner",
                               f"--dbname={conninfo}"], stdout=stream, stderr=subprocess.PIPE,
                              env=env, text=False)
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = detail[-1] if detail else f"exit code {done.returncode}"
            if "password" in reason.lower():
                reason = "the hub refused the user name or password"
            raise errors.HubError(_("The hub's backup failed ({reason}); nothing was written to "
                                    "{dest}.").format(reason=reason[:200], dest=dest))
    return dest
