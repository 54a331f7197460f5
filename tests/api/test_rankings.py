"""GET /api/v1/rankings/ and the refresh endpoints, for province admins only."""

from unittest import mock

import pytest

from sukma.platform.rankings.models import RefreshRun
from sukma.platform.rankings.ranking import ranking_read
from tests.platform import rankings_data as data

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(personas):
    kind = data.standard_kind("rsud", "Rumah Sakit Umum Daerah", "rsud")
    data.standard_service(kind, "rsud-rawat-inap", "Rawat Inap")
    for name, scores in [("November", {4: 4}), ("Oscar", {4: 4}), ("Papa", {2: 4})]:
        regency = data.regency(name)
        agency = data.agency(regency, name=f"RSUD {name}", kind="rsud", kind_code="rsud")
        service = data.service(agency, name="Rawat Inap", code="rsud-rawat-inap", annual_users=4)
        data.month(service, 2026, 7, scores)


def test_the_regency_ranking_matches_the_service(province_api, ranked):
    response = province_api.get("/api/v1/rankings/", {"period": "quarter:2026:3"})
    assert response.status_code == 200
    body = response.json()
    assert (body["period"], body["starts_on"], body["ends_on"]) == (
        "quarter:2026:3",
        "2026-07-01",
        "2026-09-30",
    )
    assert body["policy"] == "exact"
    expected = ranking_read(period="quarter:2026:3", level="regency").rows
    assert [(r["regency_name"], r["rank"], r["konversi"]) for r in body["rows"]] == [
        (r["regency_name"], r["rank"], r["konversi"]) for r in expected
    ]
    ranks = {r["regency_name"]: r["rank"] for r in body["rows"]}
    assert (ranks["November"], ranks["Oscar"], ranks["Papa"]) == (1, 1, 3)


def test_agency_and_service_levels_filter_by_kind(province_api, ranked):
    agencies = province_api.get(
        "/api/v1/rankings/", {"period": "year:2026", "level": "agency", "kind": "rsud"}
    ).json()
    assert {r["agency_name"] for r in agencies["rows"]} == {
        "RSUD November",
        "RSUD Oscar",
        "RSUD Papa",
    }
    services = province_api.get(
        "/api/v1/rankings/",
        {"period": "year:2026", "level": "service", "kind": "rsud-rawat-inap"},
    ).json()
    assert [r["konversi"] for r in services["rows"]] == ["100.00", "100.00", "50.00"]
    assert services["rows"][0]["reason"] == ""


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "quarter:2026:9"}, "period"),
        ({"period": "nonsense"}, "period"),
        ({}, "period"),
        ({"period": "year:2026", "level": "province"}, "level"),
        ({"period": "year:2026", "level": "agency", "kind": "nope"}, "kind"),
    ],
)
def test_bad_parameters_are_a_400_in_the_error_shape(province_api, ranked, params, field):
    response = province_api.get("/api/v1/rankings/", params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"} and field in body["errors"]


def test_refresh_is_accepted_and_its_progress_readable(province_api, personas):
    with mock.patch("sukma.platform.rankings.services.refresh_send") as send:
        response = province_api.post("/api/v1/rankings/refresh/", {"kind": "full"}, format="json")
    assert response.status_code == 202 and send.call_count == 1
    run = RefreshRun.objects.get(pk=response.json()["id"])
    assert run.kind == "full" and run.started_by == personas.province_admin
    progress = province_api.get(response.json()["status_url"])
    assert progress.status_code == 200
    assert progress.json()["state"] == "pending" and progress.json()["percent"] == 0
    bad = province_api.post("/api/v1/rankings/refresh/", {"kind": "weekly"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()["errors"]


@pytest.mark.parametrize("who", ["kediri_admin_api", "tulungagung_admin_api", "anonymous_api"])
def test_only_province_admins_may_call(request, who, ranked):
    client = request.getfixturevalue(who)
    assert client.get("/api/v1/rankings/", {"period": "year:2026"}).status_code in {401, 403}
    assert client.post("/api/v1/rankings/refresh/").status_code in {401, 403}
    assert not RefreshRun.objects.exists()
