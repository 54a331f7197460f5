"""gunicorn's settings for every deployment: systemd, compose and tests/deploy alike.

Used as ``gunicorn -c python:sukma.gunicorn_conf sukma.wsgi``; a command-line flag
(``--bind``, ``--access-logfile``) still wins over a value here.

The access log records when, which host (the regency), method, path, status, size and
duration of each request, and nothing that could identify a citizen: no client address,
no query string, no referrer, no user agent, and no suggestion's tracking code (it opens
the citizen's thread: the path keeps ``/pengaduan/lacak/*``). Who did what on the staff
side is in the audit log, with the address (sukma/access/audit.py).
"""

import os
import re

from gunicorn.glogging import Logger

bind = [os.environ.get("SUKMA_BIND", "127.0.0.1:8000")]


def cores() -> int:
    """The cores this process may run on (a container's or a CPU-pinned unit's, not the host's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# One thread per process, 2 x cores + 1 processes. Every request is CPU work in Python
# between short database waits, so threads of one process only queue for its GIL: under the
# mixed load of bench/load.py (2 cores, 32 clients) 4 workers x 4 threads gave a citizen POST
# p99 of 814 ms, 8 x 2 gave 992 ms, 3 x 1 and 6 x 1 under 300 ms with more requests served.
# nginx buffers slow phones, so a process is never held by a slow client.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * cores() + 1)))
threads = int(os.environ.get("SUKMA_THREADS", "1"))
# A report or a workbook is made by the worker, never in a request: a minute is plenty.
timeout = 60
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
access_log_format = '%(t)s %({host}i)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# The workers' heartbeat files on a memory file system: on a container's overlay file
# system a slow disk could get a busy worker killed.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"


# The same rule as deploy/nginx/sukma.conf.template's map.
TRACKING_CODE = re.compile(r"(/lacak/)[^/]+")


def logged_path(path: str) -> str:
    return TRACKING_CODE.sub(r"\1*", path)


class PrivateLogger(Logger):
    """gunicorn's logger, with tracking codes left out of the logged path."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = logged_path(atoms.get("U") or "")
        return atoms


logger_class = PrivateLogger
