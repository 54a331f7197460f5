"""Small groups stay private: which groups of a breakdown may be shown (SKM.md, profile).

Pure Python: group sizes in, what may be shown out. A breakdown (by sex,
education, disability, channel...) never shows a group of fewer than ``k``
respondents, and nothing a reader sees lets them work such a group out.

What a reader knows
-------------------

Beside the breakdown every face shows the figure of the whole set (its
number of respondents and each element's sums, as NRR x count). So whatever
is not shown row by row is known *as one lump*: the total minus the rows
shown. That lump holds the hidden groups and the respondents who left the
field blank. The rule keeps every aggregate a reader can compute at either
nobody or at least ``k`` respondents:

1. Empty groups are left out (nobody chose that value, or every respondent
   who did was excluded later).
2. A group of fewer than ``k`` respondents is not shown on its own.
3. Complementary suppression: while the lump (hidden groups plus blanks)
   holds 1 to k-1 respondents, the smallest group still shown joins it;
   otherwise "total minus the others" would give the hidden group.
4. The hidden groups are shown together as one "lainnya" row when that row
   holds at least ``k`` respondents and what is still left (the blanks) is
   nobody or at least ``k``; else they stay in the lump, unnamed.

So every shown row has at least ``k`` respondents, the merged row too, and
the lump is 0 or at least ``k``; the only aggregates a reader can form are
sums and differences of these, and none of them isolates a hidden group
(tests/surveys/method/test_privacy.py checks this by linear algebra over
random group sizes).
"""

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_MIN_GROUP = 5
LOWEST_MIN_GROUP = 3  # SKM.md: k is never below 3
HIGHEST_MIN_GROUP = 50  # a regency setting above this would hide nearly every breakdown
MERGED = "lainnya"  # the key of the row holding the small groups together


@dataclass(frozen=True)
class Disclosure:
    """What a breakdown may show: groups one by one, the small ones together, the rest not.

    ``shown`` and ``merged`` keep the order the groups came in; ``hidden`` are
    the non-empty groups in neither (their respondents are only in the lump).
    """

    shown: tuple[str, ...]
    merged: tuple[str, ...]
    hidden: tuple[str, ...]
    min_group: int

    @property
    def withheld(self) -> bool:
        """Some respondents who answered are in no row (say so next to the table)."""
        return bool(self.hidden)


def check_min_group(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < LOWEST_MIN_GROUP:
        raise ValueError(f"the smallest group shown must be a whole number >= {LOWEST_MIN_GROUP}")
    return k


def disclose(counts: Mapping[str, int], *, total: int, k: int = DEFAULT_MIN_GROUP) -> Disclosure:
    """Which groups of ``counts`` (group -> respondents) may be shown, given ``total``.

    ``total`` is every respondent of the set the breakdown splits, blanks
    included; it may not be smaller than the groups' sum.
    """
    k = check_min_group(k)
    sizes = {key: n for key, n in counts.items() if n}  # empty groups are left out
    if any(n < 0 for n in sizes.values()):
        raise ValueError("a group cannot have fewer than 0 respondents")
    blanks = total - sum(sizes.values())
    if blanks < 0:
        raise ValueError(f"the groups hold {sum(sizes.values())} respondents, more than {total}")

    def safe(n: int) -> bool:
        return n == 0 or n >= k

    small = {key for key, n in sizes.items() if n < k}
    while not safe(sum(sizes[key] for key in small) + blanks):
        rest = [key for key in sizes if key not in small]
        if not rest:
            break  # the whole set is smaller than k: nothing is shown row by row
        small.add(min(rest, key=lambda key: (sizes[key], key)))
    together = sum(sizes[key] for key in small)
    merge = together >= k and safe(blanks)
    return Disclosure(
        shown=tuple(key for key in sizes if key not in small),
        merged=tuple(key for key in sizes if key in small) if merge else (),
        hidden=() if merge else tuple(key for key in sizes if key in small),
        min_group=k,
    )
