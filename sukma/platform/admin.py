"""The Django admin over the control plane, for staff only.

Every write made here leaves an AuditEvent in the same transaction, and
where a service owns a change (an agreement's status and document, a
regency's status) the admin calls that service instead of saving a field.
Audit rows and provisioning jobs are read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sukma.access.audit import audit_record, snapshot
from sukma.access.models import AuditEvent, Invitation, Membership, User
from sukma.platform.models import AgreementStatus, ProvisioningJob, ReplicationAgreement
from sukma.platform.services.agreements import (
    agreement_attach_document,
    agreement_document_check,
    agreement_transition,
)
from sukma.platform.services.regencies import regency_set_status
from sukma.tenants.models import Domain, Regency, RegencyStatus

RS = RegencyStatus


def regency_of(obj) -> Regency | None:
    if isinstance(obj, Regency):
        return obj
    regency = getattr(obj, "regency", None) or getattr(obj, "tenant", None)
    return regency if isinstance(regency, Regency) else None


class AuditedAdmin(admin.ModelAdmin):
    """Records admin.<model>.created / changed / deleted with the row before and after."""

    def audit(self, request, obj, verb: str, before=None, after=None) -> None:
        audit_record(
            actor=request.user,
            action=f"admin.{obj._meta.model_name}.{verb}",
            target=obj,
            regency=regency_of(obj),
            before=before,
            after=after,
        )

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            stored = type(obj)._default_manager.filter(pk=obj.pk).first() if change else None
            super().save_model(request, obj, form, change)
            verb = "changed" if change else "created"
            self.audit(request, obj, verb, before=snapshot(stored), after=snapshot(obj))

    def delete_model(self, request, obj):
        with transaction.atomic():
            self.audit(request, obj, "deleted", before=snapshot(obj))
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # One audit row per deleted object, not one for the bulk action.
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the system: staff may read them, nobody edits them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def run_service(modeladmin, request, objects, call, done_message) -> None:
    """Apply a service to each object; refusals are shown as messages, never a server error."""
    changed = 0
    for obj in objects:
        try:
            call(obj)
        except ValidationError as error:
            for message in error.messages:
                modeladmin.message_user(request, f"{obj}: {message}", messages.ERROR)
        else:
            changed += 1
    if changed:
        modeladmin.message_user(request, done_message % {"count": changed}, messages.SUCCESS)


# ------------------------------------------------------------------ users
class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")
        field_classes = {}

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes = {}


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    """Django's user admin with the e-mail address where it expects a username."""

    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "full_name")
    ordering = ("email",)

    def user_change_password(self, request, id, form_url=""):
        """Setting a password here is audited too (never the password itself)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = User.objects.get(pk=id)
                self.audit(request, user, "password_set", after=snapshot(user))
        return response


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "role", "regency", "agency_id", "created_at")
    list_filter = ("role", "regency")
    search_fields = ("user__email",)
    autocomplete_fields = ("user",)


@admin.register(Invitation)
class InvitationAdmin(AuditedAdmin):
    list_display = ("user", "regency", "sent_at", "accepted_at")
    list_filter = ("regency",)
    search_fields = ("user__email",)
    autocomplete_fields = ("user",)


# ------------------------------------------------------------------ agreements
class AgreementAdminForm(forms.ModelForm):
    # No "clear" box: a signed agreement's PDF may be replaced, never removed.
    document = forms.FileField(
        label=_("signed document (PDF)"), required=False, widget=forms.FileInput
    )

    class Meta:
        model = ReplicationAgreement
        fields = [
            "number",
            "signed_on",
            "province_signatory_name",
            "province_signatory_office",
            "regency_signatory_name",
            "regency_signatory_office",
            "scope",
            "valid_from",
            "valid_until",
            "document",
        ]

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document and "document" in self.changed_data:
            try:
                agreement_document_check(document)
            except ValidationError as error:
                raise ValidationError(error.message_dict["document"]) from error
        return document


def transition_action(to: str, label):
    def action(modeladmin, request, queryset):
        run_service(
            modeladmin,
            request,
            queryset,
            lambda agreement: agreement_transition(
                acting_user=request.user, agreement=agreement, to=to
            ),
            _("%(count)d agreement(s) changed."),
        )

    action.__name__ = f"mark_{to}"
    return admin.action(description=label)(action)


@admin.register(ReplicationAgreement)
class ReplicationAgreementAdmin(AuditedAdmin):
    """Status moves only through the actions (the service's TRANSITIONS); new ones are
    registered on the province's agreement page, which also registers the regency."""

    form = AgreementAdminForm
    list_display = ("number", "regency", "status", "valid_from", "valid_until", "signed_on")
    list_filter = ("status", "regency")
    search_fields = ("number", "regency__name", "regency__region_code")
    readonly_fields = ("regency", "status", "created_at", "updated_at")
    actions = [
        transition_action(AgreementStatus.SIGNED, _("Mark signed (uses the signing date)")),
        transition_action(AgreementStatus.ACTIVE, _("Activate")),
        transition_action(AgreementStatus.EXPIRED, _("Mark expired")),
        transition_action(AgreementStatus.TERMINATED, _("Terminate")),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # an agreement is terminated, never deleted

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status not in {AgreementStatus.DRAFT, AgreementStatus.SIGNED}:
            fields += ("document",)
        return fields

    def save_model(self, request, obj, form, change):
        """The other fields are saved and audited here; a new PDF goes through the service."""
        new_document = (
            form.cleaned_data.get("document") if "document" in form.changed_data else None
        )
        with transaction.atomic():
            if new_document:
                obj.document = ReplicationAgreement.objects.get(pk=obj.pk).document
            super().save_model(request, obj, form, change)
            if new_document:
                agreement_attach_document(
                    acting_user=request.user, agreement=obj, document=new_document
                )


# ------------------------------------------------------------------ regencies
def status_action(status: str, label, allowed_from: set[str]):
    def action(modeladmin, request, queryset):
        def move(regency):
            # Resuming is only for suspended regencies; provisioning alone activates.
            if regency.status not in allowed_from:
                raise ValidationError(_("Not allowed from its current status."))
            regency_set_status(acting_user=request.user, regency=regency, status=status)

        run_service(modeladmin, request, queryset, move, _("%(count)d regency(ies) changed."))

    action.__name__ = f"make_{status}"
    return admin.action(description=label)(action)


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Regency)
class RegencyAdmin(AuditedAdmin):
    """Regencies come from agreements and provisioning; here only names and status move."""

    list_display = ("name", "region_code", "kind", "status", "schema_name")
    list_filter = ("status", "kind")
    search_fields = ("name", "region_code")
    readonly_fields = ("region_code", "kind", "schema_name", "status", "created_at", "updated_at")
    fields = ("name", "province", *readonly_fields)
    inlines = [DomainInline]
    actions = [
        status_action(RS.SUSPENDED, _("Suspend"), {RS.ACTIVE}),
        status_action(RS.ACTIVE, _("Resume"), {RS.SUSPENDED}),
        status_action(RS.OFFBOARDED, _("Offboard"), {RS.ONBOARDING, RS.ACTIVE, RS.SUSPENDED}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a regency is offboarded, never deleted: its schema holds its data


@admin.register(Domain)
class DomainAdmin(AuditedAdmin):
    list_display = ("domain", "tenant", "is_primary")
    list_filter = ("is_primary",)
    search_fields = ("domain", "tenant__name")


# ------------------------------------------------------------------ read-only
@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "action", "target_type", "target_id", "regency")
    list_filter = ("action", "regency")
    search_fields = ("actor__email", "action", "target_id")
    date_hierarchy = "created_at"


@admin.register(ProvisioningJob)
class ProvisioningJobAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "regency", "subdomain", "admin_email", "state", "task_id")
    list_filter = ("state", "regency")
    search_fields = ("subdomain", "admin_email", "task_id")
