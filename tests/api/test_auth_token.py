"""POST /api/v1/auth/token/: a new, expiring, hashed token per sign-in; throttled; revocable."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone

from sukma.access.models import ApiToken, AuditEvent, Membership, Role, User
from sukma.access.tokens import token_issue, tokens_revoke_all
from tests.api.conftest import api_client, assert_error_shape
from tests.conftest import PASSWORD, PUBLIC_HOST, TULUNGAGUNG_HOST
from tests.second_factor import code_for, device_for, mark_verified

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/token/"


def sign_in(user, host=PUBLIC_HOST, **extra):
    """The body an admin sends: e-mail, password and the app's current code."""
    return {"email": user.email, "password": PASSWORD, "otp": code_for(device_for(user)), **extra}


@pytest.fixture
def operator(personas):
    """An agency operator of Tulungagung: no second factor needed."""
    user = User.objects.create_user("operator@dinkes.tulungagungkab.go.id", PASSWORD)
    Membership.objects.create(
        user=user, role=Role.AGENCY_OPERATOR, regency=personas.tulungagung, agency_id=1
    )
    return user


def test_province_admin_exchanges_email_password_and_code_for_a_working_token(personas):
    client = api_client(PUBLIC_HOST)
    response = client.post(URL, sign_in(personas.province_admin, name="laporan"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    token = body["token"]
    assert body["name"] == "laporan" and token.startswith(body["prefix"])
    expires = datetime.datetime.fromisoformat(body["expires_at"])
    assert expires - timezone.now() > datetime.timedelta(days=settings.API_TOKEN_DAYS - 1)

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/regencies/").status_code == 200


def test_a_new_token_comes_back_on_each_sign_in_and_none_is_stored_in_clear(operator):
    body = {"email": operator.email, "password": PASSWORD}
    first = api_client(PUBLIC_HOST).post(URL, body, format="json").json()["token"]
    second = api_client(PUBLIC_HOST).post(URL, body, format="json").json()["token"]
    assert first != second
    stored = ApiToken.objects.filter(user=operator)
    assert stored.count() == 2
    for row in stored.values():
        assert first not in str(row.values()) and second not in str(row.values())
    assert AuditEvent.objects.filter(action="api_token.issue", actor=operator).count() == 2


def test_an_admin_without_the_code_gets_no_token(personas):
    device_for(personas.province_admin)
    body = {"email": personas.province_admin.email, "password": PASSWORD}
    error = assert_error_shape(api_client(PUBLIC_HOST).post(URL, body, format="json"), 400)
    assert set(error["errors"]) == {"otp"}
    body["otp"] = "000000"
    assert_error_shape(api_client(PUBLIC_HOST).post(URL, body, format="json"), 400)
    assert not ApiToken.objects.filter(user=personas.province_admin).exists()


def test_an_admin_who_has_not_set_up_a_second_factor_gets_no_token(personas):
    body = {"email": personas.kediri_admin.email, "password": PASSWORD, "otp": "123456"}
    error = assert_error_shape(api_client(PUBLIC_HOST).post(URL, body, format="json"), 400)
    assert set(error["errors"]) == {"otp"}


def test_an_expired_token_is_a_401(operator):
    token, secret = token_issue(operator)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    client = api_client(TULUNGAGUNG_HOST)
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    response = client.get("/api/v1/regency/")
    assert_error_shape(response, 401)
    assert response["WWW-Authenticate"] == "Token"


def test_a_made_up_or_old_clear_text_style_token_is_a_401(operator):
    client = api_client(TULUNGAGUNG_HOST)
    for value in ["0123456789abcdef0123456789abcdef01234567", "x" * 5000, "a b"]:
        client.credentials(HTTP_AUTHORIZATION=f"Token {value}")
        assert_error_shape(client.get("/api/v1/regency/"), 401)


def test_password_change_revokes_every_token_with_a_401_after(operator):
    _token, secret = token_issue(operator)
    token_issue(operator)
    assert tokens_revoke_all(operator, reason="password_changed") == 2
    assert tokens_revoke_all(operator, reason="password_changed") == 0
    client = api_client(TULUNGAGUNG_HOST)
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert_error_shape(client.get("/api/v1/regency/"), 401)
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 2


def test_a_deactivated_user_s_token_is_a_401(operator):
    _token, secret = token_issue(operator)
    operator.is_active = False
    operator.save()
    client = api_client(TULUNGAGUNG_HOST)
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert_error_shape(client.get("/api/v1/regency/"), 401)


def test_the_owner_lists_and_revokes_their_token(operator):
    token, secret = token_issue(operator, name="skrip")
    client = api_client(TULUNGAGUNG_HOST)
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    listed = client.get("/api/v1/auth/tokens/").json()
    assert [(t["id"], t["name"], t["prefix"]) for t in listed] == [
        (token.pk, "skrip", token.prefix)
    ]
    assert "token" not in listed[0]
    assert client.delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 204
    assert_error_shape(client.get("/api/v1/auth/tokens/"), 401)


def test_signing_out_revokes_the_token_sent(operator):
    _token, secret = token_issue(operator)
    client = api_client(TULUNGAGUNG_HOST)
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert client.delete(URL).status_code == 204
    assert_error_shape(client.get("/api/v1/regency/"), 401)


def test_a_regency_admin_revokes_their_operator_s_token_but_not_another_regency_s(
    personas, operator
):
    token, _secret = token_issue(operator)
    kediri = api_client(PUBLIC_HOST, personas.kediri_admin)
    assert kediri.delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 404
    tulungagung = api_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    assert token.pk in [t["id"] for t in tulungagung.get("/api/v1/auth/tokens/").json()]
    assert tulungagung.delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 204
    token.refresh_from_db()
    assert token.revoked_at and token.revoked_reason == "revoked_by_admin"
    event = AuditEvent.objects.get(action="api_token.revoke", target_id=str(token.pk))
    assert event.actor == personas.tulungagung_admin


def test_a_regency_admin_cannot_revoke_the_province_admin_s_token(personas):
    token, _secret = token_issue(personas.province_admin)
    client = api_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    assert client.delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_province_admin_revokes_anyone_s_token(personas):
    token, _secret = token_issue(personas.kediri_admin)
    client = api_client(PUBLIC_HOST, personas.province_admin)
    assert client.delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_email_is_matched_whatever_its_case(operator):
    body = {"email": operator.email.upper(), "password": PASSWORD}
    assert api_client(PUBLIC_HOST).post(URL, body, format="json").status_code == 201


def test_a_form_post_works_as_well_as_json(operator):
    body = {"email": operator.email, "password": PASSWORD}
    assert api_client(PUBLIC_HOST).post(URL, body).status_code == 201


def test_regency_admin_gets_a_token_on_their_own_host(personas):
    client = api_client(TULUNGAGUNG_HOST)
    response = client.post(URL, sign_in(personas.tulungagung_admin), format="json")
    assert response.status_code == 201
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/regency/").status_code == 200


def test_wrong_password_is_refused_in_indonesian(personas):
    body = {"email": personas.province_admin.email, "password": "salah"}
    response = api_client(PUBLIC_HOST, language="id").post(URL, body, format="json")
    error = assert_error_shape(response, 400)
    assert error["detail"] == "Tidak dapat masuk dengan data pengguna ini."
    assert error["errors"] == {"non_field_errors": [error["detail"]]}
    assert not ApiToken.objects.filter(user=personas.province_admin).exists()


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
    user = User.objects.get(pk=personas.kediri_admin.pk)  # not the session's persona object
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
    mark_verified(client, personas.province_admin)
    assert client.post(URL, sign_in(personas.province_admin), format="json").status_code == 201


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
    assert not ApiToken.objects.filter(user=personas.kediri_admin).exists()


def test_a_lock_out_of_one_email_leaves_others_free(personas):
    client = api_client(PUBLIC_HOST)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(URL, {"email": personas.kediri_admin.email, "password": "x"}, format="json")
    assert client.post(URL, sign_in(personas.province_admin), format="json").status_code == 201
