"""One navigation on every signed-in page of a regency, the new regency's checklist, posters.

The admin sees every section on every staff page; an operator sees what
applies to an operator; citizens and strangers see none of it. The
checklist ticks itself from the regency's data and disappears when done.
"""

import datetime
import re

import pytest
from django.db import connection

from sukma.access.models import Membership, Role, User
from sukma.surveys.models import Agency, Period, PeriodKind, Service, ServicePoint
from tests.conftest import KEDIRI_HOST, PUBLIC_HOST, TULUNGAGUNG_HOST, host_client
from tests.surveys.conftest import ALL_FOUR, submit

pytestmark = pytest.mark.django_db
STAFF_PAGES = ["/dasbor/", "/kelola/", "/kelola/opd/", "/pengaduan/", "/rtl/", "/kelola/kiosk/"]
STAFF_PAGES += ["/kelola/bantuan/", "/kelola/bobot/", "/kelola/titik-layanan/", "/kelola/orang/"]


def primary(html: str) -> list[str]:
    assert 'id="staff-nav"' in html, "no staff navigation"
    nav = html.split('id="staff-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'data-nav="([a-z_-]+)"', nav)


def get(client, path: str) -> str:
    response = client.get(path, follow=True)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


@pytest.fixture
def operator(personas, dukcapil) -> User:
    user = User.objects.create_user("operator@dukcapil.tulungagungkab.go.id", "x-Rahasia-1")
    Membership.objects.create(
        user=user,
        role=Role.AGENCY_OPERATOR,
        regency=personas.tulungagung,
        agency_id=dukcapil[0].pk,
    )
    return user


def test_the_admin_sees_the_same_navigation_on_every_staff_page(personas, dukcapil):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    navs = {path: primary(get(client, path)) for path in STAFF_PAGES}
    first = navs["/dasbor/"]
    assert all(nav == first for nav in navs.values()), navs
    for key in ("dashboard", "setup", "complaints", "followup", "people", "posters", "reports"):
        assert key in first


def test_the_current_section_is_marked(personas, dukcapil):
    html = get(host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin), "/pengaduan/")
    nav = html.split('id="staff-nav"', 1)[1].split("</nav>", 1)[0]
    assert re.search(r'data-nav="complaints" aria-current="page"', nav)
    assert nav.count('aria-current="page"') == 1


def test_setup_pages_carry_setup_links_and_the_dashboard_its_own(personas, dukcapil):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    setup = get(client, "/kelola/periode/").split('id="section-nav"', 1)[1]
    assert 'data-nav="weights"' in setup and 'data-nav="period_list" aria-current' in setup
    dashboard = get(client, "/dasbor/").split('id="section-nav"', 1)[1]
    assert 'data-nav="responses"' in dashboard


def test_an_operator_sees_what_applies_to_an_operator(personas, operator):
    client = host_client(TULUNGAGUNG_HOST, operator)
    nav = primary(get(client, "/pengaduan/"))
    assert "setup" not in nav and "people" not in nav
    for key in ("dashboard", "complaints", "followup", "posters", "reports"):
        assert key in nav
    posters = get(client, "/pengaduan/").split('data-nav="posters"', 1)[0].rsplit("href=", 1)[1]
    assert "/dasbor/#posters" in posters


def test_citizens_and_strangers_get_no_staff_navigation(personas, dukcapil):
    assert 'id="staff-nav"' not in get(host_client(TULUNGAGUNG_HOST), "/hasil/")
    stranger = host_client(TULUNGAGUNG_HOST, personas.kediri_admin).get("/dasbor/")
    assert stranger.status_code == 403 and b'id="staff-nav"' not in stranger.content
    province = host_client(PUBLIC_HOST, personas.province_admin).get("/kabupaten-kota/")
    assert b'id="staff-nav"' not in province.content


def test_kediri_admin_sees_kediri_navigation_on_kediri(personas):
    assert "setup" in primary(get(host_client(KEDIRI_HOST, personas.kediri_admin), "/dasbor/"))


# ---------------------------------------------------------------- the checklist
def steps(html: str) -> dict[str, bool]:
    if 'id="checklist"' not in html:
        return {}
    block = html.split('id="checklist"', 1)[1].split("</section>", 1)[0]
    return {k: cls == "done" for k, cls in re.findall(r'data-step="(\w+)" class="(\w+)"', block)}


def test_the_checklist_ticks_itself_as_the_regency_fills_in(personas, in_tulungagung):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    assert steps(get(client, "/dasbor/")) == dict.fromkeys(
        ["periods", "agencies", "services", "counters", "posters", "first_response"], False
    )
    connection.set_tenant(personas.tulungagung)
    today = datetime.date.today()
    Period.objects.create(
        kind=PeriodKind.YEAR,
        year=today.year,
        number=1,
        starts_on=datetime.date(today.year, 1, 1),
        ends_on=datetime.date(today.year, 12, 31),
    )
    agency = Agency.objects.create(name="Dinas Sosial", kind="dinas")
    service = Service.objects.create(agency=agency, name="Bansos", annual_users=100)
    connection.set_schema_to_public()
    ticked = steps(get(client, "/kelola/"))
    assert ticked["periods"] and ticked["agencies"] and ticked["services"]
    assert not ticked["counters"] and not ticked["posters"]

    connection.set_tenant(personas.tulungagung)
    point = ServicePoint.objects.create(
        agency=agency, name="Loket", code="DS7K2M9Q", default_service=service
    )
    connection.set_schema_to_public()
    ticked = steps(get(client, "/dasbor/"))
    assert ticked["counters"] and ticked["posters"] and not ticked["first_response"]

    connection.set_tenant(personas.tulungagung)
    submit(point, ALL_FOUR)
    connection.set_schema_to_public()
    assert steps(get(client, "/dasbor/")) == {}  # all done: it steps aside


def test_operators_get_no_checklist(personas, operator):
    assert steps(get(host_client(TULUNGAGUNG_HOST, operator), "/dasbor/")) == {}


# ---------------------------------------------------------------- posters where counters are
def test_poster_links_sit_where_counters_are_made(personas, dukcapil):
    agency, _ktp, _kk, point = dukcapil
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    assert f'href="/poster/titik/{point.pk}.pdf"' in get(client, "/kelola/titik-layanan/")
    detail = get(client, f"/kelola/opd/{agency.pk}/")
    assert f'href="/poster/titik/{point.pk}.pdf"' in detail
    assert f'href="/poster/opd/{agency.pk}.pdf"' in detail


def test_the_province_navigation_links_its_people(personas):
    html = get(host_client(PUBLIC_HOST, personas.province_admin), "/kabupaten-kota/")
    assert 'href="/orang/"' in html


def test_the_admin_reaches_people_and_the_operator_does_not(personas, operator):
    admin = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    html = get(admin, "/kelola/orang/")
    assert 'data-nav="people" aria-current="page"' in html
    assert "people" not in primary(get(host_client(TULUNGAGUNG_HOST, operator), "/dasbor/"))
