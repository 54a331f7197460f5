"""The gate after the password: a session that owes a second factor reaches nothing else.

Signed in, and required to have a second factor (sukma.access.second_factor.
requires_second_factor) but not yet verified in this session: every page
except signing out, the code page and the setup page sends the person to
the code page, or to setup when an admin has none yet. Session calls to
the API get 403; token calls are not sessions and pass (token creation
asks for the code itself).

This holds for every way a session is made, force_login included: tests
mark their sessions verified with a real device (tests/second_factor.py).
People who owe nothing are remembered in the session for a few minutes so
that an operator's page does not query devices on every request.
"""

import time
from urllib.parse import quote

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from sukma.access.second_factor import has_second_factor, requires_second_factor

# Pages a session that owes its second factor may still open.
OPEN_PAGES = frozenset(
    {
        "login",
        "logout",
        "set_language",
        "second_factor_verify",
        "second_factor_setup",
        "form_expired",
    }
)
FREE_UNTIL_KEY = "sukma_second_factor_free_until"
FREE_FOR_SECONDS = 300


class SecondFactorGate:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.url_name in OPEN_PAGES:
            return None
        if not self._owes(request, user):
            return None
        if match is not None and match.route.startswith("api/"):
            return JsonResponse(
                {"detail": _("Enter your second factor code on the sign-in page first.")},
                status=403,
            )
        page = "second_factor_verify" if has_second_factor(user) else "second_factor_setup"
        return redirect(f"{reverse(page)}?next={quote(request.get_full_path())}")

    @staticmethod
    def _owes(request, user) -> bool:
        """requires_second_factor, with a 'no' remembered for a few minutes in the session."""
        remembered = request.session.get(FREE_UNTIL_KEY)
        if remembered and remembered[0] == user.pk and remembered[1] > time.time():
            return False
        if requires_second_factor(user):
            request.session.pop(FREE_UNTIL_KEY, None)
            return True
        request.session[FREE_UNTIL_KEY] = (user.pk, time.time() + FREE_FOR_SECONDS)
        return False
