"""A regency admin's second factor and forgotten password, in a real browser.

The admin signs in with a password and is sent to set up an authenticator app:
the code is computed from the secret shown on the page, as the phone would.
Then the recovery codes, signing out, signing in again with a code, an API
token taken with a code, and a new password through the e-mailed link, after
which that token is refused.
"""

import json
import re
import time

import pytest
from django.core import mail
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sukma.access.models import Membership, Role, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
REGENCY = "kedirikota"
NEW_PASSWORD = "Sungai-Brantas-Kediri-9"


def code_from_secret(secret: str, *, step_offset: int = 0) -> str:
    from base64 import b32decode

    key = b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    generator = TOTP(key, step=30, t0=0, digits=6)
    generator.time = time.time() + 30 * step_offset
    return f"{generator.token():06d}"


def call(page, method: str, path: str, *, body=None, token: str = "") -> tuple[int, str]:
    """An API call from the page's own origin, as an app on the admin's phone would make it."""
    return page.evaluate(
        """async ([method, path, body, token]) => {
            const headers = {"Content-Type": "application/json"};
            if (token) headers["Authorization"] = "Token " + token;
            const answer = await fetch(path, {method, headers, credentials: "omit",
                body: body ? JSON.stringify(body) : undefined});
            return [answer.status, await answer.text()];
        }""",
        [method, path, body, token],
    )


def submit(page) -> None:
    page.click("form.form button[type=submit]")


def sign_in_with_password(page, site, email: str, password: str) -> None:
    page.goto(site.url("/masuk/", subdomain=REGENCY))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    submit(page)


@pytest.fixture
def new_admin(personas, committed):
    user = User.objects.create_user("sekretariat@kedirikota.go.id", PASSWORD)
    Membership.objects.create(user=user, role=Role.REGENCY_ADMIN, regency=personas.kediri)
    return user


def test_an_admin_sets_up_totp_signs_in_with_it_and_resets_the_password(new_admin, site, page):
    sign_in_with_password(page, site, new_admin.email, PASSWORD)
    page.wait_for_url("**/akun/faktor-kedua/**")
    assert page.locator(".qr svg").count() == 1
    secret = page.text_content("#secret").strip()
    page.goto(site.url("/dasbor/", subdomain=REGENCY))
    assert "/akun/faktor-kedua/" in page.url, "nothing else opens before setup"
    page.fill("input[name=code]", code_from_secret(secret))
    submit(page)
    page.wait_for_url("**/kode-pemulihan/**")
    codes = page.locator("#recovery-codes code").all_text_contents()
    assert len(codes) == 10
    page.click("main a")
    page.click("header form[action$='/keluar/'] button")

    # Next step's code: the one used for setup cannot be used again in its 30 seconds.
    TOTPDevice.objects.filter(user=new_admin).update(last_t=-1)
    sign_in_with_password(page, site, new_admin.email, PASSWORD)
    page.wait_for_url("**/akun/verifikasi/**")
    page.fill("input[name=code]", code_from_secret(secret))
    submit(page)
    page.goto(site.url("/dasbor/", subdomain=REGENCY))
    assert "/dasbor/" in page.url
    page.click("header form[action$='/keluar/'] button")

    # An app of the admin's takes an API token, with the code as the second factor.
    TOTPDevice.objects.filter(user=new_admin).update(last_t=-1)
    body = {"email": new_admin.email, "password": PASSWORD, "otp": code_from_secret(secret)}
    status, issued = call(page, "POST", "/api/v1/auth/token/", body=body)
    assert status == 201, issued
    token = json.loads(issued)["token"]
    assert call(page, "GET", "/api/v1/regency/", token=token)[0] == 200

    mail.outbox.clear()
    page.goto(site.url("/masuk/", subdomain=REGENCY))
    page.click("a[href$='/akun/lupa-sandi/']")
    page.fill("input[name=email]", new_admin.email)
    submit(page)
    page.wait_for_url("**/lupa-sandi/terkirim/")
    link = re.search(r"https?://\S+/akun/sandi-baru/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.fill("input[name=new_password1]", "password")
    page.fill("input[name=new_password2]", "password")
    submit(page)
    assert "terlalu umum" in page.text_content("main")
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    submit(page)
    page.wait_for_url("**/masuk/")
    assert call(page, "GET", "/api/v1/regency/", token=token)[0] == 401  # the old token is dead

    TOTPDevice.objects.filter(user=new_admin).update(last_t=-1)
    sign_in_with_password(page, site, new_admin.email, NEW_PASSWORD)
    page.wait_for_url("**/akun/verifikasi/**")
    page.fill("input[name=code]", codes[0])
    submit(page)
    page.goto(site.url("/dasbor/", subdomain=REGENCY))
    assert "/dasbor/" in page.url
