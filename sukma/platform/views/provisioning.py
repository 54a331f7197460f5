"""Provisioning a regency from the province's pages, and watching it happen."""

import logging

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from sukma import background
from sukma.errors import broker_unavailable
from sukma.forms import add_service_errors
from sukma.platform.forms import ProvisionForm, suggested_subdomain
from sukma.platform.models import JobState, ProvisioningJob
from sukma.platform.services.provisioning import (
    provisioning_progress,
    provisioning_send,
    provisioning_start,
)
from sukma.platform.views.access import province_admin_required
from sukma.tenants.models import Regency
from sukma.tenants.naming import host_for, url_for_host

log = logging.getLogger(__name__)


def provision_form_for(regency: Regency) -> ProvisionForm:
    return ProvisionForm(initial={"subdomain": suggested_subdomain(regency)})


def dispatch_job(request, job: ProvisioningJob) -> None:
    """Queue the job for a worker (its task id recorded); BrokerUnavailable after failing it."""
    provisioning_send(job)


@province_admin_required
def provision(request, pk: int):
    regency = get_object_or_404(Regency, pk=pk)
    form = ProvisionForm(request.POST) if request.method == "POST" else provision_form_for(regency)
    if request.method == "POST" and form.is_valid():
        try:
            job = provisioning_start(acting_user=request.user, regency=regency, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            try:
                dispatch_job(request, job)
            except background.BrokerUnavailable:
                return broker_unavailable(request)
            return redirect("provisioning_job", pk=job.pk)
    return render(request, "platform/provision.html", {"regency": regency, "form": form})


@province_admin_required
def provisioning_job(request, pk):
    job = get_object_or_404(ProvisioningJob.objects.select_related("regency", "agreement"), pk=pk)
    context = {
        "job": job,
        "progress": provisioning_progress(job),
        "watching": job.state in {JobState.PENDING, JobState.RUNNING},
        "done": job.state == JobState.SUCCEEDED,
        "site_url": url_for_host(host_for(job.subdomain)),
    }
    return render(request, "platform/provisioning_job.html", context)
