"""A throw-away PostgreSQL server on a free loopback port, for the tests and the benchmark.

Not used by the app: a station never starts a server. The server runs from a temporary
folder holding its data and its Unix socket, as the ``postgres`` system user when the caller
is root (initdb refuses root), with ``fsync`` off.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def bindir() -> Path | None:
    """Where PostgreSQL's server programs are, or None."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4])
    )
    return Path(versions[-1]).parent if versions else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, bindir: Path, folder: Path, port: int, as_user: list[str],
                 password: str, max_connections: int = 60) -> None:  # fmt: skip
        self.bindir, self.folder, self.port, self.as_user = bindir, folder, port, as_user
        self.max_connections = max_connections
        self.data = folder / "data"
        self.admin_url = f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
        self._n = 0

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *args], capture_output=True, text=True, check=check,
                              cwd=self.folder)  # fmt: skip

    def start(self) -> None:
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"),
            "-w", "-t", "60", "-o",
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c max_connections={self.max_connections}",
            "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop",
                  check=False)  # fmt: skip

    def restart(self) -> None:
        self.stop("immediate")
        self.start()

    def new_database(self) -> str:
        """A fresh database on the server; its administrator URL."""
        import psycopg

        self._n += 1
        name = f"central_{os.getpid()}_{self._n}"
        with psycopg.connect(self.admin_url, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def remove(self) -> None:
        """Stop the server and delete its folder."""
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def start_server(max_connections: int = 60) -> Server | None:
    """Initialise and start a new server; None when PostgreSQL is not installed."""
    found = bindir()
    if found is None:
        return None
    password = "central-admin-" + secrets.token_hex(4)
    folder = Path(tempfile.mkdtemp(prefix="hubapp-pg-"))
    as_user: list[str] = []
    if getattr(os, "geteuid", lambda: -1)() == 0:  # root (POSIX only)
        shutil.chown(folder, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    pwfile = folder / "pw"
    pwfile.write_text(password)
    if as_user:
        shutil.chown(pwfile, "postgres", "postgres")
    server = Server(found, folder, free_port(), as_user, password, max_connections)
    server._run(str(found / "initdb"), "-D", str(server.data), "-U", "postgres",
                f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
                "-E", "UTF8", "--no-sync")  # fmt: skip
    server.start()
    time.sleep(0.1)
    return server
