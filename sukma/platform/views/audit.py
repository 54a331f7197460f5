"""The audit log, filterable and paginated."""

from django.core.paginator import Paginator
from django.shortcuts import render

from sukma.access.models import AuditEvent
from sukma.platform.forms import AuditFilterForm
from sukma.platform.views.access import province_admin_required

PAGE_SIZE = 50


def changes(event: AuditEvent) -> list[tuple[str, object, object]]:
    """(field, before, after) for each field the event changed, or set when it created."""
    before, after = event.before or {}, event.after or {}
    return [
        (field, before.get(field), after.get(field))
        for field in sorted(set(before) | set(after))
        if before.get(field) != after.get(field)
    ]


@province_admin_required
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.select_related("actor", "regency")
    if form.is_bound:
        events = form.filter(events)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": [(event, changes(event)) for event in page],
        "query": query.urlencode(),
    }
    return render(request, "platform/audit_log.html", context)
