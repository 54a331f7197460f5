"""Forms of the province's pages.

Forms only check shapes (a date is a date, a file is a file); the rules
live in the services, whose ValidationErrors are put back on the form by
``sukma.forms.add_service_errors``.
"""

import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from sukma.access.models import AuditEvent
from sukma.forms import date_input
from sukma.platform.models import AgreementStatus
from sukma.tenants.models import Regency, RegencyKind, RegencyStatus


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class AgreementRegisterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RegencyKind.choices)
    region_code = forms.CharField(
        label=_("Kemendagri region code"),
        max_length=13,
        help_text=_("For example 35.04 for Kabupaten Tulungagung."),
    )
    regency_name = forms.CharField(
        label=_("Name of the regency or city"),
        max_length=120,
        help_text=_('Without "Kabupaten" or "Kota", for example Tulungagung.'),
    )
    number = forms.CharField(label=_("Agreement number"), max_length=100)
    province_signatory_name = forms.CharField(label=_("Province signatory"), max_length=150)
    province_signatory_office = forms.CharField(
        label=_("Province signatory's office"), max_length=200
    )
    regency_signatory_name = forms.CharField(label=_("Regency signatory"), max_length=150)
    regency_signatory_office = forms.CharField(
        label=_("Regency signatory's office"), max_length=200
    )
    scope = forms.CharField(label=_("Scope"), widget=forms.Textarea(attrs={"rows": 3}))
    valid_from = forms.DateField(label=_("Valid from"), widget=date_input())
    valid_until = forms.DateField(label=_("Valid until"), widget=date_input())
    signed_on = forms.DateField(label=_("Signing date"), required=False, widget=date_input())
    document = forms.FileField(
        label=_("Signed document (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    @staticmethod
    def initial_for(regency: Regency | None) -> dict:
        """A new agreement for a regency the province already knows starts with its names."""
        if regency is None:
            return {}
        return {
            "kind": regency.kind,
            "region_code": regency.region_code,
            "regency_name": regency.name,
        }


class AgreementDocumentForm(forms.Form):
    document = forms.FileField(
        label=_("Signed document (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )


class AgreementTransitionForm(forms.Form):
    to = forms.ChoiceField(choices=AgreementStatus.choices)
    signed_on = forms.DateField(label=_("Signing date"), required=False, widget=date_input())


class RegencyStatusForm(forms.Form):
    """The province's buttons on a regency; each names the status it leads to."""

    ACTIONS = {
        "suspend": RegencyStatus.SUSPENDED,
        "resume": RegencyStatus.ACTIVE,
        "offboard": RegencyStatus.OFFBOARDED,
    }
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    confirm = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        # Offboarding cannot be undone, so the button asks twice.
        if data.get("action") == "offboard" and not data.get("confirm"):
            raise ValidationError(_("Tick the box to confirm offboarding."))
        return data

    @property
    def target_status(self) -> str:
        return self.ACTIONS[self.cleaned_data["action"]]


def suggested_subdomain(regency: Regency) -> str:
    """Kabupaten Tulungagung -> tulungagungkab, Kota Kediri -> kedirikota (as .go.id does)."""
    bare = re.sub(r"^(kabupaten|kota)\s+", "", regency.name.strip().lower())
    suffix = "kab" if regency.kind == RegencyKind.KABUPATEN else "kota"
    return re.sub(r"[^a-z0-9]", "", bare) + suffix


class ProvisionForm(forms.Form):
    subdomain = forms.CharField(
        label=_("Subdomain"),
        max_length=42,
        help_text=_("Lower-case letters and digits, such as tulungagungkab."),
    )
    admin_email = forms.EmailField(
        label=_("Regency administrator's e-mail"),
        help_text=_("They receive an invitation to set a password."),
    )


class AuditFilterForm(forms.Form):
    """The audit log's filters (GET); an empty form shows everything."""

    regency = forms.ModelChoiceField(
        label=_("Regency"), queryset=Regency.objects.all(), required=False
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Actor's e-mail"), required=False, max_length=254)
    date_from = forms.DateField(label=_("From"), required=False, widget=date_input())
    date_until = forms.DateField(label=_("Until"), required=False, widget=date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        actions = AuditEvent.objects.order_by("action").values_list("action", flat=True)
        self.fields["action"].choices = [("", _("All actions"))] + [
            (a, a) for a in actions.distinct()
        ]

    def filter(self, events: QuerySet) -> QuerySet:
        """The events that match the valid filters; an invalid one is shown and ignored."""
        self.is_valid()
        data = self.cleaned_data
        if data.get("regency"):
            events = events.filter(regency=data["regency"])
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("actor"):
            events = events.filter(actor__email__icontains=data["actor"].strip())
        # Dates are whole local days, both ends included.
        if data.get("date_from"):
            events = events.filter(created_at__date__gte=data["date_from"])
        if data.get("date_until"):
            events = events.filter(created_at__date__lte=data["date_until"])
        return events
