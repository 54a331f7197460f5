"""A real server and a real browser, for tests that walk through the product.

The server is Django's threaded WSGI server on a free port of 127.0.0.1,
not pytest-django's ``live_server``: that one forces transactional_db, whose
flush would wipe the session's personas. Tests here use ``committed`` so
that what they write is visible to the server's threads and the worker.
Chromium resolves every *.localhost name to 127.0.0.1, so regency hosts
work without touching /etc/hosts.
"""

import os
import threading
import time
from dataclasses import dataclass

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # every request line would drown the test output
        pass


@dataclass(frozen=True)
class LiveSite:
    port: int

    def url(self, path: str = "/", subdomain: str | None = None) -> str:
        host = f"{subdomain}.localhost" if subdomain else "localhost"
        return f"http://{host}:{self.port}{path}"


@pytest.fixture(scope="session")
def live_site(personas):
    """The WSGI app served from a thread; each request thread closes its own DB connection."""
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, name="live-site", daemon=True)
    thread.start()
    try:
        yield LiveSite(port=server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def site(live_site, settings) -> LiveSite:
    """The live site, with absolute links (url_for_host) pointing at its port."""
    settings.SITE_PORT = live_site.port
    return live_site


def _csp_refusals_heard(browser) -> list[str]:
    """Every page of every browser test runs under the real Content-Security-Policy: what
    it refuses (an inline style or script without the response's nonce) fails the test."""
    refused: list[str] = []
    new_context = browser.new_context

    def heard(message):
        if "Content Security Policy" in message.text:
            where = message.location
            refused.append(f"{where.get('url')}:{where.get('lineNumber')}: {message.text}")

    def listening_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on("console", heard)
        return context

    browser.new_context = listening_context
    return refused


def wait_until(page, expression: str, timeout: float = 15.0) -> None:
    """Wait until `expression` is true in the page.

    Playwright's wait_for_function evaluates its string with eval() inside the page, which
    the Content-Security-Policy forbids ('unsafe-eval'); page.evaluate is not subject to it.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.05)


@pytest.fixture
def chromium():
    """A headless Chromium per test, from the system's package: nothing is downloaded."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which
    # makes Django refuse ORM calls from the test; they are in fact synchronous.
    # A database connection opened while that loop runs lives in the loop's
    # context: it is closed here, before the loop stops, and ``committed``
    # (asked for first by browser_context) cleans up after the loop is gone.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            refused = _csp_refusals_heard(browser)
            yield browser
            browser.close()
            connections.close_all()
            assert not refused, f"the Content-Security-Policy refused: {refused}"
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_context(committed, chromium):
    context = chromium.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    return browser_context.new_page()
