"""The province's public results (/hasil/ on the base domain): linked from the home page,
figures in the page's number format and equal to the stored rankings, agency kinds
collapsed, and a GET search over regencies, agencies and services that answers anything."""

from decimal import Decimal

import pytest

from sukma.platform.rankings.ranking import AGENCY, REGENCY, SERVICE, ranking_read
from tests.conftest import PUBLIC_HOST, host_client
from tests.platform import rankings_data as data

pytestmark = pytest.mark.django_db

YEAR = "year:2026"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def ranked(personas):
    """Three regencies, each with a Dukcapil whose birth-certificate service was answered:
    Lima 100,00; Mike 75,00; Oscar 93,75 (three all-4, one all-3)."""
    dukcapil = data.standard_kind("dukcapil", "Dinas Kependudukan dan Pencatatan Sipil")
    data.standard_service(dukcapil, "dukcapil-akta-lahir", "Akta Kelahiran")
    for name, scores in [("Lima", {4: 4}), ("Mike", {3: 4}), ("Oscar", {4: 3, 3: 1})]:
        regency = data.regency(f"Kabupaten {name}")
        agency = data.agency(regency, name=f"Dispendukcapil {name}", kind_code="dukcapil")
        service = data.service(agency, code="dukcapil-akta-lahir", annual_users=4)
        data.month(service, 2026, 3, scores)


def page(query=None, **extra) -> str:
    params = {"periode": YEAR, **({} if query is None else {"q": query})}
    response = host_client(PUBLIC_HOST).get("/hasil/", params, **extra)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "province_admin"])
def test_the_province_home_page_links_the_public_results(personas, who):
    user = None if who == "anonymous" else personas.province_admin
    body = host_client(PUBLIC_HOST, user).get("/").content.decode()
    assert 'id="link-results" ' in body.replace('id="link-results">', 'id="link-results" ')
    assert 'href="/hasil/"' in body


def test_figures_read_with_a_decimal_comma_in_indonesian_and_a_point_in_english(ranked):
    html = page()
    assert ">93,75<" in html and ">100,00<" in html and ">75,00<" in html
    assert "93.75" not in html.split("<main>", 1)[1].replace('data-value="93.75"', "")
    english = page(**EN)
    assert ">93.75<" in english and "93,75" not in english


def test_every_figure_equals_the_stored_ranking(ranked):
    html = page()
    for level in (REGENCY, AGENCY):
        for row in ranking_read(period=YEAR, level=level).rows:
            if row["konversi"] is None:
                continue
            marker = f'data-{level}="{row[f"{level}_id"]}"'
            item = html.split(marker, 1)[1].split("</li>", 1)[0]
            assert f'data-value="{Decimal(row["konversi"])}"' in item, (level, row["name"])
            shown = f"{Decimal(row['konversi']):.2f}".replace(".", ",")
            assert f">{shown}<" in item


def test_agency_kinds_are_collapsed_with_their_range_in_the_summary(ranked):
    html = page()
    group = html.split('<details class="kind-group" data-kind="dukcapil">', 1)[1]
    summary = group.split("</summary>", 1)[0]
    assert "Dinas Kependudukan dan Pencatatan Sipil" in summary
    assert "3 perangkat daerah" in summary and "IKM 75,00 sampai 100,00" in summary
    assert "Dispendukcapil Lima" in group.split("</details>", 1)[0]
    assert "<details open" not in html and "<script" not in html


def test_each_regency_has_its_small_chart(ranked):
    regencies = page().split('id="regencies"', 1)[1].split("</ol>", 1)[0]
    assert regencies.count('<svg class="meter-chart" aria-hidden="true"') >= 3


def test_the_search_finds_an_agency_and_a_service(ranked):
    html = page("dispendukcapil oscar")
    assert html.count('class="agency-row search-result-agency') == 1
    assert "Dispendukcapil Oscar" in html and "Dispendukcapil Lima" not in html
    html = page("akta kelahiran")
    assert html.count('class="service-row search-result-service') == 3
    html = page("LIMA")
    assert 'class="regency-row' in html and "Kabupaten Lima" in html
    assert 'id="nothing-found"' not in html


def test_the_search_keeps_the_period_and_offers_the_way_back(ranked):
    html = page("oscar")
    form = html.split('id="search"', 1)[1].split("</form>", 1)[0]
    assert 'name="periode" value="year:2026:1"' in form
    assert 'href="?periode=year%3A2026%3A1"' in html


def test_nothing_found_says_so_in_both_languages(ranked):
    assert "Tidak ditemukan hasil untuk “kantor pos”" in page("kantor pos")
    assert "Nothing found for “kantor pos”" in page("kantor pos", **EN)


@pytest.mark.parametrize(
    "query", ["<script>x</script>", "' OR 1=1 --", "%_", "🙂" * 400, "a" * 5000]
)
def test_any_query_is_answered_never_a_500(ranked, query):
    html = page(query)
    assert 'id="nothing-found"' in html and "<script>x" not in html


def test_a_query_of_control_characters_only_is_no_search(ranked):
    html = page("\x00\x1b ")
    assert 'id="nothing-found"' not in html and 'id="regencies"' in html


def test_a_bad_period_with_a_search_still_answers(ranked):
    response = host_client(PUBLIC_HOST).get("/hasil/", {"periode": "year:99999'", "q": "lima"})
    assert response.status_code == 200


def test_the_search_lists_at_most_a_hundred_rows_of_a_kind_and_says_so(personas):
    kind = data.standard_kind("dukcapil", "Dinas Kependudukan dan Pencatatan Sipil")
    data.standard_service(kind, "dukcapil-akta-lahir", "Akta Kelahiran")
    for n in range(103):
        regency = data.regency(f"Kota {n}")
        agency = data.agency(regency, name="Dispendukcapil", kind_code="dukcapil")
        data.service(agency, code="dukcapil-akta-lahir", annual_users=4)
    html = page("akta")
    assert html.count('class="service-row search-result-service') == 100
    assert "100 pertama dari 103 layanan" in html
    assert len(ranking_read(period=YEAR, level=SERVICE).rows) == 103


def test_the_province_admin_pages_print_the_same_decimal_comma(ranked, province_client):
    body = province_client.get("/peringkat/", {"periode": YEAR}).content.decode()
    assert ">93,75<" in body and ">93.75<" not in body
    oscar = next(
        r
        for r in ranking_read(period=YEAR, level=REGENCY).rows
        if r["regency_name"].endswith("Oscar")
    )
    drill = province_client.get(
        f"/peringkat/kabupaten-kota/{oscar['regency_id']}/", {"periode": YEAR}
    )
    assert "93,75" in drill.content.decode() and "93.75" not in drill.content.decode()
