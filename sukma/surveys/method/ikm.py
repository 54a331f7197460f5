"""The IKM engine: the single source of every figure SuKMa shows.

Pure Python. Plain numbers in (per-element sums and counts), plain numbers
out (frozen dataclasses of ``int``, ``str`` and ``Decimal``). No Django, no
ORM, no floats. The ORM's only job is to feed this module sums and counts;
the rollups, rankings, public pages, reports and the reconciliation job all
call the same function, so they agree to the last digit.

The method (PermenPANRB 14/2017, see /work/shared/SKM.md)
---------------------------------------------------------

For one set of responses (a service, an agency, a regency, over a period):

1. NRR (nilai rata-rata) of element *i* = sum of the answers to *i* /
   number of responses that answered *i*. Answers are scored 1..4.
2. Weight = 1 / number of elements (1/9 for the nine).
3. IKM (unit value, 1.00-4.00) = sum over elements of NRR x weight.
4. IKM konversi (25-100) = IKM x 25.
5. Mutu (grade), by lower bounds on the konversi rounded half-up to two
   decimals: >= 88.31 A "Sangat baik", >= 76.61 B "Baik", >= 65.00 C
   "Kurang baik", else D "Tidak baik". The printed bands have gaps (76.60 <
   x < 76.61); grading the *rounded* value by lower bounds closes them.
   Each element's NRR x 25 is graded the same way.

Choices made here, and why
--------------------------

Blanks are not zeros.
    A citizen may leave an element unanswered (or answer "tidak berlaku",
    e.g. U4 for a free service). The element's count then does not grow;
    its sum does not either. Counting a blank as 0 is one of the mistakes
    SKM.md forbids: three responses (all 4; all 3 with U4 blank; all 2)
    give NRR 3.0 everywhere and konversi 75.00 (C), not 72.22.
    :class:`ElementTotals` rejects a sum smaller than its count, which is
    exactly what a "blank counted as 0" bug would produce.

Per element, never per respondent.
    The inputs are per-element totals, so averaging per respondent (another
    forbidden mistake) cannot even be expressed.

An element nobody answered.
    If, in the whole set, nobody answered an element (typically U4 "Biaya"
    at a free service where everybody chose "tidak berlaku"), the element
    has no NRR: not 0, not 1, just absent. The IKM is then computed over the
    *k* elements that have answers, each weighted 1/k. This is the
    regulation's own rule (weight = 1 / number of elements used) applied to
    the elements that were actually assessed, and it is what a civil
    servant expects: a free service is neither punished (as a 0 would) nor
    left without a published index (as "undefined" would). The result is
    flagged: :attr:`IkmResult.complete` is ``False`` and
    :attr:`IkmResult.missing_elements` names the absent codes, so a page or
    report can say "IKM dihitung dari 8 unsur". With no answers at all
    (an empty set) there is nothing to compute: ``ikm``, ``konversi`` and
    ``mutu`` are ``None``.

Weight policies.
    The regulation prints the weight as "0,11". Used literally the nine
    weights sum to 0.99 (all 4 scores 99.00, all 1 scores 24.75, a D).
    ``exact`` (the default) uses 1/9. ``legacy_0_11`` and ``legacy_0_111``
    use 0.11 and 0.111 per element, only to reconcile with old spreadsheets;
    every result carries :attr:`IkmResult.policy`. A policy is defined by
    its total weight (exact 1, legacy 9 x 0.11 = 0.99, 9 x 0.111 = 0.999)
    shared equally by the elements that have answers: with all nine
    answered this is 1/9, 0.11 and 0.111 exactly; with *k* < 9 it keeps the
    legacy scale (all 4 still gives 99.00) instead of silently dropping a
    free service to 88.00.

Exact arithmetic, rounding half-up.
    Everything is computed exactly from the integer sums and counts (as
    quotients of integers: the values :class:`fractions.Fraction` would give,
    without building one), and rounded once, at the end, half-up (``ROUND_HALF_UP``
    semantics, computed on the exact fraction, by rounding.py: the one rounding
    rule of every figure, share, margin and target SuKMa shows or exports). Binary floats would turn
    88.305 into 88.30499999999999... and grade an A as a B. Displayed
    values: NRR, weighted NRR and IKM unit value to 4 decimals (the
    regulation's interval table is printed to 4 decimals: 3.0644, 3.5324);
    every konversi (x 25) to 2 decimals. The grade is always decided on the
    konversi rounded to 2 decimals, computed from the exact value, never
    from another rounded figure. Rounded parts need not add up to the
    rounded whole (the weighted NRRs to the IKM); the whole is right.
    The exact values stay available: ``ElementResult.nrr_exact``,
    ``IkmResult.ikm_exact``, ``IkmResult.konversi_exact`` (Fractions,
    recomputed from the integer fields).

Aggregates add.
    :class:`ElementTotals` is a value type: ``a + b`` adds sums and counts
    element by element, so per-service, per-day totals add up to the
    agency's and the regency's totals, and ``sum(list_of_totals)`` works.
    Adding is associative and commutative, and equals the totals of the
    concatenated responses (property-tested). Never average IKMs of
    services to get an agency's IKM: add their totals and compute.

Quick use::

    totals = ElementTotals.from_mapping(
        {"U1": (312, 90), "U2": (298, 90), "U3": (270, 90), "U4": (350, 90), "U5": (305, 90),
         "U6": (320, 90), "U7": (330, 90), "U8": (260, 88), "U9": (301, 90)},
        responses=90,
    )  # or from_rows(...) / from_aggregate(...) straight from SQL
    result = compute_ikm(totals)  # policy "exact"
    result.konversi, result.mutu, result.mutu.kinerja  # Decimal("84.94"), Mutu.B, "Baik"
    [e.code for e in result.lowest_first()[:3]]  # ["U8", "U3", "U2"]: for the RTL
    totals_agency = sum(per_service_totals)  # then compute_ikm(totals_agency)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from sukma.surveys.method.elements import ELEMENT_CODES, ELEMENTS_BY_CODE
from sukma.surveys.method.rounding import divide_half_up, round_half_up, scaled_half_up
from sukma.surveys.method.rounding import exact as _to_fraction

MIN_ANSWER = 1
MAX_ANSWER = 4
CONVERSION_FACTOR = 25
NRR_PLACES = 4
KONVERSI_PLACES = 2

_INDEX = {code: i for i, code in enumerate(ELEMENT_CODES)}
_N = len(ELEMENT_CODES)

Number = int | Decimal | Fraction | str


# --------------------------------------------------------------------------------------
# Rounding and grading
# --------------------------------------------------------------------------------------


class Mutu(StrEnum):
    """Mutu pelayanan (quality grade). A plain ``str`` subclass: serializes as "A".."D"."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def kinerja(self) -> str:
        """Kinerja unit pelayanan, in Bahasa Indonesia as the regulation prints it."""
        return _KINERJA[self][0]

    @property
    def performance_en(self) -> str:
        return _KINERJA[self][1]

    @property
    def lower_bound(self) -> Decimal:
        """Lowest rounded konversi that earns this grade (D: 25.00, the scale's floor)."""
        return _KINERJA[self][2]


