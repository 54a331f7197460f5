"""Offline: the counter page opens with no connection, keeps the answer, and sends it later.

The service worker (served at /sw.js) keeps the form page and its assets;
offline.js keeps an answer given offline in IndexedDB with the time it was
given, shows how many wait, and sends them when the connection returns: once
(the submission key), or refused with the server's reason, which it keeps.
Without JavaScript the page is a plain form that posts and redirects.
"""

import datetime
import json
import time

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from sukma.surveys.citizen.kiosk import KIOSK_COOKIE, KIOSK_COOKIE_PATH
from sukma.surveys.kiosks.models import Kiosk, KioskPairing
from sukma.surveys.kiosks.services import kiosk_pair, pairing_create
from sukma.surveys.models import Channel, Period, PeriodKind, Response
from tests.browser.conftest import wait_until
from tests.browser.counter_site import ANSWERS, point_create, point_remove, responses
from tests.conftest import TULUNGAGUNG_HOST

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
KEPT = "caches.match(location.pathname, {ignoreVary: true}).then(r => !!r)"
WAITING = "document.querySelector('#offline .offline-count').dataset.n"


@pytest.fixture
def counter(personas, committed):
    point = point_create(personas.tulungagung)
    yield point
    point_remove(point, personas.tulungagung)


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(locale="id-ID", viewport=PHONE, has_touch=True, is_mobile=True)
    context.set_default_timeout(20_000)
    yield context
    context.close()


def fill(page, *, suggestion: str = "") -> None:
    for name, value in ANSWERS.items():
        page.locator(f"label.opt:has(input[name='{name}'][value='{value}'])").click()
    page.fill("textarea[name=suggestion]", suggestion)


