"""Puts each request on its regency's schema, or the public one, or refuses it."""

from django.conf import settings
from django.db import connection
from django.shortcuts import render
from django.urls import set_urlconf
from django.utils.translation import gettext as _

from sukma.tenants.models import RegencyStatus
from sukma.tenants.resolve import HostKind, resolve_host


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
            return self._refuse(request, 404, _("No regency is served at this address."))
        if resolution.kind is HostKind.PUBLIC:
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return self.get_response(request)

        regency = resolution.regency
        if regency.status == RegencyStatus.SUSPENDED:
            return self._refuse(
                request,
                503,
                _(
                    "The survey service of %(name)s is suspended for now. "
                    "Its data is kept safe; please try again later."
                )
                % {"name": regency.name},
            )
        if regency.status != RegencyStatus.ACTIVE:
            return self._refuse(request, 404, _("No regency is served at this address."))
        request.tenant = regency
        connection.set_tenant(regency)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, status: int, message: str):
        return render(request, "tenants/unavailable.html", {"message": message}, status=status)
