"""Every list pages within bounds: no limit or offset, however large, reaches SQL as is."""

import pytest

from sukma.api.pagination import MAX_LIMIT

HUGE = "9223372036854775808"  # one past bigint: PostgreSQL refused it and the API said 500


@pytest.mark.parametrize(
    "query", [f"limit={HUGE}", f"offset={HUGE}", f"limit={HUGE}&offset={HUGE}", "limit=²"]
)
def test_a_huge_or_strange_limit_or_offset_is_bounded(province_api, query):
    response = province_api.get(f"/api/v1/regencies/?{query}")
    assert response.status_code == 200
    assert len(response.json()["results"]) <= MAX_LIMIT
