"""Stuffing held back, honest people behind one address never refused or held.

The rule (README, "Honest citizens behind one address"): per address *and*
counter, a burst within seconds (BURST_LIMIT responses within BURST_WINDOW,
each sent within seconds of opening the form) is held out of the index with
the whole of its burst; many within ten minutes (BUSY_LIMIT) is only
flagged; a page's post without its genuine stamp is held. Held responses are
stored, excluded and counted in no total until a moderator admits them.
"""

import datetime

from django.utils import timezone

from sukma.surveys.dashboard.moderation import response_exclude, response_include
from sukma.surveys.models import DailyServiceTotals, Period, Response, ServicePoint
from sukma.surveys.recording.bursts import burst_hold_earlier
from sukma.surveys.recording.statement import BURST_LIMIT, BUSY_LIMIT
from tests.surveys.conftest import ALL_FOUR, submit

NOW = timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0))
TODAY = datetime.date(2026, 11, 20)
SHARED = "198.51.100.7"  # one office's Wi-Fi, or one carrier's address
VARIED = {**ALL_FOUR, "U3": 3}


def counted(service) -> int:
    row = DailyServiceTotals.objects.filter(service=service, day=TODAY).first()
    return row.responses if row else 0


def at(seconds: float) -> datetime.datetime:
    return NOW + datetime.timedelta(seconds=seconds)


def phone(point, n: int, seconds: float, *, took: float = 40, **extra):
    """Phone n sends its answer at NOW + seconds, `took` seconds after opening the form."""
    now = at(seconds)
    started = now - datetime.timedelta(seconds=took)
    token = f"phone-{n:012d}"
    return submit(point, VARIED, now=now, address=SHARED, token=token, started_at=started, **extra)


def test_a_burst_within_seconds_is_held_whole_and_counted_nowhere(dukcapil):
    _agency, ktp, _kk, point = dukcapil
    burst = [phone(point, n, seconds=n / 2, took=1) for n in range(BURST_LIMIT + 5)]
    stored = Response.objects.order_by("submitted_at")
    assert stored.count() == BURST_LIMIT + 5  # stored, none dropped
    assert all(r.held and r.excluded and "burst" in r.flags for r in stored)
    assert counted(ktp) == 0
    assert [r.held for r in burst[BURST_LIMIT - 1 :]] == [True] * 6


def test_honest_phones_at_one_counter_behind_one_address_all_count(dukcapil):
    """200 people in ten minutes at one counter, one every three seconds: none held, none lost."""
    _agency, ktp, _kk, point = dukcapil
    for n in range(200):
        phone(point, n, seconds=3 * n)
    assert Response.objects.filter(held=False, excluded=False).count() == 200
    assert counted(ktp) == 200
    busy = Response.objects.filter(flags__contains=["busy"]).count()
    assert busy == 200 - (BUSY_LIMIT - 1)  # flagged for a look, still counted


def test_a_few_quick_tappers_among_them_are_not_a_burst(dukcapil):
    _agency, ktp, _kk, point = dukcapil
    for n in range(40):  # every tenth citizen taps through in seconds
        phone(point, n, seconds=3 * n, took=3 if n % 10 == 0 else 40)
    assert not Response.objects.filter(held=True).exists()
    assert counted(ktp) == 40


def test_the_same_address_at_another_counter_is_another_count(dukcapil):
    agency, ktp, _kk, point = dukcapil
    other = ServicePoint.objects.create(
        agency=agency, name="Loket 2", code="TA2K2M9Q", default_service=ktp
    )
    for n in range(BURST_LIMIT - 1):
        phone(point, n, seconds=n, took=1)
        phone(other, 1000 + n, seconds=n, took=1)
    assert not Response.objects.filter(held=True).exists()


def test_a_moderator_admits_a_held_response_and_it_counts(dukcapil, personas):
    _agency, ktp, _kk, point = dukcapil
    for n in range(BURST_LIMIT):
        phone(point, n, seconds=n, took=1)
    held = Response.objects.filter(held=True).order_by("id")
    first, second = held[0], held[1]
    response_include(
        acting_user=personas.tulungagung_admin, regency=personas.tulungagung, response_id=first.pk
    )
    response_exclude(
        acting_user=personas.tulungagung_admin,
        regency=personas.tulungagung,
        response_id=second.pk,
        reason="Dikirim oleh skrip",
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.held, first.excluded) == (False, False)
    assert (second.held, second.excluded) == (False, True)
    assert counted(ktp) == 1


def test_a_burst_leaves_a_response_of_a_locked_day_as_it_is(dukcapil):
    _agency, ktp, _kk, point = dukcapil
    for n in range(BURST_LIMIT - 1):
        phone(point, n, seconds=n, took=1)
    Period.objects.create(
        kind="month", year=2026, number=11, starts_on=TODAY, ends_on=TODAY, locked=True
    )
    last = Response(pk=-1, service_point=point, address_hash=Response.objects.first().address_hash)
    assert burst_hold_earlier(last, at(1)) == 0
    assert counted(ktp) == BURST_LIMIT - 1


def test_a_post_without_its_genuine_stamp_is_held(dukcapil):
    _agency, ktp, _kk, point = dukcapil
    held = submit(point, VARIED, now=NOW, stamped=False, token="phone-000000000001")
    assert held.held and "unstamped" in held.flags and counted(ktp) == 0
