"""One navigation for every signed-in page of a regency, and the new regency's checklist.

`staff_navigation` is a context processor: every template that extends
base.html gets `staff_nav`, which templates/_staff_nav.html draws. It is
None for anyone who is not staff of the regency on this host (citizens,
the province, a Kediri admin on Tulungagung's host), so public pages stay
as they are. It is computed once per request, and only when a template
asks for it.

What each role sees: a regency admin sees every section; an agency
operator sees what an operator does (their dashboard, complaints,
follow-up plans, their posters, reports, kiosks, assisted entry) and not
setup or people, which only admins change.

The checklist ticks itself from the data (nothing is stored): periods,
agencies, services, counters, posters, first response. A poster is made on
demand from a counter and nothing records that it was printed (recording a
download would be a write on every GET), so the posters step ticks when the
regency has an active counter, whose posters are then ready; the next step,
the first response, is the proof that one was printed and scanned.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _

from sukma.access.permissions import Scope, scope_for
from sukma.surveys.models import Agency, Period, Response, Service, ServicePoint
from sukma.tenants.models import Regency


@dataclass(frozen=True)
class Link:
    key: str
    label: str
    url: str
    current: bool = False
    badge: int = 0


@dataclass(frozen=True)
class StaffNav:
    """The primary links of the role, and the current section's own links under them."""

    items: list[Link]
    sub: list[Link] = field(default_factory=list)
    regency_admin: bool = False


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    hint: str
    url: str
    done: bool


# ---------------------------------------------------------------- where the request is
def section_of(request) -> str:
    """The primary section of the page asked for, from its URL's name and namespace."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    name, namespace = match.url_name or "", match.namespace or ""
    if namespace == "surveys_admin":
        return "posters" if name == "point_list" else "setup"
    if namespace in ("complaints", "followup", "kiosks"):
        return namespace
    if name.startswith("dashboard"):
        return "dashboard"
    if name == "report_settings":  # set up once, like the weights: a setup page
        return "setup"
    if name.startswith("report_"):
        return "reports"
    if name.startswith("assisted_"):
        return "assisted"
    if name == "people" or name.startswith("person_"):
        return "people"
    return ""


# ---------------------------------------------------------------- the primary links
def primary_links(scope: Scope, section: str) -> list[Link]:
    admin = scope.regency_admin
    dashboard = reverse("dashboard")
    rows = [
        ("dashboard", _("Dashboard"), dashboard),
        ("setup", _("Setup"), reverse("surveys_admin:overview") if admin else ""),
        ("complaints", _("Complaints"), reverse("complaints:inbox")),
        ("followup", _("Follow-up plans"), reverse("followup:plan_list")),
        ("people", _("People"), reverse("people") if admin else ""),
        # Posters are made where counters are: the counter list (admins), the agency's page.
        (
            "posters",
            _("Posters"),
            reverse("surveys_admin:point_list") if admin else dashboard + "#posters",
        ),
        ("reports", _("Reports"), dashboard + "#laporan"),
        ("kiosks", _("Kiosk tablets"), reverse("kiosks:kiosk_list")),
        ("assisted", _("Assisted entry"), reverse("assisted_choose")),
        ("results", _("Public results"), reverse("public_results")),
    ]
    return [Link(key, label, url, key == section) for key, label, url in rows if url]


# ---------------------------------------------------------------- the section's own links
def setup_links(request, admin: bool) -> list[Link]:
    name = request.resolver_match.url_name
    rows = [
        ("overview", _("Overview")),
        ("agency_list", _("Agencies")),
        ("point_list", _("Service points")),
        ("period_list", _("Periods")),
        ("questionnaire", _("Questionnaire")),
        ("weights", _("Weight policy")),
        ("small_groups", _("Small groups")),
        ("mapping_list", _("Standard mapping")),
    ]
    if admin:
        rows.append(("import", _("Import")))
    links = [Link(key, label, reverse(f"surveys_admin:{key}"), key == name) for key, label in rows]
    if admin:
        url = reverse("report_settings")
        links.append(Link("report_settings", _("Report settings"), url, name == "report_settings"))
    return links


def dashboard_links(request, scope: Scope) -> list[Link]:
    from sukma.surveys.dashboard.selectors import held_count

    match = request.resolver_match
    links = []
    if scope.regency_admin:
        links.append(
            Link(
                "regency",
                _("Regency dashboard"),
                reverse("dashboard"),
                match.url_name == "dashboard",
            )
        )
    else:
        chosen = match.kwargs.get("agency_id")
        for agency in Agency.objects.filter(pk__in=scope.agency_ids).order_by("name"):
            url = reverse("dashboard_agency", args=[agency.pk])
            links.append(Link(f"agency-{agency.pk}", agency.name, url, chosen == agency.pk))
    links.append(
        Link(
            "responses",
            _("Flagged responses"),
            reverse("dashboard_responses"),
            match.url_name == "dashboard_responses",
            badge=held_count(scope.limit),
        )
    )
    return links


def staff_nav_for(request) -> StaffNav | None:
    regency = getattr(request, "tenant", None)
    if not isinstance(regency, Regency) or not request.user.is_authenticated:
        return None
    scope = scope_for(request.user, regency)
    if scope is None:
        return None
    section = section_of(request)
    sub = []
    if section in ("setup", "posters") and scope.regency_admin:
        sub = setup_links(request, scope.regency_admin)
    elif section == "dashboard":
        sub = dashboard_links(request, scope)
    return StaffNav(primary_links(scope, section), sub, scope.regency_admin)


def staff_navigation(request) -> dict:
    """Context processor: `staff_nav`, computed on first use and kept on the request."""

    def build():
        if not hasattr(request, "_staff_nav"):
            request._staff_nav = staff_nav_for(request)
        return request._staff_nav

    return {"staff_nav": build}


# ---------------------------------------------------------------- the checklist
def setup_checklist() -> list[Step]:
    """The new regency's first steps, in order, each ticked from what exists."""
    counters = ServicePoint.objects.filter(active=True).exists()
    points = reverse("surveys_admin:point_list")
    return [
        Step(
            "periods",
            _("Periods"),
            _("Add the year's survey periods."),
            reverse("surveys_admin:period_list"),
            Period.objects.exists(),
        ),
        Step(
            "agencies",
            _("Agencies"),
            _("Add the agencies (OPD), or import them from a file."),
            reverse("surveys_admin:agency_list"),
            Agency.objects.exists(),
        ),
        Step(
            "services",
            _("Services"),
            _("Give each agency its services and their expected users per year."),
            reverse("surveys_admin:agency_list"),
            Service.objects.exists(),
        ),
        Step(
            "counters",
            _("Service points"),
            _("Add the counters where citizens are served: each gets a QR code."),
            reverse("surveys_admin:agency_list"),
            counters,
        ),
        Step(
            "posters",
            _("Posters"),
            _("Print each counter's QR poster and put it up where citizens see it."),
            points,
            counters,
        ),
        Step(
            "first_response",
            _("First response"),
            _("Scan a poster with a phone and answer once, to see the survey work."),
            points,
            Response.objects.exists(),
        ),
    ]


def checklist_context(scope_admin: bool) -> dict:
    """For a page that shows the checklist: the steps, or nothing once all are done."""
    if not scope_admin:
        return {"checklist": None}
    steps = setup_checklist()
    done = sum(step.done for step in steps)
    return {"checklist": None if done == len(steps) else {"steps": steps, "done": done}}
