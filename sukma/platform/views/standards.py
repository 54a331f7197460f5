"""The province's standard lists of agency kinds and services: list, add, edit, seed."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sukma.forms import add_service_errors
from sukma.platform.views.access import province_admin_required
from sukma.standards import services as standards
from sukma.standards.models import AgencyKind, StandardAgencyKind, StandardService


class KindForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    agency_kind = forms.ChoiceField(label=gettext_lazy("Agency kind"), choices=AgencyKind.choices)
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


class ServiceForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


def _page(request, form, save, *, title, note=""):
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("standard_list")
    context = {"form": form, "title": title, "note": note}
    return render(request, "platform/standard_form.html", context)


@province_admin_required
def standard_list(request):
    kinds = StandardAgencyKind.objects.prefetch_related("services").order_by("name")
    return render(request, "platform/standard_list.html", {"kinds": kinds})


@province_admin_required
@require_POST
def standard_seed(request):
    created = standards.standard_kinds_seed(acting_user=request.user)
    messages.success(
        request,
        _("%(kinds)s kinds and %(services)s services added from the template.") % created,
    )
    return redirect("standard_list")


@province_admin_required
def standard_kind_create(request):
    form = KindForm(request.POST or None)

    def save(data):
        standards.standard_kind_create(acting_user=request.user, **data)

    return _page(request, form, save, title=_("New standard agency kind"))


@province_admin_required
def standard_kind_edit(request, pk: int):
    kind = get_object_or_404(StandardAgencyKind, pk=pk)
    initial = {f: getattr(kind, f) for f in ("code", "name", "agency_kind", "active")}
    form = KindForm(request.POST or None, initial=initial)
    form.fields["code"].disabled = True

    def save(data):
        data = {k: v for k, v in data.items() if k != "code"}
        standards.standard_kind_update(acting_user=request.user, kind=kind, **data)

    note = _("The code cannot change: regencies map their agencies to it.")
    return _page(request, form, save, title=kind.name, note=note)


@province_admin_required
def standard_service_create(request, pk: int):
    kind = get_object_or_404(StandardAgencyKind, pk=pk)
    form = ServiceForm(request.POST or None, initial={"code": f"{kind.code}-"})

    def save(data):
        standards.standard_service_create(acting_user=request.user, standard_kind=kind, **data)

    title = _("New standard service of %(kind)s") % {"kind": kind.name}
    return _page(request, form, save, title=title)


@province_admin_required
def standard_service_edit(request, pk: int):
    service = get_object_or_404(StandardService, pk=pk)
    initial = {f: getattr(service, f) for f in ("code", "name", "active")}
    form = ServiceForm(request.POST or None, initial=initial)
    form.fields["code"].disabled = True

    def save(data):
        data = {k: v for k, v in data.items() if k != "code"}
        standards.standard_service_update(acting_user=request.user, service=service, **data)

    note = _("The code cannot change: regencies map their services to it.")
    return _page(request, form, save, title=service.name, note=note)
