"""The method's one rounding rule: half-up (half away from zero), on the exact value.

SKM.md: "One rounding rule everywhere: half-up, to the decimals shown (figures, NRR,
shares of a profile group, margins, targets)." Every figure, share, margin and
expected-users count SuKMa shows or exports is rounded here, and only here:

- :func:`round_half_up` to a number of decimals (a Decimal), for figures and shares;
- :func:`divide_half_up`, the rule itself on a quotient of two ints (the IKM engine's
  sums over counts), which the others use;
- :func:`whole_half_up` to a whole number (an int), for targets and expected users;
- :func:`share_percent`, a part of a whole in percent, e.g. a profile group's share.

Why not the tools at hand: Python's ``round()``, Django's ``floatformat`` and
``Decimal``'s default context round half to even (62.5 -> 62, 15.625 -> 15.62);
Django's ``formats.number_format`` cuts extra decimals off (50.898 -> 50.8); and a
binary float cannot even hold 88.305 (it is 88.30499999...). So the value is kept
exact (int, Decimal, Fraction or a decimal string; a float is read as the shortest
decimal that prints it) and rounded once, in integer arithmetic.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

Number = int | Decimal | Fraction | str


def exact(value: Number) -> Fraction:
    """An exact Fraction from an int, Decimal, Fraction or decimal string. No floats."""
    if isinstance(value, bool | float):
        raise TypeError(
            f"{value!r}: pass an int, Decimal, Fraction or decimal string, not a "
            f"{type(value).__name__} (binary floats cannot hold 88.305 exactly)"
        )
    if isinstance(value, Fraction | int):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value!r} is not a finite number")
        return Fraction(value)
    if isinstance(value, str):
        try:
            return exact(Decimal(value.strip()))
        except ArithmeticError as exc:  # decimal.InvalidOperation
            raise ValueError(f"{value!r} is not a decimal number") from exc
    raise TypeError(f"{value!r}: expected an int, Decimal, Fraction or decimal string")


def divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero to a whole number (denominator > 0).

    The rule itself, on two ints: floor((2|n| + d) / 2d) is |n|/d plus one half, floored,
    so an exact half goes up. No Fraction is built, so the IKM engine can round many
    quotients of its integer sums and counts cheaply; the fraction need not be reduced.
    """
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return -magnitude if numerator < 0 else magnitude


def scaled_half_up(x: Fraction, scale: int) -> int:
    """x * scale rounded half away from zero, as an int, in integer arithmetic only."""
    return divide_half_up(x.numerator * scale, x.denominator)


def round_half_up(value: Number, places: int) -> Decimal:
    """Round exactly, half away from zero, to ``places`` decimals; return a Decimal.

    The rounding is done on the exact rational value, so ``round_half_up("88.305", 2)``
    is ``Decimal("88.31")`` and ``round_half_up(Fraction(1, 3), 4)`` is ``Decimal("0.3333")``.
    """
    return Decimal(scaled_half_up(exact(value), 10**places)).scaleb(-places)


def whole_half_up(value: Number) -> int:
    """Round exactly, half away from zero, to a whole number: 2.5 -> 3, 0.5 -> 1."""
    return scaled_half_up(exact(value), 1)


def share_percent(part: int, whole: int | None, places: int) -> Decimal | None:
    """``part`` of ``whole`` in percent, half-up to ``places`` decimals; None without a whole.

    ``share_percent(85, 167, 1) == Decimal("50.9")``, ``share_percent(5, 8, 0) == 63``.
    """
    if not whole:
        return None
    return round_half_up(Fraction(int(part) * 100, int(whole)), places)


__all__ = [
    "divide_half_up",
    "exact",
    "round_half_up",
    "scaled_half_up",
    "share_percent",
    "whole_half_up",
]
