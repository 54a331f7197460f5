"""The tracking page at 360 px: no word is broken in the middle, and nothing sticks out.

Every word of the page's text is measured where Chromium laid it out: a word
whose letters land on two lines was broken inside it. Long Indonesian words
(the agency's name, the suggestion, the agency's answer, the status steps)
are the ones at risk on a narrow phone, most of all in large-text mode.
"""

import pytest
from django.db import connection

from sukma.surveys.complaints.models import Case
from sukma.surveys.complaints.services import case_answer
from tests.cleanup import remove_agency
from tests.factories import counter_create

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
REGENCY = "tulungagungkab"
SUGGESTION = (
    "Ketidaknyamanan ruang tunggu harus dipertanggungjawabkan: pelayanan administrasi "
    "kependudukan memperhitungkan keterlambatan."
)
ANSWER = (
    "Terima kasih atas masukannya. Permasalahan ketidaksesuaian jadwal sudah "
    "dikoordinasikan dengan penanggungjawab pelayanan."
)

# Each word (split at spaces, hyphens and slashes, where a line may break) and the
# distinct tops of the line boxes its letters sit on: more than one is a broken word.
BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const m of node.data.matchAll(/[^\\s\\-\\/]+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}"""


@pytest.fixture
def answered_case(personas, committed, chromium, site):
    """A case with long words in every part, made through the citizen's page, then answered."""
    regency = personas.tulungagung
    point = counter_create(regency, "TW", services=("Penerbitan Kartu Identitas Anak",))
    context = chromium.new_context(locale="id-ID", viewport=PHONE)
    page = context.new_page()
    page.goto(site.url(f"/s/{point.code}/", subdomain=REGENCY))
    for i in range(1, 10):
        page.locator(f"label.opt:has(input[name='U{i}'][value='3'])").click()
    page.fill("textarea[name=suggestion]", SUGGESTION)
    page.click("button.send")
    page.wait_for_url("**/terima-kasih/")
    code = page.text_content("#tracking-code").strip()
    context.close()
    connection.set_tenant(regency)
    case_answer(
        case=Case.objects.get(tracking_code=code),
        acting_user=personas.tulungagung_admin,
        text=ANSWER,
    )
    connection.set_schema_to_public()
    yield code
    remove_agency(regency, point.agency_id)


@pytest.mark.parametrize("query", ["", "?tampilan=besar", "?lang=en", "?lang=en&tampilan=besar"])
def test_no_word_is_broken_on_the_tracking_page_at_360_px(answered_case, chromium, site, query):
    context = chromium.new_context(locale="id-ID", viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site.url(f"/lacak/{answered_case}{query}", subdomain=REGENCY))
        assert "Ketidaknyamanan" in page.text_content("#case-suggestion")
        assert page.locator("#case-answer").count() == 1
        assert page.evaluate(BROKEN_WORDS) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        slug = "".join(c for c in query if c.isalnum())
        page.screenshot(path=f"/tmp/tracking-360{'-' + slug if slug else ''}.png", full_page=True)
        for path in ("/lacak/", "/lacak/ZZZZZZZZZZ"):
            page.goto(site.url(path, subdomain=REGENCY))
            assert page.evaluate(BROKEN_WORDS) == [], path
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    finally:
        context.close()
