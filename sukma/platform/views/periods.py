"""A regency's periods, seen from the province: the list, and reopening a locked one.

Periods live in the regency's schema, so they are read (and reopened) inside
tenant_context. Reopening is the province's act only: it goes through
sukma.surveys.province.period_unlock, which refuses anyone else, asks for a
reason and writes the audit row in the same transaction.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_exists, tenant_context

from sukma.platform.views.access import province_admin_required
from sukma.surveys import province
from sukma.tenants.models import Regency


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the period reopened?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _has_schema(regency: Regency) -> bool:
    return bool(regency.schema_name) and schema_exists(regency.schema_name)


def render_periods(request, regency: Regency, *, form=None, form_period=None, status=200):
    periods = []
    if _has_schema(regency):
        with tenant_context(regency):
            periods = province.periods_newest_first()
    rows = [
        {
            "period": p,
            "form": form if form_period == p.pk else ReopenForm(prefix=f"p{p.pk}"),
        }
        for p in periods
    ]
    return render(
        request,
        "platform/regency_periods.html",
        {"regency": regency, "rows": rows, "provisioned": _has_schema(regency)},
        status=status,
    )


@province_admin_required
def regency_periods(request, pk: int):
    return render_periods(request, get_object_or_404(Regency, pk=pk))


@require_POST
@province_admin_required
def period_reopen(request, pk: int, period_id: int):
    regency = get_object_or_404(Regency, pk=pk)
    if not _has_schema(regency):
        return redirect("regency_periods", pk=regency.pk)
    form = ReopenForm(request.POST, prefix=f"p{period_id}")
    with tenant_context(regency):
        period = province.period_get(period_id)
        if period is None:
            messages.error(request, _("No such period."))
            return redirect("regency_periods", pk=regency.pk)
        if form.is_valid():
            try:
                province.period_unlock(
                    acting_user=request.user,
                    period=period,
                    reason=form.cleaned_data["reason"],
                    regency=regency,
                )
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            else:
                done = _("%(period)s is reopened: it takes writes again.")
                messages.success(request, done % {"period": period})
                return redirect("regency_periods", pk=regency.pk)
    return render_periods(request, regency, form=form, form_period=period_id, status=400)
