"""The check on each API call: `Authorization: Token <secret>` against sukma.access.tokens.

Kept apart from the views (sukma/api/auth.py): DRF imports its
DEFAULT_AUTHENTICATION_CLASSES while rest_framework.views is still loading,
so this module must not import any view.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from sukma.access.tokens import token_lookup, token_touch

KEYWORD = "Token"


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <secret>`; a bad token is a 401 with `WWW-Authenticate: Token`."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            secret = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = token_lookup(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("The token is unknown, expired or revoked. Sign in again for a new one.")
            )
        token_touch(token)
        return token.user, token

    def authenticate_header(self, request):
        return KEYWORD
