"""People and their invitations: who works where, managed by those who answer for it.

Both planes call these services: a regency's admins on its own pages (its
operators and further admins), the province on the base domain (regency admins
and its own staff), provisioning (a new regency's first admin). Every write
takes ``acting_user`` and leaves audit rows in its own transaction.

An invitation is the set-your-password link of Django's token generator,
valid for PASSWORD_RESET_TIMEOUT. An invitee has no usable password; the
token is made from the password's hash, so giving the invitee a fresh
unusable password (``set_unusable_password`` draws a new random one) is what
makes every earlier link stop working: a resend does that and mails a new
link with a new expiry, a revoke does that and takes the role back.

The rules a manager cannot break: nobody deactivates or demotes themselves;
a regency keeps at least one active admin who can sign in, and so does the
province; a regency admin deactivates only people who work in that regency
alone (someone who works elsewhere too is the province's to deactivate).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sukma.access.audit import audit_record, snapshot
from sukma.access.models import AuditEvent, Invitation, Membership, Role, User
from sukma.access.tokens import tokens_revoke_all
from sukma.tenants.models import Regency
from sukma.tenants.naming import url_for_host

REGENCY_ROLES = (Role.REGENCY_ADMIN, Role.AGENCY_OPERATOR)
PROVINCE_ROLES = (Role.PROVINCE_ADMIN, Role.REGENCY_ADMIN)
INVITATION_ACTIONS = ("invitation.sent", "invitation.resent")


# ====================================================================== the building blocks
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


def sign_in_url(host: str, regency: Regency | None) -> str:
    """The sign-in page; on a regency's site it goes on to the dashboard (an operator's: theirs)."""
    return url_for_host(host, "/masuk/?next=/dasbor/" if regency is not None else "/masuk/")


def _mail(user: User, template: str, context: dict) -> None:
    """Render in Indonesian now; send once the transaction commits (a rollback sends nothing)."""
    with translation.override("id"):
        subject = render_to_string(f"access/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"access/email/{template}_body.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))


def _role_words(role: str, regency: Regency | None, agency_name: str) -> dict:
    return {
        "role": Role(role).label,
        "where": regency.name if regency else _("the Province of East Java"),
        "agency": agency_name,
    }


def _invitation_mail(
    user: User, *, host: str, role: str, regency: Regency | None, agency_name: str = ""
) -> None:
    context = {
        **_role_words(role, regency, agency_name),
        "link": set_password_url(user, host),
        "site": sign_in_url(host, regency),
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    _mail(user, "invitation", context)


@transaction.atomic
def invitation_send(
    *,
    acting_user,
    user: User,
    regency: Regency,
    host: str,
    role: str = Role.REGENCY_ADMIN,
    agency_name: str = "",
) -> Invitation:
    """E-mail an invitee of a regency the link to set a password, once per user and regency."""
    invitation, _created = Invitation.objects.select_for_update().get_or_create(
        user=user, regency=regency
    )
    if invitation.sent_at is not None:
        return invitation
    _invitation_mail(user, host=host, role=role, regency=regency, agency_name=agency_name)
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


# ====================================================================== reads
def is_pending(user: User) -> bool:
    """Invited and not yet in: active, with no password of their own."""
    return user.is_active and not user.has_usable_password()


def invitation_expires(sent_at: datetime.datetime | None) -> datetime.datetime | None:
    if sent_at is None:
        return None
    return sent_at + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)


@dataclass(frozen=True)
class Person:
    """One row of a people page: the user, their roles there, and their invitation if pending."""

    user: User
    memberships: tuple[Membership, ...]
    pending: bool
    sent_at: datetime.datetime | None

    @property
    def expires_at(self) -> datetime.datetime | None:
        return invitation_expires(self.sent_at) if self.pending else None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at < timezone.now()

    @property
    def role(self) -> str:
        return self.memberships[0].role if self.memberships else ""

    @property
    def agency_ids(self) -> list[int]:
        return [m.agency_id for m in self.memberships if m.agency_id is not None]


def _people(memberships: QuerySet, sent: dict[int, datetime.datetime]) -> list[Person]:
    rows: dict[int, list[Membership]] = {}
    users: dict[int, User] = {}
    for membership in memberships.select_related("user", "regency").order_by("role", "user__email"):
        users[membership.user_id] = membership.user
        rows.setdefault(membership.user_id, []).append(membership)
    return [
        Person(
            user=user,
            memberships=tuple(rows[pk]),
            pending=is_pending(user),
            sent_at=sent.get(pk),
        )
        for pk, user in users.items()
    ]


def people_of_regency(regency: Regency) -> list[Person]:
    """The regency's admins and operators, each once, with their pending invitations."""
    memberships = Membership.objects.filter(regency=regency, role__in=REGENCY_ROLES)
    sent = dict(
        Invitation.objects.filter(regency=regency, sent_at__isnull=False).values_list(
            "user_id", "sent_at"
        )
    )
    return _people(memberships, sent)


