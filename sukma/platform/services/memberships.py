"""Users, their roles, and the invitation that lets a new user set a password."""

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from sukma.access.audit import audit_record, snapshot
from sukma.access.models import Invitation, Membership, Role, User
from sukma.tenants.models import Regency
from sukma.tenants.naming import url_for_host


@transaction.atomic
def user_get_or_invite(*, acting_user, email: str, full_name: str = "") -> User:
    """The user with this e-mail, or a new one without a usable password (an invitee)."""
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    user = User.objects.create_user(email=email, password=None, full_name=full_name)
    audit_record(actor=acting_user, action="user.created", target=user, after=snapshot(user))
    return user


@transaction.atomic
def membership_grant(
    *, acting_user, user: User, role: str, regency: Regency | None = None, agency_id=None
) -> Membership:
    """Give a user a role in a scope. Granting what is already granted changes nothing."""
    membership, created = Membership.objects.get_or_create(
        user=user, role=role, regency=regency, agency_id=agency_id
    )
    if created:
        audit_record(
            actor=acting_user,
            action="membership.granted",
            target=membership,
            regency=regency,
            after=snapshot(membership),
        )
    return membership


def set_password_url(user: User, host: str) -> str:
    path = reverse(
        "set_password",
        urlconf="sukma.urls.public",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return url_for_host(host, path)


@transaction.atomic
def invitation_send(*, acting_user, user: User, regency: Regency, host: str) -> Invitation:
    """E-mail a regency admin the link to set a password, once per user and regency."""
    invitation, _ = Invitation.objects.select_for_update().get_or_create(user=user, regency=regency)
    if invitation.sent_at is not None:
        return invitation
    with translation.override("id"):
        context = {
            "regency": regency,
            "link": set_password_url(user, host),
            "site": url_for_host(host),
        }
        subject = render_to_string("platform/email/invitation_subject.txt", context).strip()
        body = render_to_string("platform/email/invitation_body.txt", context)
    # Sent only once this transaction commits: a step that fails and rolls
    # back has sent nothing, so running it again sends exactly one e-mail.
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])
    audit_record(
        actor=acting_user,
        action="invitation.sent",
        target=invitation,
        regency=regency,
        after=snapshot(invitation),
    )
    return invitation


def regency_admin_role() -> str:
    return Role.REGENCY_ADMIN
