"""The people pages' forms: shapes only, the rules are in sukma.access.people."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sukma.access.models import Role
from sukma.surveys.models import Agency

ROLE_CHOICES = [
    (Role.AGENCY_OPERATOR.value, Role.AGENCY_OPERATOR.label),
    (Role.REGENCY_ADMIN.value, Role.REGENCY_ADMIN.label),
]


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class RoleForm(forms.Form):
    """A role in this regency; an operator's agency is chosen by its name."""

    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    agency = AgencyChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.none(),
        required=False,
        help_text=_("Only for an agency operator."),
        empty_label=_("— choose the agency —"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(active=True).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.AGENCY_OPERATOR and not data.get("agency"):
            self.add_error("agency", _("Choose the operator's agency."))
        if data.get("role") == Role.REGENCY_ADMIN:
            data["agency"] = None
        return data

    def role_values(self) -> dict:
        agency = self.cleaned_data["agency"]
        return {
            "role": self.cleaned_data["role"],
            "agency_id": agency.pk if agency else None,
            "agency_name": agency.name if agency else "",
        }


class InviteForm(RoleForm):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)

    field_order = ["email", "full_name", "role", "agency"]
