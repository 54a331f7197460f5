"""GET /api/v1/ikm/?breakdown=...: small groups stay private, empty groups are left out.

Issue 19 measured both: an operator's breakdown by disability showed one
respondent's nine answers, and a group whose only respondent was excluded
stayed listed with 0 responses.
"""

import pytest
from django.db import connection
from django.utils import timezone

from sukma.surveys.dashboard.moderation import response_exclude
from sukma.surveys.models import SurveySettings
from tests.conftest import TULUNGAGUNG_HOST, host_client
from tests.surveys.conftest import submit

pytestmark = pytest.mark.django_db
URL = "/api/v1/ikm/"
ALL_THREE = {f"U{i}": 3 for i in range(1, 10)}
ALL_ONE = {f"U{i}": 1 for i in range(1, 10)}


def _submit_many(point, n, answers=ALL_THREE, **profile):
    return [submit(point, answers, day=timezone.localdate(), profile=profile) for _ in range(n)]


def _rows(body, field):
    return body["breakdowns"][field]


def _shown(rows) -> int:
    return sum(row["figure"]["responses"] for row in rows)


def test_an_operator_never_sees_a_group_of_one(
    tulungagung_host_api, dukcapil, operator_of, this_year
):
    agency, _ktp, _kk, point = dukcapil
    _submit_many(point, 6, disability="tidak")
    _submit_many(point, 1, ALL_ONE, disability="mental")
    client = tulungagung_host_api(operator_of(agency))
    body = client.get(
        URL, {"period": this_year.pk, "agency": agency.pk, "breakdown": "disability"}
    ).json()
    rows = _rows(body, "disability")
    assert "mental" not in [row["value"] for row in rows]
    k = body["min_group_size"]
    assert k == 5
    assert all(row["figure"]["responses"] >= k for row in rows)
    # The seven together are "lainnya": "tidak" alone would give the one by subtraction.
    assert [row["value"] for row in rows] == ["lainnya"]
    lump = body["figure"]["responses"] - _shown(rows)
    assert lump == 0 or lump >= k


def test_a_group_whose_only_respondent_was_excluded_is_left_out(
    tulungagung_host_api, personas, dukcapil, this_year
):
    _agency, _ktp, _kk, point = dukcapil
    _submit_many(point, 6, education="SMA")
    (only,) = _submit_many(point, 1, education="S2")
    response_exclude(
        acting_user=personas.tulungagung_admin,
        regency=personas.tulungagung,
        response_id=only.pk,
        reason="A test response entered by mistake",
    )
    connection.set_schema_to_public()
    client = tulungagung_host_api(personas.tulungagung_admin)
    body = client.get(URL, {"period": this_year.pk, "breakdown": "education"}).json()
    rows = _rows(body, "education")
    assert [row["value"] for row in rows] == ["SMA"]
    assert all(row["figure"]["responses"] > 0 for row in rows)


def test_the_complement_of_a_small_blank_lump_is_hidden(
    tulungagung_host_api, personas, dukcapil, this_year
):
    """Ten L, six P, one left sex blank: showing L and P would give the blank one's answers."""
    point = dukcapil[3]
    _submit_many(point, 10, sex="L")
    _submit_many(point, 6, sex="P")
    _submit_many(point, 1, ALL_ONE)
    client = tulungagung_host_api(personas.tulungagung_admin)
    body = client.get(URL, {"period": this_year.pk, "breakdown": "sex"}).json()
    rows = _rows(body, "sex")
    assert [(row["value"], row["figure"]["responses"]) for row in rows] == [("L", 10)]
    assert body["figure"]["responses"] - _shown(rows) == 7


def test_the_regency_chooses_k(tulungagung_host_api, personas, dukcapil, this_year):
    point = dukcapil[3]
    _submit_many(point, 3, sex="L")
    _submit_many(point, 3, sex="P")
    SurveySettings.objects.update_or_create(pk=1, defaults={"min_group_size": 3})
    client = tulungagung_host_api(personas.tulungagung_admin)
    body = client.get(URL, {"period": this_year.pk, "breakdown": "sex,channel"}).json()
    assert body["min_group_size"] == 3
    assert [row["value"] for row in _rows(body, "sex")] == ["L", "P"]
    assert [row["figure"]["responses"] for row in _rows(body, "channel")] == [6]


def test_a_channel_of_one_is_not_shown(tulungagung_host_api, personas, dukcapil, this_year):
    from sukma.surveys.models import Channel

    point = dukcapil[3]
    _submit_many(point, 6)
    submit(point, ALL_ONE, day=timezone.localdate(), channel=Channel.ASSISTED, entered_by=7)
    client = tulungagung_host_api(personas.tulungagung_admin)
    rows = _rows(
        client.get(URL, {"period": this_year.pk, "breakdown": "channel"}).json(), "channel"
    )
    assert "assisted" not in [row["value"] for row in rows]
    assert all(row["figure"]["responses"] >= 5 for row in rows)


def test_the_schema_says_what_is_hidden_and_why(personas):
    response = host_client(TULUNGAGUNG_HOST).get("/api/schema/", HTTP_ACCEPT="application/json")
    schema = response.json()
    text = schema["paths"]["/api/v1/ikm/"]["get"]["description"]
    assert "fewer than" in text and "lainnya" in text and "subtract" in text
