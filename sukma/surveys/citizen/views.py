"""The citizen's page: the survey a service point's QR code opens, and its thank-you page.

Phone first and usable without JavaScript: one plain HTML form, posted to
itself. Anonymous: no name, NIK or phone is asked; the device is known by a
random token in a signed cookie and the address only as a keyed hash. A
refused submission comes back with status 400, the form filled as sent and
the reason next to its field (or at the top); an accepted one redirects to
the thank-you page (POST-redirect-GET), which shows the suggestion's
tracking code when there is one.
"""

import functools
import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET, require_http_methods

from sukma.forms import whole_number
from sukma.surveys.citizen.forms import HONEYPOT, NOT_APPLICABLE, CitizenForm, quick_submission
from sukma.surveys.citizen.protection import (
    RATE_WINDOW,
    client_address,
    device_token,
    set_device_cookie,
    started_at,
    started_stamp,
    submissions_over_limit,
)
from sukma.surveys.citizen.submission import SUBMISSION_KEY, SUGGESTION_MAX, response_submit
from sukma.surveys.models import Question, QuestionKind, Questionnaire, Service, ServicePoint

log = logging.getLogger(__name__)

THANKS_COOKIE = "sukma_terima_kasih"
THANKS_SALT = "sukma.citizen.thanks"
THANKS_MAX_AGE = 3600
CODE_MAX = 16


# ---------------------------------------------------------------- helpers
def _point(code: str) -> ServicePoint | None:
    if len(code) > CODE_MAX:
        return None
    return (
        ServicePoint.objects.select_related("agency", "default_service")
        .filter(code=code.strip().upper(), active=True, agency__active=True)
        .first()
    )


def _language(request) -> str | None:
    """?lang=en or ?lang=id switches the page's language (and remembers it in a cookie)."""
    if not request.META.get("QUERY_STRING"):
        return None  # the form posts to its bare path: no query to parse on each submission
    wanted = request.GET.get("lang", "")
    if wanted in dict(settings.LANGUAGES):
        translation.activate(wanted)
        request.LANGUAGE_CODE = wanted
        return wanted
    return None


def _remember_language(response, chosen: str | None):
    if chosen:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            chosen,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
    return response


def questionnaire_served(version: str | None) -> Questionnaire | None:
    """The version the form was opened with (if it still exists), else the current one."""
    number = whole_number(version)
    if number is not None and number < 2**31:
        found = Questionnaire.objects.filter(version=number).first()
        if found is not None:
            return found
    return Questionnaire.objects.filter(is_current=True).first()


def local_questions(questionnaire: Questionnaire | None):
    if questionnaire is None:
        return []
    return list(
        Question.objects.filter(questionnaire=questionnaire)
        .exclude(kind=QuestionKind.ELEMENT)
        .order_by("position")
    )


def counter_form(point: ServicePoint, data=None) -> tuple[CitizenForm, list[Service]]:
    """The citizen's form for a service point: the phone's page, the kiosk's and assisted entry."""
    services = list(Service.objects.filter(agency_id=point.agency_id, active=True).order_by("name"))
    questionnaire = questionnaire_served(data.get("version") if data else None)
    preset = point.default_service if point.default_service in services else None
    if preset is None and len(services) == 1:
        preset = services[0]
    form = CitizenForm(
        data,
        services=services,
        questionnaire=questionnaire,
        extras=local_questions(questionnaire),
        preset_service=preset,
    )
    return form, services


def form_context(point: ServicePoint, form: CitizenForm, services, data=None) -> dict:
    """What survey.html needs. The submission key is the one posted back, else a new one,
    made when the form is served: a double tap or a resend of the same page (JavaScript or
    not) carries the same key and is stored once."""
    posted = str(data.get("key", "")) if data else ""
    return {
        "point": point,
        "form": form,
        "services": services,
        "questionnaire": form.questionnaire,
        "started": (data.get("started", "")[:200] if data else "") or started_stamp(),
        "submission_key": posted if SUBMISSION_KEY.match(posted) else secrets.token_urlsafe(18),
        "honeypot": HONEYPOT,
        "not_applicable": NOT_APPLICABLE,
        "suggestion_max": SUGGESTION_MAX,
    }


def _not_found(request, chosen: str | None):
    response = render(request, "surveys/citizen/not_found.html", status=404)
    return _remember_language(response, chosen)


@functools.lru_cache(maxsize=1024)
def _thanks_path(urlconf: str | None, script_prefix: str, code: str) -> str:
    """Reversed once per counter: reversing costs more than the rest of the redirect."""
    return reverse("citizen_thanks", urlconf=urlconf, kwargs={"code": code})


