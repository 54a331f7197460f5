"""The province's regencies: the list, one regency, and its status buttons."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sukma.forms import add_service_errors
from sukma.platform.forms import RegencyStatusForm
from sukma.platform.models import ReplicationAgreement
from sukma.platform.services.agreements import IN_FORCE
from sukma.platform.services.regencies import regency_set_status
from sukma.platform.views.access import province_admin_required
from sukma.platform.views.provisioning import provision_form_for
from sukma.tenants.models import Domain, Regency
from sukma.tenants.naming import url_for_host


def current_agreement(agreements: list[ReplicationAgreement]) -> ReplicationAgreement | None:
    """The agreement governing a regency now: one in force, else the newest (newest first)."""
    in_force = [a for a in agreements if a.status in IN_FORCE]
    return (in_force or agreements or [None])[0]


def site_url(domains: list[Domain]) -> str | None:
    primary = next((d for d in domains if d.is_primary), None)
    return url_for_host(primary.domain) if primary else None


def regencies_with_relations():
    return Regency.objects.prefetch_related(
        Prefetch("agreements", queryset=ReplicationAgreement.objects.order_by("-created_at")),
        "domains",
    )


@province_admin_required
def regency_list(request):
    rows = [
        {
            "regency": regency,
            "agreement": current_agreement(list(regency.agreements.all())),
            "site_url": site_url(list(regency.domains.all())),
        }
        for regency in regencies_with_relations()
    ]
    return render(request, "platform/regency_list.html", {"rows": rows})


def render_regency(request, regency: Regency, *, status_form=None, status: int = 200):
    regency = regencies_with_relations().get(pk=regency.pk)
    agreements = list(regency.agreements.all())
    context = {
        "regency": regency,
        "agreements": agreements,
        "agreement": current_agreement(agreements),
        "site_url": site_url(list(regency.domains.all())),
        "jobs": regency.provisioning_jobs.order_by("-created_at"),
        "status_form": status_form,
        "provision_form": provision_form_for(regency),
    }
    return render(request, "platform/regency_detail.html", context, status=status)


@province_admin_required
def regency_detail(request, pk: int):
    return render_regency(request, get_object_or_404(Regency, pk=pk))


@require_POST
@province_admin_required
def regency_status(request, pk: int):
    regency = get_object_or_404(Regency, pk=pk)
    form = RegencyStatusForm(request.POST)
    if form.is_valid():
        try:
            regency_set_status(acting_user=request.user, regency=regency, status=form.target_status)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The regency's status is changed."))
            return redirect("regency_detail", pk=regency.pk)
    return render_regency(request, regency, status_form=form)
