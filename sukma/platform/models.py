"""The control plane, in the public schema: users, memberships, agreements, audit, jobs."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sukma.tenants.models import Regency


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


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


def agreement_upload_path(instance, filename: str) -> str:
    return f"agreements/{instance.regency.region_code}/{uuid.uuid4().hex}.pdf"


class ReplicationAgreement(models.Model):
    """The MoU under which the province replicates SuKMa to one regency."""

    regency = models.ForeignKey(Regency, on_delete=models.PROTECT, related_name="agreements")
    number = models.CharField(_("agreement number"), max_length=100, unique=True)
    signed_on = models.DateField(_("signing date"), null=True, blank=True)
    province_signatory_name = models.CharField(_("province signatory"), max_length=150)
    province_signatory_office = models.CharField(_("province signatory's office"), max_length=200)
    regency_signatory_name = models.CharField(_("regency signatory"), max_length=150)
    regency_signatory_office = models.CharField(_("regency signatory's office"), max_length=200)
    scope = models.TextField(_("scope"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    document = models.FileField(
        _("signed document (PDF)"), upload_to=agreement_upload_path, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("replication agreement")
        verbose_name_plural = _("replication agreements")
        constraints = [
            models.CheckConstraint(
                name="agreement_validity_in_order",
                condition=models.Q(valid_until__gte=models.F("valid_from")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.regency})"


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
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor or '-'} {self.action}"


class JobState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")


class ProvisioningJob(models.Model):
    """One run of provisioning a regency, with the steps it has finished.

    The steps done are recorded as they finish, so a retry after a crash
    resumes and the caller can watch the progress.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    regency = models.ForeignKey(Regency, on_delete=models.CASCADE, related_name="provisioning_jobs")
    agreement = models.ForeignKey(ReplicationAgreement, on_delete=models.PROTECT)
    subdomain = models.CharField(_("subdomain"), max_length=63)
    admin_email = models.EmailField(_("regency admin's e-mail"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.PENDING)
    steps_done = models.JSONField(default=list)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("provisioning job")
        verbose_name_plural = _("provisioning jobs")

    def __str__(self) -> str:
        return f"{self.regency} · {self.get_state_display()}"


class Invitation(models.Model):
    """The set-your-password e-mail a new regency admin receives, sent once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    regency = models.ForeignKey(Regency, on_delete=models.CASCADE, related_name="invitations")
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "regency"], name="one_invitation_per_regency")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.regency}"
