"""GET /api/v1/ikm/: the selectors' figures, for the regency, an agency or a service."""

import pytest
from django.utils import timezone

from sukma.surveys.breakdowns import breakdown
from sukma.surveys.models import Agency, Service, ServicePoint
from sukma.surveys.selectors import (
    agency_figure,
    regency_figure,
    service_figure,
)
from tests.api.conftest import assert_error_shape
from tests.surveys.conftest import submit

pytestmark = pytest.mark.django_db
URL = "/api/v1/ikm/"


def _answers(*values):
    return {f"U{i}": v for i, v in enumerate(values, start=1)}


@pytest.fixture
def rated(dukcapil, this_year):
    """Dukcapil's two services and Bapenda's one, rated by a few citizens this year."""
    _agency, _ktp, kk, point = dukcapil
    bapenda = Agency.objects.create(name="Badan Pendapatan Daerah", kind="badan")
    pbb = Service.objects.create(agency=bapenda, name="PBB", annual_users=3000)
    pbb_point = ServicePoint.objects.create(
        agency=bapenda, name="Loket PBB", code="BPD2K7M9", default_service=pbb
    )
    day = timezone.localdate()
    submit(point, _answers(4, 3, 4, None, 3, 4, 4, 3, 4), day=day, profile={"sex": "P"})
    submit(point, _answers(2, 3, 3, 4, 3, 2, 3, 3, 2), day=day, profile={"sex": "L"})
    submit(point, _answers(3, 3, 3, 3, 4, 4, 4, 2, 3), day=day, service_id=kk.pk)
    submit(
        pbb_point,
        _answers(1, 2, 2, 1, 2, 1, 2, 2, 1),
        day=day,
        profile={"sex": "P", "education": "S2"},
    )
    return bapenda, pbb


