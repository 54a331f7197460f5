"""Forms of the regency admin's pages. They check shapes only; the rules are in the services."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sukma.surveys.method.privacy import HIGHEST_MIN_GROUP, LOWEST_MIN_GROUP
from sukma.surveys.models import Agency, AgencyKind, QuestionKind, Service, WeightPolicyChoice
from sukma.surveys.structure.mapping import standard_kind_choices, standard_service_choices
from sukma.surveys.structure.services import FIRST_YEAR, LAST_YEAR, ExtraQuestion


class AgencyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    short_name = forms.CharField(
        label=_("Short name"), max_length=40, required=False, help_text=_("For example Dinkes.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=AgencyKind.choices)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class ServiceForm(forms.Form):
    name = forms.CharField(label=_("Name of the service"), max_length=200)
    annual_users = forms.IntegerField(
        label=_("Expected users per year"),
        min_value=1,
        required=False,
        help_text=_("Sets the sample target (Krejcie & Morgan). Leave empty if unknown."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class ServicePointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("For example Loket 1."))
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    default_service = forms.ModelChoiceField(
        label=_("Service preset on the form"), queryset=Service.objects.none(), required=False
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_service"].queryset = agency.services.filter(active=True)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)


EXTRA_KIND_CHOICES = [
    (QuestionKind.SCALE, _("Scale from 1 to 5")),
    (QuestionKind.CHOICE, _("Choice among answers")),
    (QuestionKind.TEXT, _("Free text")),
]


class ExtraQuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of answer"), choices=EXTRA_KIND_CHOICES)
    text_id = forms.CharField(
        label=_("Question (Bahasa Indonesia)"), widget=forms.Textarea(attrs={"rows": 2})
    )
    text_en = forms.CharField(
        label=_("Question (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Left empty, English speakers see the Indonesian text."),
    )
    choices_id = forms.CharField(
        label=_("Answers (Bahasa Indonesia), one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a choice question: 2 to 8 answers."),
    )
    choices_en = forms.CharField(
        label=_("Answers (English), one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    required = forms.BooleanField(label=_("Answer required"), required=False)

    @classmethod
    def initial_of(cls, extra: ExtraQuestion) -> dict:
        return {
            "kind": extra.kind,
            "text_id": extra.text_id,
            "text_en": extra.text_en,
            "choices_id": "\n".join(extra.choices_id),
            "choices_en": "\n".join(extra.choices_en),
            "required": extra.required,
        }

    def extra(self) -> ExtraQuestion:
        data = self.cleaned_data
        return ExtraQuestion(
            kind=data["kind"],
            text_id=data["text_id"],
            text_en=data["text_en"],
            choices_id=data["choices_id"].splitlines(),
            choices_en=data["choices_en"].splitlines(),
            required=data["required"],
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("At most 2 MB, 5,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


# ---------------------------------------------------------------- mapping to the standard lists
SERVICE_PREFIX = "service_"


class MappingForm(forms.Form):
    """The agency's standard kind, and one choice per service among that kind's services."""

    standard_kind = forms.ChoiceField(label=_("Standard agency kind"), required=False)

    def __init__(self, *args, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard_kind"].choices = [("", gettext("Not mapped"))] + [
            (k.code, f"{k.name} ({k.code})") for k in standard_kind_choices()
        ]
        self.fields["standard_kind"].initial = agency.standard_kind
        options = [("", gettext("Not mapped"))] + [
            (s.code, s.name) for s in standard_service_choices(agency.standard_kind)
        ]
        self.service_fields = []
        for service in agency.services.all():
            name = f"{SERVICE_PREFIX}{service.pk}"
            self.fields[name] = forms.ChoiceField(
                label=service.name,
                choices=options,
                required=False,
                initial=service.standard_service,
                disabled=not agency.standard_kind,
            )
            self.service_fields.append(name)

    def services(self) -> dict[int, str]:
        return {
            int(name.removeprefix(SERVICE_PREFIX)): self.cleaned_data.get(name) or ""
            for name in self.service_fields
            if not self.fields[name].disabled
        }


class WeightPolicyForm(forms.Form):
    policy = forms.ChoiceField(
        label=_("Weight of each element"),
        choices=WeightPolicyChoice.choices,
        widget=forms.RadioSelect,
    )


class MinGroupSizeForm(forms.Form):
    size = forms.IntegerField(
        label=_("Smallest group shown"),
        min_value=LOWEST_MIN_GROUP,
        max_value=HIGHEST_MIN_GROUP,
        help_text=_("At least 3. Groups of fewer respondents are merged or not shown."),
    )
