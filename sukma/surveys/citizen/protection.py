"""What keeps citizens' pages and endpoints honest, in one place: the page, the API and the
tracking page all use it.

A rate limit per hashed client address (sukma.addresses) and counter in the
cache, the anonymous device token the server signs, and the signed "form
opened at" stamp that dates a submission. With the cache unreachable a limit
is skipped, never the citizen's answer.

The limit refuses only what no counter sees from people: many people share
one address (an office's Wi-Fi, a carrier's), so it counts per address *and*
counter, and refuses past RATE_LIMIT within RATE_WINDOW. What looks
automated below that is held for a moderator by the storing statement
(sukma.surveys.recording.statement: BURST_*, BUSY_*), never refused.
"""

import datetime
import hashlib
import hmac
import logging
import re
import secrets
import threading
import time

import redis
from django.conf import settings
from django.core.cache import cache

from sukma.addresses import client_address
from sukma.surveys.citizen.submission import keyed_hash

__all__ = ["client_address"]  # the citizen's views and the API take it from here

log = logging.getLogger(__name__)

DEVICE_COOKIE = "sukma_perangkat"
# What a device token may look like, from the cookie or from an API client alike.
DEVICE_TOKEN = re.compile(r"\A[A-Za-z0-9_.\-]{16,64}\Z")
DEVICE_MAX_AGE = 2 * 365 * 24 * 3600
STARTED_PURPOSE = "citizen-started"

# Per address and counter (hashed): this many submissions within the window, then 429 until
# it ends. One a second for ten minutes: no counter serves people that fast.
SUBMISSIONS = "citizen-rate"
RATE_LIMIT = getattr(settings, "CITIZEN_RATE_LIMIT", 600)
RATE_WINDOW = getattr(settings, "CITIZEN_RATE_WINDOW", 600)


def rate_key(scope: str, address: str) -> str:
    """The cache key counting an address's requests: a keyed hash, never the address itself."""
    return f"{scope}:{keyed_hash(scope, address)}"


# Count, and start the window's clock on the first count: atomic, in one round trip to Redis.
COUNT_IN_WINDOW = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
# Redis names a script by its SHA-1.
COUNT_IN_WINDOW_SHA = hashlib.sha1(COUNT_IN_WINDOW.encode()).hexdigest()


def over_limit(scope: str, address: str, *, limit: int, window: int) -> bool:
    """Count this request; True once the address made more than `limit` within `window` s.

    The count is read back by cache.get (Django's Redis serializer keeps
    integers as they are); it is written with one script instead of
    cache.add + cache.incr, which take three round trips.
    """
    key = cache.make_key(rate_key(scope, address))  # a scope and a hex digest: nothing to check
    try:
        count = _count_in_window(key, window)
    except Exception as error:  # the cache server is unreachable
        _warn_limit_skipped(scope, error)
        return False
    return count > limit


# While the cache is down every citizen's post skips its limit: one line says so per this
# many seconds and process, not a traceback per post (32 lines each, measured in issue 20).
SKIPPED_WARNING_EVERY = 60
_skipped = {"last": -SKIPPED_WARNING_EVERY, "count": 0}
_skipped_lock = threading.Lock()


def _warn_limit_skipped(scope: str, error: Exception) -> None:
    """A short warning, at most once per SKIPPED_WARNING_EVERY s, counting the ones left out."""
    now = time.monotonic()
    with _skipped_lock:
        _skipped["count"] += 1
        if now - _skipped["last"] < SKIPPED_WARNING_EVERY:
            return
        count, _skipped["count"], _skipped["last"] = _skipped["count"], 0, now
    log.warning(
        "%s limit skipped: the cache is unreachable (%s: %s); %d skipped since the last warning",
        scope,
        type(error).__name__,
        error,
        count,
    )


_thread = threading.local()


