"""The small-group rule (sukma.surveys.method.privacy): examples, then the property.

The property is checked as an attacker would work: what a face publishes is
each shown group, the merged "lainnya" row and the total, each a vector over
the parts of the set (every non-empty group, and the blanks). A hidden
group's count, and each of its element sums, can be derived from what is
published exactly when its own vector lies in the span of the published
ones; Gaussian elimination over fractions decides that. The attacker is
assumed to know which groups are empty (the worst case).
"""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sukma.surveys.method.privacy import MERGED, check_min_group, disclose

KEYS = ("L", "P", "SD", "SMP", "SMA", "S2", "S3")


def test_groups_at_or_above_k_are_shown_as_they_are():
    d = disclose({"L": 6, "P": 5}, total=11, k=5)
    assert (d.shown, d.merged, d.hidden) == (("L", "P"), (), ())


def test_empty_groups_are_left_out():
    d = disclose({"L": 6, "P": 0, "X": 5}, total=11, k=5)
    assert d.shown == ("L", "X") and "P" not in d.merged + d.hidden


def test_a_group_of_one_is_never_shown_and_its_complement_is_suppressed_too():
    """The measured leak: one respondent with a disability beside six without."""
    d = disclose({"tidak": 6, "mental": 1}, total=7, k=5)
    assert d.shown == ()
    assert d.merged == ("tidak", "mental")  # 7 together: "lainnya", nobody on their own


def test_small_groups_are_merged_when_together_they_reach_k():
    d = disclose({"SMA": 10, "SD": 2, "S2": 3}, total=15, k=5)
    assert (d.shown, d.merged, d.hidden) == (("SMA",), ("SD", "S2"), ())


def test_blanks_below_k_are_protected_by_hiding_a_group_with_them():
    # 1 respondent left the field blank: total minus the shown rows must not give them.
    d = disclose({"L": 10, "P": 6}, total=17, k=5)
    assert d.shown == ("L",) and d.hidden == ("P",) and d.merged == ()


def test_the_merged_row_is_not_shown_when_it_would_expose_the_blanks():
    d = disclose({"L": 10, "SD": 3, "S2": 3}, total=18, k=5)
    assert d.shown == ("L",) and d.merged == () and set(d.hidden) == {"SD", "S2"}


def test_a_set_smaller_than_k_shows_no_row():
    d = disclose({"L": 2, "P": 1}, total=3, k=5)
    assert d.shown == () and d.merged == () and set(d.hidden) == {"L", "P"}


def test_k_follows_the_regency_setting():
    assert disclose({"L": 3, "P": 3}, total=6, k=3).shown == ("L", "P")
    assert disclose({"L": 3, "P": 3}, total=6, k=4).merged == ("L", "P")


@pytest.mark.parametrize("k", [2, 0, -1, True, 3.5, "5"])
def test_k_below_three_or_not_a_whole_number_is_refused(k):
    with pytest.raises(ValueError):
        check_min_group(k)


def test_groups_larger_than_the_total_are_refused():
    with pytest.raises(ValueError):
        disclose({"L": 3}, total=2, k=3)


def test_the_merged_key_is_not_a_stored_value():
    from sukma.surveys.models import PROFILE_VALUES, Channel

    assert all(MERGED not in values for values in PROFILE_VALUES.values())
    assert MERGED not in Channel.values


# ---------------------------------------------------------------- the property
def _rank(rows: list[list[Fraction]]) -> int:
    rows = [list(r) for r in rows]
    rank, columns = 0, len(rows[0]) if rows else 0
    for col in range(columns):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][col] != 0:
                factor = rows[i][col] / rows[rank][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def _derivable(target: list[Fraction], published: list[list[Fraction]]) -> bool:
    return _rank([*published, target]) == _rank(published)


counts = st.fixed_dictionaries({key: st.integers(min_value=0, max_value=14) for key in KEYS})


@settings(max_examples=400, deadline=None)
@given(counts=counts, blanks=st.integers(min_value=0, max_value=14), k=st.integers(3, 9))
def test_no_hidden_group_can_be_derived_from_what_is_shown_and_the_total(counts, blanks, k):
    total = sum(counts.values()) + blanks
    d = disclose(counts, total=total, k=k)

    # Every row shown has at least k respondents; empty groups are never shown.
    assert all(counts[key] >= k for key in d.shown)
    assert not d.merged or sum(counts[key] for key in d.merged) >= k
    assert all(counts[key] > 0 for key in (*d.shown, *d.merged, *d.hidden))
    assert {key for key in KEYS if counts[key]} == {*d.shown, *d.merged, *d.hidden}
    lump = total - sum(counts[key] for key in (*d.shown, *d.merged))
    if total < k:
        assert d.shown == () and d.merged == ()  # only the set's own figure is shown
        return
    assert lump == 0 or lump >= k  # "total minus what is shown" covers nobody or k or more

    parts = [key for key in KEYS if counts[key]] + (["(blank)"] if blanks else [])

    def vector(members) -> list[Fraction]:
        return [Fraction(1 if part in members else 0) for part in parts]

    published = [vector({key}) for key in d.shown] + [vector(set(parts))]
    if d.merged:
        published.append(vector(set(d.merged)))
    for key in (*d.merged, *d.hidden):
        assert not _derivable(vector({key}), published), (key, d)
    if 0 < blanks < k:
        assert not _derivable(vector({"(blank)"}), published), d
