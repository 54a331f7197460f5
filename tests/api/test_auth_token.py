"""POST /api/v1/auth/token/: e-mail and password for a token, throttled by django-axes."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from rest_framework.authtoken.models import Token

from tests.api.conftest import api_client, assert_error_shape
from tests.conftest import PASSWORD, PUBLIC_HOST, TULUNGAGUNG_HOST

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/token/"


def test_province_admin_exchanges_email_and_password_for_a_working_token(personas):
    client = api_client(PUBLIC_HOST)
    response = client.post(
        URL, {"email": personas.province_admin.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=personas.province_admin).key

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/regencies/").status_code == 200


def test_the_same_token_comes_back_on_the_next_sign_in(personas):
    body = {"email": personas.province_admin.email, "password": PASSWORD}
    first = api_client(PUBLIC_HOST).post(URL, body, format="json").json()["token"]
    second = api_client(PUBLIC_HOST).post(URL, body, format="json").json()["token"]
    assert first == second


def test_email_is_matched_whatever_its_case(personas):
    body = {"email": personas.province_admin.email.upper(), "password": PASSWORD}
    assert api_client(PUBLIC_HOST).post(URL, body, format="json").status_code == 200


def test_a_form_post_works_as_well_as_json(personas):
    body = {"email": personas.province_admin.email, "password": PASSWORD}
    assert api_client(PUBLIC_HOST).post(URL, body).status_code == 200


def test_regency_admin_gets_a_token_on_their_own_host(personas):
    client = api_client(TULUNGAGUNG_HOST)
    body = {"email": personas.tulungagung_admin.email, "password": PASSWORD}
    response = client.post(URL, body, format="json")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/regency/").status_code == 200


def test_wrong_password_is_refused_in_indonesian(personas):
    body = {"email": personas.province_admin.email, "password": "salah"}
    response = api_client(PUBLIC_HOST, language="id").post(URL, body, format="json")
    error = assert_error_shape(response, 400)
    assert error["detail"] == "Tidak dapat masuk dengan data pengguna ini."
    assert error["errors"] == {"non_field_errors": [error["detail"]]}
    assert not Token.objects.filter(user=personas.province_admin).exists()


def test_wrong_password_is_refused_in_english(personas):
    body = {"email": personas.province_admin.email, "password": "wrong"}
    response = api_client(PUBLIC_HOST, language="en").post(URL, body, format="json")
    assert assert_error_shape(response, 400)["detail"] == (
        "Unable to log in with provided credentials."
    )


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(personas):
    body = {"email": "nobody@jatimprov.go.id", "password": PASSWORD}
    response = api_client(PUBLIC_HOST, language="en").post(URL, body, format="json")
    assert assert_error_shape(response, 400)["detail"] == (
        "Unable to log in with provided credentials."
    )


def test_inactive_user_gets_no_token(personas):
    user = personas.kediri_admin
    user.is_active = False
    user.save()
    body = {"email": user.email, "password": PASSWORD}
    assert_error_shape(api_client(PUBLIC_HOST).post(URL, body, format="json"), 400)


def test_missing_fields_are_named_in_indonesian(personas):
    response = api_client(PUBLIC_HOST, language="id").post(URL, {}, format="json")
    error = assert_error_shape(response, 400)
    assert error["errors"] == {
        "email": ["Bidang ini harus diisi."],
        "password": ["Bidang ini harus diisi."],
    }


def test_drf_style_username_is_not_accepted_in_place_of_email(personas):
    body = {"username": personas.province_admin.email, "password": PASSWORD}
    response = api_client(PUBLIC_HOST, language="en").post(URL, body, format="json")
    assert assert_error_shape(response, 400)["errors"] == {"email": ["This field is required."]}


def test_malformed_email_is_a_clear_400(personas):
    body = {"email": "not-an-address", "password": PASSWORD}
    response = api_client(PUBLIC_HOST, language="id").post(URL, body, format="json")
    error = assert_error_shape(response, 400)
    assert "email" in error["errors"]
    assert "format yang benar" in error["errors"]["email"][0]


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[]", b'"text"', b"null", b'{"email": ["a"], "password": {"x": 1}}'],
    ids=["malformed", "list", "string", "null", "wrong-types"],
)
def test_malformed_or_mistyped_json_is_a_400_never_a_500(personas, raw):
    response = api_client(PUBLIC_HOST).post(URL, raw, content_type="application/json")
    assert_error_shape(response, 400)


def test_huge_values_are_refused_before_authenticating(personas):
    body = {"email": "a" * 100_000 + "@x.id", "password": "p" * 100_000}
    error = assert_error_shape(api_client(PUBLIC_HOST).post(URL, body, format="json"), 400)
    assert set(error["errors"]) == {"email", "password"}
    assert not AccessAttempt.objects.exists()


def test_a_session_cookie_does_not_make_the_token_endpoint_demand_csrf(personas):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True, HTTP_HOST=PUBLIC_HOST)
    client.force_login(personas.province_admin)
    body = {"email": personas.province_admin.email, "password": PASSWORD}
    assert client.post(URL, body, format="json").status_code == 200


def test_repeated_failures_lock_the_email_out_with_a_json_429(personas):
    email = personas.kediri_admin.email
    client = api_client(PUBLIC_HOST, language="en")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(URL, {"email": email, "password": "wrong"}, format="json")

    # Now even the right password is refused, as JSON, not the HTML lock-out page.
    response = client.post(URL, {"email": email, "password": PASSWORD}, format="json")
    error = assert_error_shape(response, 429)
    assert response["Content-Type"] == "application/json"
    assert "Too many failed sign-in attempts" in error["detail"]
    assert int(response["Retry-After"]) > 0
    assert AccessAttempt.objects.filter(username=email).exists()
    assert not Token.objects.filter(user=personas.kediri_admin).exists()


def test_a_lock_out_of_one_email_leaves_others_free(personas):
    client = api_client(PUBLIC_HOST)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(URL, {"email": personas.kediri_admin.email, "password": "x"}, format="json")
    body = {"email": personas.province_admin.email, "password": PASSWORD}
    assert client.post(URL, body, format="json").status_code == 200