def _count_in_window(key: str, window: int) -> int:
    """Run the counting script on this thread's own connection to the cache's Redis.

    The connection is taken from the cache's pool once per thread and kept,
    and the command is sent on it directly: taking a connection from the pool
    for each count, and redis-py's client layer around it, cost three times
    the CPU of the count itself (measured for bench/submit.py). A kept
    connection the server has closed meanwhile is made again, once. Redis
    forgets scripts when it restarts; the script is then loaded again.
    """
    connection = _redis_connection()
    try:
        return _evalsha(connection, key, window)
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
        connection.disconnect()  # closed while kept: sending again connects again
    try:
        return _evalsha(connection, key, window)
    except Exception:
        connection.disconnect()  # nothing half-read stays on it
        raise


def _evalsha(connection, key: str, window: int) -> int:
    try:
        connection.send_command("EVALSHA", COUNT_IN_WINDOW_SHA, 1, key, window)
        return connection.read_response()
    except redis.exceptions.NoScriptError:
        connection.send_command("SCRIPT", "LOAD", COUNT_IN_WINDOW)
        connection.read_response()
        connection.send_command("EVALSHA", COUNT_IN_WINDOW_SHA, 1, key, window)
        return connection.read_response()


def _redis_connection():
    pool = cache._cache._get_connection_pool(write=True)  # a new pool when settings change
    kept = getattr(_thread, "redis", None)
    if kept is None or kept[0] is not pool:
        kept = _thread.redis = (pool, pool.get_connection())
    return kept[1]


def submissions_over_limit(address: str, counter: str) -> bool:
    """Count a submission from `address` to the counter of code `counter`; True past the limit."""
    key = f"{address}|{counter.strip().upper()[:16]}"
    return over_limit(SUBMISSIONS, key, limit=RATE_LIMIT, window=RATE_WINDOW)


def device_token(request) -> tuple[str, bool]:
    """The device's anonymous token from its signed cookie, and whether it is new (to be set).

    A cookie whose signature does not match (forged, cut short, or signed
    with an earlier SECRET_KEY) gets a new token, as a phone that cleared its
    cookies does. What makes one device one response a day is the token's
    hash in the database; the signature makes the server the only source of
    tokens, for the page and the API alike (signed_device_token).
    """
    token = verified_device_token(request.COOKIES.get(DEVICE_COOKIE, ""))
    if token:
        return token, False
    return secrets.token_urlsafe(24), True


def signed_device_token(token: str | None = None) -> str:
    """A device token as the server hands it out, "<token>:<signature>": a new one by default."""
    token = token or secrets.token_urlsafe(24)
    return f"{token}:{_device_signature(token)}"


def verified_device_token(signed: str) -> str:
    """The token inside a signed device token, or "" when it was not signed here."""
    token, _sep, signature = (signed if isinstance(signed, str) else "").partition(":")
    if DEVICE_TOKEN.match(token) and hmac.compare_digest(
        signature.encode(), _device_signature(token).encode()
    ):
        return token
    return ""


def _device_signature(token: str) -> str:
    """A keyed hash whose key is derived once: Django's signing derives it on every call,
    which cost 0.18 ms of each citizen's POST (measured for bench/submit.py)."""
    return keyed_hash("device-cookie", token)


def set_device_cookie(request, response, token: str):
    response.set_cookie(
        DEVICE_COOKIE,
        signed_device_token(token),
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


def started_stamp() -> str:
    """When the form was opened, in whole seconds, signed: "<seconds>:<keyed hash>"."""
    seconds = str(int(time.time()))
    return f"{seconds}:{keyed_hash(STARTED_PURPOSE, seconds)}"


def started_at(stamp: str, now: datetime.datetime) -> datetime.datetime | None:
    """When the form was opened; None for a missing or forged stamp (the response is held).

    Signed with a keyed hash, not django.core.signing: see _device_signature.
    """
    seconds, _sep, signature = (stamp if isinstance(stamp, str) else "").partition(":")
    if not (0 < len(seconds) < 12 and seconds.isascii() and seconds.isdigit()):
        return None
    if not hmac.compare_digest(signature.encode(), keyed_hash(STARTED_PURPOSE, seconds).encode()):
        return None
    try:
        started = datetime.datetime.fromtimestamp(int(seconds), tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return min(started, now)
