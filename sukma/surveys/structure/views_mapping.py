"""The regency admin maps agencies and services to the province's standard lists (/kelola/).

Admins of this regency change the mapping; its agency operators see it;
anyone else gets the admin pages' 403. The rules and the audit live in
sukma.surveys.structure.mapping.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sukma.forms import add_service_errors
from sukma.surveys.models import Agency
from sukma.surveys.structure.mapping import (
    agency_map,
    mapping_overview,
    standard_kind_choices,
    standard_service_choices,
)
from sukma.surveys.structure.views import regency_staff

SERVICE_PREFIX = "service_"


class MappingForm(forms.Form):
    """The agency's standard kind, and one choice per service among that kind's services."""

    standard_kind = forms.ChoiceField(label=gettext_lazy("Standard agency kind"), required=False)

    def __init__(self, *args, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard_kind"].choices = [("", _("Not mapped"))] + [
            (k.code, f"{k.name} ({k.code})") for k in standard_kind_choices()
        ]
        self.fields["standard_kind"].initial = agency.standard_kind
        options = [("", _("Not mapped"))] + [
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


@regency_staff(edit=False)
def mapping_list(request):
    context = {"rows": mapping_overview(), "kinds_available": bool(standard_kind_choices())}
    return render(request, "surveys/admin/mapping_list.html", context)


@regency_staff(edit=True)
def mapping_agency(request, pk: int):
    agency = get_object_or_404(Agency, pk=pk)
    form = MappingForm(request.POST or None, agency=agency)
    if request.method == "POST" and form.is_valid():
        try:
            agency_map(
                acting_user=request.user,
                agency=agency,
                standard_kind=form.cleaned_data["standard_kind"],
                services=form.services(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Mapping saved."))
            return redirect("surveys_admin:mapping_agency", pk=agency.pk)
    return render(request, "surveys/admin/mapping_agency.html", {"agency": agency, "form": form})