def people_of_province() -> list[Person]:
    """The province's staff and every regency's admins."""
    memberships = Membership.objects.filter(role__in=PROVINCE_ROLES)
    sent: dict[int, datetime.datetime] = {}
    for user_id, sent_at in Invitation.objects.filter(sent_at__isnull=False).values_list(
        "user_id", "sent_at"
    ):
        sent[user_id] = max(sent_at, sent.get(user_id, sent_at))
    # The province's own staff have no Invitation row (it belongs to a regency): the audit
    # log holds when their link was sent.
    for target_id, created_at in AuditEvent.objects.filter(
        action__in=INVITATION_ACTIONS, target_type=User._meta.label_lower
    ).values_list("target_id", "created_at"):
        user_id = int(target_id)
        sent[user_id] = max(created_at, sent.get(user_id, created_at))
    return _people(memberships, sent)


def regency_people(regency: Regency) -> QuerySet:
    """Users that a regency's people pages may act on: those with a role in it."""
    return User.objects.filter(
        memberships__regency=regency, memberships__role__in=REGENCY_ROLES
    ).distinct()


def province_people() -> QuerySet:
    """Users that the province's people page may act on: its staff and regency admins."""
    return User.objects.filter(memberships__role__in=PROVINCE_ROLES).distinct()


# ====================================================================== the rules
def _signs_in() -> Q:
    """Users who can sign in today: active, with a password of their own."""
    return Q(user__is_active=True) & ~Q(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)


def _check_admins_remain(user: User, *, leaving: QuerySet) -> None:
    """Refuse when taking `leaving` (some of the user's memberships) leaves a scope no admin."""
    for membership in leaving.filter(role__in=[Role.REGENCY_ADMIN, Role.PROVINCE_ADMIN]):
        others = Membership.objects.filter(
            _signs_in(), role=membership.role, regency_id=membership.regency_id
        ).exclude(user=user)
        if not others.exists():
            if membership.role == Role.PROVINCE_ADMIN:
                message = _("The province must keep at least one active administrator.")
            else:
                message = _("%(regency)s must keep at least one active administrator.") % {
                    "regency": membership.regency
                }
            raise ValidationError(message, code="last_admin")


def _check_not_self(acting_user, user: User) -> None:
    if acting_user is not None and acting_user.pk == user.pk:
        raise ValidationError(_("You cannot change your own access."), code="self")


def _check_only_here(user: User, regency: Regency | None) -> None:
    """A regency's admins deactivate only people who work in that regency alone."""
    if regency is None:
        return
    if user.memberships.exclude(regency=regency).exists():
        raise ValidationError(
            _(
                "This person also works outside %(regency)s; only the province can "
                "deactivate them. You can change their role here."
            )
            % {"regency": regency},
            code="elsewhere",
        )


def _scope_memberships(user: User, regency: Regency | None) -> QuerySet:
    """The user's memberships a people page manages: this regency's, or the province's view."""
    if regency is not None:
        return user.memberships.filter(regency=regency, role__in=REGENCY_ROLES)
    return user.memberships.filter(role__in=PROVINCE_ROLES)


