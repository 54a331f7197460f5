"""A regency's admins manage its people on its own host (/kelola/orang/)."""

import re

import pytest
from django.core import mail

from sukma.access import people
from sukma.access.models import AuditEvent, Invitation, Membership, Role, User
from tests.conftest import KEDIRI_HOST, PASSWORD, TULUNGAGUNG_HOST, host_client

pytestmark = pytest.mark.django_db

NEW = "petugas.baru@dinkes.tulungagungkab.go.id"
LINK = re.compile(r"http://[^\s]+/akun/atur-sandi/[^\s]+/")


def invite(client, capture, **values):
    values = {"email": NEW, "full_name": "Petugas Baru", "role": "agency_operator", **values}
    with capture(execute=True):
        return client.post("/kelola/orang/undang/", values)


def link_in(message) -> str:
    return LINK.search(message.body).group(0).replace("http://tulungagungkab.localhost:8000", "")


def actions(regency) -> list[str]:
    return list(
        AuditEvent.objects.filter(regency=regency).order_by("id").values_list("action", flat=True)
    )


def test_the_invite_form_offers_agencies_by_name(admin_client, agencies):
    page = admin_client.get("/kelola/orang/undang/").content.decode()
    assert "Dinas Kesehatan" in page and "Dinas Kependudukan" in page
    assert 'name="agency"' in page and "<select" in page


def test_admin_invites_an_operator_of_an_agency_chosen_by_name(
    admin_client, agencies, personas, django_capture_on_commit_callbacks
):
    dinkes = agencies[0]
    mail.outbox.clear()
    answer = invite(admin_client, django_capture_on_commit_callbacks, agency=dinkes.pk)
    assert answer.status_code == 302 and answer["Location"] == "/kelola/orang/"
    user = User.objects.get(email=NEW)
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.regency, membership.agency_id) == (
        Role.AGENCY_OPERATOR,
        personas.tulungagung,
        dinkes.pk,
    )
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [NEW]
    assert "http://tulungagungkab.localhost:8000/akun/atur-sandi/" in mail.outbox[0].body
    assert "Dinas Kesehatan" in mail.outbox[0].body
    assert actions(personas.tulungagung)[-2:] == ["membership.granted", "invitation.sent"]
    page = admin_client.get("/kelola/orang/").content.decode()
    assert NEW in page and "Dinas Kesehatan" in page and "kirim-ulang" in page


def test_admin_invites_a_further_admin(
    admin_client, agencies, personas, django_capture_on_commit_callbacks
):
    answer = invite(
        admin_client, django_capture_on_commit_callbacks, role="regency_admin", agency=""
    )
    assert answer.status_code == 302
    assert Membership.objects.get(user__email=NEW).role == Role.REGENCY_ADMIN
    assert Invitation.objects.get(user__email=NEW, regency=personas.tulungagung).sent_at


def test_an_operator_needs_an_agency_and_bad_input_is_a_form_error(admin_client, agencies):
    for values in (
        {"email": NEW, "role": "agency_operator", "agency": ""},
        {"email": NEW, "role": "agency_operator", "agency": "999999999999999999999"},
        {"email": NEW, "role": "agency_operator", "agency": "dinkes"},
        {"email": "not an address", "role": "regency_admin"},
        {"email": NEW, "role": "province_admin"},
        {},
    ):
        answer = admin_client.post("/kelola/orang/undang/", values)
        assert answer.status_code == 200, values
        assert "errorlist" in answer.content.decode()
    assert not User.objects.filter(email=NEW).exists()


