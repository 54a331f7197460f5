"""Holding the whole of a burst: when a response is held as a burst, so are those just before it.

The storing statement holds a fast response that makes BURST_LIMIT fast ones
within BURST_WINDOW from one address at one counter; the fast ones of the
same burst stored before it were counted when they arrived. This takes them out again:
held, excluded and flagged `burst`, subtracted from their totals in the same
transaction. It runs only after a burst, off the honest citizen's path. A
response on a day whose period is locked meanwhile is left as it is.
"""

from datetime import datetime

from django.db import connection, transaction

from sukma.surveys.models import Flag, Response
from sukma.surveys.recording.statement import BURST_WINDOW
from sukma.surveys.recording.totals import totals_apply

HOLD_EARLIER = """
UPDATE surveys_response r
   SET held = true, excluded = true,
       flags = CASE WHEN r.flags ? %(flag)s THEN r.flags
                    ELSE r.flags || to_jsonb(%(flag)s::text) END
 WHERE r.service_point_id = %(point)s AND r.address_hash = %(address)s
   AND r.submitted_at >= %(since)s AND r.id <> %(latest)s AND NOT r.excluded
   AND r.flags ? %(fast)s
   AND NOT EXISTS (SELECT 1 FROM surveys_period p
                    WHERE p.locked AND r.service_date BETWEEN p.starts_on AND p.ends_on)
RETURNING r.id
"""


@transaction.atomic
def burst_hold_earlier(latest: Response, now: datetime) -> int:
    """Hold the responses of `latest`'s burst stored before it; how many were held."""
    if not latest.address_hash:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            HOLD_EARLIER,
            {
                "flag": Flag.BURST,
                "fast": Flag.FAST,
                "point": latest.service_point_id,
                "address": latest.address_hash,
                "since": now - BURST_WINDOW,
                "latest": latest.pk,
            },
        )
        ids = [row[0] for row in cursor.fetchall()]
    for response in Response.objects.filter(pk__in=ids):
        totals_apply(response, sign=-1)
    return len(ids)
