"""Puts each request on its regency's schema, or the public one, or refuses it."""

from django.conf import settings
from django.db import connection
from django.urls import set_urlconf
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from sukma.errors import error_response, request_language
from sukma.tenants.migration_state import code_fingerprint, regency_is_current
from sukma.tenants.models import RegencyStatus
from sukma.tenants.resolve import HostKind, resolve_host

_NOT_SERVED = _("No regency is served at this address.")
_SUSPENDED = _(
    "The survey service of %(name)s is suspended for now. "
    "Its data is kept safe; please try again later."
)
_BEING_UPDATED = _(
    "The survey service of %(name)s is being updated. Please try again in a few minutes."
)
# A deploy migrates a regency in seconds: ask browsers and API clients to come back soon.
_UPDATE_RETRY_SECONDS = 60


class RegencyMiddleware:
    """First in the stack: nothing runs before the schema is chosen."""

    def __init__(self, get_response):
        self.get_response = get_response
        code_fingerprint()  # the migration graph read once, at start-up, not in a request

    def __call__(self, request):
        connection.set_schema_to_public()
        # On the base domain request.tenant stays unset: django-tenants' admin templates
        # read "no tenant attribute" as the public schema (and fail on None).
        resolution = resolve_host(request.META.get("HTTP_HOST", ""))
        if resolution.kind is HostKind.UNKNOWN:
            return self._refuse(request, 404, _NOT_SERVED)
        if resolution.kind is HostKind.PUBLIC:
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return self.get_response(request)

        regency = resolution.regency
        if regency.status == RegencyStatus.SUSPENDED:
            return self._refuse(request, 503, _SUSPENDED, name=regency.name)
        if regency.status != RegencyStatus.ACTIVE:
            return self._refuse(request, 404, _NOT_SERVED)
        if not regency_is_current(regency):
            # Its schema is behind the code (a deploy is migrating it, or it failed): a clear
            # answer now rather than a missing column inside the request.
            return self._refuse(
                request, 503, _BEING_UPDATED, retry_after=_UPDATE_RETRY_SECONDS, name=regency.name
            )
        request.tenant = regency
        connection.set_tenant(regency)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, status: int, message, retry_after: int | None = None, **values):
        # Before LocaleMiddleware and before any regency is chosen: the message is translated
        # here, in the visitor's language, and the page needs nothing of the request.
        with translation.override(request_language(request)):
            text = str(message) % values if values else str(message)
        if retry_after is None and status == 503:
            retry_after = 3600
        return error_response(request, status, text, retry_after=retry_after, with_context=False)
