"""The provincial rankings scale expected users by the method's rule, as the regency does.

Before issue 19 item 3 the ranking rounded the summed yearly users half-to-even:
a service with 6 users a year expected 0 in a month (then "unknown", target 384).
"""

from sukma.platform.rankings.ranking import _population
from sukma.surveys.method.sampling import group_users, period_users


def test_a_small_service_expects_one_user_in_a_month():
    assert _population([6], 1) == 1


def test_a_group_sums_its_services_scaled_half_up():
    assert _population([6, 6], 1) == 2  # 1 + 1; the sum scaled at once gave 1
    assert _population([30, None], 1) == 3  # 2.5 -> 3, not banker's 2
    assert _population([12000, 6000], 3) == 4500
    assert _population([None, 0], 12) is None
    assert _population([18, 90, 7], 1) == group_users(period_users(n, 1) for n in (18, 90, 7))
