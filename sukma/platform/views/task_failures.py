"""Tasks that failed for good, for the province: the list, and marking one handled."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sukma.platform.selectors import task_failures
from sukma.platform.services.task_failures import task_failure_handle
from sukma.platform.views.access import province_admin_required

PAGE_SIZE = 50
# ?tampil= : which failures the list shows.
SHOWN = {"belum": False, "sudah": True, "semua": None}


@province_admin_required
def task_failure_list(request):
    shown = request.GET.get("tampil", "belum")
    if shown not in SHOWN:
        shown = "belum"
    page = Paginator(task_failures(handled=SHOWN[shown]), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "platform/task_failures.html", {"page": page, "shown": shown})


@require_POST
@province_admin_required
def task_failure_handled(request, pk: int):
    try:
        task_failure_handle(acting_user=request.user, failure_id=pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The failed task is marked handled."))
    return redirect("task_failure_list")