def _check_role(role: str, regency: Regency | None, agency_id) -> None:
    valid = (
        (role == Role.PROVINCE_ADMIN and regency is None and agency_id is None)
        or (role == Role.REGENCY_ADMIN and regency is not None and agency_id is None)
        or (role == Role.AGENCY_OPERATOR and regency is not None and agency_id is not None)
    )
    if not valid:
        raise ValidationError(_("Choose a role and where it applies."), code="role")


# ====================================================================== invitations
@transaction.atomic
def person_invite(
    *,
    acting_user,
    email: str,
    role: str,
    host: str,
    full_name: str = "",
    regency: Regency | None = None,
    agency_id: int | None = None,
    agency_name: str = "",
) -> User:
    """Give someone a role and e-mail them: a set-your-password link if they are new.

    Someone who already signs in gets the role and an e-mail saying so. A
    deactivated account is refused: reactivate it first.
    """
    _check_role(role, regency, agency_id)
    user = user_get_or_invite(acting_user=acting_user, email=email, full_name=full_name)
    if not user.is_active:
        raise ValidationError(
            {"email": _("This address belongs to a deactivated account: reactivate it first.")}
        )
    if Membership.objects.filter(
        user=user, role=role, regency=regency, agency_id=agency_id
    ).exists():
        raise ValidationError({"email": _("This person already has this role.")})
    membership_grant(
        acting_user=acting_user, user=user, role=role, regency=regency, agency_id=agency_id
    )
    if user.has_usable_password():
        _mail(
            user,
            "access",
            {**_role_words(role, regency, agency_name), "site": sign_in_url(host, regency)},
        )
        return user
    _invitation_deliver(
        acting_user,
        user,
        host=host,
        role=role,
        regency=regency,
        agency_name=agency_name,
        action="invitation.sent",
    )
    return user


def _invitation_deliver(
    acting_user, user, *, host, role, regency, agency_name, action: str
) -> None:
    """Mail a fresh link (the earlier ones stop working) and record when."""
    user.set_unusable_password()  # a new random hash: every earlier link is dead
    user.save(update_fields=["password"])
    _invitation_mail(user, host=host, role=role, regency=regency, agency_name=agency_name)
    if regency is None:
        audit_record(actor=acting_user, action=action, target=user, after={"role": role})
        return
    invitation, _created = Invitation.objects.select_for_update().get_or_create(
        user=user, regency=regency
    )
    before = snapshot(invitation)
    invitation.sent_at = timezone.now()
    invitation.accepted_at = None
    invitation.save(update_fields=["sent_at", "accepted_at"])
    audit_record(
        actor=acting_user,
        action=action,
        target=invitation,
        regency=regency,
        before=None if _created else before,
        after=snapshot(invitation),
    )


def _check_pending(user: User) -> None:
    if not is_pending(user):
        raise ValidationError(
            _("This person has no pending invitation: they have already set a password."),
            code="not_pending",
        )


@transaction.atomic
def invitation_resend(
    *, acting_user, user: User, host: str, regency: Regency | None = None, agency_name: str = ""
) -> None:
    """A new link with a new expiry, e-mailed again; the earlier links stop working."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_pending(user)
    memberships = list(_scope_memberships(user, regency))
    if not memberships:
        raise ValidationError(_("This person has no role here."), code="no_role")
    first = memberships[0]
    _invitation_deliver(
        acting_user,
        user,
        host=host,
        role=first.role,
        regency=first.regency,
        agency_name=agency_name,
        action="invitation.resent",
    )


@transaction.atomic
def invitation_revoke(*, acting_user, user: User, regency: Regency | None = None) -> None:
    """Take back a pending invitation: its link stops working and the role it offered goes."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_pending(user)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    for membership in _scope_memberships(user, regency):
        _membership_revoke(acting_user, membership)
    invitations = Invitation.objects.filter(user=user)
    if regency is not None:
        invitations = invitations.filter(regency=regency)
    for invitation in invitations:
        before = snapshot(invitation)
        invitation_regency = invitation.regency
        invitation.delete()
        invitation.pk = before["id"]
        audit_record(
            actor=acting_user,
            action="invitation.revoked",
            target=invitation,
            regency=invitation_regency,
            before=before,
        )
    if regency is None:
        audit_record(actor=acting_user, action="invitation.revoked", target=user)


