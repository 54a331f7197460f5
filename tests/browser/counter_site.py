"""Helpers for the exactly-once and offline tests: a counter of its own, and raw HTTP to it.

Raw HTTP (http.client) rather than a browser where the test is about the
server: several posts at once, each seeing its own status and cookies.
"""

import http.client
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from django.db import connection
from django.http import HttpRequest

from sukma.surveys.citizen.views import THANKS_COOKIE, THANKS_SALT
from sukma.surveys.models import (
    Response,
    ServicePoint,
)
from tests.cleanup import remove_agency
from tests.factories import counter_create

HOST = "tulungagungkab.localhost"
# A full answer as the page's form sends it (service preset; U4 "tidak berlaku").
ANSWERS = {
    "U1": "4", "U2": "3", "U3": "3", "U4": "na", "U5": "4", "U6": "4", "U7": "4",
    "U8": "3", "U9": "4", "sex": "P", "age_band": "26-35",
}  # fmt: skip


def point_create(regency) -> ServicePoint:
    return counter_create(
        regency,
        "XO",
        agency="Dinas Penanaman Modal",
        short_name="DPMPTSP",
        services=("Izin Usaha",),
        point="Loket Izin",
    )


def point_remove(point: ServicePoint, regency) -> None:
    remove_agency(regency, point.agency_id)


def responses(point: ServicePoint, regency) -> list[Response]:
    connection.set_tenant(regency)
    try:
        return list(Response.objects.filter(service_point=point).order_by("pk"))
    finally:
        connection.set_schema_to_public()


@dataclass
class Reply:
    status: int
    location: str
    cookies: dict[str, str]
    body: str


def request(port: int, method: str, path: str, *, cookies=None, form=None) -> Reply:
    """One request to the live site as the regency's host; redirects are not followed."""
    headers = {"Host": f"{HOST}:{port}"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Origin"] = f"http://{HOST}:{port}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        jar = SimpleCookie()
        for value in response.headers.get_all("Set-Cookie") or []:
            jar.load(value)
        return Reply(
            status=response.status,
            location=response.headers.get("Location", ""),
            cookies={k: m.value for k, m in jar.items()},
            body=response.read().decode(),
        )
    finally:
        conn.close()


def hidden_fields(html: str) -> dict[str, str]:
    """The form's hidden inputs as served: csrfmiddlewaretoken, version, started, key."""
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    return dict(found)


def tracking_code_of(reply: Reply) -> str:
    """The tracking code the thank-you page will show, from the redirect's signed cookie."""
    read = HttpRequest()  # read as the thank-you page reads it
    read.COOKIES = {THANKS_COOKIE: reply.cookies[THANKS_COOKIE]}
    return read.get_signed_cookie(THANKS_COOKIE, salt=THANKS_SALT)
