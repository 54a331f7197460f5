"""Sample adequacy: how many respondents a service needs, and how sure a figure is.

Pure Python, exact arithmetic, no Django. See /work/shared/SKM.md. Every rounding
here is the method's one rule, half-up (sukma.surveys.method.rounding).

Expected users in a period (N)
    A service records its expected users per year. For a period of m months
    (1 a month, 3 a quarter, 6 a semester, 12 a year):

        N = yearly users * m / 12, rounded half-up, and at least 1

    when yearly users were entered (:func:`period_users`): a service with 6 users
    a year expects 1 in a month (0.5 -> 1), never 0, which would read as "unknown"
    and set the target to 384. No yearly figure (None, or 0 as "not entered"):
    N is unknown. An agency's or a regency's N is the sum of its services' N
    (:func:`group_users`), so a group's target rests on the numbers shown for its
    services. A locked period keeps the N (and the weight policy) it was locked
    with, whatever changes later: SuKMa writes them into the period when it is
    locked (``Period.basis``, sukma.surveys.selectors.Basis) and reads them back.

Target sample size (Krejcie & Morgan 1970, the table PermenPANRB 14/2017 points to)
    S = X^2 * N * P * (1 - P) / (d^2 * (N - 1) + X^2 * P * (1 - P))
    with X^2 = 3.841 (chi-square, one degree of freedom, 95 %), P = 0.5, d = 0.05,
    N the number of service users in the period.

    S is rounded to the *nearest* whole number (half-up), as the published table
    is: N = 10 gives 9.77 -> 10, N = 15 gives 14.47 -> 14 (rounding up would
    give 15), N = 50 gives 44.34 -> 44, N = 100 gives 79.51 -> 80, N = 1,000
    gives 277.71 -> 278, N = 1,000,000 gives 383.95 -> 384. The formula
    reproduces every entry of the published table we test against; some
    reproductions list N = 100,000 as 384, where the formula gives 382.63 ->
    383: we follow the formula.

Margin of error at 95 % (the same formula solved for d)
    e = sqrt( X^2 * P * (1 - P) / n * (N - n) / (N - 1) )

    with n the responses received. This is the usual normal-approximation
    margin z * sqrt(P(1-P)/n) with the finite population correction
    (N - n)/(N - 1), using X^2 = 3.841 = z^2 (z = 1.95985) so that it is the
    exact inverse of the target: a sample of exactly S (unrounded) has a
    margin of exactly d = 5 %. P = 0.5 is the worst case. Reported in
    percentage points, rounded half-up to 2 decimals (Decimal("5.00")).

Edge cases (no exception for any valid input)
    * Population unknown (``None``) or 0: SuKMa treats 0 as "not entered" (a
      service with no users in a period has nothing to survey and no figure
      to qualify). The target is then the infinite-population value,
      X^2 P (1-P) / d^2 = 384.1 -> 384 (the table's last row), and the margin
      has no finite population correction. ``population_known`` is False so
      the page can ask for the number of service users.
    * n = 0: no margin (``None``); short unless the target is 0.
    * n >= N: a census; margin 0.00. n > N means the population figure is
      too low (or responses were duplicated): ``exceeds_population`` is True.
    * Negative numbers, booleans, floats or non-integers: ``ValueError``.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from sukma.surveys.method.rounding import round_half_up, whole_half_up

CHI_SQUARE = Fraction(3841, 1000)
"""X^2 for one degree of freedom at 95 %."""
PROPORTION = Fraction(1, 2)
"""P, the assumed population proportion (the worst case)."""
DEGREE_OF_ACCURACY = Fraction(5, 100)
"""d, the margin the target sample aims for."""
MARGIN_PLACES = 2


def _whole(value: Any, what: str) -> int:
    if isinstance(value, bool | float):
        raise ValueError(f"{what} must be a whole number, not {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise ValueError(f"{what} must be a whole number, not {value!r}") from None
    if number < 0:
        raise ValueError(f"{what} cannot be negative (got {number})")
    return number


def _pq() -> Fraction:
    return PROPORTION * (1 - PROPORTION)


def krejcie_morgan_exact(population: int | None) -> Fraction:
    """The unrounded Krejcie & Morgan S for N = ``population`` (None or 0: infinite N)."""
    n = _whole(population, "population") if population is not None else 0
    pq = _pq()
    if n == 0:
        return CHI_SQUARE * pq / DEGREE_OF_ACCURACY**2
    return CHI_SQUARE * n * pq / (DEGREE_OF_ACCURACY**2 * (n - 1) + CHI_SQUARE * pq)


def krejcie_morgan(population: int | None) -> int:
    """The target number of respondents: S rounded to the nearest whole number.

    ``krejcie_morgan(100) == 80``, ``krejcie_morgan(1000) == 278``,
    ``krejcie_morgan(None) == 384`` (population unknown).
    """
    return whole_half_up(krejcie_morgan_exact(population))


def margin_of_error(responses: int, population: int | None) -> Decimal | None:
    """Margin of error at 95 %, in percentage points rounded half-up to 2 decimals.

    ``None`` when there are no responses; ``Decimal("0.00")`` for a census (n >= N).
    Population ``None`` or 0 means unknown: no finite population correction.
    """
    n = _whole(responses, "responses")
    big_n = _whole(population, "population") if population is not None else 0
    if n == 0:
        return None
    squared = CHI_SQUARE * _pq() / n
    if big_n:
        if n >= big_n:
            return round_half_up(0, MARGIN_PLACES)
        squared *= Fraction(big_n - n, big_n - 1)
    percent_squared = squared * 100 * 100
    with localcontext() as ctx:
        ctx.prec = 50
        root = (Decimal(percent_squared.numerator) / Decimal(percent_squared.denominator)).sqrt()
    # The square root is irrational except in rare cases; 50 digits decide the
    # rounding at 2 decimals correctly.
    return round_half_up(root, MARGIN_PLACES)


def period_users(yearly_users: int | None, months: int) -> int | None:
    """A service's expected users in a period of ``months`` months (N); None if unknown.

    Yearly users scaled to the period, half-up, at least 1: ``period_users(6, 1) == 1``,
    ``period_users(30, 1) == 3`` (2.5), ``period_users(12000, 3) == 3000``. None or 0
    yearly users (not entered) give None.
    """
    yearly = _whole(yearly_users, "yearly users") if yearly_users is not None else 0
    m = _whole(months, "months")
    if not 1 <= m <= 12:
        raise ValueError(f"a period has 1 to 12 months (got {m})")
    if not yearly:
        return None
    return max(1, whole_half_up(Fraction(yearly * m, 12)))


def group_users(services_users) -> int | None:
    """An agency's or a regency's N: the sum of its services' N; None if none is known."""
    known = [n for n in services_users if n]
    return sum(known) if known else None


