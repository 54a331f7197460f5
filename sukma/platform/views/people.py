"""The province's people, on the base domain: its own staff and every regency's admins.

The same services as a regency's own people pages (sukma.access.people), with
the regency chosen here; audited with the regency the change concerns.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sukma.access import people as services
from sukma.access.models import Role
from sukma.forms import add_service_errors
from sukma.platform.views.access import province_admin_required
from sukma.tenants.models import Regency

ROLE_CHOICES = [
    (Role.REGENCY_ADMIN.value, Role.REGENCY_ADMIN.label),
    (Role.PROVINCE_ADMIN.value, Role.PROVINCE_ADMIN.label),
]


class ProvinceRoleForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=ROLE_CHOICES)
    regency = forms.ModelChoiceField(
        label=gettext_lazy("Regency or city"),
        queryset=Regency.objects.none(),
        required=False,
        help_text=gettext_lazy("Only for a regency administrator."),
        empty_label=gettext_lazy("— choose the regency or city —"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Regencies with a site: a person is invited to where they will sign in.
        self.fields["regency"].queryset = Regency.objects.filter(domains__is_primary=True).order_by(
            "name"
        )

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.REGENCY_ADMIN and not data.get("regency"):
            self.add_error("regency", _("Choose the regency or city."))
        if data.get("role") == Role.PROVINCE_ADMIN:
            data["regency"] = None
        return data


class ProvinceInviteForm(ProvinceRoleForm):
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=254)
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=150, required=False)

    field_order = ["email", "full_name", "role", "regency"]


def host_of(regency: Regency | None) -> str:
    """Where the person will work: the regency's host, or the base domain."""
    if regency is None:
        return settings.BASE_DOMAIN
    return regency.primary_domain or settings.BASE_DOMAIN


def person_of(pk: int):
    return get_object_or_404(services.province_people(), pk=pk)


@province_admin_required
def province_people(request):
    rows = [(person, []) for person in services.people_of_province()]
    context = {
        "rows": rows,
        "me": request.user.pk,
        "show_regency": True,
        "action_url": "province_person_action",
        "role_url": "province_person_role",
    }
    return render(request, "platform/people.html", context)


@province_admin_required
def province_person_invite(request):
    form = ProvinceInviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.person_invite(
                acting_user=request.user,
                email=data["email"],
                full_name=data["full_name"],
                role=data["role"],
                regency=data["regency"],
                host=host_of(data["regency"]),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("An e-mail has gone to %(email)s.") % data)
            return redirect("province_people")
    return render(
        request,
        "platform/people_form.html",
        {"form": form, "title": _("Invite a person"), "back": reverse("province_people")},
    )


@province_admin_required
def province_person_role(request, pk: int):
    person = person_of(pk)
    current = person.memberships.filter(role__in=services.PROVINCE_ROLES).first()
    initial = {"role": current.role, "regency": current.regency_id} if current else {}
    form = ProvinceRoleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_role_change(
                acting_user=request.user,
                user=person,
                role=form.cleaned_data["role"],
                regency=form.cleaned_data["regency"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The role of %(email)s is saved.") % {"email": person})
            return redirect("province_people")
    context = {
        "form": form,
        "title": _("Role of %(email)s") % {"email": person},
        "back": reverse("province_people"),
    }
    return render(request, "platform/people_form.html", context)


@require_POST
@province_admin_required
def province_person_action(request, pk: int, action: str):
    person = person_of(pk)

    def resend_with() -> dict:
        membership = person.memberships.filter(role__in=services.PROVINCE_ROLES).first()
        return {"host": host_of(membership.regency if membership else None)}

    try:
        done = services.person_act(
            action, resend_with=resend_with, acting_user=request.user, user=person
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("province_people")
