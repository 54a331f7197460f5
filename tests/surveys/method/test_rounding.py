"""One rounding rule everywhere, the method's half-up: shares and a period's expected users.

Plain, no database. Issue 19 measured shares truncated (85/167 printed 50,8 %) or
rounded half-to-even (62,5 % -> 62 %, 15,625 -> 15,62), and a period's expected
users rounded half-to-even, 0 for a small service (then "unknown", target 384).
"""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sukma.surveys.method.rounding import round_half_up, share_percent, whole_half_up
from sukma.surveys.method.sampling import group_users, period_users, sample_adequacy


def test_shares_round_half_up_at_every_precision():
    assert share_percent(85, 167, 1) == Decimal("50.9")  # 50.898..., never truncated to 50.8
    assert share_percent(5, 8, 0) == Decimal("63")  # 62.5, not banker's 62
    assert share_percent(10, 16, 0) == Decimal("63")
    assert share_percent(5, 32, 2) == Decimal("15.63")  # 15.625, not 15.62
    assert share_percent(1, 3, 1) == Decimal("33.3")
    assert share_percent(2, 3, 1) == Decimal("66.7")


def test_a_share_of_nothing_is_none():
    assert share_percent(0, 0, 1) is None
    assert share_percent(3, None, 1) is None


def test_whole_numbers_round_half_up():
    assert whole_half_up(Fraction(5, 2)) == 3
    assert whole_half_up(Fraction(7, 2)) == 4
    assert whole_half_up(Fraction(1, 2)) == 1
    assert whole_half_up(Fraction(49, 100)) == 0
    assert whole_half_up(Fraction(-5, 2)) == -3  # away from zero, like round_half_up


def test_round_half_up_lives_in_one_place_and_ikm_uses_it():
    from sukma.surveys.method import ikm

    assert ikm.round_half_up is round_half_up
    assert round_half_up("0.125", 2) == Decimal("0.13")


def test_a_periods_expected_users_are_the_yearly_figure_scaled_half_up():
    assert period_users(12000, 12) == 12000
    assert period_users(12000, 3) == 3000
    assert period_users(30, 1) == 3  # 2.5: half-up, not banker's 2
    assert period_users(18, 1) == 2  # 1.5
    assert period_users(90, 1) == 8  # 7.5: banker's gives 8 too
    assert period_users(10, 1) == 1  # 0.83


def test_a_small_service_expects_at_least_one_user_never_unknown():
    assert period_users(6, 1) == 1  # 0.5: banker's gave 0, then "unknown", target 384
    assert period_users(1, 1) == 1  # 0.083
    adequacy = sample_adequacy(0, period_users(6, 1))
    assert adequacy.population_known is True
    assert adequacy.target == 1


def test_expected_users_not_entered_stay_unknown():
    assert period_users(None, 1) is None
    assert period_users(0, 12) is None


def test_a_groups_expected_users_are_the_sum_over_its_services():
    assert group_users([1, 2, None]) == 3
    assert group_users([period_users(6, 1), period_users(6, 1)]) == 2
    assert group_users([None, None]) is None
    assert group_users([]) is None


@pytest.mark.parametrize("bad", [-1, 1.5, True, "12"])
def test_expected_users_refuse_what_is_not_a_whole_number(bad):
    with pytest.raises(ValueError):
        period_users(bad, 1)


@pytest.mark.parametrize("months", [0, 13, -1])
def test_a_period_has_one_to_twelve_months(months):
    with pytest.raises(ValueError):
        period_users(100, months)


@given(st.integers(min_value=1, max_value=10**9), st.sampled_from([1, 3, 6, 12]))
def test_period_users_equal_decimal_half_up(yearly, months):
    from decimal import ROUND_HALF_UP

    expected = (Decimal(yearly) * months / 12).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert period_users(yearly, months) == max(1, int(expected))


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_shares_equal_decimal_half_up(part, whole):
    from decimal import ROUND_HALF_UP, localcontext

    with localcontext() as ctx:
        ctx.prec = 50
        exact = Decimal(part) * 100 / Decimal(whole)
        expected = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert share_percent(part, whole, 1) == expected
