"""Forms of the follow-up pages: shapes only; the rules are in followup.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sukma.forms import date_input
from sukma.surveys.followup.models import PlanStatus


class PlanItemForm(forms.Form):
    """What the agency plans for one element (while the plan is a draft)."""

    acts_on = forms.BooleanField(label=_("Act on this element"), required=False)
    planned_action = forms.CharField(
        label=_("Planned action"), required=False, max_length=2000, widget=forms.Textarea
    )
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=date_input())
    responsible = forms.CharField(label=_("Person responsible"), required=False, max_length=200)


class RealisationForm(forms.Form):
    """What was done (once the plan is approved)."""

    realisation = forms.CharField(
        label=_("Realisation"), required=False, max_length=4000, widget=forms.Textarea
    )
    realised_at = forms.DateField(label=_("Realised on"), required=False, widget=date_input())


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Evidence file"),
        help_text=_("PDF, JPEG or PNG, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=PlanStatus.choices)
