"""Figures come from the daily totals and agree with a direct computation over raw responses."""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sukma.surveys import selectors
from sukma.surveys.dashboard.moderation import response_exclude, response_include
from sukma.surveys.models import Response, SurveySettings
from tests.surveys.conftest import ALL_FOUR, submit

NOW = timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0))
SEX_P = {"sex": "P"}
CODES = [f"U{i}" for i in range(1, 10)]


def test_worked_example_of_skm_md_through_the_whole_path(dukcapil, year_2026):
    point = dukcapil[3]
    submit(point, ALL_FOUR, now=NOW)
    submit(point, {**{c: 3 for c in CODES}, "U4": None}, now=NOW)
    submit(point, {c: 2 for c in CODES}, now=NOW)

    figure = selectors.regency_figure(year_2026)

    assert figure.result.konversi == Decimal("75.00")
    assert str(figure.result.mutu) == "C"
    assert figure.responses == 3
    assert all(e.nrr == Decimal("3.0000") for e in figure.result.elements)


def test_sample_target_comes_from_expected_users_scaled_to_the_period(dukcapil, year_2026):
    _agency, ktp, _kk, point = dukcapil
    submit(point, ALL_FOUR, now=NOW)
    figure = selectors.service_figure(year_2026, ktp)
    assert figure.adequacy.population == 12000
    # 3.841·12000·0.25 / (0.0025·11999 + 3.841·0.25) = 11523 / 30.95775 = 372.2
    assert figure.adequacy.target == 372
    assert figure.adequacy.short is True


def test_an_exclusion_changes_the_index_and_is_audited(personas, dukcapil, year_2026):
    from sukma.access.models import AuditEvent

    point = dukcapil[3]
    submit(point, ALL_FOUR, now=NOW)
    low = submit(point, {c: 1 for c in CODES}, now=NOW)
    assert selectors.regency_figure(year_2026).result.konversi == Decimal("62.50")

    response_exclude(
        acting_user=personas.tulungagung_admin,
        regency=personas.tulungagung,
        response_id=low.pk,
        reason="Uji coba petugas, bukan warga",
    )

    figure = selectors.regency_figure(year_2026)
    assert figure.result.konversi == Decimal("100.00") and figure.responses == 1
    event = AuditEvent.objects.get(action="response.excluded", target_id=str(low.pk))
    assert event.actor == personas.tulungagung_admin
    assert event.after["exclusion_reason"] == "Uji coba petugas, bukan warga"

    response_include(
        acting_user=personas.tulungagung_admin, regency=personas.tulungagung, response_id=low.pk
    )
    assert selectors.regency_figure(year_2026).result.konversi == Decimal("62.50")


def test_an_exclusion_needs_a_reason(personas, dukcapil):
    response = submit(dukcapil[3], ALL_FOUR, now=NOW)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        response_exclude(
            acting_user=personas.tulungagung_admin,
            regency=personas.tulungagung,
            response_id=response.pk,
            reason="  ",
        )
    assert not Response.objects.get(pk=response.pk).excluded


def test_the_legacy_weight_policy_is_named_on_the_figure(dukcapil, year_2026):
    SurveySettings.objects.update_or_create(pk=1, defaults={"weight_policy": "legacy_0_11"})
    submit(dukcapil[3], ALL_FOUR, now=NOW)
    figure = selectors.regency_figure(year_2026)
    assert figure.policy == "legacy_0_11"
    assert figure.result.konversi == Decimal("99.00")


def raw_profile(period, field) -> dict:
    """Each value's figure before the small-group rule (tested in test_breakdowns.py)."""
    policy = selectors.weight_policy(period)
    return {
        value: selectors.make_figure(totals, None, policy)
        for value, totals in selectors.profile_totals(period, [field])[field].items()
    }


def test_profile_breakdown_splits_by_value(dukcapil, year_2026):
    point = dukcapil[3]
    submit(point, ALL_FOUR, now=NOW, profile={"sex": "L"})
    submit(point, {c: 2 for c in CODES}, now=NOW, profile={"sex": "P"})
    submit(point, {c: 2 for c in CODES}, now=NOW)
    rows = raw_profile(year_2026, "sex")
    assert rows["L"].result.konversi == Decimal("100.00")
    assert rows["P"].result.konversi == Decimal("50.00")
    assert sum(f.responses for f in rows.values()) == 2


# ---------------------------------------------------------------- property
answer = st.one_of(st.none(), st.integers(min_value=1, max_value=4))
response_strategy = st.fixed_dictionaries(
    {
        "answers": st.fixed_dictionaries({c: answer for c in CODES}).filter(
            lambda a: any(v is not None for v in a.values())
        ),
        "service": st.sampled_from(["ktp", "kk"]),
        "days_ago": st.integers(min_value=0, max_value=20),
        "sex": st.sampled_from(["", "L", "P"]),
        "excluded": st.booleans(),
    }
)


