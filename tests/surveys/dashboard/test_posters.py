"""QR posters: an A4 PDF per service point, and all of an agency's in one file."""

import re
import zlib

import pytest
from django.db import connection

from sukma.access.models import Membership, Role, User
from sukma.surveys.dashboard import posters
from sukma.surveys.models import Agency, ServicePoint
from tests.conftest import KEDIRI_HOST, TULUNGAGUNG_HOST, host_client

PAGE = re.compile(rb"/Type\s*/Page\b")
STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def pages(pdf: bytes) -> int:
    """Page objects, in the file and inside its compressed object streams (PDF 1.5+)."""
    found = len(PAGE.findall(pdf))
    for body in STREAM.findall(pdf):
        try:
            found += len(PAGE.findall(zlib.decompress(body)))
        except zlib.error:
            continue
    return found


@pytest.fixture
def three_points(dukcapil):
    agency, _ktp, _kk, first = dukcapil
    second = ServicePoint.objects.create(agency=agency, name="Loket 2", code="TB8M3N4P")
    third = ServicePoint.objects.create(
        agency=agency, name="Mal Pelayanan Publik", code="TC9Q5R6S", address="Jl. Panglima Sudirman"
    )
    ServicePoint.objects.create(agency=agency, name="Loket lama", code="TD2W7X8Y", active=False)
    return [first, second, third]


@pytest.fixture
def admin(personas, db):
    return host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)


def test_a_point_poster_is_a_one_page_pdf(admin, three_points):
    response = admin.get(f"/poster/titik/{three_points[0].pk}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert pages(response.content) == 1


def test_the_agency_file_has_one_page_per_active_point(admin, dukcapil, three_points):
    response = admin.get(f"/poster/opd/{dukcapil[0].pk}.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert pages(response.content) == 3
    assert "poster-dukcapil.pdf" in response["Content-Disposition"]


def test_the_qr_opens_the_points_survey_on_the_regencys_primary_domain(personas, three_points):
    point = three_points[0]
    url = posters.survey_url(personas.tulungagung, point, host="elsewhere:1234")
    assert url == f"http://tulungagungkab.localhost:8000/s/{point.code}/"
    html = posters.posters_html(personas.tulungagung, [point])
    assert f"tulungagungkab.localhost:8000/s/{point.code}/" in html
    assert "Bagaimana pelayanan kami? Pindai untuk mengisi survei, kurang dari 1 menit." in html
    assert personas.tulungagung.name in html and point.agency.name in html
    assert point.name in html
    assert 'src="data:image/svg+xml' in html  # the QR is inline: nothing is fetched


def test_the_qr_encodes_exactly_the_survey_url(personas, three_points):
    import segno

    point = three_points[0]
    url = posters.survey_url(personas.tulungagung, point)
    html = posters.posters_html(personas.tulungagung, [point])
    assert segno.make(url, error="m", micro=False).svg_data_uri(scale=10, border=2) in html
    assert segno.make(url, error="m").designator.endswith("-M")


def test_posters_use_only_local_fonts_and_data(personas, three_points):
    html = posters.posters_html(personas.tulungagung, three_points)
    assert "DejaVu Sans" in html
    assert (
        "http://"
        not in html.replace(posters.survey_url(personas.tulungagung, three_points[0]), "").split(
            "<body>", 1
        )[0]
    )


def test_an_agency_without_points_has_no_poster_file(admin, in_tulungagung):
    agency = Agency.objects.create(name="Badan Pendapatan Daerah", kind="badan")
    assert admin.get(f"/poster/opd/{agency.pk}.pdf").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(three_points):
    response = host_client(TULUNGAGUNG_HOST).get(f"/poster/titik/{three_points[0].pk}.pdf")
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/")


def test_kediri_admin_cannot_print_tulungagung_posters(personas, dukcapil, three_points):
    client = host_client(TULUNGAGUNG_HOST, personas.kediri_admin)
    assert client.get(f"/poster/titik/{three_points[0].pk}.pdf").status_code == 403
    assert client.get(f"/poster/opd/{dukcapil[0].pk}.pdf").status_code == 403
    # On its own host, Kediri has no such point.
    kediri = host_client(KEDIRI_HOST, personas.kediri_admin)
    assert kediri.get(f"/poster/titik/{three_points[0].pk}.pdf").status_code == 404


def test_an_operator_prints_only_their_own_agencys_posters(personas, dukcapil, three_points):
    connection.set_tenant(personas.tulungagung)
    other = Agency.objects.create(name="Dinas Kesehatan", kind="dinas")
    other_point = ServicePoint.objects.create(agency=other, name="Loket", code="TE3F4G5H")
    user = User.objects.create_user("operator@dinkes.tulungagungkab.go.id", "x-Rahasia-2026")
    Membership.objects.create(
        user=user, role=Role.AGENCY_OPERATOR, regency=personas.tulungagung, agency_id=other.pk
    )
    client = host_client(TULUNGAGUNG_HOST, user)
    assert client.get(f"/poster/titik/{other_point.pk}.pdf").status_code == 200
    assert client.get(f"/poster/titik/{three_points[0].pk}.pdf").status_code == 403
    assert client.get(f"/poster/opd/{dukcapil[0].pk}.pdf").status_code == 403
