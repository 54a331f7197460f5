"""The kiosk: a tablet at one counter where citizens answer one after another.

/kiosk/pasang/ pairs the tablet: the clerk types the code shown in setup
(or scans its QR, which fills it in; a POST still confirms). The tablet
then holds the kiosk's credential in a long-lived httponly cookie; only its
keyed hash is stored (sukma.surveys.kiosks.services).

/kiosk/ is the welcome screen and the survey form of its service point
(the citizen's own form and template, with big buttons and faces). Every
submission is a new respondent: no device or address rule and no
per-address limit applies; the kiosk is paced instead (response_submit
flags answers less than KIOSK_PACE apart). The credential is checked on
every POST: a revoked or unknown one stores nothing and says so. After the
thank-you page the tablet returns to the welcome screen by itself.

For the offline queue, a POST that asks for JSON (Accept: application/json)
gets the outcome as JSON: 200 with the tracking code, 400 with the refusal's
reasons (to show and keep), 403 when the tablet is no longer registered.
A plain form POST gets pages: a redirect, or 400/403 with the reason in it.
"""

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sukma.surveys.citizen.forms import CitizenForm
from sukma.surveys.citizen.protection import (
    client_address,
    over_limit,
    rate_key,
)
from sukma.surveys.citizen.views import (
    counter_form,
    form_context,
    remember_tracking_code,
)
from sukma.surveys.kiosks.models import Kiosk
from sukma.surveys.kiosks.selectors import kiosk_for_credential
from sukma.surveys.kiosks.services import kiosk_pair
from sukma.surveys.models import Channel

KIOSK_COOKIE = "sukma_kios"
KIOSK_COOKIE_PATH = "/kiosk/"
KIOSK_MAX_AGE = 400 * 24 * 3600  # browsers cap cookies at 400 days; every visit renews it
THANKS_COOKIE = "sukma_kios_kode"
THANKS_SALT = "sukma.kiosk.thanks"
# Long enough to read it (a script that follows the redirect and then shows the page reads
# it twice); short, and replaced or removed by the next submission, so never the next person's.
THANKS_MAX_AGE = 120
WELCOME_AFTER = 6  # seconds on the thank-you page before the welcome screen returns
WELCOME_AFTER_CODE = 60  # with a tracking code to write down: longer

# Wrong pairing codes per address: a clerk mistypes a few; guessing needs billions.
PAIRING_FAILURES = "kiosk-pairing"
PAIRING_FAILURE_LIMIT = 10
PAIRING_WINDOW = 900


# ---------------------------------------------------------------- the form, shared
def refusal_messages(form: CitizenForm) -> dict[str, list[str]]:
    """The form's errors as {field or "__all__": [message]}, for the offline queue to keep."""
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


# ---------------------------------------------------------------- the credential
def _credential(request) -> str:
    return str(request.COOKIES.get(KIOSK_COOKIE, ""))