def test_the_regency_figure_equals_the_selectors(tulungagung_host_api, personas, rated, this_year):
    response = tulungagung_host_api(personas.tulungagung_admin).get(URL, {"period": this_year.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"] == "regency" and body["agency"] is None and body["service"] is None
    assert body["period"]["id"] == this_year.pk
    assert body["figure"] == regency_figure(this_year).to_dict()
    assert body["figure"]["responses"] == 4
    assert body["figure"]["sample"]["target"] > 0
    assert {e["code"] for e in body["figure"]["elements"]} == {f"U{i}" for i in range(1, 10)}
    assert body["breakdowns"] == {}


def test_an_agency_figure_equals_the_selectors(
    tulungagung_host_api, personas, dukcapil, rated, this_year
):
    agency = dukcapil[0]
    client = tulungagung_host_api(personas.tulungagung_admin)
    body = client.get(URL, {"period": this_year.pk, "agency": agency.pk}).json()
    assert body["scope"] == "agency" and body["agency"] == agency.pk
    assert body["figure"] == agency_figure(this_year, agency).to_dict()
    assert body["figure"]["responses"] == 3


def test_a_service_figure_equals_the_selectors(
    tulungagung_host_api, personas, dukcapil, rated, this_year
):
    agency, ktp, _kk, _point = dukcapil
    client = tulungagung_host_api(personas.tulungagung_admin)
    body = client.get(URL, {"period": this_year.pk, "service": ktp.pk}).json()
    assert (body["scope"], body["agency"], body["service"]) == ("service", agency.pk, ktp.pk)
    assert body["figure"] == service_figure(this_year, ktp).to_dict()
    assert body["figure"]["responses"] == 2


def test_breakdowns_by_profile_field_equal_the_selectors(
    tulungagung_host_api, personas, dukcapil, rated, this_year
):
    point, day = dukcapil[3], timezone.localdate()
    for sex in ["L"] * 5 + ["P"] * 4 + [""] * 4:  # six L, six P, five blank
        submit(point, _answers(3, 3, 4, 4, 3, 3, 4, 4, 3), day=day, profile={"sex": sex})
    client = tulungagung_host_api(personas.tulungagung_admin)
    body = client.get(URL, {"period": this_year.pk, "breakdown": "sex,education"}).json()
    assert set(body["breakdowns"]) == {"sex", "education"}
    for field in ("sex", "education"):
        expected = [
            {"value": row.value, "label": row.label, "figure": row.figure.to_dict()}
            for row in breakdown(this_year, field).rows
        ]
        assert body["breakdowns"][field] == expected
    assert [row["value"] for row in body["breakdowns"]["sex"]] == ["L", "P"]
    everything = client.get(URL, {"period": this_year.pk, "breakdown": "all"}).json()
    assert len(everything["breakdowns"]) == 6


def test_a_service_breakdown_is_the_services_own(tulungagung_host_api, personas, rated, this_year):
    _bapenda, pbb = rated
    pbb_point = ServicePoint.objects.get(default_service=pbb)
    for _ in range(5):
        submit(
            pbb_point,
            _answers(2, 2, 3, 3, 2, 2, 3, 3, 2),
            day=timezone.localdate(),
            profile={"sex": "P"},
        )
    client = tulungagung_host_api(personas.tulungagung_admin)
    body = client.get(URL, {"period": this_year.pk, "service": pbb.pk, "breakdown": "sex"}).json()
    expected = breakdown(this_year, "sex", service_id=pbb.pk).rows
    assert [row["figure"] for row in body["breakdowns"]["sex"]] == [
        row.figure.to_dict() for row in expected
    ]
    assert [(row["value"], row["figure"]["responses"]) for row in body["breakdowns"]["sex"]] == [
        ("P", 6)
    ]


def test_an_operator_reads_their_own_agency_and_its_services(
    tulungagung_host_api, dukcapil, operator_of, rated, this_year
):
    agency, ktp, _kk, _point = dukcapil
    client = tulungagung_host_api(operator_of(agency))
    own = client.get(URL, {"period": this_year.pk, "agency": agency.pk})
    assert own.json()["figure"] == agency_figure(this_year, agency).to_dict()
    assert client.get(URL, {"period": this_year.pk, "service": ktp.pk}).status_code == 200


def test_an_operator_cannot_read_the_regency_or_another_agency(
    tulungagung_host_api, dukcapil, operator_of, rated, this_year
):
    bapenda, pbb = rated
    client = tulungagung_host_api(operator_of(dukcapil[0]))
    assert_error_shape(client.get(URL, {"period": this_year.pk}), 403)
    assert_error_shape(client.get(URL, {"period": this_year.pk, "agency": bapenda.pk}), 403)
    assert_error_shape(client.get(URL, {"period": this_year.pk, "service": pbb.pk}), 403)


@pytest.mark.parametrize("period", [None, "", "abc", "999999"])
def test_a_missing_or_invalid_period_is_a_400(tulungagung_host_api, personas, rated, period):
    query = {} if period is None else {"period": period}
    response = tulungagung_host_api(personas.tulungagung_admin).get(URL, query)
    assert "period" in assert_error_shape(response, 400)["errors"]


def test_a_service_of_another_agency_is_a_400(
    tulungagung_host_api, personas, dukcapil, rated, this_year
):
    _bapenda, pbb = rated
    query = {"period": this_year.pk, "agency": dukcapil[0].pk, "service": pbb.pk}
    response = tulungagung_host_api(personas.tulungagung_admin).get(URL, query)
    assert "service" in assert_error_shape(response, 400)["errors"]


def test_an_unknown_breakdown_field_is_a_400(tulungagung_host_api, personas, rated, this_year):
    query = {"period": this_year.pk, "breakdown": "sex,religion"}
    response = tulungagung_host_api(personas.tulungagung_admin).get(URL, query)
    assert "breakdown" in assert_error_shape(response, 400)["errors"]


def test_kediri_admin_cannot_read_tulungagung_figures(
    tulungagung_host_api, personas, rated, this_year
):
    response = tulungagung_host_api(personas.kediri_admin).get(URL, {"period": this_year.pk})
    assert_error_shape(response, 403)
    assert "konversi" not in response.content.decode()


def test_anonymous_callers_must_sign_in(tulungagung_host_api, rated, this_year):
    assert_error_shape(tulungagung_host_api().get(URL, {"period": this_year.pk}), 401)
