"""Shapes of what goes in and out of the API. No business rules: the services hold those.

Input serializers only check shape (types, lengths, required fields) so that
bad input is a 400 before any service runs; output serializers describe rows.
"""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.utils import html

from sukma.access.models import AuditEvent
from sukma.platform.models import AgreementStatus, JobState, ReplicationAgreement
from sukma.platform.services.regencies import REGION_CODE
from sukma.tenants.models import Regency, RegencyKind

# Generous limits for free text that has no column limit of its own, so a
# megabyte of "scope" is refused as input instead of stored.
LONG_TEXT = 5000


class StrictBooleanField(serializers.BooleanField):
    """JSON's true or false, as the schema says; DRF's own also took 0, "no" and "off".

    A form-encoded body (not in the schema, still read) can only send text: "true" or "false".
    """

    FORM_VALUES = {"true": True, "false": False}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if html.is_html_input(self.root.initial_data) and str(data).lower() in self.FORM_VALUES:
            return self.FORM_VALUES[str(data).lower()]
        self.fail("invalid", input=data)


class InputSerializer(serializers.Serializer):
    """A request body's serializer: a text field takes JSON text only.

    DRF's CharField reads a number as its digits (`"short_name": 0` was stored as "0"),
    which the schema refuses; here it is a 400 on the field, as any other wrong type.
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            wrong = {
                name: [field.error_messages["invalid"]]
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField)
                and not field.read_only
                and data.get(field.field_name) is not None
                and not isinstance(data.get(field.field_name), str)
            }
            if wrong:
                raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)


class ErrorSerializer(serializers.Serializer):
    """The one shape of every error (see sukma.api.errors)."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


# ------------------------------------------------------------------ regencies
class AgreementSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = ReplicationAgreement
        fields = ["id", "number", "status", "signed_on", "valid_from", "valid_until"]


class RegencySerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="region_code")
    # Annotated by the view's queryset, so a list costs no query per regency.
    primary_domain = serializers.CharField(source="primary_host", allow_null=True)
    agreements = AgreementSummarySerializer(many=True)

    class Meta:
        model = Regency
        fields = [
            "id",
            "code",
            "kind",
            "name",
            "province",
            "status",
            "primary_domain",
            "agreements",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RegencySelfSerializer(serializers.ModelSerializer):
    """A regency as its own admins and operators see it on its own host."""

    code = serializers.CharField(source="region_code")
    primary_domain = serializers.CharField(allow_null=True)

    class Meta:
        model = Regency
        fields = ["id", "code", "kind", "name", "province", "status", "primary_domain"]
        read_only_fields = fields


# ------------------------------------------------------------------ agreements
class AgreementSerializer(serializers.ModelSerializer):
    regency_name = serializers.CharField(source="regency.name")
    region_code = serializers.CharField(source="regency.region_code")
    has_document = serializers.SerializerMethodField()

    class Meta:
        model = ReplicationAgreement
        fields = [
            "id",
            "regency",
            "regency_name",
            "region_code",
            "number",
            "status",
            "signed_on",
            "province_signatory_name",
            "province_signatory_office",
            "regency_signatory_name",
            "regency_signatory_office",
            "scope",
            "valid_from",
            "valid_until",
            "has_document",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_has_document(self, agreement: ReplicationAgreement) -> bool:
        return bool(agreement.document)


class AgreementCreateSerializer(InputSerializer):
    """What agreement_register takes. The regency is named by its code and found or registered."""

    # The service's own pattern, so the schema states it; untrimmed, as the pattern says.
    region_code = serializers.CharField(
        max_length=13,
        trim_whitespace=False,
        validators=[
            RegexValidator(REGION_CODE, _("A region code looks like 35.04 (province.regency)."))
        ],
        help_text=_("For example 35.04."),
    )
    kind = serializers.ChoiceField(choices=RegencyKind.choices)
    regency_name = serializers.CharField(max_length=120)
    number = serializers.CharField(max_length=100)
    province_signatory_name = serializers.CharField(max_length=150)
    province_signatory_office = serializers.CharField(max_length=200)
    regency_signatory_name = serializers.CharField(max_length=150)
    regency_signatory_office = serializers.CharField(max_length=200)
    scope = serializers.CharField(max_length=LONG_TEXT)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    signed_on = serializers.DateField(required=False, allow_null=True)
    document = serializers.FileField(
        required=False, max_length=200, help_text=_("The signed agreement, a PDF.")
    )


class AgreementCreateFormSerializer(AgreementCreateSerializer):
    """The same, as the schema describes it in multipart: a form has no null, so a draft not
    yet signed leaves `signed_on` out (or empty)."""

    signed_on = serializers.DateField(required=False)


class AgreementDocumentSerializer(serializers.Serializer):
    document = serializers.FileField(max_length=200, help_text=_("The signed agreement, a PDF."))


class AgreementTransitionSerializer(InputSerializer):
    to = serializers.ChoiceField(choices=AgreementStatus.choices)
    signed_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("Needed when the agreement becomes signed.")
    )


# ------------------------------------------------------------------ provisioning
class ProvisioningStartSerializer(InputSerializer):
    regency = serializers.PrimaryKeyRelatedField(queryset=Regency.objects.all())
    subdomain = serializers.CharField(max_length=63, help_text=_("For example tulungagungkab."))
    admin_email = serializers.EmailField(max_length=254)


class ProvisioningAcceptedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    task_id = serializers.CharField()
    status_url = serializers.URLField()


class ProvisioningStepSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    done = serializers.BooleanField()


class ProvisioningProgressSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.ChoiceField(choices=JobState.choices)
    percent = serializers.IntegerField(min_value=0, max_value=100)
    steps = ProvisioningStepSerializer(many=True)
    error = serializers.CharField(allow_blank=True)
    regency = serializers.IntegerField()


# ------------------------------------------------------------------ audit log
class AuditEventSerializer(serializers.ModelSerializer):
    actor_email = serializers.EmailField(source="actor.email", allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "action",
            "actor",
            "actor_email",
            "target_type",
            "target_id",
            "regency",
            "address",
            "before",
            "after",
        ]
        read_only_fields = fields


class AuditEventFilterSerializer(serializers.Serializer):
    """The query parameters of the audit log list; anything malformed is a 400."""

    regency = serializers.IntegerField(min_value=1, required=False)
    action = serializers.CharField(max_length=60, required=False)
    actor = serializers.IntegerField(min_value=1, required=False)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
