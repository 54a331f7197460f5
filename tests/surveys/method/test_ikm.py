"""The IKM engine (PermenPANRB 14/2017): every figure SuKMa shows comes from here.

Plain tests, no database. The worked examples of SKM.md, every grade
boundary, the legacy weight policies, hand-computed cases with their
arithmetic, half-up rounding that binary floats get wrong, and properties
checked with hypothesis against an independent computation.
"""

import dataclasses
import json
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sukma.surveys.method.elements import ELEMENT_CODES
from sukma.surveys.method.ikm import (
    ElementTotals,
    IkmResult,
    Mutu,
    WeightPolicy,
    compute_ikm,
    compute_ikm_from_responses,
    grade,
    round_half_up,
)

CODES = ELEMENT_CODES


def every(answer):
    """One response answering every element with the same value."""
    return dict.fromkeys(CODES, answer)


def same_nrr(total, count):
    """Totals where each of the nine elements has the same sum and count."""
    return ElementTotals((total,) * 9, (count,) * 9)


# --------------------------------------------------------------------------------------
# SKM.md's worked examples
# --------------------------------------------------------------------------------------


def test_worked_example_blank_is_excluded_not_zero():
    responses = [every(4), {**every(3), "U4": None}, every(2)]
    result = compute_ikm_from_responses(responses)

    # U4: (4 + 2) / 2 = 3; every other element: (4 + 3 + 2) / 3 = 3.
    assert result.element("U4").count == 2
    assert result.element("U4").total == 6
    for element in result.elements:
        assert element.nrr == Decimal("3.0000")
        assert element.nrr_konversi == Decimal("75.00")
        assert element.mutu is Mutu.C
    assert result.ikm == Decimal("3.0000")
    assert result.konversi == Decimal("75.00")
    assert result.mutu is Mutu.C
    assert result.mutu.kinerja == "Kurang baik"
    assert result.responses == 3
    assert result.complete


def test_worked_example_counting_the_blank_as_zero_would_give_72_22_and_we_do_not():
    responses = [every(4), {**every(3), "U4": None}, every(2)]
    result = compute_ikm_from_responses(responses)
    # The wrong way: U4 = (4 + 0 + 2) / 3 = 2, so IKM = (8 x 3 + 2) / 9 = 26/9, x 25 = 72.22.
    wrong = ElementTotals.from_mapping({**{c: (9, 3) for c in CODES}, "U4": (6, 3)})
    assert compute_ikm(wrong).konversi == Decimal("72.22")
    assert result.konversi != Decimal("72.22")
    assert result.konversi == Decimal("75.00")


def test_a_blank_written_as_zero_is_refused():
    with pytest.raises(ValueError, match=r"outside 1\.\.4"):
        ElementTotals.from_responses([{**every(3), "U4": 0}])
    # Totals where a blank was counted (count grew, sum did not) below the possible minimum.
    with pytest.raises(ValueError, match="blank counted as 0"):
        ElementTotals.from_mapping({"U4": (2, 3)})


def test_absent_key_is_a_blank_too():
    with_none = compute_ikm_from_responses([every(4), {**every(2), "U9": None}])
    without_key = compute_ikm_from_responses([every(4), {c: 2 for c in CODES if c != "U9"}])
    assert with_none == without_key
    assert with_none.element("U9").nrr == Decimal("4.0000")


# --------------------------------------------------------------------------------------
# Grades and their boundaries
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("konversi", "mutu"),
    [
        ("25.00", Mutu.D),
        ("64.99", Mutu.D),
        ("65.00", Mutu.C),
        ("65", Mutu.C),
        ("76.60", Mutu.C),
        ("76.61", Mutu.B),
        ("88.30", Mutu.B),
        ("88.31", Mutu.A),
        ("100.00", Mutu.A),
        ("24.75", Mutu.D),  # legacy 0.11, all 1: below the scale, still D
        ("0", Mutu.D),
    ],
)
def test_grade_boundaries(konversi, mutu):
    assert grade(konversi) is mutu
    assert grade(Decimal(konversi)) is mutu
    assert grade(Fraction(Decimal(konversi))) is mutu


