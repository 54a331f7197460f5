"""Sign-in throttling beyond django-axes: spraying from one address, and one account from many.

Three limits, all on the one client address of sukma.addresses (the README
has the table):

1. one account from one address: django-axes, a hard lock (AXES_* settings);
2. one address across accounts (spraying): SIGN_IN_ADDRESS_LIMIT failures
   within SIGN_IN_ADDRESS_WINDOW seconds, then that address waits until the
   window ends;
3. one account from any address: after SIGN_IN_ACCOUNT_FREE failures each
   further attempt must come a growing delay after the previous failure
   (2, 4, 8 ... seconds, at most SIGN_IN_ACCOUNT_MAX_DELAY). A delay, never
   a lock: an attacker who knows the owner's e-mail address can slow the
   account down but not shut the owner out. A browser where the owner has
   signed in before carries a signed "known device" cookie and is exempt
   from limits 2 and 3.

The checks run in an authentication backend (ThrottledModelBackend, in place
of ModelBackend), so the web sign-in, its later steps and the API token
endpoint are throttled alike by django.contrib.auth.authenticate. A refusal
is flagged the way axes flags its own (request.axes_locked_out), so axes
neither counts it as a failure nor lets it through, and the same 429 answers
both. With the cache unreachable the limits 2 and 3 are skipped; axes keeps
its own records in the database.
"""

import logging
import time
from datetime import timedelta

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import render
from django.utils.crypto import salted_hmac

from sukma.access.audit import audit_record
from sukma.access.models import User
from sukma.addresses import client_address

log = logging.getLogger(__name__)

ADDRESS_LIMIT = getattr(settings, "SIGN_IN_ADDRESS_LIMIT", 20)
ADDRESS_WINDOW = getattr(settings, "SIGN_IN_ADDRESS_WINDOW", 600)
ACCOUNT_FREE = getattr(settings, "SIGN_IN_ACCOUNT_FREE", 10)
ACCOUNT_MAX_DELAY = getattr(settings, "SIGN_IN_ACCOUNT_MAX_DELAY", 300)
# An account's failures are forgotten this long after the last one.
ACCOUNT_MEMORY = getattr(settings, "SIGN_IN_ACCOUNT_MEMORY", 3600)

KNOWN_DEVICE_COOKIE = "sukma_dikenal"
KNOWN_DEVICE_MAX_AGE = getattr(settings, "SIGN_IN_KNOWN_DEVICE_DAYS", 90) * 24 * 3600
_KNOWN_DEVICE_SALT = "sukma.access.throttle.known-device"
# A shared computer may know a few people; the oldest is forgotten first.
_KNOWN_DEVICE_PEOPLE = 5


def _key(scope: str, value: str) -> str:
    """A cache key that names no e-mail address or client address, only their keyed hash."""
    return f"sign-in:{scope}:{salted_hmac('sukma.access.throttle', value).hexdigest()[:32]}"


def account_delay(failures: int) -> int:
    """Seconds the next attempt on an account must wait after its last failure."""
    if failures < ACCOUNT_FREE:
        return 0
    return min(2 ** (failures - ACCOUNT_FREE + 1), ACCOUNT_MAX_DELAY)


def _wait_for_address(address: str) -> float:
    started = cache.get(_key("address-since", address))
    failures = cache.get(_key("address", address)) or 0
    if failures < ADDRESS_LIMIT or started is None:
        return 0
    return max(0.0, started + ADDRESS_WINDOW - time.time())


def _wait_for_account(email: str) -> float:
    failures, last = cache.get(_key("account", email)) or (0, 0.0)
    return max(0.0, last + account_delay(failures) - time.time())


def wait_seconds(request, email: str) -> float:
    """How long this attempt must wait: 0 when it may go ahead."""
    if known_device(request, email):
        return 0
    try:
        address = client_address(request)
        return max(_wait_for_address(address), _wait_for_account(email))
    except Exception:  # the cache is unreachable: axes still holds limit 1
        log.warning("sign-in limits skipped: the cache is unreachable", exc_info=True)
        return 0