def _direct_konversi(responses: list[dict]) -> Decimal | None:
    """The method of SKM.md done by hand over raw answers: per element, blanks left out."""
    nrrs = []
    for code in CODES:
        values = [r["answers"][code] for r in responses if r["answers"][code] is not None]
        if values:
            nrrs.append(Fraction(sum(values), len(values)))
    if not nrrs:
        return None
    exact = sum(nrrs) / len(nrrs) * 25
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(response_strategy, min_size=1, max_size=25))
def test_aggregate_path_equals_direct_computation(personas, dukcapil, year_2026, batch):
    agency, ktp, kk, point = dukcapil
    services = {"ktp": ktp, "kk": kk}
    with transaction.atomic():
        for item in batch:
            response = submit(
                point,
                item["answers"],
                now=NOW,
                service_id=services[item["service"]].pk,
                day=NOW.date() - datetime.timedelta(days=item["days_ago"]),
                profile={"sex": item["sex"]},
            )
            if item["excluded"]:
                response_exclude(
                    acting_user=personas.tulungagung_admin,
                    regency=personas.tulungagung,
                    response_id=response.pk,
                    reason="excluded by the property test",
                )
        kept = [item for item in batch if not item["excluded"]]

        assert selectors.regency_figure(year_2026).result.konversi == _direct_konversi(kept)
        assert selectors.regency_figure(year_2026).responses == len(kept)
        assert selectors.agency_figure(year_2026, agency).result.konversi == _direct_konversi(kept)
        for name, service in services.items():
            mine = [i for i in kept if i["service"] == name]
            assert selectors.service_figure(year_2026, service).result.konversi == _direct_konversi(
                mine
            )
        for value, figure in raw_profile(year_2026, "sex").items():
            mine = [i for i in kept if i["sex"] == value]
            assert figure.result.konversi == _direct_konversi(mine)
        transaction.set_rollback(True)


def test_a_locked_periods_figures_keep_the_targets_and_policy_it_was_locked_with(
    personas, dukcapil
):
    """Expected users changed, a service and an agency closed, another weight policy: a locked
    period's figures stay as they were; an open period's follow; unlocked, it follows again."""
    from sukma.surveys.models import Agency, Period, PeriodKind
    from sukma.surveys.structure import services as structure

    agency, ktp, kk, point = dukcapil
    other = Agency.objects.create(name="Dinas Sosial", short_name="Dinsos", kind="dinas")
    october, november = (
        Period.objects.create(
            kind=PeriodKind.MONTH,
            year=2026,
            number=month,
            starts_on=datetime.date(2026, month, 1),
            ends_on=datetime.date(2026, month, days),
        )
        for month, days in ((10, 31), (11, 30))
    )
    submit(point, {**ALL_FOUR, "U2": 3}, now=NOW - datetime.timedelta(days=25), profile=SEX_P)
    submit(point, {**ALL_FOUR, "U2": 3}, now=NOW, profile=SEX_P)

    def everything(period):
        trend = selectors.trend(kind=PeriodKind.MONTH, until=NOW.date())
        by_sex = raw_profile(period, "sex")
        return {
            "profile": [(v, f.to_dict()) for v, f in sorted(by_sex.items())],
            "trend": [f.to_dict() for p, f in trend if p.pk == period.pk],
            "regency": selectors.regency_figure(period).to_dict(),
            "agency": selectors.agency_figure(period, agency).to_dict(),
            "service": selectors.service_figure(period, kk).to_dict(),
            "agencies": [(a.pk, f.to_dict()) for a, f in selectors.agency_figures(period)],
            "services": [(s.pk, f.to_dict()) for s, f in selectors.service_figures(period)],
        }

    october = structure.period_lock(
        acting_user=personas.tulungagung_admin, period=october, today=NOW.date()
    )
    locked, open_before = everything(october), everything(november)
    assert locked["trend"] and locked["profile"]

    ktp.annual_users, kk.annual_users, kk.active = 200, 90000, False
    ktp.save()
    kk.save()
    other.active = False
    other.save()
    SurveySettings.objects.update_or_create(pk=1, defaults={"weight_policy": "legacy_0_11"})
    october.refresh_from_db()
    november.refresh_from_db()

    assert everything(october) == locked
    assert locked["regency"]["sample"]["population"] == round((12000 + 6000) / 12)
    assert [a for a, _f in locked["agencies"]] == sorted([agency.pk, other.pk])
    moved = everything(november)
    assert moved["regency"]["policy"] == "legacy_0_11" != open_before["regency"]["policy"]
    assert moved["regency"]["sample"]["population"] == round(200 / 12)
    assert [a for a, _f in moved["agencies"]] == [agency.pk]

    october = structure.period_unlock(
        acting_user=personas.province_admin, period=october, reason="Data ulang"
    )
    assert october.basis == {}
    assert everything(october)["regency"]["policy"] == "legacy_0_11"
