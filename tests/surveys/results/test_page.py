"""The public results page: no sign-in, every agency and service, current and last closed year."""

import datetime
import re

import pytest
from django.db import connection
from django.utils import timezone

from sukma.surveys import selectors
from sukma.surveys.models import Agency, Period, PeriodKind
from tests.conftest import KEDIRI_HOST, TULUNGAGUNG_HOST, host_client
from tests.surveys.conftest import submit
from tests.surveys.results.conftest import CODES

LAST_YEAR = timezone.make_aware(datetime.datetime(2025, 12, 20, 10, 0))
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def closed_2025(dukcapil, in_tulungagung):
    """2025, answered in December, then locked."""
    period = Period.objects.create(
        kind=PeriodKind.YEAR,
        year=2025,
        number=1,
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 12, 31),
    )
    submit(dukcapil[3], {c: 3 for c in CODES}, now=LAST_YEAR)
    submit(dukcapil[3], {c: 4 for c in CODES}, now=LAST_YEAR)
    period.locked = True
    period.locked_at = LAST_YEAR
    period.save()
    return period


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, key: str) -> str:
    return html.split(f'id="{key}"', 1)[1].split("</section>", 1)[0]


def test_anyone_reads_the_results_without_signing_in(this_year):
    response = host_client(TULUNGAGUNG_HOST).get("/hasil/")
    assert response.status_code == 200
    assert "Dinas Kependudukan dan Pencatatan Sipil" in response.content.decode()


def test_every_agency_and_service_shows_the_selectors_figures(personas, this_year):
    html = html_of(host_client(TULUNGAGUNG_HOST).get("/hasil/"))
    current = section(html, "berjalan")
    connection.set_tenant(personas.tulungagung)
    agencies = selectors.agency_figures(this_year)
    assert len(agencies) == 2
    for agency, figure in agencies:
        card = current.split(f'data-agency="{agency.pk}"', 1)[1].split("</details>", 1)[0]
        assert f'<span class="score" data-value="{figure.result.konversi}">' in card
        assert f'data-value="{figure.responses}"' in card
        assert f">{figure.result.mutu}</span>" in card
    for service, figure in selectors.service_figures(this_year):
        item = current.split(f'data-service="{service.pk}"', 1)[1].split("</li>", 1)[0]
        assert f'data-value="{figure.result.konversi or ""}"' in item


def test_numbers_read_indonesian_style(this_year):
    html = html_of(host_client(TULUNGAGUNG_HOST).get("/hasil/"))
    assert ">75,00<" in html  # Dukcapil: SKM.md's worked example


def test_a_short_sample_is_shown_and_flagged_not_hidden(this_year):
    html = html_of(host_client(TULUNGAGUNG_HOST).get("/hasil/", **EN))
    assert "Sample not yet sufficient" in html
    assert "target 372" in html  # Perekaman KTP-el: 12,000 users a year


def test_without_a_closed_period_the_page_says_so(this_year):
    html = html_of(host_client(TULUNGAGUNG_HOST).get("/hasil/", **EN))
    assert 'id="no-closed"' in html
    assert 'id="final"' not in html


def test_the_last_closed_year_is_shown_beside_the_current_one(personas, this_year, closed_2025):
    html = html_of(host_client(TULUNGAGUNG_HOST).get("/hasil/"))
    assert 'id="no-closed"' not in html
    final = section(html, "final")
    assert f'data-period="{closed_2025.pk}"' in html
    connection.set_tenant(personas.tulungagung)
    dukcapil = Agency.objects.get(short_name="Dukcapil")
    figure = selectors.agency_figure(closed_2025, dukcapil)
    assert figure.result.konversi is not None and figure.responses == 2
    card = final.split(f'data-agency="{dukcapil.pk}"', 1)[1].split("</details>", 1)[0]
    assert f'data-value="{figure.result.konversi}"' in card
    assert html.index('id="berjalan"') < html.index('id="final"')


def test_with_no_period_at_all_the_page_still_answers(dukcapil):
    html = html_of(host_client(TULUNGAGUNG_HOST).get("/hasil/", **EN))
    assert 'id="no-current"' in html and 'id="no-closed"' in html


def test_each_regency_publishes_only_its_own_results(this_year):
    html = html_of(host_client(KEDIRI_HOST).get("/hasil/"))
    assert "Dinas Kependudukan" not in html and "RSUD dr. Iskak" not in html


def test_the_page_is_built_for_a_phone(this_year):
    html = html_of(host_client(TULUNGAGUNG_HOST).get("/hasil/"))
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "<table" not in html  # stacked cards, nothing to scroll sideways
    assert not re.search(r"<script\b", html)


def test_the_grade_bounds_read_in_the_pages_language(this_year):
    html = html_of(host_client(TULUNGAGUNG_HOST).get("/hasil/"))
    assert "88,31" in html.split('id="method"', 1)[1]
    html = html_of(host_client(TULUNGAGUNG_HOST).get("/hasil/", **EN))
    assert "from 88.31" in html.split('id="method"', 1)[1]
