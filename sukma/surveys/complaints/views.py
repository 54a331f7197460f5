"""Complaints' pages: the citizen's tracking page and the operators' inbox.

Tracking (``/lacak/<code>``, no sign-in): exactly one case, by its unguessable code:
status, dates, the agency's public answer, the citizen's own suggestion. Never the
internal notes, the assignee, other cases or the citizen's other answers. A wrong
code, a missing one and a malformed one get the same status and the same body;
lookups are rate-limited per address (a keyed hash of it, in the cache).

The desk (``/pengaduan/``): regency admins see every agency, agency operators their
own; anyone else signed in gets 403 (the dashboard's access rule, reused). Search and
filters come by GET (forms.DeskFilters); the same list downloads as CSV or XLSX
(``unduh.csv``, ``unduh.xlsx``, exports.py) within the same scope.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sukma.access.models import User
from sukma.surveys.citizen.protection import client_address, over_limit, rate_key
from sukma.surveys.citizen.views import _language, _remember_language
from sukma.surveys.complaints import clocks, exports, selectors, services
from sukma.surveys.complaints.forms import DeskFilters
from sukma.surveys.complaints.models import Status
from sukma.surveys.dashboard.views import dashboard_access, nav_context, picker
from sukma.surveys.models import Agency

log = logging.getLogger(__name__)
# Wrong codes per address: many citizens behind one address look up their own codes freely;
# only guessing counts, and past this many misses in the window that address waits.
LOOKUPS = "complaint-lookup-miss"
LOOKUP_LIMIT = getattr(settings, "COMPLAINT_LOOKUP_LIMIT", 100)
LOOKUP_WINDOW = getattr(settings, "COMPLAINT_LOOKUP_WINDOW", 600)
PAGE_SIZE = 25


# ---------------------------------------------------------------- citizen
def _misses_exceeded(address: str) -> bool:
    """Whether this address sent too many wrong codes lately. With the cache unreachable the
    limit is not applied (the page still answers): 10 characters of a 31-letter alphabet
    are not guessable anyway."""
    try:
        misses = cache.get(rate_key(LOOKUPS, address)) or 0
    except Exception:
        log.warning("lookup limit skipped: the cache is unreachable", exc_info=True)
        return False
    return misses >= LOOKUP_LIMIT


def _miss(address: str) -> None:
    over_limit(LOOKUPS, address, limit=LOOKUP_LIMIT, window=LOOKUP_WINDOW)


def _private(response):
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"  # the code is in the address
    return response


@require_GET
def track_form(request):
    chosen = _language(request)
    code = request.GET.get("kode", "").strip().upper()[:16]
    if code:
        return redirect("complaints_track", code=code)
    return _remember_language(render(request, "complaints/track_form.html"), chosen)


def _steps(status: Status) -> list[dict]:
    order = [Status.RECEIVED, Status.IN_PROGRESS, Status.DONE]
    reached = order.index(status) if status in order else 0
    return [
        {"label": step.label, "on": i <= reached, "current": step == status}
        for i, step in enumerate(order)
    ]


def _answer_latest_on(case):
    """The last day the answer may come: its own due day once the case is taken up; before,
    the due day it would have if taken up on the last day allowed for that."""
    if case.answer_due_on:
        return case.answer_due_on
    return clocks.add_working_days(case.forward_due_on, clocks.ANSWER_WORKING_DAYS)


@require_GET
def track(request, code: str):
    chosen = _language(request)
    address = client_address(request)
    if _misses_exceeded(address):
        response = render(request, "complaints/track_too_many.html", status=429)
        response["Retry-After"] = str(LOOKUP_WINDOW)
        return _private(response)
    case = selectors.case_by_tracking_code(code)
    if case is None:
        _miss(address)
        response = render(request, "complaints/track_not_found.html", status=404)
        return _private(_remember_language(response, chosen))
    # Only these fields reach the template: nothing else of the case can leak.
    shown = {
        "tracking_code": case.tracking_code,
        "status": case.status,
        "status_label": Status(case.status).label,
        "agency": case.agency.name,
        "service": case.response.service.name,
        "suggestion": case.response.suggestion,
        "received_at": case.received_at,
        "forwarded_at": case.forwarded_at,
        "closed_at": case.closed_at,
        "forward_due_on": case.forward_due_on,
        "answer_due_on": case.answer_due_on,
        "answer_latest_on": _answer_latest_on(case),
        "overdue": selectors.case_is_overdue(case),
        "public_answer": case.public_answer,
        "answered_at": case.answered_at,
        "rejection_reason": case.rejection_reason if case.status == Status.REJECTED else "",
        "steps": _steps(Status(case.status)),
    }
    response = render(request, "complaints/track.html", {"shown": shown})
    return _private(_remember_language(response, chosen))


# ---------------------------------------------------------------- the desk
def _visible_agencies(scope):
    return (
        Agency.objects.all()
        if scope.regency_admin
        else Agency.objects.filter(pk__in=scope.agency_ids)
    )


def _desk(request, now):
    """The desk's filters as read from the query string, and the cases they select (None
    when the filters cannot be read: the form then holds the messages to show)."""
    scope = request.scope
    form = DeskFilters(request.GET, agencies=_visible_agencies(scope))
    if not form.is_valid():
        return form, None
    return form, selectors.inbox(agency_ids=scope.limit, now=now, **form.selector_arguments())


def _desk_page(request, form, cases, now, *, status=200):
    page = Paginator(cases if cases is not None else [], PAGE_SIZE).get_page(
        request.GET.get("halaman")
    )
    query = form.query_string() if cases is not None else ""
    context = {
        **nav_context(request, "complaints"),
        "form": form,
        "valid": cases is not None,
        "agencies": list(form.fields["opd"].queryset),
        "periods": picker(form.cleaned_data.get("periode") if cases is not None else None),
        "statuses": Status.choices,
        "page": page,
        "cases": page.object_list,
        "query": query,
        "today": clocks.jakarta_date(now),
    }
    return render(request, "complaints/inbox.html", context, status=status)


@dashboard_access
@require_GET
def inbox(request):
    now = timezone.now()
    form, cases = _desk(request, now)
    if cases is None:
        return _desk_page(request, form, None, now, status=400)
    return _desk_page(request, form, cases, now)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dashboard_access
@require_GET
def export(request, fmt: str):
    """The desk's current list as a file, for whoever may read the desk, within their scope."""
    now = timezone.now()
    form, cases = _desk(request, now)
    if cases is None:
        return _desk_page(request, form, None, now, status=400)
    name = exports.filename(fmt, clocks.jakarta_date(now))
    if fmt == "xlsx":
        response = FileResponse(exports.cases_xlsx(cases), content_type=XLSX)
    else:
        response = StreamingHttpResponse(
            exports.cases_csv(cases), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


ACTIONS = {"status", "assign", "answer", "note", "spam"}


@dashboard_access
@require_http_methods(["GET", "POST"])
def case_page(request, pk: int):
    scope = request.scope
    case = selectors.case_for_staff(pk, agency_ids=scope.limit)
    if case is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            _act(request, case, action)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Saved."))
            if action == "spam":  # out of the inbox: back to it
                return redirect("complaints:inbox")
        return redirect("complaints:case", pk=case.pk)
    users = {u.pk: u for u in services.assignable_users(case)}
    notes = selectors.case_notes(case)
    authors = User.objects.in_bulk({n.author_id for n in notes})
    context = {
        **nav_context(request, "complaints"),
        "case": case,
        "suggestion": case.response.suggestion,
        "overdue": selectors.case_is_overdue(case),
        "next_statuses": [(s, Status(s).label) for s in services.ALLOWED[Status(case.status)]],
        "assignable": users.values(),
        "assignee": users.get(case.assignee_id) or User.objects.filter(pk=case.assignee_id).first(),
        "notes": [{"note": n, "author": authors.get(n.author_id)} for n in notes],
        "track_url": request.build_absolute_uri(
            reverse("complaints_track", kwargs={"code": case.tracking_code})
        ),
    }
    return render(request, "complaints/case.html", context)


def _act(request, case, action: str) -> None:
    user, data = request.user, request.POST
    if action == "status":
        services.case_transition(
            case=case, acting_user=user, to=data.get("to", ""), reason=data.get("reason", "")
        )
    elif action == "assign":
        raw = data.get("assignee", "")
        assignee = User.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if raw and assignee is None:
            raise ValidationError(_("This person cannot work on this agency's cases."))
        services.case_assign(case=case, acting_user=user, assignee=assignee)
    elif action == "answer":
        services.case_answer(case=case, acting_user=user, text=data.get("answer", ""))
    elif action == "note":
        services.case_note_add(case=case, acting_user=user, text=data.get("note", ""))
    elif action == "spam":
        services.case_mark_spam(case=case, acting_user=user, reason=data.get("reason", ""))
    else:
        raise ValidationError(_("Unknown action."))
