"""The counter's survey, passed on: a WhatsApp link and the short address, on its pages.

Both are plain links (no JavaScript): ``https://wa.me/?text=...`` opens
WhatsApp with a message holding the survey's full address, and the short
address is that address without its scheme, easy to read out or type. The
address is the one this request came to, so a shared link leads to the same
regency's page the citizen sees.
"""

from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

register = template.Library()


def survey_address(request, code: str) -> str:
    return request.build_absolute_uri(reverse("citizen_survey", kwargs={"code": code}))


def whatsapp_link(text: str) -> str:
    return "https://wa.me/?text=" + quote(text, safe="")


@register.inclusion_tag("surveys/citizen/_share.html", takes_context=True)
def share(context, point):
    address = survey_address(context["request"], point.code)
    message = _("How was the service at %(agency)s? Rate it in under a minute: %(address)s") % {
        "agency": point.agency.name,
        "address": address,
    }
    return {
        "address": address,
        "short_address": address.split("://", 1)[-1],
        "whatsapp": whatsapp_link(message),
    }
