"""The base domain's front page: the public landing, or the province admin's dashboard."""

from django.db.models import Count
from django.shortcuts import render

from sukma.access.permissions import is_province_admin
from sukma.platform.models import JobState, ProvisioningJob
from sukma.tenants.models import Regency, RegencyStatus


def home(request):
    if not is_province_admin(request.user):
        return render(request, "platform/home.html")
    counts = dict(Regency.objects.values_list("status").annotate(n=Count("pk")))
    context = {
        "status_counts": [(label, counts.get(value, 0)) for value, label in RegencyStatus.choices],
        "jobs_in_progress": ProvisioningJob.objects.filter(
            state__in=[JobState.PENDING, JobState.RUNNING]
        ).select_related("regency"),
    }
    return render(request, "platform/dashboard.html", context)