def remember_tracking_code(
    request,
    response,
    code: str | None,
    path: str,
    *,
    cookie: str = THANKS_COOKIE,
    salt: str = THANKS_SALT,
    age: int = THANKS_MAX_AGE,
):
    """Hand the thank-you page at `path` the tracking code to show, in a signed cookie.

    Without a code the cookie is cleared: the page must never show an earlier
    respondent's code (a shared tablet, a phone lent to a neighbour).
    """
    if code:
        response.set_signed_cookie(
            cookie,
            code,
            salt=salt,
            max_age=age,
            path=path,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    else:
        response.delete_cookie(cookie, path=path, samesite="Lax")
    return response


def _thanked(request, code: str, stored, token: str, new_token: bool):
    """POST-redirect-GET to the thank-you page, which reads the tracking code from a cookie."""
    thanks_path = _thanks_path(get_urlconf(), get_script_prefix(), code)
    response = HttpResponseRedirect(thanks_path)  # redirect() would first try it as a URL name
    remember_tracking_code(request, response, stored.tracking_code, thanks_path)
    if new_token:
        set_device_cookie(request, response, token)
    return response


def _too_many(request, code: str, chosen: str | None):
    point = _point(code)
    if point is None:
        return _not_found(request, chosen)
    response = render(request, "surveys/citizen/too_many.html", {"point": point}, status=429)
    response["Retry-After"] = str(RATE_WINDOW)
    return response


def _submit_quickly(request, code: str, address: str):
    """The common case, stored in one statement: the thank-you redirect, or a refusal, or None.

    None (a post out of the ordinary) and a refusal both go to the form's path,
    which parses the post field by field and puts each error next to its
    field; a refusal is shown there, not tried again.
    """
    if len(code) > CODE_MAX:
        return None
    token, new_token = device_token(request)
    now = timezone.now()
    started = started_at(str(request.POST.get("started", "")), now)
    submission = quick_submission(
        request.POST,
        service_point_code=code,
        device_token=token,
        address=address,
        started_at=started,
        stamped=started is not None,
    )
    if submission is None:
        return None
    try:
        stored = response_submit(submission, now=now)
    except ValidationError as refusal:
        return refusal
    return _thanked(request, code.strip().upper(), stored, token, new_token)


@require_http_methods(["GET", "POST"])
def survey(request, code: str):
    chosen = _language(request)
    if request.method != "POST":
        return _survey_page(request, code, chosen)
    address = client_address(request)
    if submissions_over_limit(address, code):
        return _too_many(request, code, chosen)
    outcome = _submit_quickly(request, code, address)
    if isinstance(outcome, ValidationError):
        return _survey_page(request, code, chosen, address, refusal=outcome)
    return outcome or _survey_page(request, code, chosen, address)


def _survey_page(
    request,
    code: str,
    chosen: str | None,
    address: str = "",
    refusal: ValidationError | None = None,
):
    """The form: blank on GET; on a POST, parsed field by field and stored or refused in place.

    `refusal`: the survey's rules already refused this very submission.
    """
    point = _point(code)
    if point is None:
        return _not_found(request, chosen)
    token, new_token = device_token(request)
    data = request.POST if request.method == "POST" else None
    form, services = counter_form(point, data)
    status = 200
    if data is not None:
        if form.honeypot_filled():
            return redirect("citizen_thanks", code=point.code)  # a bot: thanked, nothing stored
        parsed = form.parse()
        if parsed and refusal is not None:
            form.add_refusal(refusal)
        elif parsed:
            stored = form.store(service_point_code=point.code, device_token=token, address=address)
            if stored is not None:
                return _thanked(request, point.code, stored, token, new_token)
        status = 400

    context = form_context(point, form, services, data)
    response = render(request, "surveys/citizen/survey.html", context, status=status)
    if new_token:
        set_device_cookie(request, response, token)
    return _remember_language(response, chosen)


@require_GET
def thanks(request, code: str):
    chosen = _language(request)
    point = _point(code)
    if point is None:
        return _not_found(request, chosen)
    tracking_code = request.get_signed_cookie(
        THANKS_COOKIE, default="", salt=THANKS_SALT, max_age=THANKS_MAX_AGE
    )
    context = {
        "point": point,
        "tracking_code": tracking_code,
        "tracking_url": request.build_absolute_uri(f"/lacak/{tracking_code}")
        if tracking_code
        else "",
    }
    response = render(request, "surveys/citizen/thanks.html", context)
    response["Cache-Control"] = "private, no-store"
    return _remember_language(response, chosen)