@dataclass(frozen=True)
class SampleAdequacy:
    """Target, responses so far and margin of error for one service and period."""

    population: int | None
    """N as given (None if unknown; 0 is kept as given but treated as unknown)."""
    population_known: bool
    responses: int
    target: int
    """Krejcie & Morgan target (384 when the population is unknown)."""
    margin_of_error: Decimal | None
    """Percentage points at 95 %, 2 decimals; None with no responses."""
    short: bool
    """True when responses < target: show the figure, flagged, never hide it."""
    shortfall: int
    """target - responses, or 0."""
    exceeds_population: bool
    """True when responses > N (a known N): the population figure is probably too low."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "population": self.population,
            "population_known": self.population_known,
            "responses": self.responses,
            "target": self.target,
            "margin_of_error": None if self.margin_of_error is None else str(self.margin_of_error),
            "short": self.short,
            "shortfall": self.shortfall,
            "exceeds_population": self.exceeds_population,
        }


def sample_adequacy(responses: int, population: int | None) -> SampleAdequacy:
    """Everything a page shows about a sample: target, margin, and whether it falls short."""
    n = _whole(responses, "responses")
    big_n = _whole(population, "population") if population is not None else None
    known = bool(big_n)
    target = krejcie_morgan(big_n)
    return SampleAdequacy(
        population=big_n,
        population_known=known,
        responses=n,
        target=target,
        margin_of_error=margin_of_error(n, big_n),
        short=n < target,
        shortfall=max(target - n, 0),
        exceeds_population=known and n > big_n,
    )


__all__ = [
    "CHI_SQUARE",
    "DEGREE_OF_ACCURACY",
    "PROPORTION",
    "SampleAdequacy",
    "group_users",
    "krejcie_morgan",
    "krejcie_morgan_exact",
    "margin_of_error",
    "period_users",
    "sample_adequacy",
]