def test_grade_of_unrounded_values_rounds_half_up_first():
    # The printed bands have a gap (76.60 < x < 76.61); rounding closes it.
    assert grade("76.604") is Mutu.C  # -> 76.60
    assert grade("76.605") is Mutu.B  # -> 76.61
    assert grade("88.3049") is Mutu.B  # -> 88.30
    assert grade("88.305") is Mutu.A  # -> 88.31
    assert grade("64.994") is Mutu.D  # -> 64.99
    assert grade("64.995") is Mutu.C  # -> 65.00
    assert grade(Fraction(26499, 300)) is Mutu.A  # 88.33
    assert grade(65) is Mutu.C


def test_grade_refuses_floats_and_garbage():
    with pytest.raises(TypeError, match="float"):
        grade(88.31)
    with pytest.raises(TypeError):
        grade(True)
    with pytest.raises(ValueError, match="not a decimal number"):
        grade("sangat baik")
    with pytest.raises(ValueError, match="finite"):
        grade(Decimal("NaN"))


def test_mutu_labels():
    assert [m.kinerja for m in Mutu] == ["Sangat baik", "Baik", "Kurang baik", "Tidak baik"]
    assert [m.performance_en for m in Mutu] == ["Very good", "Good", "Poor", "Very poor"]
    assert [str(m.lower_bound) for m in Mutu] == ["88.31", "76.61", "65.00", "25.00"]
    assert json.dumps(Mutu.A) == '"A"'


@pytest.mark.parametrize(
    ("total", "count", "konversi", "mutu"),
    [
        # Nine elements with the same NRR: konversi = 25 x NRR. The NRRs are the
        # regulation's own nilai interval bounds (2.5996, 2.60, 3.064, 3.0644, 3.532, 3.5324).
        (6499, 2500, "64.99", Mutu.D),  # 2.5996 x 25 = 64.99
        (13, 5, "65.00", Mutu.C),  # 2.6 x 25 = 65
        (383, 125, "76.60", Mutu.C),  # 3.064 x 25 = 76.6
        (7661, 2500, "76.61", Mutu.B),  # 3.0644 x 25 = 76.61
        (883, 250, "88.30", Mutu.B),  # 3.532 x 25 = 88.3
        (8831, 2500, "88.31", Mutu.A),  # 3.5324 x 25 = 88.31
        (4, 1, "100.00", Mutu.A),
        (1, 1, "25.00", Mutu.D),
    ],
)
def test_boundaries_through_the_engine(total, count, konversi, mutu):
    result = compute_ikm(same_nrr(total, count))
    assert result.konversi == Decimal(konversi)
    assert result.mutu is mutu
    assert all(e.nrr_konversi == Decimal(konversi) and e.mutu is mutu for e in result.elements)


def test_all_four_is_100_and_all_one_is_25():
    top = compute_ikm_from_responses([every(4)] * 7)
    bottom = compute_ikm_from_responses([every(1)] * 7)
    assert (top.ikm, top.konversi, top.mutu) == (Decimal("4.0000"), Decimal("100.00"), Mutu.A)
    assert (bottom.ikm, bottom.konversi, bottom.mutu) == (
        Decimal("1.0000"),
        Decimal("25.00"),
        Mutu.D,
    )


# --------------------------------------------------------------------------------------
# Weight policies
# --------------------------------------------------------------------------------------


def test_default_policy_is_exact_and_every_result_says_so():
    result = compute_ikm_from_responses([every(3)])
    assert result.policy is WeightPolicy.EXACT
    assert result.to_dict()["policy"] == "exact"
    assert result.weight == Fraction(1, 9)


def test_legacy_0_11_all_four_is_99_and_all_one_is_24_75_a_d():
    top = compute_ikm_from_responses([every(4)], "legacy_0_11")
    bottom = compute_ikm_from_responses([every(1)], WeightPolicy.LEGACY_0_11)
    # 9 x 4 x 0.11 = 3.96, x 25 = 99.00; 9 x 1 x 0.11 = 0.99, x 25 = 24.75.
    assert (top.ikm, top.konversi, top.mutu) == (Decimal("3.9600"), Decimal("99.00"), Mutu.A)
    assert (bottom.ikm, bottom.konversi, bottom.mutu) == (
        Decimal("0.9900"),
        Decimal("24.75"),
        Mutu.D,
    )
    assert top.policy is WeightPolicy.LEGACY_0_11
    assert top.weight == Fraction(11, 100)
    assert top.to_dict()["policy"] == "legacy_0_11"


