"""The counter's pages pass the survey on (WhatsApp, short address); every citizen and public
page has a large-text, high-contrast mode switched by a plain link and kept in a cookie."""

import html as htmllib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from sukma.display import COOKIE
from tests.conftest import TULUNGAGUNG_HOST

SURVEY = "/s/TA7K2M9Q/"
ADDRESS = f"http://{TULUNGAGUNG_HOST}{SURVEY}"


def attribute(body: str, element_id: str, name: str) -> str:
    tag = re.search(rf'<[^>]*id="{element_id}"[^>]*>', body).group(0)
    return htmllib.unescape(re.search(rf'{name}="([^"]*)"', tag).group(1))


def shared_text(body: str) -> str:
    href = attribute(body, "share-whatsapp", "href")
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/")
    return parse_qs(parts.query)["text"][0]


@pytest.mark.parametrize("path", [SURVEY, SURVEY + "terima-kasih/"])
def test_the_counter_and_thanks_pages_share_the_counters_address(dukcapil, path):
    body = Client(HTTP_HOST=TULUNGAGUNG_HOST).get(path).content.decode()
    text = shared_text(body)
    assert text.endswith(" " + ADDRESS) and dukcapil[0].name in text
    assert text.startswith("Bagaimana pelayanan di ")
    assert attribute(body, "share-address", "href") == ADDRESS
    short = re.search(r'id="share-address"[^>]*>([^<]*)<', body).group(1)
    assert short == f"{TULUNGAGUNG_HOST}{SURVEY}"


def test_the_shared_message_is_in_english_on_the_english_page(dukcapil):
    body = Client(HTTP_HOST=TULUNGAGUNG_HOST).get(SURVEY + "?lang=en").content.decode()
    assert shared_text(body).startswith("How was the service at ")
    assert shared_text(body).endswith(" " + ADDRESS)


def html_class(body: str) -> str:
    found = re.search(r'<html lang="\w+"(?: class="([^"]*)")?>', body)
    return found.group(1) or ""


@pytest.mark.parametrize("path", [SURVEY, "/lacak/", "/hasil/", "/"])
def test_a_link_switches_large_text_on_and_off_and_a_cookie_keeps_it(dukcapil, path):
    client = Client(HTTP_HOST=TULUNGAGUNG_HOST)
    page = client.get(path)
    assert html_class(page.content.decode()) == ""
    switch = attribute(page.content.decode(), "display-switch", "href")
    assert switch == "?tampilan=besar"

    large = client.get(path + switch)
    assert html_class(large.content.decode()) == "besar"
    assert large.cookies[COOKIE].value == "besar"
    assert html_class(client.get(path).content.decode()) == "besar"  # remembered
    back = attribute(large.content.decode(), "display-switch", "href")
    assert back == "?tampilan=biasa"

    normal = client.get(path + back)
    assert html_class(normal.content.decode()) == ""
    assert normal.cookies[COOKIE].value == ""  # deleted
    assert html_class(client.get(path).content.decode()) == ""


def test_the_switch_keeps_the_pages_other_parameters(dukcapil):
    body = Client(HTTP_HOST=TULUNGAGUNG_HOST).get(SURVEY + "?lang=en").content.decode()
    assert attribute(body, "display-switch", "href") == "?lang=en&tampilan=besar"


def test_a_post_without_a_query_keeps_the_mode_of_the_cookie(dukcapil):
    client = Client(HTTP_HOST=TULUNGAGUNG_HOST)
    client.cookies[COOKIE] = "besar"
    refused = client.post(SURVEY, {})
    assert refused.status_code == 400 and html_class(refused.content.decode()) == "besar"
