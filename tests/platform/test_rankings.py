"""The provincial rankings, from rollup rows written by hand so every figure is known."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sukma.platform.rankings.models import RankingSnapshot
from sukma.platform.rankings.ranking import (
    AGENCY,
    REGENCY,
    SERVICE,
    RankPeriod,
    agency_services,
    assign_ranks,
    ranking_read,
    rankings_recompute,
    reason_text,
    regency_agencies,
)
from sukma.surveys.method.sampling import krejcie_morgan
from sukma.tenants.models import RegencyStatus
from tests.platform import rankings_data as data

pytestmark = pytest.mark.django_db

YEAR_2026 = RankPeriod("year", 2026)


def _mine(ranking, *names):
    return {row["regency_name"]: row for row in ranking.rows if row["regency_name"] in names}


@pytest.fixture
def four_regencies(personas):
    """Annual users 4: a year's target is 4 responses, a quarter's 1."""
    made = {}
    for name, scores in [
        ("Alpha", {4: 4}),  # 100.00
        ("Bravo", {4: 3, 3: 1}),  # 93.75
        ("Charlie", {4: 3, 3: 1}),  # 93.75
        ("Delta", {3: 4}),  # 75.00
        ("Echo", {4: 2}),  # 100.00 but 2 of 4: short
    ]:
        regency = data.regency(name)
        service = data.service(data.agency(regency), annual_users=4)
        data.month(service, 2026, 2, scores)
        made[name] = regency
    return made


def test_ties_share_a_rank_and_the_next_rank_skips(four_regencies):
    ranking = ranking_read(period=YEAR_2026, level=REGENCY)
    rows = _mine(ranking, *four_regencies)
    assert {name: rows[name]["rank"] for name in rows} == {
        "Alpha": 1,
        "Bravo": 2,
        "Charlie": 2,
        "Delta": 4,
        "Echo": None,
    }
    assert rows["Bravo"]["konversi"] == rows["Charlie"]["konversi"] == "93.75"
    assert (rows["Delta"]["konversi"], rows["Delta"]["mutu"]) == ("75.00", "C")
    assert ranking.policy == "exact"


def test_a_short_sample_is_shown_but_not_ranked_and_says_why(four_regencies):
    row = _mine(ranking_read(period=YEAR_2026, level=REGENCY), "Echo")["Echo"]
    assert row["konversi"] == "100.00"  # the best figure, shown
    assert row["rank"] is None
    assert (row["responses"], row["target"], row["shortfall"]) == (2, krejcie_morgan(4), 2)
    assert row["unranked_reason"] == "short_sample"
    assert "2" in reason_text(row) and "4" in reason_text(row)


def test_a_regency_without_responses_is_listed_unranked(four_regencies, personas):
    row = _mine(ranking_read(period=YEAR_2026, level=REGENCY), personas.tulungagung.name)[
        personas.tulungagung.name
    ]
    assert row["rank"] is None and row["unranked_reason"] == "no_responses"
    assert row["konversi"] is None


def test_ranked_rows_come_first_then_unranked_by_figure():
    rows = assign_ranks(
        [
            {"name": "a", "konversi": None, "unranked_reason": "no_responses"},
            {"name": "b", "konversi": "80.00", "unranked_reason": None},
            {"name": "c", "konversi": "99.00", "unranked_reason": "short_sample"},
            {"name": "d", "konversi": "80.00", "unranked_reason": None},
            {"name": "e", "konversi": "90.10", "unranked_reason": None},
        ]
    )
    assert [(r["name"], r["rank"]) for r in rows] == [
        ("e", 1),
        ("b", 2),
        ("d", 2),
        ("c", None),
        ("a", None),
    ]


def test_the_sample_target_scales_annual_users_to_the_period(personas):
    regency = data.regency("Foxtrot")
    service = data.service(data.agency(regency), annual_users=1200)
    data.month(service, 2026, 4, {4: 50})
    year = _mine(ranking_read(period=YEAR_2026, level=REGENCY), "Foxtrot")["Foxtrot"]
    quarter = _mine(ranking_read(period="quarter:2026:2", level=REGENCY), "Foxtrot")["Foxtrot"]
    assert year["target"] == krejcie_morgan(1200)
    assert quarter["target"] == krejcie_morgan(300)
    assert year["population"] == 1200 and quarter["population"] == 300


def test_change_is_against_the_previous_period_of_the_same_length(personas):
    regency = data.regency("Golf")
    service = data.service(data.agency(regency), annual_users=4)
    data.month(service, 2025, 6, {3: 4})  # 2025: 75.00
    data.month(service, 2026, 2, {4: 2, 3: 2})  # Q1 2026: 87.50
    data.month(service, 2026, 5, {4: 4})  # Q2 2026: 100.00
    q2 = _mine(ranking_read(period="quarter:2026:2", level=REGENCY), "Golf")["Golf"]
    assert (q2["konversi"], q2["previous_konversi"], q2["change"]) == ("100.00", "87.50", "12.50")
    q1 = _mine(ranking_read(period="quarter:2026:1", level=REGENCY), "Golf")["Golf"]
    assert q1["previous_konversi"] is None and q1["change"] is None  # Q4 2025: nothing
    year = _mine(ranking_read(period=YEAR_2026, level=REGENCY), "Golf")["Golf"]
    # 2026: 2*4 + 2*3 + 4*4 = 30 points over 8 responses = 3.75 -> 93.75
    assert (year["konversi"], year["previous_konversi"], year["change"]) == (
        "93.75",
        "75.00",
        "18.75",
    )
    january = _mine(ranking_read(period="month:2026:1", level=REGENCY), "Golf")["Golf"]
    assert RankPeriod("month", 2026, 1).previous() == RankPeriod("month", 2025, 12)
    assert january["unranked_reason"] == "no_responses"


def test_agencies_and_services_are_ranked_with_their_kind_across_regencies(personas):
    dukcapil = data.standard_kind("dukcapil", "Dinas Kependudukan dan Pencatatan Sipil")
    rsud = data.standard_kind("rsud", "Rumah Sakit Umum Daerah", "rsud")
    akta = data.standard_service(dukcapil, "dukcapil-akta-lahir", "Akta Kelahiran")
    hotel, india, juliet = data.regency("Hotel"), data.regency("India"), data.regency("Juliet")
    quiet = data.regency("Kilo", status=RegencyStatus.SUSPENDED)
    figures = {}
    for regency, scores in [(hotel, {4: 4}), (india, {3: 4}), (juliet, {2: 4}), (quiet, {4: 4})]:
        agency = data.agency(regency, name=f"Dispendukcapil {regency.name}", kind_code="dukcapil")
        figures[regency.name] = data.service(agency, code="dukcapil-akta-lahir", annual_users=4)
        data.month(figures[regency.name], 2026, 3, scores)
        other = data.service(agency, name="Kartu Keluarga", annual_users=4)  # not mapped
        data.month(other, 2026, 3, {1: 4})
    hospital = data.agency(hotel, name="RSUD dr. Iskak", kind="rsud", kind_code="rsud")
    data.month(data.service(hospital, name="Rawat Jalan", annual_users=4), 2026, 3, {4: 4})
    data.agency(india, name="Bagian Umum")  # not mapped: in no agency ranking

    agencies = ranking_read(period=YEAR_2026, level=AGENCY, kind="dukcapil")
    assert {r["regency_name"]: r["rank"] for r in agencies.rows} == {
        "Hotel": 1,
        "India": 2,
        "Juliet": 3,
    }  # Kilo is suspended: not in any ranking
    # An agency's index sums its services' totals: (4*4 + 1*4) / 8 = 2.5 -> 62.50
    assert agencies.rows[0]["konversi"] == "62.50"
    hospitals = ranking_read(period=YEAR_2026, level=AGENCY, kind="rsud")
    assert [r["agency_name"] for r in hospitals.rows] == ["RSUD dr. Iskak"]
    every_kind = ranking_read(period=YEAR_2026, level=AGENCY)
    assert {r["code"] for r in every_kind.rows} == {"dukcapil", "rsud"}
    assert rsud.name in every_kind.names.values()

    services = ranking_read(period=YEAR_2026, level=SERVICE, kind=akta.code)
    assert [(r["regency_name"], r["konversi"], r["rank"]) for r in services.rows] == [
        ("Hotel", "100.00", 1),
        ("India", "75.00", 2),
        ("Juliet", "50.00", 3),
    ]

    drill = regency_agencies(YEAR_2026, hotel)
    by_name = {r["name"]: r for r in drill}
    assert by_name["Dispendukcapil Hotel"]["rank"] == 1
    assert by_name["RSUD dr. Iskak"]["rank"] == 1
    agency_id = by_name["Dispendukcapil Hotel"]["agency_id"]
    services_of = {r["name"]: r for r in agency_services(YEAR_2026, hotel, agency_id)}
    assert services_of["Akta Kelahiran"]["rank"] == 1
    assert services_of["Kartu Keluarga"]["rank"] is None
    assert services_of["Kartu Keluarga"]["konversi"] == "25.00"


def test_a_ranking_is_stored_once_and_then_read_in_one_query(
    four_regencies, django_assert_max_num_queries
):
    assert not RankingSnapshot.objects.filter(year=2026, period_kind="year").exists()
    first = ranking_read(period=YEAR_2026, level=REGENCY)
    assert RankingSnapshot.objects.filter(year=2026, period_kind="year", level=REGENCY).count() == 1
    with django_assert_max_num_queries(3):
        again = ranking_read(period=YEAR_2026, level=REGENCY)
    assert again.rows == first.rows


def test_recompute_replaces_a_stored_ranking_with_the_new_rollup(four_regencies):
    ranking_read(period=YEAR_2026, level=REGENCY)
    service = data.service(data.agency(four_regencies["Echo"]), annual_users=None)
    data.month(service, 2026, 3, {4: 2})  # Echo now has 4 of 4
    assert rankings_recompute(periods=[YEAR_2026]) >= 1
    rows = _mine(ranking_read(period=YEAR_2026, level=REGENCY), "Echo", "Alpha")
    assert rows["Echo"]["rank"] == rows["Alpha"]["rank"] == 1


def test_recompute_without_periods_refreshes_the_stored_ones_and_today(four_regencies):
    ranking_read(period="quarter:2024:4", level=REGENCY)
    assert rankings_recompute() > 0
    stored = set(RankingSnapshot.objects.values_list("period_kind", "year", "number"))
    assert ("quarter", 2024, 4) in stored
    assert len({kind for kind, _y, _n in stored}) == 4


@pytest.mark.parametrize(
    ("text", "field"),
    [("quarter:2026:5", "period"), ("week:2026:1", "period"), ("2026", "period"), ("", "period")],
)
def test_a_bad_period_is_refused_with_the_field_named(text, field):
    with pytest.raises(ValidationError) as error:
        RankPeriod.parse(text)
    assert field in error.value.message_dict


def test_a_bad_level_or_unknown_kind_is_refused(personas):
    with pytest.raises(ValidationError) as error:
        ranking_read(period=YEAR_2026, level="province")
    assert "level" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        ranking_read(period=YEAR_2026, level=AGENCY, kind="nope")
    assert "kind" in error.value.message_dict


def test_periods_parse_and_print():
    assert RankPeriod.parse("year:2026") == RankPeriod("year", 2026, 1)
    assert RankPeriod.parse("quarter:2026:3").key == "quarter:2026:3"
    assert RankPeriod("quarter", 2026, 1).previous() == RankPeriod("quarter", 2025, 4)
    assert RankPeriod("semester", 2026, 2).previous() == RankPeriod("semester", 2026, 1)
    assert RankPeriod("quarter", 2026, 3).months == 3
    assert Decimal("93.75") - Decimal("87.50") == Decimal("6.25")