_KINERJA: dict[Mutu, tuple[str, str, Decimal]] = {
    Mutu.A: ("Sangat baik", "Very good", Decimal("88.31")),
    Mutu.B: ("Baik", "Good", Decimal("76.61")),
    Mutu.C: ("Kurang baik", "Poor", Decimal("65.00")),
    Mutu.D: ("Tidak baik", "Very poor", Decimal("25.00")),
}

# Lower bounds in hundredths, highest first. D is "everything else", even below 25.00
# (the legacy 0.11 policy can produce 24.75).
_GRADE_BOUNDS: tuple[tuple[int, Mutu], ...] = (
    (8831, Mutu.A),
    (7661, Mutu.B),
    (6500, Mutu.C),
)


def grade(konversi: Number) -> Mutu:
    """The grade of a converted value (25-100 scale), e.g. ``grade("88.31") is Mutu.A``.

    The value is first rounded half-up to two decimals (a no-op for an already
    rounded value), then compared with the lower bounds 88.31 / 76.61 / 65.00.
    So 88.305 -> 88.31 -> A, 88.3049 -> 88.30 -> B, 76.605 -> 76.61 -> B.
    """
    return _grade_hundredths(scaled_half_up(_to_fraction(konversi), 10**KONVERSI_PLACES))


def _grade_hundredths(hundredths: int) -> Mutu:
    """The grade of a konversi already rounded, given in hundredths (8831 is 88.31)."""
    for bound, mutu in _GRADE_BOUNDS:
        if hundredths >= bound:
            return mutu
    return Mutu.D


# --------------------------------------------------------------------------------------
# Weight policy
# --------------------------------------------------------------------------------------


