"""The citizen's response stored in one SQL statement: resolved, guarded, inserted, counted.

Why it exists: through the ORM, storing a response was a transaction of
many round trips (resolve the counter, the service and the version, check
the periods, count the burst, insert, upsert the day, month and profile
totals, open a suggestion's complaint case). Here it is one statement,
prepared once per connection (prepared.py), atomic by itself: one round
trip, no BEGIN or COMMIT.
One statement instead of that transaction took the citizen's POST from
0.29 to 0.38 of a bare one-row insert's rate; preparing it, sending every
parameter as text and naming its schema were among the steps since, to
about 0.75. The measurements are in bench/README.md, each step in
`git log`. Judge any change to the text below with bench/statement.py, run
before and after on the same machine.

The statement, part by part (WITH parts, run in one snapshot):

- target: the counter of the code sent, with its agency active; the service
  chosen, or else the counter's preset one, if it is an active service of
  that agency; the questionnaire of the version sent. Without checked local
  answers, a version with a required local question gives no row. No row
  here, nothing stored anywhere below.
- covering: the periods covering the service date, read FOR SHARE (see
  periods.locked_period_covering). A locked one stops the insert, and
  locking a period waits for this statement's commit.
- burst: how many responses from the same address at the same counter
  were stored before it within BUSY_WINDOW, and how many of those within
  BURST_WINDOW were sent within seconds of opening the form (flagged
  `fast`). When this one is fast too and makes BURST_LIMIT (a burst within
  seconds: a script, not people, who each take a while to answer), it is
  stored held (flagged `burst`, excluded until a moderator admits it) and
  the caller holds the burst's earlier ones too (bursts.py). When it makes
  BUSY_LIMIT within BUSY_WINDOW it is only flagged `busy`. Never refused.
- inserted: the response. Its counter, service and questionnaire come from
  target, every other column from a parameter (sent_fields: all the model's
  concrete fields, so a new field is sent with no change here). A second
  response from one device to one service on one day, or a second one with
  the same submission key, conflicts and inserts nothing.
- totals0, totals1, totals2 (totals.py): the day, month and profile totals
  rows of the inserted row, upserted, unless it is excluded (held). They read
  `inserted`, so nothing is counted that was not stored.
- opened: for a response with a suggestion, its complaint case, for the
  inserted response and target's agency. A response without one runs a
  second statement without this part: each table a statement names costs
  every run of it, written or not.

The final SELECT returns the new key, the stored flags, whether it is held,
the three resolved ids and how many totals rows were touched (logged when that disagrees with
rows_per_response). No row means a part above refused the response; the
caller then finds out why with ordinary queries, off the fast path.

Every parameter is sent as text and cast in the SQL (prepared.as_text), so
one prepared statement per regency (one more with the case) serves every
response. tests/surveys/recording/test_orm_parity.py stores the same
responses through the ORM and through this statement and fails if what
they store ever differs.
"""

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, models

from sukma.surveys.complaints.models import Case
from sukma.surveys.models import Flag, Response
from sukma.surveys.recording.prepared import (
    Numbered,
    as_text,
    fetch_prepared,
    in_schema,
    param_type,
)
from sukma.surveys.recording.totals import rows_per_response, totals_ctes

log = logging.getLogger(__name__)

# One address at one counter (README, "Honest citizens behind one address"):
BURST_WINDOW = timedelta(minutes=1)
BURST_LIMIT = 5  # this many fast ones within BURST_WINDOW: a burst, held out of the index
BUSY_WINDOW = timedelta(minutes=10)
BUSY_LIMIT = 100  # this many within BUSY_WINDOW: flagged `busy`, still counted


@dataclass(frozen=True)
class Place:
    """Where the citizen says the response belongs, as sent: the statement checks it."""

    code: str
    service_id: int | None
    version: int
    extras_checked: bool  # its local answers were checked against the version's questions


# Where a response may go, as SQL: the statement and the citizen's refusals both use these.
def point_of_code(schema: str = "") -> str:
    return f"""{in_schema("surveys_servicepoint", schema)} p
    JOIN {in_schema("surveys_agency", schema)} a ON a.id = p.agency_id AND a.active"""


