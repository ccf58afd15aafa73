"""A throw-away PostgreSQL 15 cluster for the chaos tests: ``initdb`` + ``pg_ctl`` on a free port.

The cluster lives in a private directory owned by the ``postgres`` user (``initdb`` refuses to
run as root, so the commands run through ``runuser`` when the tests are root), listens on
127.0.0.1 with trust authentication and has PostGIS available. :meth:`PGCluster.restart` stops
it (``fast`` or ``immediate``) and starts it again on the same port.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.alerts.helpers import free_port

BIN = Path(os.environ.get("GEOWARN_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _missing() -> str | None:
    if not (BIN / "initdb").exists():
        return f"PostgreSQL server binaries not found in {BIN} (apt: postgresql-15)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a 'postgres' user to run initdb as"
    return None


class PGCluster:
    """One cluster: ``url`` (database ``chaos``), :meth:`stop`, :meth:`start`, :meth:`restart`, :meth:`destroy`."""

    def __init__(self) -> None:
        reason = _missing()
        if reason:
            pytest.skip(reason)
        self.root = Path(tempfile.mkdtemp(prefix="geowarn-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.log = self.root / "postgres.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(BIN / "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.start()
        self._run(BIN / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "chaos")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/chaos"

    def _run(self, *cmd: object) -> None:
        args = [str(c) for c in cmd]
        if self._as_postgres:
            args = ["runuser", "-u", "postgres", "--", *args]
        out = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=self.root)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {out.stderr or out.stdout}")

    def start(self) -> None:
        opts = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off -c max_connections=200"
        self._run(BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "fast", down_s: float = 0.0) -> None:
        """Stop (``fast``: clients disconnected; ``immediate``: like a crash), stay down ``down_s``, start."""
        self.stop(mode)
        time.sleep(down_s)
        self.start()

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
