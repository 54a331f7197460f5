"""A regency's people, on its own host: invite, resend, revoke, deactivate, change roles.

Only this regency's admins come in; its operators and anyone else signed in
get the 403 page with no data. Every write is a service of
sukma.access.people, audited with this regency.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sukma.access import people as services
from sukma.access.decorators import regency_staff
from sukma.access.models import Role
from sukma.forms import add_service_errors
from sukma.surveys.models import Agency
from sukma.surveys.people.forms import InviteForm, RoleForm


def forbidden(request):
    return render(request, "surveys/admin/forbidden.html", status=403)


def regency_admins_only(view):
    @regency_staff(forbidden)
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.scope.regency_admin:
            return forbidden(request)
        request.may_edit = True
        return view(request, *args, **kwargs)

    return wrapper


def host_of(request) -> str:
    return request.tenant.primary_domain or request.get_host().split(":")[0]


def person_of(request, pk: int):
    return get_object_or_404(services.regency_people(request.tenant), pk=pk)


@regency_admins_only
def people(request):
    agencies = dict(Agency.objects.values_list("pk", "name"))
    rows = [
        (person, [agencies.get(pk, f"#{pk}") for pk in person.agency_ids])
        for person in services.people_of_regency(request.tenant)
    ]
    context = {
        "rows": rows,
        "me": request.user.pk,
        "action_url": "person_action",
        "role_url": "person_role",
    }
    return render(request, "surveys/people/list.html", context)


@regency_admins_only
def person_invite(request):
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_invite(
                acting_user=request.user,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                regency=request.tenant,
                host=host_of(request),
                **form.role_values(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("An e-mail has gone to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("people")
    context = {
        "form": form,
        "title": _("Invite a person"),
        "back": reverse("people"),
        "note": _(
            "A new person receives a link to set a password, valid for 7 days. "
            "Someone who already has an account receives a notice."
        ),
    }
    return render(request, "surveys/admin/form.html", context)


@regency_admins_only
def person_role(request, pk: int):
    person = person_of(request, pk)
    current = person.memberships.filter(regency=request.tenant).order_by("role").first()
    initial = {"role": current.role, "agency": current.agency_id} if current else {}
    form = RoleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.role_values()
        values.pop("agency_name")
        try:
            services.person_role_change(
                acting_user=request.user,
                user=person,
                regency=request.tenant,
                managed_from=request.tenant,
                **values,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The role of %(email)s is saved.") % {"email": person})
            return redirect("people")
    context = {
        "form": form,
        "title": _("Role of %(email)s") % {"email": person},
        "back": reverse("people"),
    }
    return render(request, "surveys/admin/form.html", context)


@require_POST
@regency_admins_only
def person_action(request, pk: int, action: str):
    person = person_of(request, pk)

    def resend_with() -> dict:
        operator = person.memberships.filter(
            regency=request.tenant, role=Role.AGENCY_OPERATOR
        ).first()
        agency = Agency.objects.filter(pk=operator.agency_id).first() if operator else None
        return {"host": host_of(request), "agency_name": agency.name if agency else ""}

    try:
        done = services.person_act(
            action,
            resend_with=resend_with,
            acting_user=request.user,
            user=person,
            regency=request.tenant,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("people")