class WeightPolicy(StrEnum):
    """How elements are weighted. Every result says which one made it."""

    EXACT = "exact"
    """1/9 each (1/k over the k answered elements). The default and the right one."""
    LEGACY_0_11 = "legacy_0_11"
    """0.11 each, as printed in the regulation; weights sum to 0.99. Reconciliation only."""
    LEGACY_0_111 = "legacy_0_111"
    """0.111 each; weights sum to 0.999. Reconciliation only."""

    @property
    def total_weight(self) -> Fraction:
        """The sum of the weights over all answered elements (1, 0.99 or 0.999)."""
        return _TOTAL_WEIGHT[self]

    def weight(self, elements: int = _N) -> Fraction:
        """The weight of one element when ``elements`` elements have answers.

        ``WeightPolicy.EXACT.weight()`` is 1/9; ``LEGACY_0_11.weight()`` is 0.11 exactly.
        """
        if elements < 1:
            raise ValueError("a weight needs at least one element with answers")
        return self.total_weight / elements


_TOTAL_WEIGHT: dict[WeightPolicy, Fraction] = {
    WeightPolicy.EXACT: Fraction(1),
    WeightPolicy.LEGACY_0_11: _N * Fraction(11, 100),
    WeightPolicy.LEGACY_0_111: _N * Fraction(111, 1000),
}


def _policy(policy: WeightPolicy | str) -> WeightPolicy:
    try:
        return WeightPolicy(policy)
    except ValueError:
        choices = ", ".join(p.value for p in WeightPolicy)
        raise ValueError(f"unknown weight policy {policy!r}; choose one of {choices}") from None


# --------------------------------------------------------------------------------------
# Element totals: the engine's input, a value type that adds
# --------------------------------------------------------------------------------------


def _as_count(value: Any, what: str) -> int:
    """An int from an int or an integral Decimal (PostgreSQL SUM of bigint is numeric)."""
    if isinstance(value, bool | float):
        raise TypeError(f"{what} must be a whole number (int), not {value!r}")
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            raise ValueError(f"{what} must be a whole number, not {value!r}")
        return int(value)
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be a whole number (int), not {value!r}") from None


def _check_code(code: str) -> int:
    try:
        return _INDEX[code]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown element code {code!r}; the elements are {', '.join(ELEMENT_CODES)}"
        ) from None


