"""The second factor: setup, the code after the password, recovery codes, /admin/, resets."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from sukma.access import second_factor as factor
from sukma.access.models import AuditEvent, Membership, Role, User
from tests.conftest import KEDIRI_HOST, PASSWORD, PUBLIC_HOST, TULUNGAGUNG_HOST, host_client
from tests.second_factor import code_for, device_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(personas):
    user = User.objects.create_user("loket@dukcapil.tulungagungkab.go.id", PASSWORD)
    Membership.objects.create(
        user=user, role=Role.AGENCY_OPERATOR, regency=personas.tulungagung, agency_id=1
    )
    return user


def signed_in_with_password(host: str, user) -> Client:
    client = Client(HTTP_HOST=host)
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_who_must_have_a_second_factor(personas, operator):
    assert factor.requires_second_factor(personas.province_admin)
    assert factor.requires_second_factor(personas.tulungagung_admin)
    assert not factor.requires_second_factor(operator)
    device_for(operator)
    assert factor.requires_second_factor(operator), "enforced once an operator has one"


def test_an_admin_without_one_reaches_only_setup(personas):
    admin = personas.kediri_admin
    TOTPDevice.objects.filter(user=admin).delete()
    client = signed_in_with_password(KEDIRI_HOST, admin)
    for path in ["/dasbor/", "/kelola/", "/akun/", "/akun/ubah-sandi/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("second_factor_setup")), path
    assert client.get("/api/v1/regency/").status_code == 403


def test_setup_shows_qr_and_secret_then_ten_single_use_recovery_codes(operator):
    client = signed_in_with_password(TULUNGAGUNG_HOST, operator)
    page = client.get(reverse("second_factor_setup")).content.decode()
    assert "<svg" in page
    secret = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', page).group(1)
    device = TOTPDevice.objects.get(user=operator, confirmed=False)
    assert secret.replace(" ", "") in device.config_url
    response = client.post(reverse("second_factor_setup"), {"code": code_for(device)})
    assert response.status_code == 302
    codes_page = client.get(response["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z0-9]{10})</code></li>", codes_page)
    assert len(codes) == 10
    assert "<code>" not in client.get(reverse("second_factor_codes")).content.decode()
    assert factor.has_second_factor(operator)
    assert AuditEvent.objects.filter(action="second_factor.set_up", target_id=str(operator.pk))
    assert factor.second_factor_verify(operator, codes[0])
    assert not factor.second_factor_verify(operator, codes[0]), "a recovery code works once"
    assert factor.recovery_codes_left(operator) == 9


def test_a_wrong_setup_code_confirms_nothing(operator):
    client = signed_in_with_password(TULUNGAGUNG_HOST, operator)
    client.get(reverse("second_factor_setup"))
    response = client.post(reverse("second_factor_setup"), {"code": "000000"})
    assert "Kode itu salah" in response.content.decode()
    assert not factor.has_second_factor(operator)


def test_after_the_password_an_admin_enters_the_code(personas):
    admin = personas.tulungagung_admin
    device = device_for(admin)
    client = signed_in_with_password(TULUNGAGUNG_HOST, admin)
    response = client.get("/dasbor/")
    assert response["Location"].startswith(reverse("second_factor_verify"))
    wrong = client.post(reverse("second_factor_verify"), {"code": "123456", "next": "/dasbor/"})
    assert "Kode itu salah" in wrong.content.decode()
    assert AuditEvent.objects.filter(action="second_factor.failed", target_id=str(admin.pk))
    # django-otp now makes the app wait a second before the next try; a test need not.
    device.refresh_from_db()
    device.throttle_reset()
    right = client.post(
        reverse("second_factor_verify"), {"code": code_for(device), "next": "/dasbor/"}
    )
    assert right.status_code == 302 and right["Location"] == "/dasbor/"
    assert client.get("/dasbor/").status_code == 200


def test_a_code_is_not_accepted_twice(personas):
    admin = personas.tulungagung_admin
    device = device_for(admin)
    code = code_for(device)
    assert factor.second_factor_verify(admin, code)
    assert not factor.second_factor_verify(admin, code)


def test_a_recovery_code_signs_in_and_is_audited(personas):
    admin = personas.kediri_admin
    device_for(admin)
    codes = factor.recovery_codes_renew(admin)
    client = signed_in_with_password(KEDIRI_HOST, admin)
    response = client.post(reverse("second_factor_verify"), {"code": codes[3].upper()})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="second_factor.recovery_code_used").exists()
    assert not factor.second_factor_verify(admin, codes[3])


def test_a_password_alone_cannot_make_recovery_codes(personas):
    admin = personas.kediri_admin
    device_for(admin)
    client = signed_in_with_password(KEDIRI_HOST, admin)
    response = client.post(reverse("second_factor_codes"))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="second_factor.recovery_codes_renewed").exists()


def test_admin_site_needs_a_verified_session(personas):
    staff = User.objects.create_superuser("it@jatimprov.go.id", PASSWORD)
    unverified = Client(HTTP_HOST=PUBLIC_HOST)
    unverified.force_login(staff)
    response = unverified.get("/admin/")
    assert response.status_code == 302 and "/admin/" not in response["Location"].split("?")[0]
    verified = host_client(PUBLIC_HOST, staff)
    assert verified.get("/admin/").status_code == 200


def test_the_admin_site_itself_refuses_an_unverified_staff_session(personas):
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    staff = User.objects.create_superuser("it2@jatimprov.go.id", PASSWORD)
    request = RequestFactory().get("/admin/")
    staff.is_verified = lambda: False
    request.user = staff
    assert not django_admin.site.has_permission(request)


def reset_page(host: str, actor, target) -> tuple[Client, object]:
    client = host_client(host, actor)
    response = client.post(
        reverse("second_factor_reset_other"), {"email": target.email, "confirm": "on"}
    )
    return client, response


def test_a_province_admin_resets_a_regency_admins_factor(personas):
    target = personas.kediri_admin
    device_for(target)
    _client, response = reset_page(PUBLIC_HOST, personas.province_admin, target)
    assert response.status_code == 302
    assert not factor.has_second_factor(target)
    row = AuditEvent.objects.get(action="second_factor.reset", target_id=str(target.pk))
    assert row.actor == personas.province_admin


def test_a_regency_admin_resets_their_operators_factor_only(personas, operator):
    device_for(operator)
    _client, refused = reset_page(KEDIRI_HOST, personas.kediri_admin, operator)
    assert "tidak berwenang" in refused.content.decode()
    assert factor.has_second_factor(operator)
    _client, response = reset_page(TULUNGAGUNG_HOST, personas.tulungagung_admin, operator)
    assert response.status_code == 302
    assert not factor.has_second_factor(operator)
    row = AuditEvent.objects.get(action="second_factor.reset", target_id=str(operator.pk))
    assert row.regency_id == personas.tulungagung.pk


def test_a_lower_role_cannot_reset_a_higher_ones_factor(personas, operator):
    device_for(personas.tulungagung_admin)
    device_for(operator)
    assert not factor.second_factor_reset(operator, personas.tulungagung_admin)
    assert not factor.second_factor_reset(personas.tulungagung_admin, personas.province_admin)
    assert not factor.second_factor_reset(personas.tulungagung_admin, personas.tulungagung_admin)
    assert factor.has_second_factor(personas.tulungagung_admin)
    assert not AuditEvent.objects.filter(action="second_factor.reset").exists()
