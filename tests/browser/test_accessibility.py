"""axe-core in Chromium finds nothing on any citizen or public page, in either language,
in the normal and the large-text mode.

One phone-sized browser per mode walks every page a citizen or anyone
without an account can reach: the survey (blank, and refused after an empty
post), the thank-you page with a tracking code, a counter that is not found,
too many submissions, the tracking form, a case, a code that is not found,
too many lookups, the regency's public results and its front page, the
province's public results. axe runs every rule it has (WCAG 2.x A and AA and
its best practices); its script comes from the axe-playwright-python wheel,
so nothing is downloaded.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.cleanup import remove_agency
from tests.factories import counter_create

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
REGENCY = "tulungagungkab"
MODES = {
    "id": {},
    "en": {"lang": "en"},
    "id-besar": {"tampilan": "besar"},
    "en-besar": {"lang": "en", "tampilan": "besar"},
}
AXE = Axe()
# The tracking page's limit: once per lookup, then (issue 17) on wrong codes only.
LOOKUP_CHECKS = ("_lookups_exceeded", "_misses_exceeded")


@pytest.fixture
def counter(personas, committed):
    """A counter of a new agency in Tulungagung, committed for the server (removed after)."""
    services = ("Perekaman KTP-el", "Kartu Keluarga")
    point = counter_create(personas.tulungagung, "AX", services=services)
    yield point
    remove_agency(personas.tulungagung, point.agency_id)


@pytest.fixture
def limits(monkeypatch):
    """Switches for the two rate limits, so their pages can be reached (and the other pages
    are never refused because earlier tests counted this address)."""
    from sukma.surveys.citizen import views as citizen
    from sukma.surveys.complaints import views as complaints

    refuse = {"submissions": False, "lookups": False}
    monkeypatch.setattr(citizen, "submissions_over_limit", lambda *a, **k: refuse["submissions"])
    checks = [name for name in LOOKUP_CHECKS if hasattr(complaints, name)]
    assert checks, "the tracking page's limit is checked by a function of another name"
    for name in checks:
        monkeypatch.setattr(complaints, name, lambda *a, **k: refuse["lookups"])
    return refuse


def readable(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"      at {node['target']}: {node['html'][:160]}")
            lines.append(f"      {node['failureSummary']}".replace("\n", " "))
    return "\n".join(lines)


class Walk:
    """One browser page walking the site in one mode; axe's findings gathered page by page."""

    def __init__(self, page, site, mode: str):
        self.page, self.site, self.mode = page, site, mode
        self.language = MODES[mode].get("lang", "id")
        self.large = "tampilan" in MODES[mode]
        self.findings: dict[str, list[dict]] = {}

    def url(self, path: str, subdomain: str | None = REGENCY) -> str:
        return self.site.url(path, subdomain=subdomain)

    def check(self, name: str, status: int | None = None, response=None) -> None:
        if status is not None and response is not None:
            assert response.status == status, f"{name}: {response.status}"
        html = self.page.locator("html")
        assert html.get_attribute("lang") == self.language, name
        assert ("besar" in (html.get_attribute("class") or "")) == self.large, name
        violations = AXE.run(self.page).response["violations"]
        if violations:
            self.findings[name] = violations

    def visit(self, name: str, path: str, status: int = 200, subdomain=REGENCY) -> None:
        self.check(name, status, self.page.goto(self.url(path, subdomain)))

    def post_form(self) -> int:
        """Send the survey form as it stands, without the browser's own required-field check."""
        with self.page.expect_navigation() as navigation:
            self.page.eval_on_selector("#survey", "form => form.submit()")
        return navigation.value.status


def answer_with_suggestion(page) -> None:
    for i in range(1, 10):
        page.locator(f"label.opt:has(input[name='U{i}'][value='3'])").click()
    page.fill("textarea[name=suggestion]", "Ruang tunggu panas, mohon kipas angin.")


@pytest.mark.parametrize("mode", MODES)
def test_axe_finds_nothing_on_any_citizen_or_public_page(mode, counter, limits, chromium, site):
    context = chromium.new_context(locale="id-ID", viewport=PHONE)
    walk = Walk(context.new_page(), site, mode)
    survey = f"/s/{counter.code}/"
    try:
        # The first link carries the choices; cookies keep them for the pages after it.
        query = "&".join(f"{k}={v}" for k, v in MODES[mode].items())
        walk.visit("survey", survey + (f"?{query}" if query else ""))
        assert walk.post_form() == 400
        walk.check("survey refused")
        walk.visit("counter not found", "/s/ZZZZ9999/", 404)

        walk.page.goto(walk.url(survey))
        limits["submissions"] = True
        assert walk.post_form() == 429
        walk.check("too many submissions")
        limits["submissions"] = False

        walk.page.goto(walk.url(survey))
        answer_with_suggestion(walk.page)
        walk.page.click("button.send")
        walk.page.wait_for_url("**/terima-kasih/")
        walk.check("thanks with a tracking code")
        code = walk.page.text_content("#tracking-code").strip()

        walk.visit("tracking form", "/lacak/")
        walk.visit("tracking a case", f"/lacak/{code}")
        walk.visit("tracking: no such code", "/lacak/ZZZZZZZZZZ", 404)
        limits["lookups"] = True
        walk.visit("too many lookups", f"/lacak/{code}", 429)
        limits["lookups"] = False

        walk.visit("public results", "/hasil/")
        walk.visit("regency front page", "/")
        # The province's site is another host: the same choices, as its cookies.
        context.add_cookies(
            [
                {"name": name, "value": value, "url": walk.url("/", None)}
                for name, value in (
                    ("django_language", walk.language),
                    ("sukma_tampilan", "besar" if walk.large else "biasa"),
                )
            ]
        )
        walk.visit("province results", "/hasil/", subdomain=None)
    finally:
        context.close()
    assert not walk.findings, f"axe, mode {mode}:\n" + "\n".join(
        f"{name}:\n{readable(found)}" for name, found in walk.findings.items()
    )
