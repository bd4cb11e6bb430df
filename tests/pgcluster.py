"""PostgreSQL clusters of a test's own: a primary made with initdb and a streaming replica of it
made with pg_basebackup -R, each on a free port of 127.0.0.1 with its socket in a temporary
directory, stopped and removed when the test ends, however it ends. Debian's PostgreSQL 15
binaries; initdb refuses to run as root, so as root they run as the `postgres` user. The
machine's own PostgreSQL is never touched."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DATABASE = "lx"
STEP_TIMEOUT = 30  # seconds for any one command (initdb, start, base backup, stop)


def unavailable() -> str | None:
    """Why clusters cannot be made here, or None."""
    for tool in ("initdb", "pg_ctl", "pg_basebackup"):
        if not (PG_BIN / tool).exists():
            return f"needs Debian's PostgreSQL 15 binaries ({PG_BIN / tool})"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "runs as root, and there is no `postgres` user to run initdb as"
        if not shutil.which("runuser"):
            return "runs as root, and there is no runuser to run initdb as `postgres`"
    return None


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(*command: str) -> None:
    done = subprocess.run(
        _as_owner([str(PG_BIN / command[0]), *command[1:]]),
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert port != 5432, "never the machine's own PostgreSQL"
    return port


@dataclass
class Cluster:
    data: Path
    port: int
    sockets: Path

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port}"
            f" -c unix_socket_directories={self.sockets}"
            # a throwaway cluster: no fsync
            " -c fsync=off -c full_page_writes=off"
        )
        _run("pg_ctl", "-D", str(self.data), "-l", f"{self.data}.log", "-o", options, "-w", "start")

    def stop_command(self, mode: str = "fast") -> list[str]:
        return _as_owner([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def connect(self, database: str = DATABASE):
        """An autocommit connection (close it: `with closing(...)`; psycopg2's own `with`
        opens a transaction and does not close)."""
        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database
        )
        connection.autocommit = True
        return connection

    def log(self) -> str:
        path = Path(f"{self.data}.log")
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


@contextmanager
def primary_and_replica() -> Iterator[tuple[Cluster, Cluster]]:
    """A primary with an empty database `lx`, and a streaming replica of it, both running."""
    root = Path(tempfile.mkdtemp(prefix="lx-replica-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    primary = Cluster(root / "primary", free_port(), root)
    replica = Cluster(root / "replica", free_port(), root)
    try:
        _run(
            "initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        primary.start()
        with closing(primary.connect("postgres")) as admin, admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DATABASE}")
        # initdb's pg_hba.conf lets local replication connections in (trust)
        _run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip
        replica.start()
        _until_streaming(primary)
        yield primary, replica
    finally:
        for cluster in (replica, primary):
            if (cluster.data / "postmaster.pid").exists():
                subprocess.run(
                    cluster.stop_command("immediate"), capture_output=True, timeout=STEP_TIMEOUT
                )
        shutil.rmtree(root, ignore_errors=True)


def _until_streaming(primary: Cluster, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    with closing(primary.connect("postgres")) as connection, connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.1)
    raise RuntimeError("the replica never started streaming")
