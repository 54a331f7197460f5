"""The Django admin: staff only, e-mail users, and every write audited or done by a service."""

import pytest
from django.urls import reverse

from sukma.access.models import AuditEvent, Membership, Role, User
from sukma.platform.models import AgreementStatus
from sukma.tenants.models import RegencyStatus
from tests.conftest import PUBLIC_HOST, host_client
from tests.factories import pdf_file, signed_agreement

pytestmark = pytest.mark.django_db


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:{name}", urlconf="sukma.urls.public", args=args)


@pytest.fixture
def staff(personas):
    return User.objects.create_superuser("admin@jatimprov.go.id", "Rahasia-Admin-2026")


@pytest.fixture
def client(staff):
    return host_client(PUBLIC_HOST, staff, HTTP_ACCEPT_LANGUAGE="en")


def test_province_admin_without_staff_flag_cannot_use_the_admin(personas):
    response = host_client(PUBLIC_HOST, personas.province_admin).get(admin_url("index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_every_model_list_opens_for_staff(client):
    assert client.get(admin_url("index")).status_code == 200
    models = ["user", "membership", "invitation", "replicationagreement", "auditevent"]
    models += ["provisioningjob"]
    for model in models:
        assert client.get(admin_url(f"platform_{model}_changelist")).status_code == 200, model
    for model in ["regency", "domain"]:
        assert client.get(admin_url(f"tenants_{model}_changelist")).status_code == 200, model


def test_staff_adds_a_user_by_email_and_it_is_audited(client, staff):
    response = client.post(
        admin_url("platform_user_add"),
        {
            "email": "Operator@Tulungagungkab.go.id",
            "full_name": "Operator",
            "usable_password": "false",
            "password1": "",
            "password2": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="operator@tulungagungkab.go.id")
    assert not user.has_usable_password()
    event = AuditEvent.objects.get(action="admin.user.created", target_id=str(user.pk))
    assert event.actor == staff
    assert "password" not in event.after


def test_user_change_page_opens_for_an_email_user(client, personas):
    url = admin_url("platform_user_change", personas.kediri_admin.pk)
    assert client.get(url).status_code == 200


def test_membership_granted_in_the_admin_is_audited_with_its_regency(client, personas):
    user = User.objects.create_user("baru@kedirikota.go.id")
    response = client.post(
        admin_url("platform_membership_add"),
        {"user": user.pk, "role": Role.REGENCY_ADMIN, "regency": personas.kediri.pk},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=user)
    event = AuditEvent.objects.get(action="admin.membership.created")
    assert event.target_id == str(membership.pk)
    assert event.regency == personas.kediri


def test_membership_with_a_scope_that_does_not_fit_the_role_is_refused(client, personas):
    user = User.objects.create_user("salah@kedirikota.go.id")
    response = client.post(
        admin_url("platform_membership_add"),
        {"user": user.pk, "role": Role.PROVINCE_ADMIN, "regency": personas.kediri.pk},
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(user=user).exists()


def test_deleting_a_membership_in_the_admin_is_audited(client, personas):
    membership = Membership.objects.get(user=personas.kediri_admin)
    response = client.post(admin_url("platform_membership_delete", membership.pk), {"post": "yes"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.membership.deleted")
    assert event.before["role"] == Role.REGENCY_ADMIN


def test_audit_events_and_jobs_are_read_only(client, personas):
    event = AuditEvent.objects.first()
    assert client.get(admin_url("platform_auditevent_add")).status_code == 403
    response = client.post(admin_url("platform_auditevent_change", event.pk), {"action": "x"})
    assert response.status_code == 403
    assert client.get(admin_url("platform_provisioningjob_add")).status_code == 403


def test_agreement_status_moves_through_the_service_action(client, personas):
    agreement = personas.kediri.agreements.get()
    response = client.post(
        admin_url("platform_replicationagreement_changelist"),
        {"action": "mark_terminated", "_selected_action": [agreement.pk]},
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.TERMINATED
    assert AuditEvent.objects.filter(action="agreement.terminated").exists()


def test_an_illegal_agreement_move_in_the_admin_is_a_message_not_a_change(client, personas):
    agreement = personas.kediri.agreements.get()  # active
    response = client.post(
        admin_url("platform_replicationagreement_changelist"),
        {"action": "mark_signed", "_selected_action": [agreement.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "cannot become signed" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE


def change_data(agreement, **overrides) -> dict:
    fields = [
        "number",
        "province_signatory_name",
        "province_signatory_office",
        "regency_signatory_name",
        "regency_signatory_office",
        "scope",
    ]
    data = {name: getattr(agreement, name) for name in fields}
    data.update(
        signed_on=agreement.signed_on.isoformat() if agreement.signed_on else "",
        valid_from=agreement.valid_from.isoformat(),
        valid_until=agreement.valid_until.isoformat(),
    )
    data.update(overrides)
    return data


def test_a_new_pdf_in_the_admin_is_checked_and_attached_by_the_service(client, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    agreement = signed_agreement(personas.province_admin, region_code="35.03")
    url = admin_url("platform_replicationagreement_change", agreement.pk)
    fake = SimpleUploadedFile("mou.pdf", b"not a pdf", "application/pdf")

    refused = client.post(url, change_data(agreement, document=fake))
    assert refused.status_code == 200
    assert "must be a PDF file" in refused.content.decode()

    old_name = agreement.document.name
    accepted = client.post(url, change_data(agreement, scope="Baru", document=pdf_file()))
    assert accepted.status_code == 302
    agreement.refresh_from_db()
    assert agreement.document.name != old_name
    assert agreement.scope == "Baru"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"admin.replicationagreement.changed", "agreement.document_attached"} <= actions


def test_regency_suspended_through_the_admin_action_uses_the_service(client, personas):
    regency = personas.tulungagung
    client.post(
        admin_url("tenants_regency_changelist"),
        {"action": "make_suspended", "_selected_action": [regency.pk]},
    )
    regency.refresh_from_db()
    assert regency.status == RegencyStatus.SUSPENDED
    assert AuditEvent.objects.filter(action="regency.suspended", regency=regency).exists()


def test_resuming_an_active_regency_in_the_admin_is_refused(client, personas):
    regency = personas.tulungagung
    response = client.post(
        admin_url("tenants_regency_changelist"),
        {"action": "make_active", "_selected_action": [regency.pk]},
        follow=True,
    )
    assert response.status_code == 200
    regency.refresh_from_db()
    assert regency.status == RegencyStatus.ACTIVE


def test_regencies_and_agreements_cannot_be_added_or_deleted_in_the_admin(client, personas):
    assert client.get(admin_url("tenants_regency_add")).status_code == 403
    assert client.get(admin_url("platform_replicationagreement_add")).status_code == 403
    regency = personas.kediri
    assert client.get(admin_url("tenants_regency_delete", regency.pk)).status_code == 403
