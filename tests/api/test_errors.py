"""sukma.api.errors: every failure, whatever raised it, answers {"detail", "errors"}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from rest_framework import exceptions

from sukma.api.errors import exception_handler
from tests.api.conftest import api_client
from tests.conftest import PUBLIC_HOST


def _handle(exc):
    response = exception_handler(exc, {})
    return response.status_code, response.data


def test_a_service_validation_error_with_fields_becomes_a_400_per_field():
    exc = DjangoValidationError({"status": "Cannot.", "signed_on": ["Needed.", "Really."]})
    status, body = _handle(exc)
    assert status == 400
    assert body == {
        "detail": "Cannot.",
        "errors": {"status": ["Cannot."], "signed_on": ["Needed.", "Really."]},
    }


def test_a_service_validation_error_without_fields_is_non_field():
    status, body = _handle(DjangoValidationError(["One.", "Two."]))
    assert status == 400
    assert body == {"detail": "One.", "errors": {"non_field_errors": ["One.", "Two."]}}


def test_a_parameterised_service_message_is_interpolated():
    exc = DjangoValidationError("Code %(code)s taken.", params={"code": "35.04"})
    assert _handle(exc)[1]["detail"] == "Code 35.04 taken."


def test_nested_serializer_errors_are_flattened_to_dotted_fields():
    exc = exceptions.ValidationError({"steps": [{}, {"name": ["Required."]}], "to": ["Bad."]})
    status, body = _handle(exc)
    assert status == 400
    assert body["errors"] == {"steps.1.name": ["Required."], "to": ["Bad."]}
    assert body["detail"] == "Required."


def test_a_bare_validation_message_is_non_field():
    assert _handle(exceptions.ValidationError("Nope."))[1] == {
        "detail": "Nope.",
        "errors": {"non_field_errors": ["Nope."]},
    }


def test_django_404_and_permission_denied_keep_the_shape_in_indonesian():
    with translation.override("id"):
        assert _handle(Http404("secret object name")) == (
            404,
            {"detail": "Data tidak ditemukan.", "errors": {}},
        )
        status, body = _handle(PermissionDenied())
    assert status == 403
    assert body == {
        "detail": "Anda tidak memiliki izin untuk melakukan tindakan ini.",
        "errors": {},
    }


def test_other_api_errors_keep_their_status_and_message():
    status, body = _handle(exceptions.MethodNotAllowed("DELETE"))
    assert status == 405
    assert body["errors"] == {} and "DELETE" in body["detail"]


def test_unexpected_exceptions_are_left_to_django():
    assert exception_handler(RuntimeError("boom"), {}) is None


def test_a_body_over_the_upload_limit_is_a_json_413(personas, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = b'{"scope": "' + b"x" * 2048 + b'"}'
    client = api_client(PUBLIC_HOST, personas.province_admin, language="en")
    response = client.post("/api/v1/agreements/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "The request is too large.", "errors": {}}


def test_too_many_form_fields_is_a_json_400(province_api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = {f"f{i}": "x" for i in range(50)}
    response = province_api.post("/api/v1/agreements/", fields)
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}
