"""Kiosk setup in /kelola/kiosk/: pair a tablet with a service point, list, rename, revoke.

A regency admin manages every kiosk of the regency; an agency operator
those at their own agency's service points; anyone else signed in gets a
403 with no data, and anonymous visitors go to sign in. Pairing shows a
short code and a QR of the tablet's pairing page with the code in it.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sukma.access.decorators import regency_staff
from sukma.forms import add_service_errors
from sukma.surveys.kiosks import services
from sukma.surveys.kiosks.forms import PairingForm, RenameForm
from sukma.surveys.kiosks.models import Kiosk, KioskPairing
from sukma.surveys.kiosks.selectors import kiosks_visible, points_pairable


def forbidden(request):
    return render(request, "surveys/admin/forbidden.html", status=403)


# Regency admins and agency operators of this regency; request.scope says what they see.
kiosk_staff = regency_staff(forbidden)


def _list_page(request, form: PairingForm, status: int = 200):
    context = {"kiosks": kiosks_visible(request.scope.limit), "form": form}
    return render(request, "kiosks/list.html", context, status=status)


@kiosk_staff
def kiosk_list(request):
    return _list_page(request, PairingForm(points=points_pairable(request.scope.limit)))


@require_POST
@kiosk_staff
def pairing_new(request):
    """A pairing code for a service point in the user's scope (others are not offered)."""
    form = PairingForm(request.POST, points=points_pairable(request.scope.limit))
    if form.is_valid():
        try:
            pairing = services.pairing_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("kiosks:pairing_show", pk=pairing.pk)
    return _list_page(request, form, status=400)


def pairing_url(request, code: str) -> str:
    """The tablet's pairing page with the code filled in: what the QR holds."""
    return request.build_absolute_uri(reverse("kiosk_pair") + "?" + urlencode({"kode": code}))


def qr_data_uri(url: str) -> str:
    import segno  # only this page draws a QR: not loaded with every admin page

    return segno.make(url, error="m", micro=False).svg_data_uri(scale=8, border=2)


@kiosk_staff
def pairing_show(request, pk: int):
    pairing = get_object_or_404(
        KioskPairing.objects.select_related("service_point__agency", "kiosk"), pk=pk
    )
    if not request.scope.sees_agency(pairing.service_point.agency_id):
        return forbidden(request)
    usable = pairing.used_at is None and pairing.expires_at > timezone.now()
    url = pairing_url(request, pairing.code)
    context = {
        "pairing": pairing,
        "usable": usable,
        "url": url,
        "qr": qr_data_uri(url) if usable else "",
        "pair_path": request.build_absolute_uri(reverse("kiosk_pair")),
    }
    response = render(request, "kiosks/pairing.html", context)
    response["Cache-Control"] = "private, no-store"  # the code pairs a tablet: keep it off disk
    return response


def _kiosk_in_scope(request, pk: int) -> Kiosk | None:
    """The kiosk, if the user's scope covers its service point (else None: a 403)."""
    kiosk = get_object_or_404(Kiosk.objects.select_related("service_point__agency"), pk=pk)
    return kiosk if request.scope.sees_agency(kiosk.service_point.agency_id) else None


@require_http_methods(["GET", "POST"])
@kiosk_staff
def kiosk_rename(request, pk: int):
    kiosk = _kiosk_in_scope(request, pk)
    if kiosk is None:
        return forbidden(request)
    form = RenameForm(request.POST or None, initial={"name": kiosk.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.kiosk_rename(acting_user=request.user, kiosk=kiosk, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The tablet is renamed."))
            return redirect("kiosks:kiosk_list")
    return render(request, "kiosks/rename.html", {"kiosk": kiosk, "form": form})


@require_POST
@kiosk_staff
def kiosk_revoke(request, pk: int):
    kiosk = _kiosk_in_scope(request, pk)
    if kiosk is None:
        return forbidden(request)
    services.kiosk_revoke(acting_user=request.user, kiosk=kiosk)
    messages.success(
        request,
        _("%(name)s is revoked: it no longer accepts answers. Pair it again to use it.")
        % {"name": kiosk.name},
    )
    return redirect("kiosks:kiosk_list")
