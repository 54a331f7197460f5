"""Forgotten and changed passwords: single-use expiring links, no hint, tokens revoked."""

import re
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from sukma.access.models import AuditEvent, Membership, Role, User
from tests.conftest import PASSWORD, PUBLIC_HOST, TULUNGAGUNG_HOST, host_client

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Bengawan-Brantas-77"


@pytest.fixture
def operator(personas):
    user = User.objects.create_user("loket@dukcapil.tulungagungkab.go.id", PASSWORD)
    Membership.objects.create(
        user=user, role=Role.AGENCY_OPERATOR, regency=personas.tulungagung, agency_id=1
    )
    return user


def ask_for_link(host: str, email: str):
    return host_client(host).post(reverse("password_forgot"), {"email": email})


def link_in(message) -> str:
    return re.search(r"https?://\S+/akun/sandi-baru/\S+/", message.body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


@pytest.mark.parametrize("host", [PUBLIC_HOST, TULUNGAGUNG_HOST])
def test_the_sign_in_page_links_to_the_forgotten_password_page(host, personas):
    page = host_client(host).get(reverse("login")).content.decode()
    assert reverse("password_forgot") in page
    assert "Lupa kata sandi?" in page


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(personas):
    known = ask_for_link(PUBLIC_HOST, personas.province_admin.email)
    unknown = ask_for_link(PUBLIC_HOST, "tidak.ada@jatimprov.go.id")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_forgot_sent")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [personas.province_admin.email]
    page = host_client(PUBLIC_HOST).get(known["Location"]).content.decode()
    assert "Jika alamat itu milik akun SuKMa" in page


def test_the_link_is_on_the_host_it_was_asked_from_and_in_indonesian(operator):
    ask_for_link(TULUNGAGUNG_HOST, operator.email)
    message = mail.outbox[0]
    assert link_in(message).startswith(f"http://{TULUNGAGUNG_HOST}")
    assert "kata sandi baru" in message.subject.lower()
    assert "hanya berlaku sekali" in message.body
    assert AuditEvent.objects.filter(
        action="password.reset_requested", target_id=str(operator.pk)
    ).exists()


def test_a_reset_link_works_once_and_revokes_every_api_token(operator):
    from sukma.access.tokens import token_issue, token_lookup

    _token, secret = token_issue(operator, name="laptop")
    assert token_lookup(secret) is not None
    ask_for_link(TULUNGAGUNG_HOST, operator.email)
    link = path_of(link_in(mail.outbox[0]))
    client = host_client(TULUNGAGUNG_HOST)
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == reverse("login")
    operator.refresh_from_db()
    assert operator.check_password(NEW_PASSWORD)
    assert token_lookup(secret) is None
    assert AuditEvent.objects.filter(action="password.reset", target_id=str(operator.pk)).exists()
    again = host_client(TULUNGAGUNG_HOST).get(link, follow=True).content.decode()
    assert "Tautan ini sudah tidak berlaku" in again


def test_a_reset_link_expires(operator, settings):
    ask_for_link(TULUNGAGUNG_HOST, operator.email)
    link = path_of(link_in(mail.outbox[0]))
    later = datetime.now() + timedelta(hours=settings.PASSWORD_RESET_LINK_HOURS, minutes=5)
    with mock.patch("sukma.platform.views_account.ResetLinkTokens._now", return_value=later):
        page = host_client(TULUNGAGUNG_HOST).get(link, follow=True).content.decode()
    assert "Tautan ini sudah tidak berlaku" in page


def test_an_invitation_link_is_not_a_reset_link(operator):
    from django.contrib.auth.tokens import default_token_generator

    from sukma.platform.views_account import reset_link_tokens

    assert not reset_link_tokens.check_token(operator, default_token_generator.make_token(operator))


def test_a_common_password_is_refused_in_indonesian(operator):
    client = host_client(TULUNGAGUNG_HOST, operator)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "password123", "new_password2": "password123"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kata sandi ini terlalu umum" in page
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)


def test_a_wrong_current_password_is_said_plainly(operator):
    client = host_client(TULUNGAGUNG_HOST, operator)
    response = client.post(
        reverse("password_change"),
        {"old_password": "salah", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "Itu bukan kata sandi Anda saat ini" in response.content.decode()


def test_changing_the_password_keeps_the_session_and_revokes_tokens(operator):
    from sukma.access.tokens import token_issue, token_lookup

    _token, secret = token_issue(operator, name="skrip")
    client = host_client(TULUNGAGUNG_HOST, operator)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == reverse("account")
    assert client.get(reverse("account")).status_code == 200
    assert token_lookup(secret) is None
    assert AuditEvent.objects.filter(action="password.changed", target_id=str(operator.pk)).exists()


def test_the_change_page_needs_a_signed_in_person(db):
    response = host_client(PUBLIC_HOST).get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith("/masuk/")
