"""Figures per channel: on the dashboards and through the API, equal to a count by hand."""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.utils import timezone

from sukma.surveys.breakdowns import CHANNEL, breakdown
from sukma.surveys.kiosks import services
from sukma.surveys.models import Channel, SurveySettings
from tests.conftest import TULUNGAGUNG_HOST, host_client
from tests.surveys.conftest import submit

NOW = timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0))
CODES = [f"U{i}" for i in range(1, 10)]
# Three per channel, and the regency's smallest group set to 3, so every channel is shown.
PHONE = [{c: 4 for c in CODES}, {**{c: 3 for c in CODES}, "U4": None}, {c: 3 for c in CODES}]
KIOSK = [{c: 2 for c in CODES}, {**{c: 3 for c in CODES}, "U1": 1}, {c: 4 for c in CODES}]
ASSISTED = [{**{c: 1 for c in CODES}, "U9": 4}, {c: 2 for c in CODES}, {c: 3 for c in CODES}]


def by_hand(responses: list[dict]) -> Decimal:
    """Konversi under equal weights: the mean of each element's mean over its answers, x 25."""
    nrrs = []
    for code in CODES:
        given = [r[code] for r in responses if r.get(code) is not None]
        if given:
            nrrs.append(Fraction(sum(given), len(given)))
    exact = sum(nrrs) / len(nrrs) * 25
    return Decimal(exact.numerator) / Decimal(exact.denominator)


@pytest.fixture
def rated(personas, dukcapil, year_2026):
    point = dukcapil[3]
    pairing = services.pairing_create(
        acting_user=personas.tulungagung_admin, service_point=point, name="Tablet"
    )
    kiosk, _credential = services.kiosk_pair(code=pairing.code)
    for n, answers in enumerate(PHONE):
        submit(point, answers, now=NOW, token=f"device-token-{n:08d}")
    submit(point, {c: 1 for c in CODES}, now=NOW, stamped=False)  # held: out of every figure
    for n, answers in enumerate(KIOSK):
        later = NOW + datetime.timedelta(minutes=n)
        submit(point, answers, now=later, channel=Channel.KIOSK, kiosk_id=kiosk.pk)
    for answers in ASSISTED:
        submit(point, answers, now=NOW, channel=Channel.ASSISTED, entered_by=7)
    SurveySettings.objects.update_or_create(pk=1, defaults={"min_group_size": 3})
    return year_2026


def expected() -> dict[str, tuple[int, Decimal]]:
    sets = {Channel.PHONE: PHONE, Channel.KIOSK: KIOSK, Channel.ASSISTED: ASSISTED}
    return {
        channel: (len(rs), by_hand(rs).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        for channel, rs in sets.items()
    }


def test_each_channels_count_and_index_match_a_count_by_hand(rated, dukcapil):
    rows = breakdown(rated, CHANNEL, agency_id=dukcapil[0].pk).rows
    assert [row.value for row in rows] == ["phone", "kiosk", "assisted"]
    got = {row.value: (row.figure.responses, row.figure.result.konversi) for row in rows}
    assert got == expected()
    assert breakdown(rated, CHANNEL, agency_id=dukcapil[0].pk + 1000).rows == []


def test_the_dashboard_shows_the_channel_table(personas, rated, dukcapil):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    for url in ("/dasbor/", f"/dasbor/opd/{dukcapil[0].pk}/"):
        html = client.get(url, {"periode": rated.pk}).content.decode()
        assert 'id="channels"' in html
        for channel, (count, konversi) in expected().items():
            assert f'data-channel="{channel}"' in html
            assert f'data-value="{count}"' in html and f'data-value="{konversi}"' in html
    assert "Dibantu petugas" in html


def test_the_api_breaks_the_index_down_by_channel(personas, rated, dukcapil):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    body = client.get(
        "/api/v1/ikm/", {"period": rated.pk, "agency": dukcapil[0].pk, "breakdown": "channel,sex"}
    ).json()
    rows = body["breakdowns"]["channel"]
    assert [row["value"] for row in rows] == ["phone", "kiosk", "assisted"]
    for row in rows:
        count, konversi = expected()[row["value"]]
        assert row["figure"]["sample"]["responses"] == count
        assert Decimal(row["figure"]["konversi"]) == konversi
    assert (
        sum(row["figure"]["sample"]["responses"] for row in rows)
        == body["figure"]["sample"]["responses"]
    )
    assert "sex" in body["breakdowns"]