def test_legacy_0_111():
    top = compute_ikm_from_responses([every(4)], "legacy_0_111")
    bottom = compute_ikm_from_responses([every(1)], "legacy_0_111")
    # 9 x 4 x 0.111 = 3.996, x 25 = 99.90; 9 x 0.111 = 0.999, x 25 = 24.975 -> 24.98 (half-up).
    assert top.konversi == Decimal("99.90")
    assert bottom.konversi == Decimal("24.98")
    assert bottom.mutu is Mutu.D
    assert top.weight == Fraction(111, 1000)


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="legacy_0_11"):
        compute_ikm(ElementTotals.empty(), "0.071")  # the 2004 method's weight


def test_policy_weights():
    assert WeightPolicy.EXACT.weight() == Fraction(1, 9)
    assert WeightPolicy.EXACT.weight(8) == Fraction(1, 8)
    assert WeightPolicy.LEGACY_0_11.weight(8) == Fraction(99, 800)  # 0.99 / 8
    with pytest.raises(ValueError):
        WeightPolicy.EXACT.weight(0)


# --------------------------------------------------------------------------------------
# Hand-computed cases
# --------------------------------------------------------------------------------------

HAND = [
    #      U1 U2 U3  U4    U5 U6 U7 U8 U9
    dict(zip(CODES, [4, 3, 3, 2, 4, 4, 4, 3, 3], strict=True)),
    dict(zip(CODES, [3, 3, 2, None, 4, 3, 4, 2, 3], strict=True)),
]


def test_hand_computed_two_responses():
    # Sums / counts: U1 7/2 = 3.5, U2 6/2 = 3, U3 5/2 = 2.5, U4 2/1 = 2, U5 8/2 = 4,
    # U6 7/2 = 3.5, U7 8/2 = 4, U8 5/2 = 2.5, U9 6/2 = 3.
    # Sum of NRRs = 28. IKM = 28/9 = 3.1111..., konversi = 700/9 = 77.777... -> 77.78, B.
    result = compute_ikm_from_responses(HAND)
    nrrs = {e.code: e.nrr for e in result.elements}
    assert nrrs == {
        "U1": Decimal("3.5000"),
        "U2": Decimal("3.0000"),
        "U3": Decimal("2.5000"),
        "U4": Decimal("2.0000"),
        "U5": Decimal("4.0000"),
        "U6": Decimal("3.5000"),
        "U7": Decimal("4.0000"),
        "U8": Decimal("2.5000"),
        "U9": Decimal("3.0000"),
    }
    assert result.ikm_exact == Fraction(28, 9)
    assert result.ikm == Decimal("3.1111")
    assert result.konversi_exact == Fraction(700, 9)
    assert result.konversi == Decimal("77.78")
    assert result.mutu is Mutu.B
    # Elements: U1 87.50 B, U2 75.00 C, U3 62.50 D, U4 50.00 D, U5 100.00 A.
    assert result.element("U1").nrr_konversi == Decimal("87.50")
    assert result.element("U1").mutu is Mutu.B
    assert result.element("U2").mutu is Mutu.C
    assert result.element("U3").mutu is Mutu.D
    assert result.element("U4").nrr_konversi == Decimal("50.00")
    assert result.element("U5").mutu is Mutu.A
    # NRR tertimbang U1 = 3.5 / 9 = 0.38888... -> 0.3889.
    assert result.element("U1").nrr_weighted == Decimal("0.3889")
    assert result.element("U4").count == 1


def test_hand_computed_two_responses_under_legacy_policies():
    # 28 x 0.11 = 3.08, x 25 = 77.00; 28 x 0.111 = 3.108, x 25 = 77.70.
    assert compute_ikm_from_responses(HAND, "legacy_0_11").konversi == Decimal("77.00")
    assert compute_ikm_from_responses(HAND, "legacy_0_111").konversi == Decimal("77.70")


