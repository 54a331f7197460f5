"""The reader's display choice: large text and high contrast, on every citizen and public page.

A plain link (``?tampilan=besar``, back with ``?tampilan=biasa``) switches it,
so it works without JavaScript; a cookie remembers it for the next pages. The
middleware reads the choice once per request and sets or clears the cookie;
the context processor hands the layouts a flag (they add the class ``besar``
to ``<html>``) and the link that switches to the other mode, on the same page
with its other query parameters kept.
"""

from django.http import QueryDict

PARAMETER = "tampilan"
COOKIE = "sukma_tampilan"
LARGE = "besar"
NORMAL = "biasa"
COOKIE_AGE = 365 * 24 * 3600


def _asked(request) -> str | None:
    """`besar` or `biasa` when this request's link asks for it, else None."""
    if not request.META.get("QUERY_STRING"):
        return None  # a citizen's POST has no query: nothing to parse on the hot path
    wanted = request.GET.get(PARAMETER)
    return wanted if wanted in (LARGE, NORMAL) else None


class DisplayModeMiddleware:
    """Sets ``request.display_large``; remembers a switch made by a link in a cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        asked = _asked(request)
        if asked is None:
            request.display_large = request.COOKIES.get(COOKIE) == LARGE
            return self.get_response(request)
        request.display_large = asked == LARGE
        response = self.get_response(request)
        if request.display_large:
            response.set_cookie(
                COOKIE,
                LARGE,
                max_age=COOKIE_AGE,
                samesite="Lax",
                httponly=True,
                secure=request.is_secure(),
            )
        else:
            response.delete_cookie(COOKIE, samesite="Lax")
        return response


def _switch_link(request, large: bool) -> str:
    """This page with the other display mode asked for: a query alone, relative to the page,
    so the page's own path (a tracking code, say) is not written into it once more."""
    query = QueryDict(request.META.get("QUERY_STRING", ""), mutable=True)
    query[PARAMETER] = NORMAL if large else LARGE
    return f"?{query.urlencode()}"


def display(request) -> dict:
    """Template context: whether this page is shown large, and the link to the other mode."""
    large = getattr(request, "display_large", False)
    return {"display_large": large, "display_switch": _switch_link(request, large)}
