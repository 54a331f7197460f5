"""The province manages regency admins and its own staff on the base domain (/orang/)."""

import pytest
from django.core import mail

from sukma.access.models import AuditEvent, Membership, Role, User
from tests.conftest import PUBLIC_HOST, TULUNGAGUNG_HOST, host_client

pytestmark = pytest.mark.django_db


def test_the_province_invites_a_regency_admin_choosing_the_regency(
    province_client, personas, django_capture_on_commit_callbacks
):
    form = province_client.get("/orang/undang/").content.decode()
    assert "Kediri" in form and "Tulungagung" in form
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer = province_client.post(
            "/orang/undang/",
            {
                "email": "kabag@kedirikota.go.id",
                "role": "regency_admin",
                "regency": personas.kediri.pk,
            },
        )
    assert answer.status_code == 302
    user = User.objects.get(email="kabag@kedirikota.go.id")
    assert user.memberships.get().regency == personas.kediri
    assert "http://kedirikota.localhost:8000/akun/atur-sandi/" in mail.outbox[0].body
    assert "Kota Kediri" in mail.outbox[0].body
    sent = AuditEvent.objects.filter(action="invitation.sent").latest("id")
    assert sent.regency == personas.kediri and sent.actor == personas.province_admin
    page = province_client.get("/orang/").content.decode()
    assert "kabag@kedirikota.go.id" in page and personas.tulungagung_admin.email in page


def test_the_province_invites_its_own_staff_and_resends(
    province_client, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        province_client.post(
            "/orang/undang/", {"email": "staf@jatimprov.go.id", "role": "province_admin"}
        )
    user = User.objects.get(email="staf@jatimprov.go.id")
    assert user.memberships.get().role == Role.PROVINCE_ADMIN
    assert "http://localhost:8000/akun/atur-sandi/" in mail.outbox[-1].body
    first = mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        assert province_client.post(f"/orang/{user.pk}/kirim-ulang/").status_code == 302
    assert mail.outbox[-1].body != first
    assert list(
        AuditEvent.objects.filter(target_id=str(user.pk), target_type="platform.user")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["user.created", "invitation.sent", "invitation.resent"]
    assert "staf@jatimprov.go.id" in province_client.get("/orang/").content.decode()


def test_the_province_deactivates_and_moves_regency_admins(province_client, personas):
    second = User.objects.create_user("kedua@tulungagungkab.go.id", "Rahasia-Jatim-2026")
    Membership.objects.create(user=second, role=Role.REGENCY_ADMIN, regency=personas.tulungagung)
    assert province_client.post(f"/orang/{second.pk}/nonaktifkan/").status_code == 302
    second.refresh_from_db()
    assert not second.is_active
    event = AuditEvent.objects.filter(action="user.deactivated").latest("id")
    assert event.actor == personas.province_admin
    province_client.post(f"/orang/{second.pk}/aktifkan/")
    answer = province_client.post(
        f"/orang/{second.pk}/peran/", {"role": "regency_admin", "regency": personas.kediri.pk}
    )
    assert answer.status_code == 302
    assert list(second.memberships.values_list("regency", flat=True)) == [personas.kediri.pk]


def test_the_last_admin_of_a_regency_is_kept(province_client, personas):
    admin = personas.kediri_admin
    province_client.post(f"/orang/{admin.pk}/nonaktifkan/")
    admin.refresh_from_db()
    assert admin.is_active
    assert not AuditEvent.objects.filter(
        action="user.deactivated", target_id=str(admin.pk)
    ).exists()


def test_the_province_admin_does_not_deactivate_themselves(province_client, personas):
    me = personas.province_admin
    province_client.post(f"/orang/{me.pk}/nonaktifkan/")
    me.refresh_from_db()
    assert me.is_active


def test_only_province_admins_manage_the_provinces_people(personas, db):
    regency_admin = host_client(PUBLIC_HOST, personas.tulungagung_admin)
    for path in ("/orang/", "/orang/undang/"):
        answer = regency_admin.get(path)
        assert answer.status_code == 403
        assert personas.kediri_admin.email not in answer.content.decode()
    target = personas.kediri_admin
    assert regency_admin.post(f"/orang/{target.pk}/nonaktifkan/").status_code == 403


def test_bad_input_on_the_provinces_pages_is_no_500(province_client, personas):
    for values in (
        {"email": "x@jatimprov.go.id", "role": "regency_admin"},
        {"email": "x@jatimprov.go.id", "role": "regency_admin", "regency": "abc"},
        {"email": "x@jatimprov.go.id", "role": "agency_operator"},
        {"email": "", "role": ""},
    ):
        answer = province_client.post("/orang/undang/", values)
        assert answer.status_code == 200 and "errorlist" in answer.content.decode()
    assert province_client.post("/orang/999999/cabut/").status_code == 404


def test_the_expired_link_page_says_who_can_send_a_new_one(personas, db):
    path = "/akun/atur-sandi/MQ/bad-token/"
    regency = host_client(TULUNGAGUNG_HOST).get(path).content.decode()
    assert "Kabupaten Tulungagung" in regency and "Orang" in regency
    province = host_client(PUBLIC_HOST).get(path).content.decode()
    assert "Biro Organisasi" in province