@dataclass(frozen=True)
class ElementTotals:
    """Sums and counts of the answers to the nine elements, for some set of responses.

    ``sums[i]`` is the sum of the answers (1..4) to element ``ELEMENT_CODES[i]``;
    ``counts[i]`` the number of responses that answered it (blanks excluded).
    ``responses`` is the number of responses in the set, if known (``None``
    otherwise); it only serves reporting ("jumlah responden", blanks per element)
    and never enters the index.

    Totals add: ``a + b`` (and ``sum([...])``) gives the totals of both sets.
    Construct with :meth:`from_mapping`, :meth:`from_rows`, :meth:`from_aggregate`,
    :meth:`from_responses` or :meth:`from_dict`; :meth:`empty` is the zero.
    """

    sums: tuple[int, ...] = (0,) * _N
    counts: tuple[int, ...] = (0,) * _N
    responses: int | None = None

    def __post_init__(self) -> None:
        if len(self.sums) != _N or len(self.counts) != _N:
            raise ValueError(f"sums and counts need exactly {_N} entries, in ELEMENT_CODES order")
        sums = tuple(
            _as_count(s, f"sum of {c}") for s, c in zip(self.sums, ELEMENT_CODES, strict=True)
        )
        counts = tuple(
            _as_count(n, f"count of {c}") for n, c in zip(self.counts, ELEMENT_CODES, strict=True)
        )
        for code, total, count in zip(ELEMENT_CODES, sums, counts, strict=True):
            if count < 0:
                raise ValueError(f"{code}: count {count} is negative")
            if not MIN_ANSWER * count <= total <= MAX_ANSWER * count:
                raise ValueError(
                    f"{code}: sum {total} is impossible for {count} answers scored "
                    f"{MIN_ANSWER}..{MAX_ANSWER} (a blank counted as 0, or a wrong column?)"
                )
        responses = self.responses
        if responses is not None:
            responses = _as_count(responses, "responses")
            if responses < 0:
                raise ValueError(f"responses {responses} is negative")
            if counts and max(counts) > responses:
                raise ValueError(
                    f"{max(counts)} answers to one element but only {responses} responses"
                )
        object.__setattr__(self, "sums", sums)
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "responses", responses)

    # -- constructors ------------------------------------------------------------------

    @classmethod
    def empty(cls) -> ElementTotals:
        """The zero: no responses at all."""
        return cls(responses=0)

    @classmethod
    def from_mapping(
        cls, totals: Mapping[str, tuple[int, int]], *, responses: int | None = None
    ) -> ElementTotals:
        """From ``{code: (sum_of_answers, number_answered)}``; a missing code is (0, 0)."""
        sums, counts = [0] * _N, [0] * _N
        for code, pair in totals.items():
            i = _check_code(code)
            sums[i], counts[i] = pair
        return cls(tuple(sums), tuple(counts), responses)

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[tuple[str, int | None, int | None]],
        *,
        responses: int | None = None,
    ) -> ElementTotals:
        """From ``(code, sum, count)`` rows, e.g. a ``GROUP BY element_code`` query.

        Rows with the same code are added (so a query grouped by service *and*
        element can be fed as is). A ``None`` sum or count (SQL ``SUM`` over no
        rows) counts as 0.
        """
        sums, counts = [0] * _N, [0] * _N
        for code, total, count in rows:
            i = _check_code(code)
            sums[i] += _as_count(0 if total is None else total, f"sum of {code}")
            counts[i] += _as_count(0 if count is None else count, f"count of {code}")
        return cls(tuple(sums), tuple(counts), responses)

    @classmethod
    def from_aggregate(
        cls,
        row: Mapping[str, Any],
        *,
        sum_key: str = "{lower}_sum",
        count_key: str = "{lower}_count",
        responses_key: str | None = None,
    ) -> ElementTotals:
        """From one aggregate row with a sum and a count column per element.

        Keys are templates: ``{code}`` is replaced by "U1", ``{lower}`` by "u1".
        The default fits ``qs.aggregate(u1_sum=Sum("u1"), u1_count=Count("u1"), ...)``.
        ``None`` values (``Sum`` over no rows) count as 0. Missing keys are an error.
        """
        sums, counts = [], []
        for code in ELEMENT_CODES:
            keys = {"code": code, "lower": code.lower()}
            total, count = row[sum_key.format(**keys)], row[count_key.format(**keys)]
            sums.append(0 if total is None else total)
            counts.append(0 if count is None else count)
        responses = None
        if responses_key is not None:
            responses = row[responses_key] or 0
        return cls(tuple(sums), tuple(counts), responses)

    @classmethod
    def from_responses(cls, responses: Iterable[Mapping[str, int | None]]) -> ElementTotals:
        """From raw responses, each ``{code: answer 1..4, or None / absent for a blank}``.

        The reference path for the reconciliation job and for tests. Codes that are
        not elements (local extra questions) are an error: filter them out first.
        """
        sums, counts = [0] * _N, [0] * _N
        n = 0
        for response in responses:
            n += 1
            for code, answer in response.items():
                i = _check_code(code)
                if answer is None:
                    continue
                answer = _as_count(answer, f"answer to {code}")
                if not MIN_ANSWER <= answer <= MAX_ANSWER:
                    raise ValueError(
                        f"answer {answer} to {code} is outside {MIN_ANSWER}..{MAX_ANSWER}"
                    )
                sums[i] += answer
                counts[i] += 1
        return cls(tuple(sums), tuple(counts), n)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ElementTotals:
        """The inverse of :meth:`to_dict`."""
        elements = data["elements"]
        return cls.from_mapping(
            {code: (v["sum"], v["count"]) for code, v in elements.items()},
            responses=data.get("responses"),
        )

    # -- reading -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: ``{"responses": n | None, "elements": {"U1": {"sum": s, "count": c}}}``."""
        return {
            "responses": self.responses,
            "elements": {
                code: {"sum": s, "count": c}
                for code, s, c in zip(ELEMENT_CODES, self.sums, self.counts, strict=True)
            },
        }

    def sum_of(self, code: str) -> int:
        return self.sums[_check_code(code)]

    def count_of(self, code: str) -> int:
        return self.counts[_check_code(code)]

    def nrr(self, code: str) -> Fraction | None:
        """The exact NRR of one element, or ``None`` if nobody answered it."""
        i = _check_code(code)
        return Fraction(self.sums[i], self.counts[i]) if self.counts[i] else None

    @property
    def answered_codes(self) -> tuple[str, ...]:
        return tuple(c for c, n in zip(ELEMENT_CODES, self.counts, strict=True) if n)

    # -- adding ------------------------------------------------------------------------

    def __add__(self, other: object) -> ElementTotals:
        if not isinstance(other, ElementTotals):
            return NotImplemented
        responses = (
            None
            if self.responses is None or other.responses is None
            else self.responses + other.responses
        )
        return ElementTotals(
            tuple(a + b for a, b in zip(self.sums, other.sums, strict=True)),
            tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)),
            responses,
        )

    def __radd__(self, other: object) -> ElementTotals:
        # Lets the built-in sum() start from 0.
        if other == 0:
            return self
        return NotImplemented

    @classmethod
    def combine(cls, totals: Iterable[ElementTotals]) -> ElementTotals:
        """The totals of several sets (services, days) together; the zero if none."""
        result = cls.empty()
        for t in totals:
            result = result + t
        return result


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElementResult:
    """One element's figures within a result. ``None`` everywhere if nobody answered it."""

    code: str
    name: str
    """The element's name (unsur) in Bahasa Indonesia, e.g. "Waktu Penyelesaian"."""
    total: int
    """Sum of the answers."""
    count: int
    """Number of responses that answered it."""
    nrr: Decimal | None
    """NRR, rounded half-up to 4 decimals, e.g. Decimal("3.2500")."""
    nrr_konversi: Decimal | None
    """NRR x 25, rounded half-up to 2 decimals; what :attr:`mutu` is graded on."""
    nrr_weighted: Decimal | None
    """NRR x weight (NRR tertimbang), rounded half-up to 4 decimals. Display only."""
    mutu: Mutu | None

    @property
    def answered(self) -> bool:
        return self.count > 0

    @property
    def nrr_exact(self) -> Fraction | None:
        return Fraction(self.total, self.count) if self.count else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: Decimals as strings ("3.2500"), the grade as its letter."""
        return {
            "code": self.code,
            "name": self.name,
            "total": self.total,
            "count": self.count,
            "nrr": _str(self.nrr),
            "nrr_konversi": _str(self.nrr_konversi),
            "nrr_weighted": _str(self.nrr_weighted),
            "mutu": None if self.mutu is None else str(self.mutu),
        }


@dataclass(frozen=True)
class IkmResult:
    """The index of one set of responses, with its per-element detail.

    ``ikm``, ``konversi`` and ``mutu`` are ``None`` only when no element has
    any answer. When some but not all elements have answers, the index is
    computed over those (weight 1/k under ``exact``) and :attr:`complete` is
    ``False``: say so wherever the figure is shown.
    """

    policy: WeightPolicy
    responses: int | None
    """Number of responses in the set, if the totals knew it."""
    elements: tuple[ElementResult, ...]
    """All nine, in ELEMENT_CODES order (answered or not)."""
    ikm: Decimal | None
    """IKM unit value (1.00-4.00 under exact), rounded half-up to 4 decimals."""
    konversi: Decimal | None
    """IKM x 25 (25.00-100.00 under exact), rounded half-up to 2 decimals."""
    mutu: Mutu | None
    """Grade of :attr:`konversi`."""

    @property
    def answered_elements(self) -> tuple[ElementResult, ...]:
        return tuple(e for e in self.elements if e.answered)

    @property
    def missing_elements(self) -> tuple[str, ...]:
        """Codes of the elements nobody answered (excluded from the index)."""
        return tuple(e.code for e in self.elements if not e.answered)

    @property
    def complete(self) -> bool:
        """True when every element has at least one answer."""
        return not self.missing_elements

    @property
    def weight(self) -> Fraction | None:
        """The weight each answered element got (1/9, 0.11, ...); None if none answered."""
        k = len(self.answered_elements)
        return self.policy.weight(k) if k else None

    @property
    def ikm_exact(self) -> Fraction | None:
        weight = self.weight
        if weight is None:
            return None
        return sum((e.nrr_exact * weight for e in self.answered_elements), Fraction(0))

    @property
    def konversi_exact(self) -> Fraction | None:
        ikm = self.ikm_exact
        return None if ikm is None else ikm * CONVERSION_FACTOR

    def element(self, code: str) -> ElementResult:
        return self.elements[_check_code(code)]

    def lowest_first(self) -> tuple[ElementResult, ...]:
        """Answered elements, lowest NRR first (ties in code order): the RTL's order.

        Unanswered elements have no score and are left out.
        """
        return tuple(sorted(self.answered_elements, key=lambda e: e.nrr_exact))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: Decimals as strings, grades as letters, policy as its value."""
        return {
            "policy": str(self.policy),
            "responses": self.responses,
            "ikm": _str(self.ikm),
            "konversi": _str(self.konversi),
            "mutu": None if self.mutu is None else str(self.mutu),
            "kinerja": None if self.mutu is None else self.mutu.kinerja,
            "complete": self.complete,
            "missing_elements": list(self.missing_elements),
            "elements": [e.to_dict() for e in self.elements],
        }


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------------------
# The computation
# --------------------------------------------------------------------------------------