def _membership_revoke(acting_user, membership: Membership) -> None:
    before = snapshot(membership)
    pk = membership.pk
    membership.delete()
    membership.pk = pk
    audit_record(
        actor=acting_user,
        action="membership.revoked",
        target=membership,
        regency=membership.regency,
        before=before,
    )


# ====================================================================== people
@transaction.atomic
def person_deactivate(*, acting_user, user: User, regency: Regency | None = None) -> User:
    """Nobody signs in as this person any more, and every API token of theirs is revoked."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_not_self(acting_user, user)
    _check_only_here(user, regency)
    if not user.is_active:
        return user
    _check_admins_remain(user, leaving=user.memberships.all())
    before = snapshot(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        actor=acting_user,
        action="user.deactivated",
        target=user,
        regency=regency,
        before=before,
        after=snapshot(user),
    )
    tokens_revoke_all(user, actor=acting_user, reason="deactivated")
    return user


@transaction.atomic
def person_reactivate(*, acting_user, user: User, regency: Regency | None = None) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_not_self(acting_user, user)
    _check_only_here(user, regency)
    if user.is_active:
        return user
    before = snapshot(user)
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=acting_user,
        action="user.reactivated",
        target=user,
        regency=regency,
        before=before,
        after=snapshot(user),
    )
    return user


@transaction.atomic
def person_role_change(
    *,
    acting_user,
    user: User,
    role: str,
    regency: Regency | None = None,
    agency_id: int | None = None,
    managed_from: Regency | None = None,
) -> Membership:
    """Replace the person's role on this page with one role (and its regency or agency).

    managed_from is the regency whose pages act (None: the province's page);
    a regency's pages move people only between its own roles.
    """
    _check_role(role, regency, agency_id)
    if managed_from is not None and (role not in REGENCY_ROLES or regency != managed_from):
        raise ValidationError(_("Choose a role and where it applies."), code="role")
    if managed_from is None and role not in PROVINCE_ROLES:
        raise ValidationError(_("Choose a role and where it applies."), code="role")
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_not_self(acting_user, user)
    current = _scope_memberships(user, managed_from)
    keep = current.filter(role=role, regency=regency, agency_id=agency_id)
    leaving = current.exclude(pk__in=keep.values("pk"))
    _check_admins_remain(user, leaving=leaving)
    for membership in list(leaving):
        _membership_revoke(acting_user, membership)
    return membership_grant(
        acting_user=acting_user, user=user, role=role, regency=regency, agency_id=agency_id
    )


# What the people pages (a regency's and the province's) do to a person, by the slug in their
# URLs (PERSON_ACTION_SLUGS), and what they say once it is done.
PERSON_ACTIONS = {
    "kirim-ulang": gettext_lazy("The invitation to %(email)s is sent again with a new link."),
    "cabut": gettext_lazy("The invitation to %(email)s is revoked."),
    "nonaktifkan": gettext_lazy("%(email)s is deactivated and can no longer sign in."),
    "aktifkan": gettext_lazy("%(email)s is active again."),
}
PERSON_ACTION_SLUGS = "|".join(PERSON_ACTIONS)


def person_act(action: str, *, resend_with, **acting) -> str:
    """Do one of PERSON_ACTIONS to acting["user"]; the message that says it is done.

    `acting`: acting_user, user (and regency, on a regency's pages). `resend_with()` gives
    what invitation_resend needs besides (the host its link names, an agency's name); it is
    asked only for a resend. Raises ValidationError, changing nothing.
    """
    if action == "kirim-ulang":
        invitation_resend(**resend_with(), **acting)
    elif action == "cabut":
        invitation_revoke(**acting)
    elif action == "nonaktifkan":
        person_deactivate(**acting)
    elif action == "aktifkan":
        person_reactivate(**acting)
    else:
        raise ValidationError({"action": _("Unknown action.")})
    return str(PERSON_ACTIONS[action]) % {"email": acting["user"]}
