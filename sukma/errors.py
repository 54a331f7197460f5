"""Error answers people can read: 400, 403, 404, 429, 500 and 503, Indonesian first.

(Sign-in and citizens' 429s have pages of their own that say how long to wait:
platform/locked_out.html, surveys/citizen/too_many.html and complaints/track_too_many.html.
The 429 here answers staff who asked for more new background work than their limit allows,
sukma.access.work_limits: refreshes of the rankings and reports.)

Both URL confs name the handlers below, so with DEBUG off neither plane shows Django's bare
English pages. Under /api/ the answer is JSON in the API's one error shape
({"detail": ..., "errors": {}}), never an HTML page a client cannot parse.

500 and 503 render without the request's context processors: they may be answering because
the database is away, and a context processor that asks it would turn the page into a bare
500. A lost database connection is not the product's fault and usually lasts seconds, so
it answers 503 "try again in a moment" with Retry-After rather than "something broke".
So does work that needs the worker queue while the queue (Redis) is down: the sender
(sukma.background) raises BrokerUnavailable within seconds, after failing the job row it
made, and the answer says nothing was started and to try again.
"""

import sys
from datetime import timedelta

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import timezone, translation
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
# How long a client should wait after the database went away: a restart takes seconds.
DATABASE_RETRY_SECONDS = 10
# And after the worker queue was unreachable: a restarted Redis is back within a minute.
BROKER_RETRY_SECONDS = 30


class BrokerUnavailable(Exception):
    """The worker queue could not be reached; nothing was sent (raised by sukma.background)."""


class TooManyRequests(Exception):
    """A person started as much new work of one kind (`what`: "refresh" or "report") as
    `limit` allows within `window` seconds; the next may start in `retry_after` seconds."""

    def __init__(self, *, what: str, limit: int, window: int, retry_after: int):
        super().__init__(f"{what}: {limit} within {window} s; retry after {retry_after} s")
        self.what, self.limit, self.window, self.retry_after = what, limit, window, retry_after


def _titles() -> dict[int, tuple[str, str]]:
    """Per status: the page's heading and what the person can do about it."""
    return {
        400: (
            _("The request could not be read"),
            _("Something in the address or the form was not as expected. Go back and try again."),
        ),
        403: (
            _("Not allowed"),
            _("You do not have access to this page. If you need it, ask your administrator."),
        ),
        404: (
            _("Page not found"),
            _("The page you asked for does not exist or has moved. Check the address."),
        ),
        429: (
            _("Too many requests"),
            _("Please wait a little before asking again."),
        ),
        500: (
            _("Something went wrong on our side"),
            _("The error has been recorded. Please try again in a few minutes."),
        ),
        503: (
            _("Service temporarily unavailable"),
            _("The service is busy or being maintained. Please try again in a moment."),
        ),
    }


def error_response(
    request: HttpRequest,
    status: int,
    message: str = "",
    *,
    retry_after: int | None = None,
    with_context: bool = True,
) -> HttpResponse:
    """The error page for `status` (JSON under /api/); `message` replaces the default advice."""
    with translation.override(request_language(request)):
        return _error_response(request, status, message, retry_after, with_context)


def request_language(request: HttpRequest) -> str:
    """The visitor's language, also before LocaleMiddleware has run (a refused host)."""
    return getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(request)


def _error_response(request, status, message, retry_after, with_context) -> HttpResponse:
    title, advice = _titles()[status]
    message = message or advice
    if request.path.startswith(API_PREFIX):
        response = JsonResponse({"detail": message, "errors": {}}, status=status)
    else:
        context = {"status": status, "title": title, "message": message}
        page = loader.get_template("errors/page.html")
        body = page.render(context, request if with_context else None)
        response = HttpResponse(body, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def bad_request(request, exception=None):
    return error_response(request, 400)


def permission_denied(request, exception=None):
    return error_response(request, 403)


def page_not_found(request, exception=None):
    return error_response(request, 404)


def broker_unavailable(request) -> HttpResponse:
    """503: the work asked for needs the worker queue, which cannot be reached just now."""
    message = _(
        "The work queue cannot be reached just now, so nothing was started. "
        "Please try again in a minute."
    )
    return error_response(request, 503, message, retry_after=BROKER_RETRY_SECONDS)


def too_many_requests(request, error: TooManyRequests) -> HttpResponse:
    """429 with Retry-After: how much was started, and from what time the next may start."""
    with translation.override(request_language(request)):
        moment = timezone.localtime() + timedelta(seconds=error.retry_after)
        values = {
            "limit": error.limit,
            "minutes": max(1, error.window // 60),
            "time": moment.strftime("%H.%M"),
        }
        if error.what == "refresh":
            message = _(
                "You have started %(limit)d refreshes of the rankings within %(minutes)d "
                "minutes, the most allowed. A refresh already waiting or running is always "
                "shown to you. Please try again after %(time)s."
            )
        else:
            message = _(
                "You have asked for %(limit)d new reports within %(minutes)d minutes, the most "
                "allowed. Reports already made can still be downloaded. Please try again "
                "after %(time)s."
            )
        message = message % values
    return error_response(request, 429, message, retry_after=error.retry_after)


def server_error(request):
    """Django calls this inside its `except`, so the exception is still at hand."""
    if isinstance(sys.exc_info()[1], BrokerUnavailable):
        return broker_unavailable(request)
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return error_response(request, 503, retry_after=DATABASE_RETRY_SECONDS, with_context=False)
    return error_response(request, 500, with_context=False)
