"""Reads that may come from a PostgreSQL streaming replica, and the rules that keep them safe.

With DATABASE_REPLICA_URL set, settings add a ``replica`` database alias.
Nothing reads from it unless a view asks: ``@replica_reads`` marks the pages
whose figures may be a second old (dashboards, public results, rankings).
Everything else, the citizen's submission, locks, moderation, sign-in,
reads the primary, because a lagging copy there would be a wrong answer,
not a slow one.

Inside a ``@replica_reads`` view a read still goes to the primary when:
- this request has already written (any statement on the primary that is
  not a plain SELECT: seen by an execute wrapper, so raw SQL counts too),
  or is inside a transaction;
- this browser wrote recently and the replica has not replayed that write
  yet: a writing response carries the primary's WAL position in a cookie
  (``sukma_wrote``), and the replica serves that browser only once its
  replay position has passed it (read-your-writes across requests);
- the replica is behind by more than REPLICA_MAX_LAG_SECONDS, is not
  streaming, or cannot be reached (then it is not tried again for
  REPLICA_RETRY_SECONDS in this process).

django-tenants sets the search_path per connection from the tenant chosen
on it; the replica connection is a second connection, so before each read
sent there the router gives it the default connection's tenant: a
regency's page reads that regency's schema on the replica, and no other.

Outside a request (a Celery task, a command) there is no write tracking, so
``replica_reads`` leaves every read on the primary.
"""

import contextvars
import functools
import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
COOKIE = "sukma_wrote"
_LSN = re.compile(r"\A[0-9A-F]{1,8}/[0-9A-F]{1,8}\Z")
_READ_ONLY_START = ("SELECT", "SHOW", "SET SEARCH_PATH")
_LOCKING = re.compile(r"\bFOR\s+(UPDATE|NO\s+KEY\s+UPDATE|SHARE|KEY\s+SHARE)\b", re.IGNORECASE)

logger = logging.getLogger(__name__)


@dataclass
class _Request:
    """What one request knows about its reads."""

    written_at: str | None  # the browser's last write (WAL position), from its cookie
    wrote: bool = False  # this request has written on the primary
    opted_in: int = 0  # depth of replica_reads blocks
    replica_fit: bool | None = None  # checked once, at the first read that could go there


_current: contextvars.ContextVar[_Request | None] = contextvars.ContextVar(
    "sukma_replica_request", default=None
)
_down_until = 0.0  # monotonic time before which this process does not try the replica


def replica_configured() -> bool:
    return REPLICA in connections.settings


def is_write(sql: str) -> bool:
    """Whether a statement may change data or take a lock: anything but a plain read."""
    head = sql.lstrip().upper()
    if not head.startswith(_READ_ONLY_START):
        return True
    return bool(_LOCKING.search(sql))


def wal_position(value: str | None) -> str | None:
    """A WAL position as PostgreSQL writes it (``16/B374D848``), or None for anything else."""
    if value and _LSN.match(value.strip().upper()):
        return value.strip().upper()
    return None


# ---------------------------------------------------------------- the opt-in
def replica_reads(view):
    """Let this view's reads come from the replica, when the rules above allow it."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        state = _current.get()
        if state is None:
            return view(*args, **kwargs)
        state.opted_in += 1
        try:
            return view(*args, **kwargs)
        finally:
            state.opted_in -= 1

    return wrapped


# ---------------------------------------------------------------- the router
class ReplicaRouter:
    """Sends an opted-in read to the replica when it is safe; says nothing otherwise."""

    def db_for_read(self, model, **hints):
        state = _current.get()
        if state is None or not state.opted_in or state.wrote:
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        if state.replica_fit is None:
            state.replica_fit = _replica_fit(state.written_at)
        if not state.replica_fit:
            return None
        _follow_tenant()
        return REPLICA

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary: objects read from either relate.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None


def _follow_tenant() -> None:
    primary, replica = connections[DEFAULT_DB_ALIAS], connections[REPLICA]
    if (replica.schema_name, replica.include_public_schema) != (
        primary.schema_name,
        primary.include_public_schema,
    ):
        replica.set_tenant(primary.tenant, primary.include_public_schema)


_FITNESS = """
SELECT pg_is_in_recovery(),
       coalesce((SELECT status = 'streaming' FROM pg_stat_wal_receiver), false),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())
       END,
       pg_last_wal_replay_lsn() >= %s::pg_lsn
"""


def _replica_fit(written_at: str | None) -> bool:
    """One query on the replica: is it a streaming replica, close enough, past this browser's
    last write? Any failure to answer is a no."""
    global _down_until
    if time.monotonic() < _down_until:
        return False
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_FITNESS, [written_at or "0/0"])
            in_recovery, streaming, lag, past_write = cursor.fetchone()
    except DatabaseError:
        logger.warning("replica unreachable: reading the primary", exc_info=True)
        _down_until = time.monotonic() + settings.REPLICA_RETRY_SECONDS
        connections[REPLICA].close()
        return False
    if not (in_recovery and streaming):
        logger.warning("the replica is not a streaming standby: reading the primary")
        return False
    if lag is None or lag > settings.REPLICA_MAX_LAG_SECONDS:
        return False
    return bool(past_write)


def forget_replica_failure() -> None:
    """Try the replica again at the next read (after an outage is over, or in tests)."""
    global _down_until
    _down_until = 0.0


# ---------------------------------------------------------------- the middleware
class ReplicaReadsMiddleware:
    """Watches each request's statements on the primary; a writing response leaves the
    primary's WAL position in a cookie, so the same browser reads its own writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        state = _Request(written_at=wal_position(request.COOKIES.get(COOKIE)))
        token = _current.set(state)
        try:
            with connections[DEFAULT_DB_ALIAS].execute_wrapper(_watching(state)):
                response = self.get_response(request)
            if state.wrote:
                response.set_cookie(
                    COOKIE,
                    _primary_position(),
                    max_age=settings.REPLICA_PIN_SECONDS,
                    secure=request.is_secure(),
                    httponly=True,
                    samesite="Lax",
                )
            return response
        finally:
            _current.reset(token)


def _watching(state: _Request):
    def watch(execute, sql, params, many, context):
        if not state.wrote and is_write(sql):
            state.wrote = True
        return execute(sql, params, many, context)

    return watch


def _primary_position() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]
