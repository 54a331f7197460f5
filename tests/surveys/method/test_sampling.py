"""Sample adequacy: the Krejcie & Morgan target and the margin of error. Plain, no database."""

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sukma.surveys.method.sampling import (
    CHI_SQUARE,
    DEGREE_OF_ACCURACY,
    PROPORTION,
    krejcie_morgan,
    krejcie_morgan_exact,
    margin_of_error,
    sample_adequacy,
)

# Krejcie & Morgan (1970), Table 1: N -> S.
KM_TABLE = {
    10: 10, 15: 14, 20: 19, 25: 24, 30: 28, 35: 32, 40: 36, 45: 40, 50: 44, 55: 48,
    60: 52, 65: 56, 70: 59, 75: 63, 80: 66, 85: 70, 90: 73, 95: 76, 100: 80, 110: 86,
    120: 92, 130: 97, 140: 103, 150: 108, 160: 113, 170: 118, 180: 123, 190: 127, 200: 132,
    210: 136, 220: 140, 230: 144, 240: 148, 250: 152, 260: 155, 270: 159, 280: 162, 290: 165,
    300: 169, 320: 175, 340: 181, 360: 186, 380: 191, 400: 196, 420: 201, 440: 205, 460: 210,
    480: 214, 500: 217, 550: 226, 600: 234, 650: 242, 700: 248, 750: 254, 800: 260, 850: 265,
    900: 269, 950: 274, 1000: 278, 1100: 285, 1200: 291, 1300: 297, 1400: 302, 1500: 306,
    1600: 310, 1700: 313, 1800: 317, 1900: 320, 2000: 322, 2200: 327, 2400: 331, 2600: 335,
    2800: 338, 3000: 341, 3500: 346, 4000: 351, 4500: 354, 5000: 357, 6000: 361, 7000: 364,
    8000: 367, 9000: 368, 10000: 370, 15000: 375, 20000: 377, 30000: 379, 40000: 380,
    50000: 381, 75000: 382, 1000000: 384,
}  # fmt: skip


@pytest.mark.parametrize(("population", "target"), sorted(KM_TABLE.items()))
def test_formula_reproduces_the_krejcie_morgan_table(population, target):
    assert krejcie_morgan(population) == target


def test_skm_md_examples():
    assert krejcie_morgan(100) == 80
    assert krejcie_morgan(1_000) == 278
    assert krejcie_morgan(1_000_000) == 384


def test_rounding_is_to_the_nearest_whole_number_not_up():
    # N = 15: S = 14.47 -> 14 (the table), where rounding up would give 15.
    assert float(krejcie_morgan_exact(15)) == pytest.approx(14.4725, abs=1e-4)
    assert krejcie_morgan(15) == 14
    # N = 10: S = 9.77 -> 10. N = 100,000: 382.63 -> 383 (some reproductions print 384).
    assert krejcie_morgan(10) == 10
    assert krejcie_morgan(100_000) == 383


def test_small_populations():
    assert krejcie_morgan(1) == 1
    assert krejcie_morgan(2) == 2
    assert krejcie_morgan(3) == 3


def test_unknown_or_zero_population_uses_the_infinite_target_384():
    # X^2 P (1 - P) / d^2 = 3.841 x 0.25 / 0.0025 = 384.1 -> 384.
    assert krejcie_morgan_exact(None) == Fraction(3841, 10)
    assert krejcie_morgan(None) == 384
    assert krejcie_morgan(0) == 384
    adequacy = sample_adequacy(100, None)
    assert adequacy.population_known is False
    assert adequacy.target == 384
    assert adequacy.short is True
    assert adequacy.shortfall == 284
    assert sample_adequacy(100, 0).population_known is False


def test_the_margin_formula_is_the_target_formula_solved_for_d():
    # X^2 P(1-P) / S x (N - S)/(N - 1) == d^2 exactly, at the unrounded S.
    pq = PROPORTION * (1 - PROPORTION)
    for population in (10, 100, 1000, 12345, 1_000_000):
        s = krejcie_morgan_exact(population)
        assert CHI_SQUARE * pq / s * (population - s) / (population - 1) == DEGREE_OF_ACCURACY**2


