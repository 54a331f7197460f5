"""The regency's public results: agencies collapsed with their figure, and the search (?q=).

The search is a GET form, so it works without JavaScript; it finds an agency by
its name or short name (with all its services) and a service by its name (with
its agency, opened), in either language; any text at all is answered, never a 500.
"""

import pytest

from tests.conftest import TULUNGAGUNG_HOST, host_client
from tests.surveys.results.test_page import html_of, section

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def results(query: str | None = None, **extra) -> str:
    data = {} if query is None else {"q": query}
    return html_of(host_client(TULUNGAGUNG_HOST).get("/hasil/", data, **extra))


def agencies_in(html: str) -> int:
    return section(html, "berjalan").count('data-agency="') if 'id="berjalan"' in html else 0


def test_each_agency_is_collapsed_with_its_figure_and_grade_in_the_summary(this_year):
    html = results()
    card = html.split('data-agency="', 1)[1].split("</details>", 1)[0]
    summary = card.split("<summary>", 1)[1].split("</summary>", 1)[0]
    assert 'class="score"' in summary and "badge-grade" in summary
    assert "<svg" in summary  # the small meter, drawn on the server
    assert "Perekaman KTP-el" in card.split("</summary>", 1)[1]  # services inside
    assert " open" not in card.split(">", 1)[0]  # closed until a citizen opens it


def test_the_search_is_a_get_form_that_needs_no_script(this_year):
    html = results()
    form = html.split('id="search"', 1)[1].split("</form>", 1)[0]
    assert 'name="q"' in form and 'type="search"' in form
    assert 'method="get"' in html.split('id="search"', 1)[0].rsplit("<form", 1)[1]
    assert "<script" not in html


def test_an_agency_is_found_by_its_name_with_every_service(this_year):
    html = results("dukcapil")
    current = section(html, "berjalan")
    assert agencies_in(html) == 1
    assert "Perekaman KTP-el" in current and "Kartu Keluarga" in current
    assert "<details " in current and " open>" in current
    assert "RSUD dr. Iskak" not in current
    assert 'id="nothing-found"' not in html


def test_a_service_is_found_by_its_name_with_its_agency_opened(this_year):
    html = results("kartu")
    current = section(html, "berjalan")
    assert "Dinas Kependudukan dan Pencatatan Sipil" in current
    assert "Kartu Keluarga" in current and "Perekaman KTP-el" not in current
    assert " open>" in current


def test_case_and_accents_do_not_matter(this_year):
    assert "Rawat jalan" in section(results("  RAWÁT   Jalan "), "berjalan")


def test_nothing_found_says_so_in_indonesian_and_english(this_year):
    html = results("kantor pos")
    assert 'id="nothing-found"' in html and "Tidak ditemukan hasil untuk “kantor pos”" in html
    html = results("kantor pos", **EN)
    assert 'id="nothing-found"' in html and "Nothing found for “kantor pos”" in html


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "%",
        "\x00\x01\x7f",
        "🙂" * 500,
        "a" * 10_000,
        "\u202e\u0301",
    ],
)
def test_any_query_is_answered_never_a_500(this_year, query):
    html = results(query)
    assert "<script>alert(1)" not in html
    if query.strip("\x00\x01\x7f \u202e\u0301"):
        assert 'id="nothing-found"' in html
    else:
        assert 'id="nothing-found"' not in html and agencies_in(html) == 2


def test_the_query_is_shown_back_escaped_and_cut(this_year):
    html = results("<b>x</b>" + "y" * 300)
    value = html.split('id="q" name="q" value="', 1)[1].split('"', 1)[0]
    assert value == "&lt;b&gt;x&lt;/b&gt;" + "y" * 92  # 100 characters, escaped
    assert "<b>x</b>" not in html
