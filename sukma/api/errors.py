"""Every API error has one shape: {"detail": ..., "errors": {field: [messages]}}.

Messages are in the request's language (LocaleMiddleware has activated it).
Django's ValidationError, raised by the services, becomes a 400 here so that
no service needs to know it is behind REST.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = "non_field_errors"


def _as_lists(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            key: [str(m) for m in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
    if isinstance(detail, list):
        return {NON_FIELD: [str(m) for m in detail]}
    return {}


def _from_django(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for m in DjangoValidationError(errors).messages]
            for field, errors in exc.error_dict.items()
        }
    return {NON_FIELD: [str(m) for m in exc.messages]}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        errors = _from_django(exc)
        first = next(iter(errors.values()))[0]
        return Response({"detail": first, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _as_lists(exc.detail)
        first = next(iter(errors.values()), [_("Invalid input.")])[0]
        response.data = {"detail": first, "errors": errors}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        response.data = {"detail": str(detail), "errors": {}}
    return response