def _set_credential(request, response, credential: str):
    response.set_cookie(
        KIOSK_COOKIE,
        credential,
        max_age=KIOSK_MAX_AGE,
        path=KIOSK_COOKIE_PATH,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _unregistered(request):
    """Nothing stored: the tablet says it is no longer registered and whom to ask."""
    message = _("This tablet is no longer registered. Ask the admin to pair it again.")
    if _wants_json(request):
        return JsonResponse({"stored": False, "unregistered": True, "message": message}, status=403)
    return render(request, "kiosks/unregistered.html", {"message": message}, status=403)


# ---------------------------------------------------------------- pairing
def _pairing_blocked(address: str) -> bool:
    """Whether this address already made too many wrong tries (read, not counted)."""
    try:
        return (cache.get(rate_key(PAIRING_FAILURES, address)) or 0) >= PAIRING_FAILURE_LIMIT
    except Exception:  # the cache is unreachable: a limit is skipped, never a clerk
        return False


def _pairing_failed(address: str) -> None:
    over_limit(PAIRING_FAILURES, address, limit=PAIRING_FAILURE_LIMIT, window=PAIRING_WINDOW)


@require_http_methods(["GET", "POST"])
def kiosk_pair_page(request):
    code = str(request.POST.get("kode") or request.GET.get("kode") or "")[:20]
    current = kiosk_for_credential(_credential(request))
    context = {"code": code, "current": current if current and current.active else None}
    if request.method != "POST":
        return render(request, "kiosks/pair.html", context)
    address = client_address(request)
    if _pairing_blocked(address):
        context["error"] = _("Too many wrong codes from here. Wait 15 minutes and try again.")
        return render(request, "kiosks/pair.html", context, status=429)
    try:
        _kiosk, credential = kiosk_pair(code=code)
    except ValidationError as refusal:
        _pairing_failed(address)
        context["error"] = refusal.message_dict["code"][0]
        return render(request, "kiosks/pair.html", context, status=400)
    return _set_credential(request, redirect("kiosk"), credential)


# ---------------------------------------------------------------- the kiosk page
@require_http_methods(["GET", "POST"])
def kiosk_page(request):
    credential = _credential(request)
    if not credential and request.method == "GET":
        return redirect("kiosk_pair")  # a tablet not paired yet: to the pairing page
    kiosk = kiosk_for_credential(credential)
    if kiosk is None or not kiosk.active:
        return _unregistered(request)
    point = kiosk.service_point
    if request.method == "POST":
        return _kiosk_submit(request, kiosk, point)
    form, services = counter_form(point)
    return _kiosk_form_page(request, kiosk, point, form, services)


def _kiosk_form_page(request, kiosk: Kiosk, point, form, services, data=None, status=200):
    context = {
        **form_context(point, form, services, data),
        "kiosk": kiosk,
        "faces": True,
        "closed": not (point.active and point.agency.active),
    }
    response = render(request, "kiosks/survey.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return _set_credential(request, response, _credential(request))


def _kiosk_submit(request, kiosk: Kiosk, point):
    """Store one respondent's answers as the kiosk's, or say why not (nothing stored)."""
    data = request.POST
    form, services = counter_form(point, data)
    if form.honeypot_filled():
        return redirect("kiosk_thanks")  # a bot: thanked, nothing stored
    if form.parse():
        stored = form.store(service_point_code=point.code, channel=Channel.KIOSK, kiosk_id=kiosk.pk)
        if stored is not None:
            return _kiosk_thanked(request, stored)
    if _wants_json(request):
        errors = refusal_messages(form)
        return JsonResponse({"stored": False, "errors": errors}, status=400)
    return _kiosk_form_page(request, kiosk, point, form, services, data, status=400)


def _kiosk_thanked(request, stored):
    if _wants_json(request):
        return JsonResponse({"stored": True, "tracking_code": stored.tracking_code or ""})
    path = reverse("kiosk_thanks")
    response = HttpResponseRedirect(path)
    remember_tracking_code(
        request,
        response,
        stored.tracking_code,
        path,
        cookie=THANKS_COOKIE,
        salt=THANKS_SALT,
        age=THANKS_MAX_AGE,
    )
    return response


@require_GET
def kiosk_thanks(request):
    """Thanks, then back to the welcome screen by itself (a meta refresh: no JavaScript needed)."""
    kiosk = kiosk_for_credential(_credential(request))
    code = request.get_signed_cookie(
        THANKS_COOKIE, default="", salt=THANKS_SALT, max_age=THANKS_MAX_AGE
    )
    context = {
        "point": kiosk.service_point if kiosk else None,
        "tracking_code": code,
        "tracking_url": request.build_absolute_uri(f"/lacak/{code}") if code else "",
        "welcome_after": WELCOME_AFTER_CODE if code else WELCOME_AFTER,
    }
    response = render(request, "kiosks/thanks.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
