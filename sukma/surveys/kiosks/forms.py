"""Forms of the kiosk pages. They check shapes only; the rules are in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sukma.surveys.kiosks.services import NAME_MAX


class PointChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, point) -> str:
        return f"{point.agency.short_name or point.agency.name} · {point.name}"


class PairingForm(forms.Form):
    service_point = PointChoiceField(label=_("Service point"), queryset=None)
    name = forms.CharField(
        label=_("Name of the tablet"),
        max_length=NAME_MAX,
        help_text=_("For example Tablet Loket 1: it names the tablet in this list."),
    )

    def __init__(self, *args, points, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_point"].queryset = points


class RenameForm(forms.Form):
    name = forms.CharField(label=_("Name of the tablet"), max_length=NAME_MAX)