def test_lowest_elements_first_for_the_follow_up_plan():
    result = compute_ikm_from_responses(HAND)
    # U4 2 < U3 2.5 = U8 2.5 < U2 3 = U9 3 < U1 3.5 = U6 3.5 < U5 4 = U7 4; ties in code order.
    assert [e.code for e in result.lowest_first()] == [
        "U4",
        "U3",
        "U8",
        "U2",
        "U9",
        "U1",
        "U6",
        "U5",
        "U7",
    ]


def test_per_respondent_averaging_would_differ():
    # Respondent means: (4+3+3+2+4+4+4+3+3)/9 = 30/9 and (3+3+2+4+3+4+2+3)/8 = 24/8 = 3;
    # their mean 3.1667 x 25 = 79.17, not the per-element 77.78. The engine is per element.
    assert compute_ikm_from_responses(HAND).konversi == Decimal("77.78")
    assert round_half_up((Fraction(30, 9) + 3) / 2 * 25, 2) == Decimal("79.17")


def test_element_nobody_answered_is_left_out_and_flagged():
    # A free service: nobody answered U4. Eight elements: U1..U3 at 3, U5..U9 at 2.
    # IKM = (3 x 3 + 5 x 2) / 8 = 19/8 = 2.375, x 25 = 59.375 -> 59.38, D.
    # (Counting U4 as an element with NRR 0 would give 19/9 x 25 = 52.78.)
    responses = [{**dict.fromkeys(["U1", "U2", "U3"], 3), **dict.fromkeys(CODES[4:], 2)}] * 4
    result = compute_ikm_from_responses(responses)
    assert result.ikm == Decimal("2.3750")
    assert result.konversi == Decimal("59.38")
    assert result.mutu is Mutu.D
    assert not result.complete
    assert result.missing_elements == ("U4",)
    assert result.weight == Fraction(1, 8)
    u4 = result.element("U4")
    assert (u4.count, u4.nrr, u4.nrr_konversi, u4.mutu, u4.nrr_exact) == (0, None, None, None, None)
    assert "U4" not in [e.code for e in result.lowest_first()]
    assert result.to_dict()["missing_elements"] == ["U4"]


def test_free_service_answering_everything_else_with_4_scores_100_not_88_89():
    responses = [{c: 4 for c in CODES if c != "U4"}] * 3
    assert compute_ikm_from_responses(responses).konversi == Decimal("100.00")
    # Legacy keeps its scale (total weight 0.99) over the answered elements: 99.00, not 88.00.
    assert compute_ikm_from_responses(responses, "legacy_0_11").konversi == Decimal("99.00")


def test_no_answers_at_all_gives_no_index_and_no_exception():
    for totals in (ElementTotals.empty(), ElementTotals(), ElementTotals.from_responses([{}])):
        result = compute_ikm(totals)
        assert (result.ikm, result.konversi, result.mutu) == (None, None, None)
        assert result.ikm_exact is None and result.konversi_exact is None
        assert result.weight is None
        assert result.lowest_first() == ()
        assert result.missing_elements == CODES
        json.dumps(result.to_dict())


# --------------------------------------------------------------------------------------
# Rounding half-up, where binary floats go wrong
# --------------------------------------------------------------------------------------


def test_round_half_up_on_exact_values():
    assert round_half_up("88.305", 2) == Decimal("88.31")
    assert round_half_up("76.605", 2) == Decimal("76.61")
    assert round_half_up("64.995", 2) == Decimal("65.00")
    assert round_half_up("88.3049999", 2) == Decimal("88.30")
    assert round_half_up(Fraction(1, 3), 4) == Decimal("0.3333")
    assert round_half_up(Fraction(2, 3), 4) == Decimal("0.6667")
    assert round_half_up(Fraction(1, 8), 2) == Decimal("0.13")  # not banker's 0.12
    assert round_half_up(Fraction(-1, 8), 2) == Decimal("-0.13")
    assert round_half_up(100, 2) == Decimal("100.00")
    assert str(round_half_up(65, 2)) == "65.00"