def test_inviting_someone_who_already_signs_in_grants_the_role_with_a_notice(
    admin_client, agencies, personas, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    answer = invite(
        admin_client,
        django_capture_on_commit_callbacks,
        email=personas.kediri_admin.email,
        agency=agencies[1].pk,
    )
    assert answer.status_code == 302
    assert personas.kediri_admin.memberships.filter(regency=personas.tulungagung).exists()
    assert len(mail.outbox) == 1 and "/akun/atur-sandi/" not in mail.outbox[0].body
    personas.kediri_admin.refresh_from_db()
    assert personas.kediri_admin.check_password(PASSWORD)


def test_resend_makes_a_new_link_and_the_old_one_stops_working(
    admin_client, agencies, personas, django_capture_on_commit_callbacks
):
    invite(admin_client, django_capture_on_commit_callbacks, agency=agencies[0].pk)
    old = link_in(mail.outbox[-1])
    user = User.objects.get(email=NEW)
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin_client.post(f"/kelola/orang/{user.pk}/kirim-ulang/")
    assert answer.status_code == 302
    new = link_in(mail.outbox[-1])
    assert new != old and mail.outbox[-1].to == [NEW]
    visitor = host_client(TULUNGAGUNG_HOST)
    expired = visitor.get(old)
    assert expired.status_code == 200 and "Kabupaten Tulungagung" in expired.content.decode()
    assert visitor.get(new).status_code == 302  # a valid link moves on to the form
    assert actions(personas.tulungagung)[-1] == "invitation.resent"


def test_revoke_takes_the_role_back_and_kills_the_link(
    admin_client, agencies, personas, django_capture_on_commit_callbacks
):
    invite(admin_client, django_capture_on_commit_callbacks, agency=agencies[0].pk)
    link = link_in(mail.outbox[-1])
    user = User.objects.get(email=NEW)
    assert admin_client.post(f"/kelola/orang/{user.pk}/cabut/").status_code == 302
    assert not Membership.objects.filter(user=user).exists()
    assert not Invitation.objects.filter(user=user).exists()
    assert host_client(TULUNGAGUNG_HOST).get(link).status_code == 200  # the invalid-link page
    assert actions(personas.tulungagung)[-2:] == ["membership.revoked", "invitation.revoked"]
    assert f'data-email="{NEW}"' not in admin_client.get("/kelola/orang/").content.decode()


def test_a_deactivated_operator_cannot_sign_in_until_reactivated(admin_client, operator, personas):
    sign_in = {"username": operator.email, "password": PASSWORD}
    assert admin_client.post(f"/kelola/orang/{operator.pk}/nonaktifkan/").status_code == 302
    operator.refresh_from_db()
    assert not operator.is_active
    assert host_client(TULUNGAGUNG_HOST).post("/masuk/", sign_in).status_code == 200  # refused
    event = AuditEvent.objects.filter(action="user.deactivated").latest("id")
    assert event.regency == personas.tulungagung and event.actor == personas.tulungagung_admin
    assert event.before["is_active"] is True and event.after["is_active"] is False

    assert admin_client.post(f"/kelola/orang/{operator.pk}/aktifkan/").status_code == 302
    assert host_client(TULUNGAGUNG_HOST).post("/masuk/", sign_in).status_code == 302
    assert actions(personas.tulungagung)[-1] == "user.reactivated"


def test_an_operator_session_ends_when_deactivated(admin_client, operator, operator_client):
    assert operator_client.get("/kelola/opd/").status_code == 200
    admin_client.post(f"/kelola/orang/{operator.pk}/nonaktifkan/")
    assert operator_client.get("/kelola/opd/").status_code == 302  # back to sign in


def test_nobody_deactivates_themselves(admin_client, personas):
    me = personas.tulungagung_admin
    answer = admin_client.post(f"/kelola/orang/{me.pk}/nonaktifkan/", follow=True)
    me.refresh_from_db()
    assert me.is_active and answer.status_code == 200
    assert not AuditEvent.objects.filter(action="user.deactivated", target_id=str(me.pk)).exists()


def test_the_last_active_admin_stays(personas, db):
    with pytest.raises(people.ValidationError):
        people.person_deactivate(
            acting_user=personas.province_admin, user=personas.tulungagung_admin
        )
    with pytest.raises(people.ValidationError):
        people.person_role_change(
            acting_user=personas.province_admin,
            user=personas.kediri_admin,
            role=Role.PROVINCE_ADMIN,
        )
    personas.tulungagung_admin.refresh_from_db()
    assert personas.tulungagung_admin.is_active


def test_someone_working_in_another_regency_too_is_the_provinces_to_deactivate(
    admin_client, agencies, personas
):
    Membership.objects.create(
        user=personas.kediri_admin,
        role=Role.AGENCY_OPERATOR,
        regency=personas.tulungagung,
        agency_id=agencies[0].pk,
    )
    admin_client.post(f"/kelola/orang/{personas.kediri_admin.pk}/nonaktifkan/")
    personas.kediri_admin.refresh_from_db()
    assert personas.kediri_admin.is_active


def test_admin_changes_an_operators_agency_and_role(admin_client, agencies, operator, personas):
    dukcapil = agencies[1]
    answer = admin_client.post(
        f"/kelola/orang/{operator.pk}/peran/", {"role": "agency_operator", "agency": dukcapil.pk}
    )
    assert answer.status_code == 302
    assert list(operator.memberships.values_list("agency_id", flat=True)) == [dukcapil.pk]
    admin_client.post(f"/kelola/orang/{operator.pk}/peran/", {"role": "regency_admin"})
    assert list(operator.memberships.values_list("role", "agency_id")) == [
        (Role.REGENCY_ADMIN, None)
    ]
    assert actions(personas.tulungagung)[-4:] == [
        "membership.revoked",
        "membership.granted",
        "membership.revoked",
        "membership.granted",
    ]


def test_an_operator_may_not_manage_people(operator_client, operator, personas):
    admin = personas.tulungagung_admin
    for method, path in (
        ("get", "/kelola/orang/"),
        ("get", "/kelola/orang/undang/"),
        ("post", "/kelola/orang/undang/"),
        ("get", f"/kelola/orang/{admin.pk}/peran/"),
        ("post", f"/kelola/orang/{admin.pk}/nonaktifkan/"),
    ):
        answer = getattr(operator_client, method)(path, {"email": NEW, "role": "regency_admin"})
        assert answer.status_code == 403, path
        assert admin.email not in answer.content.decode()
    assert not User.objects.filter(email=NEW).exists()
    admin.refresh_from_db()
    assert admin.is_active


def test_another_regencys_admin_gets_403_and_no_data(personas, operator):
    kediri = host_client(TULUNGAGUNG_HOST, personas.kediri_admin)
    answer = kediri.get("/kelola/orang/")
    assert answer.status_code == 403 and operator.email not in answer.content.decode()
    assert kediri.post(f"/kelola/orang/{operator.pk}/nonaktifkan/").status_code == 403
    operator.refresh_from_db()
    assert operator.is_active


def test_people_of_another_regency_are_not_found_here(admin_client, personas):
    kediri_admin = personas.kediri_admin
    assert admin_client.post(f"/kelola/orang/{kediri_admin.pk}/nonaktifkan/").status_code == 404
    assert admin_client.get(f"/kelola/orang/{kediri_admin.pk}/peran/").status_code == 404
    kediri_admin.refresh_from_db()
    assert kediri_admin.is_active
    assert (
        f'data-email="{kediri_admin.email}"'
        not in admin_client.get("/kelola/orang/").content.decode()
    )


def test_odd_addresses_and_methods_are_no_500(admin_client, operator):
    assert admin_client.get(f"/kelola/orang/{operator.pk}/nonaktifkan/").status_code == 405
    assert admin_client.post(f"/kelola/orang/{operator.pk}/hapus/").status_code == 404
    assert admin_client.post("/kelola/orang/99999999999999999999/cabut/").status_code == 404
    answer = admin_client.post(f"/kelola/orang/{operator.pk}/kirim-ulang/", follow=True)
    assert answer.status_code == 200  # not pending: said on the page, nothing sent
    answer = admin_client.post(f"/kelola/orang/{operator.pk}/peran/", {"role": "boss"})
    assert answer.status_code == 200 and "errorlist" in answer.content.decode()


def test_anonymous_visitors_go_to_sign_in(personas, db):
    answer = host_client(TULUNGAGUNG_HOST).get("/kelola/orang/")
    assert answer.status_code == 302 and "/masuk/" in answer["Location"]
    assert host_client(KEDIRI_HOST).get("/kelola/orang/").status_code == 302


def test_deactivation_revokes_every_api_token(admin_client, operator):
    from sukma.access.tokens import token_is_live, token_issue

    token, _secret = token_issue(operator, name="laptop")
    admin_client.post(f"/kelola/orang/{operator.pk}/nonaktifkan/")
    token.refresh_from_db()
    assert not token_is_live(token)
