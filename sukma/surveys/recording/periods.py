"""A locked period's figures never change: every write that would change them checks here first.

The citizen's statement reads the covering periods FOR SHARE itself (see
statement.py). A moderator's exclusion asks here inside its transaction;
the citizen's submission asks here why its statement stored nothing.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sukma.surveys.models import Period


def locked_period_covering(day: date) -> Period | None:
    """The locked period covering a day, if any, holding a share lock on every covering period.

    Called inside the writing transaction, the lock makes period_lock (which
    takes its row FOR UPDATE) wait for the write to commit, and a write that
    comes after the lock sees it: no response slips into a period as it closes.
    """
    covering = Period.objects.raw(
        "SELECT * FROM surveys_period WHERE starts_on <= %s AND ends_on >= %s FOR SHARE",
        [day, day],
    )
    return next((period for period in covering if period.locked), None)


def check_day_writable(day: date) -> None:
    """Refuse a change to a day whose period is locked, naming that period."""
    period = locked_period_covering(day)
    if period is not None:
        raise ValidationError(
            {
                "period": _("Period %(period)s is closed; its figures can no longer change.")
                % {"period": period.label}
            }
        )