def test_the_float_traps_we_avoid():
    # What naive code does, and why the engine does not use floats:
    assert round(2.675, 2) == 2.67  # the float 2.675 is 2.67499999999999982...
    assert round_half_up("2.675", 2) == Decimal("2.68")
    assert round(0.125, 2) == 0.12  # round() is banker's rounding (half to even)
    assert round_half_up("0.125", 2) == Decimal("0.13")
    # 88.305 computed the way a spreadsheet does: nine NRR x (1/9), then x 25.
    computed = sum([3.5322 * (1 / 9)] * 9) * 25
    assert computed < 88.305
    assert Decimal(computed).quantize(Decimal("0.01"), ROUND_HALF_UP) == Decimal("88.30")
    assert round_half_up(Fraction("3.5322") * 25, 2) == Decimal("88.31")


@pytest.mark.parametrize(
    ("total", "count", "konversi", "mutu", "float_konversi", "float_mutu"),
    [
        # NRR 17661/5000 = 3.5322; x 25 = 88.305 exactly -> 88.31, A. A spreadsheet summing
        # nine float NRR x (1/9) gets 88.30499999999998 -> 88.30, B.
        (17661, 5000, "88.31", Mutu.A, "88.30", Mutu.B),
        # NRR 15321/5000 = 3.0642; x 25 = 76.605 -> 76.61, B (float: 76.60, C).
        (15321, 5000, "76.61", Mutu.B, "76.60", Mutu.C),
        # NRR 21/8 = 2.625; x 25 = 65.625 -> 65.63 (float: 65.62).
        (21, 8, "65.63", Mutu.C, "65.62", Mutu.C),
    ],
)
def test_ties_that_floats_get_wrong(total, count, konversi, mutu, float_konversi, float_mutu):
    naive = sum([total / count * (1 / 9)] * 9) * 25
    naive_rounded = Decimal(naive).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert naive_rounded == Decimal(float_konversi)  # the bug we would have
    result = compute_ikm(same_nrr(total, count))
    assert result.konversi == Decimal(konversi)
    assert result.mutu is mutu
    assert grade(naive_rounded) is float_mutu


# --------------------------------------------------------------------------------------
# Element totals: construction, validation, adding, serializing
# --------------------------------------------------------------------------------------


def test_from_mapping_rows_and_aggregate_agree():
    by_mapping = ElementTotals.from_mapping({"U1": (10, 3), "U4": (8, 2)}, responses=3)
    by_rows = ElementTotals.from_rows(
        [("U1", 6, 2), ("U4", 8, 2), ("U1", 4, 1), ("U9", None, 0)], responses=3
    )
    row = {f"u{i}_sum": None for i in range(1, 10)} | {f"u{i}_count": 0 for i in range(1, 10)}
    row |= {"u1_sum": Decimal(10), "u1_count": 3, "u4_sum": 8, "u4_count": 2, "n": 3}
    by_aggregate = ElementTotals.from_aggregate(row, responses_key="n")
    assert by_mapping == by_rows == by_aggregate
    assert by_mapping.sum_of("U1") == 10 and by_mapping.count_of("U1") == 3
    assert by_mapping.nrr("U1") == Fraction(10, 3)
    assert by_mapping.nrr("U2") is None
    assert by_mapping.answered_codes == ("U1", "U4")


def test_from_aggregate_with_upper_case_keys():
    row = {f"{c}": 12 for c in CODES} | {f"n_{c}": 4 for c in CODES}
    totals = ElementTotals.from_aggregate(row, sum_key="{code}", count_key="n_{code}")
    assert compute_ikm(totals).konversi == Decimal("75.00")
    with pytest.raises(KeyError):
        ElementTotals.from_aggregate(row)