POINT_ACTIVE = "p.code = %(code)s AND p.active"
SERVICE_OF_POINT = """s.id = COALESCE(%(service)s::bigint, p.default_service_id)
     AND s.agency_id = p.agency_id AND s.active"""
VERSION_SENT = "q.version = %(version)s::integer"

# The statement resolves these itself, from the counter's code, the service and the version,
# and a complaint case's from the response it stores.
# What the statement would resolve: read before it to check local answers, after it to tell
# the citizen why nothing was stored. A plain query: it runs only on those paths.
CONTEXT_SQL = f"""
SELECT p.id, p.agency_id,
       (SELECT s.id FROM surveys_service s WHERE {SERVICE_OF_POINT}),
       q.id,
       (SELECT COALESCE(json_agg(json_build_array(x.id, x.kind, x.choices, x.required)
                                 ORDER BY x.position), '[]')
          FROM surveys_question x WHERE x.questionnaire_id = q.id AND x.kind <> 'element')
  FROM {point_of_code()}
  LEFT JOIN surveys_questionnaire q ON {VERSION_SENT}
 WHERE {POINT_ACTIVE}
"""


def context_read(code: str, service_id: int | None, version: int) -> tuple | None:
    """(counter, agency, service or None, questionnaire or None, local questions) or None."""
    with connection.cursor() as cursor:
        cursor.execute(CONTEXT_SQL, {"code": code, "service": service_id, "version": version})
        return cursor.fetchone()


RESOLVED = ("service_point_id", "service_id", "questionnaire_id")
CASE_RESOLVED = ("response_id", "agency_id")


@functools.cache
def sent_fields(model: type[models.Model], resolved: tuple[str, ...]) -> list[models.Field]:
    """The columns the statement inserts from parameters: all but the key and `resolved`."""
    fields = model._meta.concrete_fields
    return [f for f in fields if not f.primary_key and f.column not in resolved]


def _placeholders(fields: list[models.Field], prefix: str) -> list[str]:
    return [f"%({prefix}{n})s::{param_type(f)}" for n, f in enumerate(fields)]


def _params(instance: models.Model, fields: list[models.Field], prefix: str) -> dict:
    """pre_save: the values Django's own insert would store (auto_now included)."""
    return {f"{prefix}{n}": as_text(f, f.pre_save(instance, True)) for n, f in enumerate(fields)}


def _opened_cte(schema: str) -> str:
    """WITH part storing the complaint case of the response `inserted` holds (if it holds one)."""
    fields = sent_fields(Case, CASE_RESOLVED)
    columns = [*CASE_RESOLVED, *(f.column for f in fields)]
    values = ["i.id", "target.agency_id", *_placeholders(fields, "c")]
    return f"""opened AS (
  INSERT INTO {in_schema(Case._meta.db_table, schema)} ({", ".join(columns)})
  SELECT {", ".join(values)} FROM inserted i, target
  RETURNING 1
)"""


