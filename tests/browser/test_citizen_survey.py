"""A citizen answers the survey on a phone-sized screen, with and without JavaScript."""

from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection

from sukma.surveys.citizen.protection import SUBMISSIONS, rate_key
from sukma.surveys.method.elements import ELEMENTS
from sukma.surveys.models import (
    Response,
)
from tests.browser.conftest import wait_until
from tests.cleanup import remove_agency
from tests.factories import counter_create

pytestmark = pytest.mark.browser
SCREENSHOTS = Path("/tmp")
PHONE = {"width": 360, "height": 740}
# The citizen's taps, element by element (1..4; U4 "tidak berlaku").
TAPS = {"U1": "4", "U2": "3", "U3": "3", "U4": "na", "U5": "4", "U6": "4", "U7": "4"}


@pytest.fixture
def survey_point(personas, committed):
    """An agency with two services and a counter in Tulungagung, committed for the server."""
    regency = personas.tulungagung
    cache.delete(rate_key(SUBMISSIONS, "127.0.0.1"))
    point = counter_create(regency, "BR", services=("Perekaman KTP-el", "Kartu Keluarga"))
    yield point
    remove_agency(regency, point.agency_id)
    cache.delete(rate_key(SUBMISSIONS, "127.0.0.1"))


def tap(page, name: str, value: str) -> None:
    page.locator(f"label.opt:has(input[name='{name}'][value='{value}'])").click()


def answer_and_send(page, site, point, *, suggestion: str) -> None:
    page.goto(site.url(f"/s/{point.code}/", subdomain="tulungagungkab"))
    assert page.locator("h1").is_visible()
    for code, value in TAPS.items():
        tap(page, code, value)
    tap(page, "sex", "L")
    tap(page, "age_band", "36-45")
    tap(page, "service_session", "pagi")
    page.fill("textarea[name=suggestion]", suggestion)


def stored(point, regency) -> Response:
    connection.set_tenant(regency)
    try:
        return Response.objects.select_related("service").get(service_point=point)
    finally:
        connection.set_schema_to_public()


def small_tap_targets(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll('.opt span, select, input[type=date], '
                  + 'textarea, button, a.lang')]
              .map(e => [e.getBoundingClientRect(), e.textContent.trim() || e.tagName])
              .filter(([r]) => r.height < 44)
              .map(([r, t]) => t + ' ' + Math.round(r.height))"""
    )


def test_a_citizen_answers_on_a_phone_with_javascript(personas, survey_point, chromium, site):
    context = chromium.new_context(locale="id-ID", viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        answer_and_send(page, site, survey_point, suggestion="Ruang tunggu kurang kursi.")
        wait_until(page, "document.querySelector('.progress')?.textContent.startsWith('7/9')")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert small_tap_targets(page) == []
        # The Indonesian wording of the regulation, every element.
        body = page.text_content("main")
        for element in ELEMENTS:
            assert element.question_id in body
        page.screenshot(path=str(SCREENSHOTS / "citizen-survey-360.png"), full_page=True)
        page.screenshot(path=str(SCREENSHOTS / "citizen-survey-360-top.png"))

        page.click("button.send")
        page.wait_for_url("**/terima-kasih/")
        assert page.locator("#thanks").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(SCREENSHOTS / "citizen-thanks-360.png"), full_page=True)

        response = stored(survey_point, personas.tulungagung)
        assert page.text_content("#tracking-code") == response.tracking_code
        assert f"/lacak/{response.tracking_code}" in page.text_content("#tracking-url")
        assert response.answers() == {
            "U1": 4, "U2": 3, "U3": 3, "U4": None, "U5": 4, "U6": 4, "U7": 4,
            "U8": None, "U9": None,
        }  # fmt: skip
        assert (response.sex, response.age_band, response.service_session) == ("L", "36-45", "pagi")
        assert response.service.name == "Perekaman KTP-el"
        assert response.device_hash and response.suggestion == "Ruang tunggu kurang kursi."
    finally:
        context.close()


def test_a_citizen_answers_on_a_phone_without_javascript(personas, survey_point, chromium, site):
    context = chromium.new_context(locale="id-ID", viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        answer_and_send(page, site, survey_point, suggestion="")
        assert page.locator(".progress").count() == 0  # no script ran
        page.select_option("select[name=service]", label="Kartu Keluarga")
        tap(page, "U8", "2")
        tap(page, "U9", "1")
        page.click("button.send")
        page.wait_for_url("**/terima-kasih/")
        assert page.locator("#thanks").is_visible()
        assert page.locator("#tracking-code").count() == 0  # no suggestion, no code
        page.screenshot(path=str(SCREENSHOTS / "citizen-thanks-nojs-360.png"), full_page=True)

        response = stored(survey_point, personas.tulungagung)
        assert response.service.name == "Kartu Keluarga"
        assert (response.u8, response.u9, response.u4) == (2, 1, None)
        assert response.tracking_code is None

        # The same phone again the same day, same service: refused, with the reason shown.
        answer_and_send(page, site, survey_point, suggestion="Lagi")
        page.select_option("select[name=service]", label="Kartu Keluarga")
        page.click("button.send")
        assert page.locator("#errors").is_visible()
        assert page.input_value("textarea[name=suggestion]") == "Lagi"
        assert page.is_checked("input[name=U1][value='4']")
        page.screenshot(path=str(SCREENSHOTS / "citizen-refused-nojs-360.png"))
    finally:
        context.close()


def test_english_is_one_tap_away_in_the_browser(personas, survey_point, chromium, site):
    context = chromium.new_context(locale="id-ID", viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(site.url(f"/s/{survey_point.code}/", subdomain="tulungagungkab"))
        assert page.get_attribute("html", "lang") == "id"
        page.click("a.lang")
        assert page.get_attribute("html", "lang") == "en"
        assert ELEMENTS[0].question_en in page.text_content("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(SCREENSHOTS / "citizen-survey-360-en.png"))
    finally:
        context.close()