def test_to_dict_round_trips_through_json():
    totals = ElementTotals.from_responses(HAND)
    data = json.loads(json.dumps(totals.to_dict()))
    assert data["elements"]["U4"] == {"sum": 2, "count": 1}
    assert ElementTotals.from_dict(data) == totals


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: ElementTotals.from_mapping({"U10": (4, 1)}), ValueError, "unknown element"),
        (lambda: ElementTotals.from_mapping({"U1": (5, 1)}), ValueError, "impossible"),
        (lambda: ElementTotals.from_mapping({"U1": (3, 0)}), ValueError, "impossible"),
        (lambda: ElementTotals.from_mapping({"U1": (0, -1)}), ValueError, "negative"),
        (lambda: ElementTotals.from_mapping({"U1": (4.0, 1)}), TypeError, "whole number"),
        (lambda: ElementTotals.from_mapping({"U1": (Decimal("4.5"), 1)}), ValueError, "whole"),
        (lambda: ElementTotals.from_mapping({"U1": (True, 1)}), TypeError, "whole number"),
        (lambda: ElementTotals.from_mapping({"U1": (8, 2)}, responses=1), ValueError, "only 1"),
        (lambda: ElementTotals.from_mapping({}, responses=-1), ValueError, "negative"),
        (lambda: ElementTotals((1,) * 8, (1,) * 8), ValueError, "exactly 9"),
        (lambda: ElementTotals.from_responses([{"U1": 5}]), ValueError, "outside"),
        (lambda: ElementTotals.from_responses([{"Q10": 3}]), ValueError, "unknown element"),
        (lambda: compute_ikm({"U1": (4, 1)}), TypeError, "ElementTotals"),
    ],
)
def test_impossible_totals_are_refused(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_totals_add_like_numbers():
    a = ElementTotals.from_responses(HAND[:1])
    b = ElementTotals.from_responses(HAND[1:])
    assert a + b == ElementTotals.from_responses(HAND)
    assert sum([a, b]) == a + b
    assert ElementTotals.combine([a, b]) == a + b
    assert ElementTotals.combine([]) == ElementTotals.empty()
    assert a + ElementTotals.empty() == a
    # Unknown response counts stay unknown when added.
    assert (ElementTotals.from_mapping({"U1": (4, 1)}) + a).responses is None
    with pytest.raises(TypeError):
        a + 1


def test_results_are_frozen_and_serialize():
    result = compute_ikm_from_responses(HAND)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.konversi = Decimal("100.00")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.elements[0].nrr = Decimal("4")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["konversi"] == "77.78"
    assert data["ikm"] == "3.1111"
    assert data["mutu"] == "B"
    assert data["kinerja"] == "Baik"
    assert data["complete"] is True
    assert data["elements"][0] == {
        "code": "U1",
        "name": "Persyaratan",
        "total": 7,
        "count": 2,
        "nrr": "3.5000",
        "nrr_konversi": "87.50",
        "nrr_weighted": "0.3889",
        "mutu": "B",
    }
    assert isinstance(result, IkmResult)


def test_engine_is_pure_python():
    code = (
        "import sys; import sukma.surveys.method.ikm, sukma.surveys.method.sampling; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')); "
        "assert not bad, bad"
    )
    root = Path(__file__).resolve().parents[3]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env={"PATH": ""})


# --------------------------------------------------------------------------------------
# Properties: the engine against an independent computation from the raw responses
# --------------------------------------------------------------------------------------

answer = st.one_of(st.integers(min_value=1, max_value=4), st.none())
response = st.dictionaries(st.sampled_from(CODES), answer)
responses = st.lists(response, max_size=25)
policy = st.sampled_from(list(WeightPolicy))
TOTAL_WEIGHT = {
    WeightPolicy.EXACT: Fraction(1),
    WeightPolicy.LEGACY_0_11: Fraction("0.99"),
    WeightPolicy.LEGACY_0_111: Fraction("0.999"),
}