@functools.lru_cache(maxsize=256)
def _store_sql(schema: str, opens_case: bool) -> Numbered:
    """The statement for one regency's schema, with or without the case's part (see above).

    Every table is named with the schema, so it runs whatever the connection's
    search_path (see fetch_prepared).
    """
    fields = sent_fields(Response, RESOLVED)
    columns = [*RESOLVED, *(f.column for f in fields)]
    values = [*(f"target.{c}" for c in RESOLVED), *_placeholders(fields, "v")]
    is_burst = f"(%(address)s <> '' AND %(fast)s::boolean AND burst.fast + 1 >= {int(BURST_LIMIT)})"
    is_busy = f"(%(address)s <> '' AND burst.within_minutes + 1 >= {int(BUSY_LIMIT)})"
    values[columns.index("flags")] = (
        f"CASE WHEN {is_burst} THEN %(flags_burst)s::jsonb "
        f"WHEN {is_busy} THEN %(flags_busy)s::jsonb ELSE %(flags)s::jsonb END"
    )
    for held in ("held", "excluded"):
        n = columns.index(held)
        values[n] = f"({is_burst} OR {values[n]})"
    counted = "(SELECT * FROM inserted WHERE NOT excluded)"
    totals, touched = totals_ctes(counted, sign=+1, schema=schema)
    writes = [*totals, _opened_cte(schema)] if opens_case else totals
    return Numbered.of(f"""
WITH target AS (
  SELECT p.id AS service_point_id, s.id AS service_id, q.id AS questionnaire_id, p.agency_id
    FROM {point_of_code(schema)}
    JOIN {in_schema("surveys_service", schema)} s ON {SERVICE_OF_POINT}
    JOIN {in_schema("surveys_questionnaire", schema)} q ON {VERSION_SENT}
   WHERE {POINT_ACTIVE}
     AND (%(extras_checked)s::boolean OR NOT EXISTS (
       SELECT 1 FROM {in_schema("surveys_question", schema)} x
        WHERE x.questionnaire_id = q.id AND x.kind <> 'element' AND x.required))
), covering AS (
  SELECT locked FROM {in_schema("surveys_period", schema)}
   WHERE starts_on <= %(day)s::date AND ends_on >= %(day)s::date FOR SHARE
), burst AS (
  SELECT count(*) AS within_minutes,
         count(*) FILTER (WHERE r.submitted_at >= %(burst_since)s::timestamptz
                            AND r.flags ? '{Flag.FAST}') AS fast
    FROM {in_schema("surveys_response", schema)} r, target
   WHERE r.service_point_id = target.service_point_id AND r.address_hash = %(address)s
     AND r.submitted_at >= %(busy_since)s::timestamptz
), inserted AS (
  INSERT INTO {in_schema("surveys_response", schema)} ({", ".join(columns)})
  SELECT {", ".join(values)} FROM target, burst
   WHERE NOT EXISTS (SELECT 1 FROM covering WHERE locked)
  ON CONFLICT DO NOTHING
  RETURNING *
), {", ".join(writes)}
SELECT i.id, i.flags, i.held, {", ".join(f"i.{c}" for c in RESOLVED)}, {touched}
  FROM inserted i""")


def _store_params(response: Response, place: Place, now: datetime, case: Case | None) -> dict:
    params = _params(response, sent_fields(Response, RESOLVED), "v")
    if case is not None:
        params |= _params(case, sent_fields(Case, CASE_RESOLVED), "c")
    flags = Response._meta.get_field("flags")
    return params | {
        "code": place.code,
        "service": None if place.service_id is None else str(place.service_id),
        "version": str(place.version),
        "extras_checked": "true" if place.extras_checked else "false",
        "day": str(response.service_date),
        "address": response.address_hash,
        "fast": "true" if Flag.FAST in response.flags else "false",
        "burst_since": str(now - BURST_WINDOW),
        "busy_since": str(now - BUSY_WINDOW),
        "flags": as_text(flags, response.flags),
        "flags_burst": as_text(flags, [*response.flags, Flag.BURST]),
        "flags_busy": as_text(flags, [*response.flags, Flag.BUSY]),
    }


def response_store(response: Response, place: Place, *, now: datetime, case: Case | None) -> bool:
    """Insert the response (and its case) and add it to its totals, in one round trip.

    On the response it sets what the statement decided: its key, its flags (a
    burst's included), its counter, service and questionnaire. False when a
    part of the statement refused it; then nothing was written.
    """
    statement = _store_sql(connection.schema_name, case is not None)
    row = fetch_prepared(statement, _store_params(response, place, now, case))
    if row is None:
        return False
    response.pk, stored_flags, held, *ids, touched = row
    response.flags = Response._meta.get_field("flags").from_db_value(stored_flags, None, connection)
    response.held = response.excluded = held or response.excluded
    for column, value in zip(RESOLVED, ids, strict=True):
        setattr(response, column, value)
    response._state.adding = False
    counted = 0 if response.excluded else rows_per_response(response)
    if touched != counted:  # a bug; the response is stored already
        log.error("response %s touched %s totals rows", response.pk, touched)
    return True
