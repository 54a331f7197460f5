"""The report settings form: shapes only; the rules (NIP, picture checks) are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sukma.surveys.reports.services import FOREWORD_MAX


class ReportSettingsForm(forms.Form):
    signatory_name = forms.CharField(
        label=_("Signatory's name"),
        max_length=120,
        required=False,
        help_text=_("With academic titles, as it is printed under the signature."),
    )
    signatory_position = forms.CharField(
        label=_("Signatory's position"),
        max_length=160,
        required=False,
        help_text=_("Empty: Kepala Bagian Organisasi Sekretariat Daerah."),
    )
    signatory_nip = forms.CharField(
        label=_("Signatory's NIP"),
        max_length=40,
        required=False,
        help_text=_("18 digits; spaces between the groups are fine."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    foreword = forms.CharField(
        label=_("Foreword (Kata Pengantar)"),
        max_length=FOREWORD_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "In Bahasa Indonesia, paragraphs separated by an empty line. {subjek} and {periode} "
            "become the report's subject and period. Left as it is, the default text is used."
        ),
    )
    coat_of_arms = forms.FileField(
        label=_("Coat of arms"),
        required=False,
        help_text=_("PNG or JPEG, at most 3 MB; printed on every report's cover."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    coat_of_arms_remove = forms.BooleanField(label=_("Remove the coat of arms"), required=False)
