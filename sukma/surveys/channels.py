"""Figures per channel (phone, kiosk, assisted): how responses reached us, and their index.

The totals tables have no channel column, so this is the one figure read
from the responses themselves: the database sums each element's answers
and counts them per channel, over the counted responses (not excluded, not
held) whose date of service falls in the period, as the totals count them;
sukma.surveys.method.ikm turns those sums into the index, as for every
other figure. A period's rows are few enough to sum on the request
(responses are indexed by date of service).
"""

from django.db.models import Count, Sum

from sukma.surveys.method.ikm import ElementTotals
from sukma.surveys.models import ELEMENT_FIELDS, Period, Response

BREAKDOWN = "channel"  # the name the API's `breakdown` asks for it by

SUMS = {
    "responses": Count("id"),
    **{f"{f}_sum": Sum(f) for f in ELEMENT_FIELDS},
    **{f"{f}_count": Count(f) for f in ELEMENT_FIELDS},
}


def channel_totals(
    period: Period, *, agency_id: int | None = None, service_id: int | None = None
) -> dict[str, ElementTotals]:
    """Each channel's totals over the counted responses (raw: sukma.surveys.breakdowns shows it)."""
    responses = Response.objects.filter(
        excluded=False, service_date__gte=period.starts_on, service_date__lte=period.ends_on
    )
    if agency_id is not None:
        responses = responses.filter(service__agency_id=agency_id)
    if service_id is not None:
        responses = responses.filter(service_id=service_id)
    rows = responses.values("channel").annotate(**SUMS).order_by()
    return {
        row["channel"]: ElementTotals.from_aggregate(row, responses_key="responses") for row in rows
    }
