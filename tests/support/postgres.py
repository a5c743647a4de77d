"""Throwaway PostgreSQL clusters for the hub's tests: ``initdb`` into a temporary folder,
``pg_ctl start`` on a free localhost port with a socket folder of its own, stopped at the
end. Run as the ``postgres`` user when the tests run as root (PostgreSQL refuses root).

Where PostgreSQL is not installed the hub tests are skipped with the reason; under
``CI=true`` they fail instead (CI installs it: ``.ci/run``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

HUB_USER, HUB_PASSWORD = "mesocheck", "hub-secret-pw"
ADMIN_PASSWORD = "admin-secret-pw"


def postgres_bin() -> Path | None:
    """The folder holding initdb and pg_ctl: Debian's newest, or the one on PATH."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                            key=lambda p: int(Path(p).parent.name), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def need_postgres() -> Path:
    """The binaries' folder, or skip (fail under CI) saying why."""
    where = postgres_bin()
    if where is None:
        reason = ("PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on "
                  "PATH): the hub's tests need it (Debian: apt-get install postgresql)")
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            reason = "running as root, and there is no 'postgres' user to run PostgreSQL as"
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
    return where


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """One PostgreSQL server of the test's own."""

    def __init__(self, *, logical: bool = False, name: str = "hub"):
        self.bin = need_postgres()
        self.root = Path(tempfile.mkdtemp(prefix=f"mesocheck-pg-{name}-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sockets"
        self.sockets.mkdir()
        self.port = free_port()
        self.logical = logical
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            info = pwd.getpwnam("postgres")
            for path in (self.root, self.sockets):
                os.chown(path, info.pw_uid, info.pw_gid)
        password_file = self.root / "pw"
        password_file.write_text(ADMIN_PASSWORD + "\n")
        if self._as_postgres:
            os.chown(password_file, info.pw_uid, info.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-E", "UTF8",
                  "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256",
                  f"--pwfile={password_file}", "-N")
        settings = [
            f"port = {self.port}", "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.sockets}'",
            "fsync = off",  # a killed server keeps what the system has cached; tests need no power cuts
            "max_connections = 60", "shared_buffers = 32MB",
            "log_min_messages = warning", "max_wal_senders = 10",
        ]
        if logical:
            settings += ["wal_level = logical", "max_replication_slots = 10"]
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write("\n".join(settings) + "\n")
        self.running = False

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True,
                              cwd=self.root)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t",
                  "60", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """``mode``: fast (clean) or immediate (as if the server crashed)."""
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)
            self.running = False

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def admin_url(self, database: str = "postgres") -> str:
        return (f"postgresql://postgres:{ADMIN_PASSWORD}@127.0.0.1:{self.port}/{database}")

    def url(self, database: str, *, user: str = HUB_USER, password: str | None = HUB_PASSWORD
            ) -> str:
        secret = f":{password}" if password is not None else ""
        return f"postgresql://{user}{secret}@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> list[tuple]:
        """Run one statement as the cluster's superuser."""
        import psycopg

        with psycopg.connect(self.admin_url(database), autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def create_hub_user(self) -> None:
        self.sql(f"CREATE ROLE {HUB_USER} LOGIN PASSWORD '{HUB_PASSWORD}' CREATEDB REPLICATION")

    def create_database(self, name: str, *, template: str | None = None) -> str:
        clause = f" TEMPLATE {template}" if template else ""
        self.sql(f"CREATE DATABASE {name} OWNER {HUB_USER}{clause}")
        return self.url(name)


@contextmanager
def hub_on_own_cluster(name: str) -> Iterator[tuple[Cluster, str]]:
    """A new cluster of its own holding a new hub, removed afterwards: (cluster, the hub's
    address). For what stops or cuts its server, and for the benchmarks."""
    from mesocheck.hub import migrate
    from mesocheck.hub.connect import connect

    cluster = Cluster(name=name)
    try:
        cluster.start()
        cluster.create_hub_user()
        url = cluster.create_database("clinic")
        conn = connect(url)
        try:
            migrate.init(conn)
        finally:
            conn.close()
        yield cluster, url
    finally:
        cluster.destroy()
