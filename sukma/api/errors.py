"""Every API error has one shape: {"detail": ..., "errors": {field: [messages]}}.

Messages are in the request's language (LocaleMiddleware has activated it).
Django's ValidationError, raised by the services, becomes a 400 here so that
no service needs to know it is behind REST. "detail" is always one readable
sentence; "errors" names the fields at fault (empty when none is).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = "non_field_errors"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _lazy("The request is too large.")
    default_code = "request_too_large"


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF error details, however nested, as {"field" or "field.0.sub": [messages]}."""
    if isinstance(detail, dict):
        errors: dict[str, list[str]] = {}
        for key, value in detail.items():
            errors.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return errors
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        errors = {}
        for index, item in enumerate(detail):
            errors.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return errors
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or NON_FIELD: [str(m) for m in messages]} if messages else {}


def _from_django(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for m in DjangoValidationError(errors).messages]
            for field, errors in exc.error_dict.items()
        }
    return {NON_FIELD: [str(m) for m in exc.messages]}


def _invalid(errors: dict[str, list[str]]) -> dict:
    first = next((messages[0] for messages in errors.values() if messages), _("Invalid input."))
    return {"detail": first, "errors": errors}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        return Response(_invalid(_from_django(exc)), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        # Raised by Django while DRF reads the body; unhandled it is an HTML page.
        exc = RequestTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _invalid(_flatten(exc.detail))
    else:
        response.data = {"detail": str(exc.detail), "errors": {}}
    return response
