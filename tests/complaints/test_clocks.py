"""The SP4N-LAPOR! clocks: 3 working days to take a case up, 5 more to answer it,
skipping weekends and Indonesia's public holidays (from the holidays library)."""

import datetime

import pytest

from sukma.surveys.complaints import clocks
from tests.complaints.conftest import wib

D = datetime.date


def test_the_holiday_used_below_is_a_real_indonesian_public_holiday():
    assert clocks.holiday_name(D(2026, 8, 17)) is not None  # Independence Day, a Monday
    assert D(2026, 8, 17).weekday() == 0
    assert not clocks.is_working_day(D(2026, 8, 17))
    assert clocks.is_working_day(D(2026, 8, 18))


def test_three_working_days_from_a_monday_end_on_thursday():
    assert clocks.forward_due(wib(2026, 11, 2, 10, 0)) == D(2026, 11, 5)


def test_forward_clock_skips_a_weekend():
    # Wednesday 4 Nov 2026 -> Thu 5, Fri 6, (weekend), Mon 9.
    assert clocks.forward_due(wib(2026, 11, 4, 9, 30)) == D(2026, 11, 9)


def test_received_on_saturday_counts_from_monday():
    assert clocks.forward_due(wib(2026, 11, 7, 12, 0)) == D(2026, 11, 11)


def test_friday_before_a_long_weekend_skips_the_holiday_monday():
    # Friday 14 Aug 2026, then Sat, Sun and Monday 17 August (Independence Day).
    assert clocks.forward_due(wib(2026, 8, 14, 15, 0)) == D(2026, 8, 20)


def test_answer_clock_crosses_a_weekend_and_a_holiday():
    # Taken up Thursday 13 Aug: Fri 14, Tue 18, Wed 19, Thu 20, Fri 21 (17th is a holiday).
    assert clocks.answer_due(wib(2026, 8, 13, 8, 0)) == D(2026, 8, 21)


def test_the_day_is_jakarta_time_not_utc():
    # 23:30 WIB on Friday 14 Aug is 16:30 UTC the same day; 00:30 WIB Saturday is Friday in UTC.
    late_friday_utc = datetime.datetime(2026, 8, 14, 17, 30, tzinfo=datetime.UTC)  # Sat 00:30 WIB
    assert clocks.jakarta_date(late_friday_utc) == D(2026, 8, 15)
    assert clocks.forward_due(late_friday_utc) == D(2026, 8, 20)


def test_holidays_of_the_next_year_count_across_new_year():
    # Wed 30 Dec 2026: Thu 31, (Fri 1 Jan New Year's Day, weekend), Mon 4,
    # (Tue 5 Jan 2027 Isra' Mi'raj, which no typed list of 2026 would know), Wed 6.
    assert clocks.holiday_name(D(2027, 1, 5)) is not None
    assert clocks.forward_due(wib(2026, 12, 30, 9, 0)) == D(2027, 1, 6)


def test_overdue_from_the_day_after_the_due_day():
    due = D(2026, 8, 20)
    assert not clocks.is_past(due, wib(2026, 8, 20, 23, 59))
    assert clocks.is_past(due, wib(2026, 8, 21, 0, 0))
    assert not clocks.is_past(None, wib(2030, 1, 1))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        clocks.jakarta_date(datetime.datetime(2026, 8, 14, 10, 0))