def record_failure(request, email: str) -> None:
    try:
        _count_address(client_address(request))
        failures = _count_account(email)
    except Exception:
        log.warning("sign-in failure not counted: the cache is unreachable", exc_info=True)
        return
    if failures == ACCOUNT_FREE:
        _audit_slowed(email, client_address(request))


def _count_address(address: str) -> None:
    # The window starts with the first failure and does not slide: a fixed wait, then a fresh start.
    if cache.add(_key("address-since", address), time.time(), ADDRESS_WINDOW):
        cache.set(_key("address", address), 0, ADDRESS_WINDOW)
    try:
        cache.incr(_key("address", address))
    except ValueError:  # expired between the two calls
        cache.set(_key("address", address), 1, ADDRESS_WINDOW)


def _count_account(email: str) -> int:
    """One more failure for the account; a read-modify-write, so racing failures may count once.

    That only errs on the side of a shorter delay by a step, never a lock.
    """
    key = _key("account", email)
    failures, _last = cache.get(key) or (0, 0.0)
    cache.set(key, (failures + 1, time.time()), ACCOUNT_MEMORY)
    return failures + 1


def _audit_slowed(email: str, address: str) -> None:
    """The account has had its free failures: from now on it is slowed down. Said once."""
    user = User.objects.filter(email=email).first()
    if user is None:
        return
    with transaction.atomic():
        audit_record(
            actor=None,
            action="sign_in.slowed",
            target=user,
            after={"failures": ACCOUNT_FREE, "last_address": address},
        )


def record_success(request, user) -> None:
    """The owner got in: their account's count starts again, and this browser is known."""
    try:
        cache.delete(_key("account", user.email))
    except Exception:
        log.warning("sign-in success not recorded: the cache is unreachable", exc_info=True)
    # The cookie is set on the response by KnownDeviceMiddleware, which sees the HttpRequest.
    http_request = getattr(request, "_request", request)
    http_request.sign_in_known_device = user.pk


def _known_ids(request) -> list[int]:
    raw = getattr(request, "COOKIES", {}).get(KNOWN_DEVICE_COOKIE)
    if not raw:
        return []
    try:
        ids = signing.loads(raw, salt=_KNOWN_DEVICE_SALT, max_age=KNOWN_DEVICE_MAX_AGE)
    except signing.BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def known_device(request, email: str) -> bool:
    ids = _known_ids(getattr(request, "_request", request))
    if not ids:
        return False
    return User.objects.filter(pk__in=ids, email=email).exists()


class KnownDeviceMiddleware:
    """Sets the known-device cookie on the answer to a successful sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user_id = getattr(request, "sign_in_known_device", None)
        if user_id is not None:
            ids = [i for i in _known_ids(request) if i != user_id] + [user_id]
            response.set_cookie(
                KNOWN_DEVICE_COOKIE,
                signing.dumps(ids[-_KNOWN_DEVICE_PEOPLE:], salt=_KNOWN_DEVICE_SALT),
                max_age=KNOWN_DEVICE_MAX_AGE,
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Lax",
            )
        return response


class ThrottledModelBackend(ModelBackend):
    """ModelBackend behind limits 2 and 3: refuse before the password is even checked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None:
            return super().authenticate(request, username, password, **kwargs)
        email = str(username).strip().lower()
        wait = wait_seconds(request, email)
        if wait > 0:
            _refuse(request, wait)
        user = super().authenticate(request, username=email, password=password, **kwargs)
        if user is None:
            record_failure(request, email)
        else:
            record_success(request, user)
        return user


def _refuse(request, wait: float):
    """Stop authenticate() here, flagged as axes flags its lock-outs (see the module docstring)."""
    request.axes_locked_out = True
    request.sign_in_wait = wait
    raise PermissionDenied("sign-in throttled")


def sign_in_wait(request) -> float:
    """Seconds a refused sign-in must wait: ours when we refused, else axes' cool-off."""
    wait = getattr(request, "sign_in_wait", None)
    if wait is not None:
        return wait
    return (get_cool_off(request) or timedelta(0)).total_seconds()


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the page that says how long to wait, with Retry-After."""
    wait = max(1, int(sign_in_wait(request) + 0.999))
    context = {"wait_seconds": wait, "wait_minutes": (wait + 59) // 60}
    response = render(request, "platform/locked_out.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response
