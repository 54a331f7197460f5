"""The two clocks of a complaint, as SP4N-LAPOR! runs them: forward within 3 working
days of receipt, answer within 5 working days of forwarding.

Definitions, precisely:

- **Working day**: a date in Asia/Jakarta that is neither a Saturday, a Sunday nor an
  Indonesian public holiday as the ``holidays`` library (a maintained source, not a
  typed list) knows it: ``holidays.country_holidays("ID", years=...)``.
- **Received**: the moment the citizen's response (with its suggestion) was stored.
- **Forwarded**: in this product a case is routed to its agency automatically (the
  agency of the service the citizen rated), so the SP4N-LAPOR! "disposisi" step is
  the agency *taking the case up*: the first moment the case leaves ``diterima`` —
  moved to ``diproses`` by an operator (assigning it to an officer does that too),
  or closed straight away as ``ditolak``. ``Case.forwarded_at`` records it, once.
- **Answered**: the case is closed, ``selesai`` (with its public answer) or
  ``ditolak`` (with its public reason). ``Case.closed_at`` records it.
- **Due date**: N working days *after* a moment means the N-th working day strictly
  after that moment's Jakarta date; the step is on time through the end of that
  day (23:59:59 WIB) and **overdue from the next calendar day** on. A case received
  on a Saturday or a holiday is therefore counted from the next working day too.

Everything here is pure: dates and datetimes in, dates and booleans out.
"""

import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

JAKARTA = ZoneInfo("Asia/Jakarta")
FORWARD_WORKING_DAYS = 3
ANSWER_WORKING_DAYS = 5


@lru_cache(maxsize=32)
def _holidays_of(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("ID", years=year).keys())


def holiday_name(day: datetime.date) -> str | None:
    return holidays.country_holidays("ID", years=day.year).get(day)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _holidays_of(day.year)


def jakarta_date(moment: datetime.datetime) -> datetime.date:
    if moment.tzinfo is None:
        raise ValueError("clocks need aware datetimes")
    return moment.astimezone(JAKARTA).date()


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The ``days``-th working day strictly after ``start``."""
    if days < 1:
        raise ValueError("count at least one working day")
    day, left = start, days
    while left:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def forward_due(received_at: datetime.datetime) -> datetime.date:
    """The last day on which forwarding is on time."""
    return add_working_days(jakarta_date(received_at), FORWARD_WORKING_DAYS)


def answer_due(forwarded_at: datetime.datetime) -> datetime.date:
    """The last day on which the answer is on time."""
    return add_working_days(jakarta_date(forwarded_at), ANSWER_WORKING_DAYS)


def is_past(due_on: datetime.date | None, now: datetime.datetime) -> bool:
    """True from the first calendar day (Jakarta) after the due day."""
    return due_on is not None and jakarta_date(now) > due_on
