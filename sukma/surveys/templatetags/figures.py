"""Template filters that show figures the same way on every page.

Numbers are first rounded by the method's one rule, half-up
(sukma.surveys.method.rounding), then go through Django's localization, so
75.00 reads "75,00" and 12345 reads "12.345" in Bahasa Indonesia, "75.00" and
"12,345" in English. Django's number_format alone would cut extra decimals off
(50.898 -> "50,8"), and floatformat rounds half to even (62.5 -> 62): neither is
used. A missing figure (no responses) is an en dash, never a zero.
"""

from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sukma.surveys.method.elements import ELEMENTS_BY_CODE
from sukma.surveys.method.ikm import Mutu, WeightPolicy
from sukma.surveys.method.rounding import round_half_up, share_percent

register = template.Library()
DASH = "–"


def number(value, places: int = 2) -> str:
    """A number localized with `places` decimals and thousands grouping; "–" for None."""
    if value is None or value == "":
        return DASH
    if isinstance(value, float):
        value = repr(value)  # the shortest decimal that reads back as this float
    try:
        value = round_half_up(value, places)
    except (TypeError, ValueError):
        return str(value)  # not a number: shown as given rather than guessed at
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.filter
def num(value, places=2):
    """{{ figure.result.konversi|num }} -> 75,00; {{ n|num:0 }} -> 1.234."""
    return number(value, int(places))


@register.filter
def grade_class(mutu) -> str:
    """CSS class of a grade: grade-a .. grade-d, grade-none without a figure."""
    return f"grade-{str(mutu).lower()}" if mutu else "grade-none"


def kinerja_text(mutu: Mutu | None) -> str:
    if mutu is None:
        return _("No responses yet")
    return mutu.performance_en if (get_language() or "id").startswith("en") else mutu.kinerja


@register.filter
def kinerja(mutu) -> str:
    """The grade's kinerja in the page's language: "Sangat baik" / "Very good"."""
    return kinerja_text(Mutu(str(mutu)) if mutu else None)


def element_name_text(code: str) -> str:
    element = ELEMENTS_BY_CODE[code]
    return element.name_en if (get_language() or "id").startswith("en") else element.name_id


@register.filter
def element_name(code: str) -> str:
    return element_name_text(code)


def weight_shown(result) -> str:
    """ "1/9", "1/8", "0,11": the weight each answered element got (the report prints it too)."""
    weight = result.weight
    policy = WeightPolicy(str(result.policy))
    if weight is None:
        weight = policy.weight()
    if policy is WeightPolicy.EXACT:
        return f"{weight.numerator}/{weight.denominator}" if weight != 1 else "1"
    return number(
        Decimal(weight.numerator) / Decimal(weight.denominator), 3 if weight * 1000 % 10 else 2
    )


def weight_text(result) -> str:
    """ "1/9 (exact)", "0,11 (legacy_0_11)": the weight each element got, and the policy."""
    return f"{weight_shown(result)} ({WeightPolicy(str(result.policy)).value})"


@register.filter
def weight(result) -> str:
    return weight_text(result)


def policy_name_text(policy) -> str:
    """The weight policy in plain words, with its code so a reader can match an API answer."""
    code = str(getattr(getattr(policy, "result", policy), "policy", policy))
    try:
        policy = WeightPolicy(code)
    except ValueError:
        return code
    words = {
        WeightPolicy.EXACT: _("exact equal weights, 1/9 per element"),
        WeightPolicy.LEGACY_0_11: _("legacy weights, 0.11 per element"),
        WeightPolicy.LEGACY_0_111: _("legacy weights, 0.111 per element"),
    }
    return f"{words[policy]} ({policy.value})"


@register.filter
def policy_name(policy) -> str:
    """{{ figure|policy_name }}, {{ result|policy_name }} or {{ "exact"|policy_name }}."""
    return policy_name_text(policy)


@register.filter
def percent_of(part, whole) -> int:
    """part / whole as a whole percentage rounded half-up, capped at 100 (shares, bars)."""
    if not whole:
        return 0
    return min(100, int(share_percent(int(part or 0), int(whole), 0)))


@register.filter
def raw(value) -> str:
    """The machine value for a data- attribute, never localized: "75.00", "" for None."""
    return "" if value is None else str(value)
