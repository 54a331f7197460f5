"""Puts each request on its regency's schema, or the public one, or refuses it."""

from django.conf import settings
from django.db import connection
from django.urls import set_urlconf
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from sukma.errors import error_response, request_language
from sukma.tenants.models import RegencyStatus
from sukma.tenants.resolve import HostKind, resolve_host

_NOT_SERVED = _("No regency is served at this address.")
_SUSPENDED = _(
    "The survey service of %(name)s is suspended for now. "
    "Its data is kept safe; please try again later."
)


class RegencyMiddleware:
    """First in the stack: nothing runs before the schema is chosen."""

    def __init__(self, get_response):
        self.get_response = get_response

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
        request.tenant = regency
        connection.set_tenant(regency)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, status: int, message, **values):
        # Before LocaleMiddleware and before any regency is chosen: the message is translated
        # here, in the visitor's language, and the page needs nothing of the request.
        with translation.override(request_language(request)):
            text = str(message) % values if values else str(message)
        retry_after = 3600 if status == 503 else None
        return error_response(request, status, text, retry_after=retry_after, with_context=False)
