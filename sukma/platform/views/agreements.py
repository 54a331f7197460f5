"""Replication agreements: registering one, its signed PDF, and its status buttons."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from sukma.forms import add_service_errors, whole_number
from sukma.platform.forms import (
    AgreementDocumentForm,
    AgreementRegisterForm,
    AgreementTransitionForm,
)
from sukma.platform.models import AgreementStatus, ReplicationAgreement
from sukma.platform.services.agreements import (
    IN_FORCE,
    TRANSITIONS,
    agreement_attach_document,
    agreement_register,
    agreement_transition,
)
from sukma.platform.views.access import province_admin_required
from sukma.platform.views.provisioning import provision_form_for
from sukma.tenants.models import Regency, RegencyStatus

# The button that moves an agreement to each status.
TRANSITION_BUTTONS = {
    AgreementStatus.SIGNED: gettext_lazy("Mark as signed"),
    AgreementStatus.ACTIVE: gettext_lazy("Activate"),
    AgreementStatus.EXPIRED: gettext_lazy("Mark as expired"),
    AgreementStatus.TERMINATED: gettext_lazy("Terminate"),
}
# The document may change only while the agreement is not yet in effect.
DOCUMENT_EDITABLE = {AgreementStatus.DRAFT, AgreementStatus.SIGNED}


@province_admin_required
def agreement_create(request):
    if request.method == "POST":
        form = AgreementRegisterForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                agreement = agreement_register(acting_user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The agreement is registered."))
                return redirect("agreement_detail", pk=agreement.pk)
    else:
        regency_id = whole_number(request.GET.get("regency"))
        regency = Regency.objects.filter(pk=regency_id).first() if regency_id else None
        form = AgreementRegisterForm(initial=AgreementRegisterForm.initial_for(regency))
    return render(request, "platform/agreement_form.html", {"form": form})


def transition_choices(agreement: ReplicationAgreement) -> list[tuple[str, str]]:
    """(status, button label) for each status this agreement may move to, in list order."""
    allowed = TRANSITIONS[agreement.status]
    return [(to, TRANSITION_BUTTONS[to]) for to in AgreementStatus.values if to in allowed]


def render_agreement(request, agreement, *, document_form=None, transition_form=None):
    agreement = ReplicationAgreement.objects.select_related("regency").get(pk=agreement.pk)
    # Once provisioned, a regency is governed by its status buttons, not provisioned again.
    may_provision = (
        agreement.status in IN_FORCE and agreement.regency.status == RegencyStatus.ONBOARDING
    )
    context = {
        "agreement": agreement,
        "regency": agreement.regency,
        "transitions": transition_choices(agreement),
        "document_editable": agreement.status in DOCUMENT_EDITABLE,
        "document_form": document_form or AgreementDocumentForm(),
        "transition_form": transition_form or AgreementTransitionForm(),
        "provision_form": provision_form_for(agreement.regency) if may_provision else None,
    }
    return render(request, "platform/agreement_detail.html", context)


@province_admin_required
def agreement_detail(request, pk: int):
    return render_agreement(request, get_object_or_404(ReplicationAgreement, pk=pk))


@require_http_methods(["GET", "POST"])
@province_admin_required
def agreement_document(request, pk: int):
    """GET reads the signed PDF (province admins only); POST replaces it."""
    agreement = get_object_or_404(ReplicationAgreement, pk=pk)
    if request.method == "GET":
        if not agreement.document:
            raise Http404
        return FileResponse(agreement.document.open("rb"), content_type="application/pdf")
    form = AgreementDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            agreement_attach_document(
                acting_user=request.user, agreement=agreement, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The signed document is saved."))
            return redirect("agreement_detail", pk=agreement.pk)
    return render_agreement(request, agreement, document_form=form)


@require_POST
@province_admin_required
def agreement_status(request, pk: int):
    agreement = get_object_or_404(ReplicationAgreement, pk=pk)
    form = AgreementTransitionForm(request.POST)
    if form.is_valid():
        try:
            agreement_transition(
                acting_user=request.user,
                agreement=agreement,
                to=form.cleaned_data["to"],
                signed_on=form.cleaned_data["signed_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The agreement's status is changed."))
            return redirect("agreement_detail", pk=agreement.pk)
    return render_agreement(request, agreement, transition_form=form)