def wait_until_kept(page, seconds: float = 20) -> None:
    """Until the service worker holds this page (it registers a second after the load event)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(KEPT):
        assert time.monotonic() < deadline, "the service worker did not keep the page"
        page.wait_for_timeout(200)


def answer_offline(phone, site, counter):
    """Open the page online (the worker keeps it), go offline, reopen it and answer: queued."""
    page = phone.new_page()
    page.goto(site.url(f"/s/{counter.code}/", subdomain="tulungagungkab"))
    wait_until_kept(page)
    phone.set_offline(True)
    reopened = page.reload()
    assert reopened.from_service_worker
    assert page.evaluate("navigator.onLine") is False
    fill(page, suggestion="Loket dibuka terlambat.")
    key = page.input_value("input[name=key]")
    page.click("button.send")
    wait_until(page, f"{WAITING} === '1'")
    return page, key


def test_an_answer_given_offline_waits_on_the_phone_and_is_stored_once_when_back_online(
    personas, counter, phone, site
):
    page, key = answer_offline(phone, site, counter)
    note = page.locator("#offline")
    assert note.is_visible()
    assert "Jawaban Anda disimpan di perangkat ini dan akan dikirim saat tersambung" in (
        note.text_content()
    )
    assert "menunggu dikirim: 1" in note.text_content()
    assert page.locator("#survey").is_hidden()
    assert responses(counter, personas.tulungagung) == []
    # Opened again offline: the kept page, with a new key (its own was used) and the count.
    assert page.reload().from_service_worker
    wait_until(page, f"{WAITING} === '1'")
    assert page.locator("#survey").is_visible()
    assert page.input_value("input[name=key]") != key

    phone.set_offline(False)
    page.reload()  # opened again with a connection: the queue is sent
    # Right after the reload the count still reads the page's initial 0: wait for the note
    # that only a sent answer writes.
    wait_until(page, "document.querySelector('#offline').textContent.includes('sudah terkirim')")
    wait_until(page, f"{WAITING} === '0'")
    [response] = responses(counter, personas.tulungagung)
    assert response.submission_key == key
    assert response.answered_at is not None
    assert timezone.now() - response.answered_at < datetime.timedelta(minutes=2)
    assert response.channel == Channel.PHONE and not response.held
    assert response.service_date == timezone.localdate()
    assert response.tracking_code in page.text_content("#offline")

    # A second page on the same phone sends nothing again: the queue is empty.
    page.reload()
    wait_until(page, f"{WAITING} === '0'")
    assert len(responses(counter, personas.tulungagung)) == 1


def test_the_online_event_sends_the_queue_without_a_reload(personas, counter, phone, site):
    page, key = answer_offline(phone, site, counter)
    phone.set_offline(False)
    wait_until(page, f"{WAITING} === '0'")
    [response] = responses(counter, personas.tulungagung)
    assert response.submission_key == key


@pytest.fixture
def this_month_locked_later(personas):
    """Locks the current month when called (as a province would lock an ended one), then reopens."""
    regency = personas.tulungagung
    made = []

    def lock():
        connection.set_tenant(regency)
        today = timezone.localdate()
        period, created = Period.objects.get_or_create(
            kind=PeriodKind.MONTH,
            year=today.year,
            number=today.month,
            defaults={"starts_on": today.replace(day=1), "ends_on": today.replace(day=28)},
        )
        made.append((period, created))
        Period.objects.filter(pk=period.pk).update(locked=True)
        connection.set_schema_to_public()
        return period

    yield lock
    connection.set_tenant(regency)
    for period, created in made:
        if created:
            period.delete()
        else:
            Period.objects.filter(pk=period.pk).update(locked=False)
    connection.set_schema_to_public()


def test_an_answer_whose_period_was_locked_meanwhile_is_refused_and_kept_with_the_reason(
    personas, counter, phone, site, this_month_locked_later
):
    page, _key = answer_offline(phone, site, counter)
    period = this_month_locked_later()

    phone.set_offline(False)
    page.reload()
    wait_until(page, f"{WAITING} === '0'")
    refused = page.locator("#offline .offline-refused li")
    refused.first.wait_for()
    assert refused.count() == 1
    assert "Tidak diterima" in refused.text_content()
    assert period.label in refused.text_content() and "ditutup" in refused.text_content()
    assert responses(counter, personas.tulungagung) == []

    page.reload()  # kept: still shown, never sent again
    refused.first.wait_for()
    assert refused.count() == 1
    assert responses(counter, personas.tulungagung) == []


def test_without_javascript_the_page_posts_and_thanks(personas, counter, chromium, site):
    context = chromium.new_context(locale="id-ID", viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site.url(f"/s/{counter.code}/", subdomain="tulungagungkab"))
        assert page.locator("#offline").is_hidden()
        fill(page, suggestion="Tanpa JavaScript.")
        page.click("button.send")
        page.wait_for_url("**/terima-kasih/")
        [response] = responses(counter, personas.tulungagung)
        assert page.text_content("#tracking-code") == response.tracking_code
        assert response.answered_at is None
    finally:
        context.close()


# ---------------------------------------------------------------- the worker and the manifest
def test_the_service_worker_is_served_from_the_root_and_revalidated(personas, db):
    client = Client(HTTP_HOST=TULUNGAGUNG_HOST)
    first = client.get("/sw.js")
    assert first.status_code == 200
    assert first["Content-Type"].startswith("text/javascript")
    assert first["Cache-Control"] == "no-cache"
    body = first.content.decode()
    assert body.startswith("const VERSION = ")
    assert '"/static/sukma/offline.js"' in body
    again = client.get("/sw.js", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_the_manifest_starts_the_installed_app_on_its_counter(personas, db):
    client = Client(HTTP_HOST=TULUNGAGUNG_HOST)
    manifest = json.loads(client.get("/manifest.webmanifest?start=/s/AB12/").content)
    assert manifest["start_url"] == manifest["scope"] == "/s/AB12/"
    assert manifest["display"] == "standalone"
    assert manifest["name"].startswith("Survei kepuasan")
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    kiosk = json.loads(client.get("/manifest.webmanifest?start=/kiosk/").content)
    assert kiosk["start_url"] == "/kiosk/"
    elsewhere = json.loads(client.get("/manifest.webmanifest?start=//evil.example/").content)
    assert elsewhere["start_url"] == "/"


# ---------------------------------------------------------------- the kiosk
@pytest.fixture
def paired_tablet(personas, counter, chromium, site):
    """A tablet paired to the counter (through the kiosk services), its credential in a cookie."""
    connection.set_tenant(personas.tulungagung)
    pairing = pairing_create(
        acting_user=personas.tulungagung_admin, service_point=counter, name="Tablet luring"
    )
    _kiosk, credential = kiosk_pair(code=pairing.code)
    connection.set_schema_to_public()
    context = chromium.new_context(
        locale="id-ID", viewport={"width": 800, "height": 1280}, has_touch=True
    )
    context.set_default_timeout(20_000)
    context.add_cookies(
        [
            {
                "name": KIOSK_COOKIE,
                "value": credential,
                "domain": "tulungagungkab.localhost",
                "path": KIOSK_COOKIE_PATH,
            }
        ]
    )
    yield context
    context.close()
    connection.set_tenant(personas.tulungagung)
    Response.objects.filter(service_point=counter).delete()  # they name the kiosk
    Kiosk.objects.filter(service_point=counter).delete()
    KioskPairing.objects.filter(service_point=counter).delete()
    connection.set_schema_to_public()


def test_a_kiosk_offline_keeps_each_citizens_answer_and_returns_to_a_fresh_form(
    personas, counter, paired_tablet, site
):
    tablet = paired_tablet.new_page()
    tablet.goto(site.url("/kiosk/", subdomain="tulungagungkab"))
    wait_until_kept(tablet)
    paired_tablet.set_offline(True)
    assert tablet.reload().from_service_worker
    keys = []
    for n, first in enumerate(("2", "4"), start=1):
        assert tablet.locator("#welcome h1").is_visible()
        tablet.click("#start")
        keys.append(tablet.input_value("input[name=key]"))
        fill(tablet)
        tablet.locator(f"label.opt:has(input[name='U1'][value='{first}'])").click()
        tablet.click("button.send")
        wait_until(tablet, f"{WAITING} === '{n}'")
        assert tablet.locator("#welcome h1").is_visible()  # back to the welcome screen
        assert f"menunggu dikirim: {n}" in tablet.text_content("#offline")
        assert tablet.is_enabled("button.send")
        assert tablet.locator("input[name=U1]:checked").count() == 0  # a fresh form
    assert len(set(keys)) == 2  # each citizen a key of their own, though the page was kept
    assert responses(counter, personas.tulungagung) == []

    paired_tablet.set_offline(False)
    wait_until(tablet, f"{WAITING} === '0'")
    stored = responses(counter, personas.tulungagung)
    assert sorted(r.u1 for r in stored) == [2, 4]
    assert {r.channel for r in stored} == {Channel.KIOSK}
    assert {r.submission_key for r in stored} == set(keys)
    assert all(r.answered_at is not None for r in stored)
