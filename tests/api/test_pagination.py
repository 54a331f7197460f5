"""Every list pages within bounds: no limit or offset, however large, reaches SQL as is;
and what is not a whole number is refused, naming the parameter, as the schema says."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from sukma.api.pagination import MAX_LIMIT
from tests.api.conftest import assert_error_shape

HUGE = "9223372036854775808"  # one past bigint: PostgreSQL refused it and the API said 500


@pytest.mark.parametrize(
    "query", [f"limit={HUGE}", f"offset={HUGE}", f"limit={HUGE}&offset={HUGE}"]
)
def test_a_huge_limit_or_offset_is_bounded(province_api, query):
    response = province_api.get(f"/api/v1/regencies/?{query}")
    assert response.status_code == 200
    assert len(response.json()["results"]) <= MAX_LIMIT


# DRF read each of these as "no limit/offset given" and answered the first page.
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("offset=null", "offset"),
        ("offset=-1", "offset"),
        ("offset=", "offset"),
        ("limit=²", "limit"),
        ("limit=0", "limit"),
        ("limit=1.5", "limit"),
        ("limit=abc", "limit"),
    ],
)
def test_a_limit_or_offset_that_is_not_a_whole_number_in_range_is_a_400(province_api, query, field):
    error = assert_error_shape(province_api.get(f"/api/v1/regencies/?{query}"), 400)
    assert set(error["errors"]) == {field}


def test_the_schema_states_the_least_limit_and_offset():
    schema = SchemaGenerator(urlconf="sukma.urls.public").get_schema(request=None, public=True)
    parameters = schema["paths"]["/api/v1/regencies/"]["get"]["parameters"]
    least = {p["name"]: p["schema"]["minimum"] for p in parameters}
    assert least == {"limit": 1, "offset": 0}
