"""A regency admin invites an operator on the page; the operator accepts and lands at work."""

import re

import pytest
from django.core import mail
from django.db import connection

from sukma.surveys.models import Agency
from tests.cleanup import remove_agency
from tests.conftest import PASSWORD
from tests.second_factor import browser_sign_in

pytestmark = pytest.mark.browser
REGENCY = "tulungagungkab"
EMAIL = "operator.baru@dinkes.tulungagungkab.go.id"
NEW_PASSWORD = "Puskesmas-Ngunut-2026"


@pytest.fixture
def dinkes(personas, committed):
    connection.set_tenant(personas.tulungagung)
    agency = Agency.objects.create(name="Dinas Kesehatan", short_name="Dinkes", kind="dinas")
    connection.set_schema_to_public()
    yield agency
    remove_agency(personas.tulungagung, agency.pk)


def test_an_invited_operator_sets_a_password_and_lands_on_their_agencys_dashboard(
    site, browser_context, chromium, personas, dinkes
):
    admin = browser_context.new_page()
    browser_sign_in(
        admin, site.url("/masuk/", subdomain=REGENCY), personas.tulungagung_admin.email, PASSWORD
    )
    admin.goto(site.url("/kelola/orang/", subdomain=REGENCY))
    admin.click("text=Undang orang")
    admin.fill("input[name=email]", EMAIL)
    admin.fill("input[name=full_name]", "Operator Dinkes")
    admin.select_option("select[name=role]", "agency_operator")
    admin.select_option("select[name=agency]", label="Dinas Kesehatan")
    mail.outbox.clear()
    admin.click("form.form button[type=submit]")
    admin.wait_for_url(site.url("/kelola/orang/", subdomain=REGENCY))
    row = admin.locator(f'tr[data-email="{EMAIL}"]')
    assert "Dinas Kesehatan" in row.inner_text() and "Diundang" in row.inner_text()

    assert [message.to for message in mail.outbox] == [[EMAIL]]
    body = mail.outbox[0].body
    set_password, sign_in = re.findall(r"http://\S+", body)
    assert "/akun/atur-sandi/" in set_password and sign_in.endswith("/masuk/?next=/dasbor/")

    operator = chromium.new_context(locale="id-ID").new_page()
    operator.set_default_timeout(15_000)
    operator.goto(set_password)
    operator.fill("input[name=new_password1]", NEW_PASSWORD)
    operator.fill("input[name=new_password2]", NEW_PASSWORD)
    operator.click("form.form button[type=submit]")
    operator.wait_for_url("**/masuk/**")

    operator.goto(sign_in)
    operator.fill("input[name=username]", EMAIL)
    operator.fill("input[name=password]", NEW_PASSWORD)
    operator.click("form.form button[type=submit]")
    operator.wait_for_url(site.url(f"/dasbor/opd/{dinkes.pk}/", subdomain=REGENCY))
    assert "Dinas Kesehatan" in operator.content()
    operator.context.close()
