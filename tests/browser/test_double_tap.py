"""Exactly once: a double tap on a slow line, and several posts of one submission key at once.

In the browser, Send disables on the first tap (offline.js), so a double tap
sends one POST and the citizen gets the thank-you page with the tracking
code. Without the browser's help, the server stores a key once: two or ten
posts of the same answer at the same moment all get the thank-you redirect
with the one response's tracking code.
"""

import threading

import pytest

from tests.browser.counter_site import (
    ANSWERS,
    hidden_fields,
    point_create,
    point_remove,
    request,
    responses,
    tracking_code_of,
)

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
SLOW_LINE = {"offline": False, "latency": 2000, "downloadThroughput": -1, "uploadThroughput": -1}


@pytest.fixture
def counter(personas, committed):
    point = point_create(personas.tulungagung)
    yield point
    point_remove(point, personas.tulungagung)


def fill(page, *, suggestion: str) -> None:
    for name, value in ANSWERS.items():
        page.locator(f"label.opt:has(input[name='{name}'][value='{value}'])").click()
    page.fill("textarea[name=suggestion]", suggestion)


def test_a_double_tap_on_a_slow_line_sends_once_and_thanks_with_the_code(
    personas, counter, chromium, site
):
    context = chromium.new_context(locale="id-ID", viewport=PHONE, has_touch=True, is_mobile=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    try:
        page.goto(site.url(f"/s/{counter.code}/", subdomain="tulungagungkab"))
        key = page.input_value("input[name=key]")
        fill(page, suggestion="Antrean panjang, mohon tambah loket.")
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_LINE)

        page.dblclick("button.send")
        assert page.locator("button.send").is_disabled()
        assert page.text_content("button.send").strip() == "Mengirim…"
        page.wait_for_url("**/terima-kasih/")
        assert page.locator("#thanks").is_visible()

        [response] = responses(counter, personas.tulungagung)
        assert response.submission_key == key
        assert page.text_content("#tracking-code") == response.tracking_code
        assert len(posts) == 1
    finally:
        context.close()


def _served_at(site, path: str) -> tuple[dict, dict]:
    """The counter page as a phone gets it: its hidden fields and the cookies it sets."""
    page = request(site.port, "GET", path)
    assert page.status == 200
    return hidden_fields(page.body), page.cookies


def _post_at_once(site, path: str, form: dict, cookies: dict, times: int) -> list:
    """`times` posts of one answer, released together; the replies in any order."""
    barrier = threading.Barrier(times)
    replies = []

    def post():
        barrier.wait()
        replies.append(request(site.port, "POST", path, cookies=cookies, form=form))

    threads = [threading.Thread(target=post) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return replies


@pytest.mark.parametrize("times", [2, 10])
def test_posts_of_one_key_at_once_store_one_response_and_share_its_code(
    personas, counter, site, times
):
    path = f"/s/{counter.code}/"
    fields, cookies = _served_at(site, path)
    form = {**fields, **ANSWERS, "suggestion": "Petugas ramah sekali."}

    replies = _post_at_once(site, path, form, cookies, times)

    thanks = f"{path}terima-kasih/"
    assert [(r.status, r.location) for r in replies] == [(302, thanks)] * times
    [response] = responses(counter, personas.tulungagung)
    assert response.submission_key == fields["key"]
    assert {tracking_code_of(r) for r in replies} == {response.tracking_code}
    # And the thank-you page shows it to each of them.
    for reply in replies[:2]:
        page = request(site.port, "GET", thanks, cookies={**cookies, **reply.cookies})
        assert response.tracking_code in page.body


def test_a_refusal_sent_by_script_shows_the_servers_reason_in_place(
    personas, counter, chromium, site
):
    context = chromium.new_context(locale="id-ID", viewport=PHONE)
    page = context.new_page()
    try:
        for suggestion in ("Pertama.", "Kedua, hari yang sama."):
            page.goto(site.url(f"/s/{counter.code}/", subdomain="tulungagungkab"))
            fill(page, suggestion=suggestion)
            page.click("button.send")
            if suggestion == "Pertama.":
                page.wait_for_url("**/terima-kasih/")
        # The same phone, the same service, the same day: refused, the page as the server sent it.
        page.wait_for_selector("#errors")
        assert "sudah menilai layanan ini hari ini" in page.text_content("#errors")
        assert page.input_value("textarea[name=suggestion]") == "Kedua, hari yang sama."
        assert page.is_enabled("button.send") and page.text_content("button.send") == "Kirim"
        assert page.locator(".progress").count() == 1  # survey.js started again on it
        assert len(responses(counter, personas.tulungagung)) == 1
    finally:
        context.close()