def test_margin_of_error_hand_computed():
    # No population: sqrt(3.841 x 0.25 / 100) = sqrt(0.0096025) = 0.097992 -> 9.80 %.
    assert margin_of_error(100, None) == Decimal("9.80")
    # 384 of an unknown population: sqrt(0.96025 / 384) = 0.0500065 -> 5.00 %.
    assert margin_of_error(384, None) == Decimal("5.00")
    # 278 of 1000: sqrt(0.96025 / 278 x 722 / 999) = sqrt(0.0024964) = 0.049964 -> 5.00 %.
    assert margin_of_error(278, 1000) == Decimal("5.00")
    # 80 of 100: sqrt(0.96025 / 80 x 20 / 99) = sqrt(0.0024249) = 0.049243 -> 4.92 %.
    assert margin_of_error(80, 100) == Decimal("4.92")
    # 30 of 1000: sqrt(0.96025 / 30 x 970 / 999) = sqrt(0.031080) = 0.176295 -> 17.63 %.
    assert margin_of_error(30, 1000) == Decimal("17.63")


def test_margin_edge_cases():
    assert margin_of_error(0, 100) is None
    assert margin_of_error(0, None) is None
    assert margin_of_error(100, 100) == Decimal("0.00")  # a census
    assert margin_of_error(150, 100) == Decimal("0.00")
    assert margin_of_error(1, 1) == Decimal("0.00")
    assert margin_of_error(1, 2) == Decimal("97.99")


def test_short_sample_is_flagged_not_hidden():
    adequacy = sample_adequacy(30, 1000)
    assert (adequacy.target, adequacy.short, adequacy.shortfall) == (278, True, 248)
    assert adequacy.margin_of_error == Decimal("17.63")
    enough = sample_adequacy(278, 1000)
    assert (enough.short, enough.shortfall) == (False, 0)


def test_more_responses_than_service_users_is_flagged():
    adequacy = sample_adequacy(150, 100)
    assert adequacy.exceeds_population is True
    assert adequacy.short is False
    assert adequacy.margin_of_error == Decimal("0.00")
    assert sample_adequacy(100, 100).exceeds_population is False


def test_no_responses_yet():
    adequacy = sample_adequacy(0, 500)
    assert (adequacy.target, adequacy.margin_of_error, adequacy.short) == (217, None, True)


def test_serializes():
    data = json.loads(json.dumps(sample_adequacy(80, 100).to_dict()))
    assert data == {
        "population": 100,
        "population_known": True,
        "responses": 80,
        "target": 80,
        "margin_of_error": "4.92",
        "short": False,
        "shortfall": 0,
        "exceeds_population": False,
    }


@pytest.mark.parametrize(
    ("responses", "population", "match"),
    [
        (-1, 100, "responses cannot be negative"),
        (10, -5, "population cannot be negative"),
        (10.0, 100, "whole number"),
        (10, 100.5, "whole number"),
        (True, 100, "whole number"),
        ("10", 100, "whole number"),
        (None, 100, "whole number"),
    ],
)
def test_invalid_inputs(responses, population, match):
    with pytest.raises(ValueError, match=match):
        sample_adequacy(responses, population)


def test_invalid_population_for_the_target():
    with pytest.raises(ValueError, match="negative"):
        krejcie_morgan(-1)


populations = st.integers(min_value=1, max_value=10**7)


@given(population=populations)
def test_target_never_exceeds_the_population_or_384(population):
    target = krejcie_morgan(population)
    assert 1 <= target <= min(population, 384)


@given(a=populations, b=populations)
def test_target_grows_with_the_population(a, b):
    low, high = sorted((a, b))
    assert krejcie_morgan(low) <= krejcie_morgan(high)


@given(
    population=st.one_of(populations, st.none()), n=st.integers(1, 2000), extra=st.integers(1, 50)
)
def test_margin_shrinks_with_more_responses(population, n, extra):
    assert margin_of_error(n + extra, population) <= margin_of_error(n, population)


@given(population=st.one_of(populations, st.none(), st.just(0)), n=st.integers(0, 5000))
def test_short_means_fewer_responses_than_the_target(population, n):
    adequacy = sample_adequacy(n, population)
    assert adequacy.short == (n < adequacy.target)
    assert adequacy.shortfall == max(adequacy.target - n, 0)
    assert adequacy.margin_of_error is None or Decimal(0) <= adequacy.margin_of_error <= 100
