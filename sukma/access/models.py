"""Who someone is and what they may do, and the record of what they did.

People (User: civil servants; citizens never have an account), their roles
(Membership: the province, one regency, or one agency of one regency), the
invitation a new person receives, and the audit log. Both planes use these:
the province's pages and a regency's pages alike. This package sits below
both and imports neither.

The models keep the app label ``platform``, which is where they were born:
their tables (platform_user, platform_membership, ...), their migration
history (sukma/platform/migrations), AUTH_USER_MODEL = "platform.User" and
the audit rows' target types ("platform.membership") all stay as they were.
Moving them to a new label would have meant swapping AUTH_USER_MODEL on a
live database, which Django does not support; see the README's design
notes. sukma.platform.models imports this module, so the models are
registered with that app; new migrations for them are written there.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sukma.tenants.models import Regency

LABEL = "platform"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A civil servant who signs in. Citizens never have an account."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the Django admin"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        app_label = LABEL
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("Province administrator")
    REGENCY_ADMIN = "regency_admin", _("Regency administrator")
    AGENCY_OPERATOR = "agency_operator", _("Agency operator")


class Membership(models.Model):
    """What a user may do, and where: the province, one regency, or one agency of one regency.

    Agencies live in their regency's schema, so an operator's agency is held
    by id rather than by a foreign key across schemas.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    regency = models.ForeignKey(
        Regency, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    agency_id = models.PositiveIntegerField(_("agency"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = LABEL
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    models.Q(role="province_admin", regency__isnull=True, agency_id__isnull=True)
                    | models.Q(role="regency_admin", regency__isnull=False, agency_id__isnull=True)
                    | models.Q(
                        role="agency_operator", regency__isnull=False, agency_id__isnull=False
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "regency", "agency_id"],
                nulls_distinct=False,
                name="one_membership_per_scope",
            ),
        ]

    def __str__(self) -> str:
        where = self.regency or _("province")
        return f"{self.user} · {self.get_role_display()} · {where}"


class AuditEvent(models.Model):
    """One control-plane write: who did what to which object, with its state before and after."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target_type = models.CharField(_("object type"), max_length=60)
    target_id = models.CharField(_("object"), max_length=64)
    regency = models.ForeignKey(
        Regency, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    # The client's address as sukma.addresses sees it (through a named proxy only); empty
    # for work done outside a request (a worker, a command).
    address = models.CharField(_("address"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        app_label = LABEL
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor or '-'} {self.action}"


class Invitation(models.Model):
    """The set-your-password e-mail a new regency admin receives, sent once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    regency = models.ForeignKey(Regency, on_delete=models.CASCADE, related_name="invitations")
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = LABEL
        constraints = [
            models.UniqueConstraint(fields=["user", "regency"], name="one_invitation_per_regency")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.regency}"


class ApiToken(models.Model):
    """One API token: issued at one sign-in, expiring, revocable; only its keyed hash is stored.

    The secret itself is shown once, in the answer that issues it. What stays
    is an HMAC of it (so a leaked table grants nothing) and a short prefix,
    enough for the owner to tell their tokens apart on the list.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_from = models.CharField(_("address"), max_length=64, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason"), max_length=60, blank=True)

    class Meta:
        app_label = LABEL
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.prefix}…"
