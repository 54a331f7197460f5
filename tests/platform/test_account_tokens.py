"""A person's own API tokens on their account page: listed, and revoked by them (401 after)."""

import pytest

from sukma.access.models import AuditEvent
from sukma.access.tokens import token_issue
from tests.api.conftest import api_client
from tests.conftest import PUBLIC_HOST, TULUNGAGUNG_HOST, host_client

pytestmark = pytest.mark.django_db


def test_the_owner_sees_and_revokes_a_token_and_the_app_gets_401(personas):
    admin = personas.tulungagung_admin
    token, secret = token_issue(admin, name="Aplikasi rekap")
    app = api_client(TULUNGAGUNG_HOST)
    app.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert app.get("/api/v1/regency/").status_code == 200
    page = host_client(TULUNGAGUNG_HOST, admin)
    html = page.get("/akun/").content.decode()
    assert f'id="token-{token.pk}"' in html and "Aplikasi rekap" in html
    assert secret not in html  # only its prefix is ever shown again
    assert page.post(f"/akun/token/{token.pk}/cabut/").status_code == 302
    assert app.get("/api/v1/regency/").status_code == 401
    assert AuditEvent.objects.filter(target_id=str(token.pk), actor=admin).exists()


def test_nobody_revokes_anothers_token_from_their_account_page(personas):
    token, secret = token_issue(personas.tulungagung_admin)
    other = host_client(PUBLIC_HOST, personas.kediri_admin)
    assert other.post(f"/akun/token/{token.pk}/cabut/").status_code == 404
    app = api_client(TULUNGAGUNG_HOST)
    app.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert app.get("/api/v1/regency/").status_code == 200