def reference(raw, policy):
    """Per element, from the raw list, a different way: lists of answers and big Decimals."""
    answers = {code: [r[code] for r in raw if r.get(code) is not None] for code in CODES}
    nrrs = {code: Fraction(sum(a), len(a)) for code, a in answers.items() if a}
    if not nrrs:
        return None, None, {}
    unit = sum(nrrs.values()) * TOTAL_WEIGHT[policy] / len(nrrs)
    with localcontext() as ctx:
        ctx.prec = 100
        konversi = (Decimal(unit.numerator * 25) / Decimal(unit.denominator)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    return unit, konversi, nrrs


def reference_grade(konversi: Decimal) -> str:
    if konversi >= Decimal("88.31"):
        return "A"
    if konversi >= Decimal("76.61"):
        return "B"
    if konversi >= Decimal("65.00"):
        return "C"
    return "D"


@settings(deadline=None)
@given(raw=responses, policy=policy)
def test_engine_matches_independent_computation(raw, policy):
    result = compute_ikm(ElementTotals.from_responses(raw), policy)
    unit, konversi, nrrs = reference(raw, policy)
    assert result.policy is policy
    assert result.responses == len(raw)
    assert result.ikm_exact == unit
    assert result.konversi == konversi
    if konversi is None:
        assert result.mutu is None
    else:
        assert result.mutu == reference_grade(konversi)
    for element in result.elements:
        assert element.nrr_exact == nrrs.get(element.code)
        assert element.count == sum(1 for r in raw if r.get(element.code) is not None)
    assert result.missing_elements == tuple(c for c in CODES if c not in nrrs)


@settings(deadline=None)
@given(raw=responses.filter(lambda raw: any(v is not None for r in raw for v in r.values())))
def test_konversi_within_the_scale(raw):
    exact = compute_ikm_from_responses(raw)
    assert Decimal("1") <= exact.ikm <= Decimal("4")
    assert Decimal("25.00") <= exact.konversi <= Decimal("100.00")
    legacy = compute_ikm_from_responses(raw, "legacy_0_11")
    assert Decimal("24.75") <= legacy.konversi <= Decimal("99.00")
    for element in exact.answered_elements:
        assert Decimal("25.00") <= element.nrr_konversi <= Decimal("100.00")


@settings(deadline=None)
@given(a=responses, b=responses, c=responses)
def test_adding_totals_is_associative_commutative_and_equals_concatenation(a, b, c):
    ta, tb, tc = (ElementTotals.from_responses(x) for x in (a, b, c))
    assert (ta + tb) + tc == ta + (tb + tc)
    assert ta + tb == tb + ta
    assert ta + tb + tc == ElementTotals.from_responses(a + b + c)
    assert sum([ta, tb, tc]) == ElementTotals.combine([tc, ta, tb])
    assert compute_ikm(ta + tb + tc) == compute_ikm_from_responses(c + a + b)


@settings(deadline=None)
@given(raw=responses)
def test_every_constructor_gives_the_same_totals(raw):
    totals = ElementTotals.from_responses(raw)
    triples = list(zip(CODES, totals.sums, totals.counts, strict=True))
    assert ElementTotals.from_rows(triples, responses=len(raw)) == totals
    assert (
        ElementTotals.from_mapping({c: (s, n) for c, s, n in triples}, responses=len(raw)) == totals
    )
    assert ElementTotals.from_dict(json.loads(json.dumps(totals.to_dict()))) == totals


@settings(deadline=None)
@given(raw=responses)
def test_lowest_first_is_a_sorted_permutation_of_the_answered_elements(raw):
    result = compute_ikm_from_responses(raw)
    lowest = result.lowest_first()
    assert sorted(e.code for e in lowest) == sorted(e.code for e in result.answered_elements)
    assert all(x.nrr_exact <= y.nrr_exact for x, y in pairwise(lowest))


RANK = {Mutu.D: 0, Mutu.C: 1, Mutu.B: 2, Mutu.A: 3}
values = st.decimals(min_value=0, max_value=110, places=4, allow_nan=False, allow_infinity=False)


@given(x=values, y=values)
def test_grade_is_monotone(x, y):
    low, high = sorted((x, y))
    assert RANK[grade(low)] <= RANK[grade(high)]


@given(x=values)
def test_grade_depends_only_on_the_rounded_value(x):
    assert grade(x) is grade(round_half_up(x, 2))
    assert grade(x) == reference_grade(x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_the_module_docstring_example_holds():
    totals = ElementTotals.from_mapping(
        {
            "U1": (312, 90),
            "U2": (298, 90),
            "U3": (270, 90),
            "U4": (350, 90),
            "U5": (305, 90),
            "U6": (320, 90),
            "U7": (330, 90),
            "U8": (260, 88),
            "U9": (301, 90),
        },
        responses=90,
    )
    result = compute_ikm(totals)
    assert (result.konversi, result.mutu, result.mutu.kinerja) == (
        Decimal("84.94"),
        Mutu.B,
        "Baik",
    )
    assert [e.code for e in result.lowest_first()[:3]] == ["U8", "U3", "U2"]
    assert compute_ikm(sum([totals, totals])).konversi == Decimal("84.94")


# --------------------------------------------------------------------------------------
# The integer engine gives what the Fraction engine it replaced gave, field by field
# --------------------------------------------------------------------------------------


def fraction_engine(totals: ElementTotals, policy: WeightPolicy) -> IkmResult:
    """compute_ikm as it was written with Fraction objects (kept here as the reference)."""
    from sukma.surveys.method.elements import ELEMENTS_BY_CODE
    from sukma.surveys.method.ikm import ElementResult

    answered = sum(1 for n in totals.counts if n)
    weight = policy.weight(answered) if answered else None
    elements = []
    ikm_exact = Fraction(0)
    for code, total, count in zip(CODES, totals.sums, totals.counts, strict=True):
        name = ELEMENTS_BY_CODE[code].name_id
        if not count:
            elements.append(ElementResult(code, name, total, count, None, None, None, None))
            continue
        nrr = Fraction(total, count)
        ikm_exact += nrr * weight
        nrr_konversi = round_half_up(nrr * 25, 2)
        elements.append(
            ElementResult(
                code=code,
                name=name,
                total=total,
                count=count,
                nrr=round_half_up(nrr, 4),
                nrr_konversi=nrr_konversi,
                nrr_weighted=round_half_up(nrr * weight, 4),
                mutu=grade(nrr_konversi),
            )
        )
    if not answered:
        ikm = konversi = mutu = None
    else:
        ikm = round_half_up(ikm_exact, 4)
        konversi = round_half_up(ikm_exact * 25, 2)
        mutu = grade(konversi)
    return IkmResult(policy, totals.responses, tuple(elements), ikm, konversi, mutu)


@st.composite
def element_totals(draw):
    """Arbitrary valid totals: any count (0 = nobody answered), any sum it allows.

    Small counts make exact halves (x.xxx5) likely; large ones make large common
    denominators."""
    counts = draw(
        st.lists(st.one_of(st.integers(0, 12), st.integers(0, 10**7)), min_size=9, max_size=9)
    )
    sums = [draw(st.integers(count, 4 * count)) for count in counts]
    responses = draw(st.one_of(st.none(), st.integers(max(counts), max(counts) + 50)))
    return ElementTotals(tuple(sums), tuple(counts), responses)


def exactly(result: IkmResult) -> list:
    """Every field, each with its type and printed form (Decimal("3.25") == Decimal("3.2500"))."""
    fields = [result.policy, result.responses, result.ikm, result.konversi, result.mutu]
    for element in result.elements:
        fields += [getattr(element, f.name) for f in dataclasses.fields(element)]
    return [(type(value), str(value), value) for value in fields]


@settings(deadline=None, max_examples=500)
@given(totals=element_totals(), policy=st.sampled_from(list(WeightPolicy)))
def test_integer_engine_equals_the_fraction_engine(totals, policy):
    result = compute_ikm(totals, policy)
    assert exactly(result) == exactly(fraction_engine(totals, policy))
    assert result == fraction_engine(totals, policy)


@pytest.mark.parametrize("policy", list(WeightPolicy))
@pytest.mark.parametrize(
    "counts",
    [
        (1, 2, 3, 4, 5, 6, 7, 8, 9),  # common denominator 2520
        (0, 0, 0, 7, 0, 0, 0, 0, 0),  # one element answered
        (0,) * 9,  # nothing answered
        (9_999_991, 9_999_973, 1, 2, 3, 9_999_971, 5, 6, 7),  # three large primes
    ],
)
def test_integer_engine_equals_the_fraction_engine_at_the_extremes(policy, counts):
    for sums in (counts, tuple(4 * n for n in counts), tuple(n + n // 2 for n in counts)):
        totals = ElementTotals(sums, counts)
        assert exactly(compute_ikm(totals, policy)) == exactly(fraction_engine(totals, policy))