def compute_ikm(
    totals: ElementTotals, policy: WeightPolicy | str = WeightPolicy.EXACT
) -> IkmResult:
    """The IKM of a set of responses from its element totals, under a weight policy.

    Every figure is a quotient of integers, rounded once, half-up, by
    :func:`~sukma.surveys.method.rounding.divide_half_up`: element *i* has NRR
    ``t_i / c_i`` (its sum over its count), the policy's weight is ``wn / (wd * k)``
    over the *k* answered elements, and the IKM is ``N * wn / (L * wd * k)`` with ``L``
    the least common multiple of the counts and ``N = sum(t_i * L / c_i)``: the sum of
    the NRRs on their common denominator. Exactly the values Fraction arithmetic gives
    (the test suite checks it against Fractions), without building a Fraction: this runs
    once per regency, agency and service in every ranking.
    """
    if not isinstance(totals, ElementTotals):
        raise TypeError(f"expected ElementTotals, got {type(totals).__name__}")
    policy = _policy(policy)
    counts = [n for n in totals.counts if n]
    k = len(counts)
    weight_num = policy.total_weight.numerator
    weight_den = policy.total_weight.denominator * k  # weight of one element: num / den

    elements = []
    common = math.lcm(*counts) if counts else 1
    nrr_sum = 0  # the sum of the NRRs, over the common denominator
    for code, name, total, count in zip(
        ELEMENT_CODES, _NAMES, totals.sums, totals.counts, strict=True
    ):
        if not count:
            elements.append(ElementResult(code, name, total, count, None, None, None, None))
            continue
        nrr_sum += total * (common // count)
        hundredths = divide_half_up(total * _KONVERSI_SCALE, count)
        elements.append(
            ElementResult(
                code=code,
                name=name,
                total=total,
                count=count,
                nrr=_decimal(divide_half_up(total * _NRR_SCALE, count), NRR_PLACES),
                nrr_konversi=_decimal(hundredths, KONVERSI_PLACES),
                nrr_weighted=_decimal(
                    divide_half_up(total * weight_num * _NRR_SCALE, count * weight_den),
                    NRR_PLACES,
                ),
                mutu=_grade_hundredths(hundredths),
            )
        )

    if not k:
        ikm = konversi = mutu = None
    else:
        ikm_num, ikm_den = nrr_sum * weight_num, common * weight_den
        ikm = _decimal(divide_half_up(ikm_num * _NRR_SCALE, ikm_den), NRR_PLACES)
        hundredths = divide_half_up(ikm_num * _KONVERSI_SCALE, ikm_den)
        konversi = _decimal(hundredths, KONVERSI_PLACES)
        mutu = _grade_hundredths(hundredths)
    return IkmResult(
        policy=policy,
        responses=totals.responses,
        elements=tuple(elements),
        ikm=ikm,
        konversi=konversi,
        mutu=mutu,
    )


_NAMES = tuple(ELEMENTS_BY_CODE[code].name_id for code in ELEMENT_CODES)
_NRR_SCALE = 10**NRR_PLACES
_KONVERSI_SCALE = CONVERSION_FACTOR * 10**KONVERSI_PLACES  # x 25, in hundredths


def _decimal(scaled: int, places: int) -> Decimal:
    """The Decimal of ``scaled`` hundredths (places=2) or ten-thousandths (places=4)."""
    return Decimal(scaled).scaleb(-places)


def compute_ikm_from_responses(
    responses: Iterable[Mapping[str, int | None]],
    policy: WeightPolicy | str = WeightPolicy.EXACT,
) -> IkmResult:
    """Shorthand for ``compute_ikm(ElementTotals.from_responses(responses), policy)``."""
    return compute_ikm(ElementTotals.from_responses(responses), policy)


__all__ = [
    "CONVERSION_FACTOR",
    "KONVERSI_PLACES",
    "NRR_PLACES",
    "ElementResult",
    "ElementTotals",
    "IkmResult",
    "Mutu",
    "WeightPolicy",
    "compute_ikm",
    "compute_ikm_from_responses",
    "grade",
    "round_half_up",
]
