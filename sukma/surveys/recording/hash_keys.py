"""The keys of the respondents' device and address hashes: random, rotated, destroyed.

A hash of an IPv4 address under a key derived from SECRET_KEY can be reversed by anyone who
holds SECRET_KEY, by hashing all 2^32 addresses. So each key here is random and lives in
the regency's own schema for one period only: the address key for one day (the burst and
busy rules look back minutes), the device key for the calendar month of the service date
(the once-a-day rule compares hashes made for the same service date, so both must come from
the same key even when one arrives after midnight). `hashes_purge`, run daily by the
worker, deletes keys whose period is over and clears the hashes themselves once they are
HASH_KEEP_DAYS old: after that nothing links a response to a device or an address.
"""

import datetime
import functools
import secrets

from django.conf import settings
from django.db import connection

from sukma.surveys.models import HashKey, Response
from sukma.surveys.recording.prepared import Numbered, fetch_prepared, in_schema

ADDRESS = "address"
DEVICE = "device"

# Keys already read by this process, by (schema, purpose, period start): one query a day.
_known: dict[tuple[str, str, datetime.date], bytes] = {}
_KNOWN_MAX = 512


def period_start(purpose: str, day: datetime.date) -> datetime.date:
    return day if purpose == ADDRESS else day.replace(day=1)


def hash_key(purpose: str, day: datetime.date) -> bytes:
    """The key of `purpose` for the period holding `day`, made on first use by any process."""
    start = period_start(purpose, day)
    known = (connection.schema_name, purpose, start)
    key = _known.get(known)
    if key is None:
        key = _stored_or_new(purpose, start)
        # Inside a transaction the new key may yet be rolled back: only a committed one is
        # kept, or this process would go on hashing with a key no other process has.
        if not connection.in_atomic_block:
            if len(_known) >= _KNOWN_MAX:
                _known.clear()
            _known[known] = key
    return key


@functools.cache
def _key_sql(schema: str) -> Numbered:
    """Insert a key unless the period has one, and read the period's key, in one statement.

    Named with its schema like the storing statement: the citizen's path sends no
    `SET search_path` (sukma/surveys/recording/prepared.py).
    """
    table = in_schema(HashKey._meta.db_table, schema)
    return Numbered.of(f"""
WITH made AS (
  INSERT INTO {table} (purpose, starts_on, secret)
  VALUES (%(purpose)s, %(starts)s::date, decode(%(secret)s, 'hex'))
  ON CONFLICT (purpose, starts_on) DO NOTHING
  RETURNING secret)
SELECT secret FROM made
UNION ALL
SELECT secret FROM {table} WHERE purpose = %(purpose)s AND starts_on = %(starts)s::date
LIMIT 1""")


def _stored_or_new(purpose: str, start: datetime.date) -> bytes:
    params = {"purpose": purpose, "starts": start.isoformat()}
    # Two processes may make a period's first key at once: the first insert wins for both.
    # The loser's statement may not yet see the winner's row (its snapshot is older): the
    # second try does.
    for _attempt in range(2):
        row = fetch_prepared(
            _key_sql(connection.schema_name), {**params, "secret": secrets.token_hex(32)}
        )
        if row is not None:
            return bytes(row[0])
    raise RuntimeError(f"no {purpose} key for {start}")


def hashes_purge(*, today: datetime.date, keep_days: int | None = None) -> dict[str, int]:
    """Delete the keys whose period is over; clear hashes older than `keep_days`.

    The address key of yesterday goes today (a day's grace for midnight); a device key goes
    `keep_days` after its month ends, so a late answer for a recent day is still compared
    with the same key. Returns how many hashes were cleared and keys deleted.
    """
    keep_days = settings.HASH_KEEP_DAYS if keep_days is None else keep_days
    cutoff = today - datetime.timedelta(days=keep_days)
    cleared = (
        Response.objects.filter(service_date__lt=cutoff)
        .exclude(device_hash="", address_hash="")
        .update(device_hash="", address_hash="")
    )
    gone_addresses, _ = HashKey.objects.filter(
        purpose=ADDRESS, starts_on__lt=today - datetime.timedelta(days=1)
    ).delete()
    gone_devices, _ = HashKey.objects.filter(
        purpose=DEVICE, starts_on__lt=cutoff.replace(day=1)
    ).delete()
    _known.clear()
    return {"hashes_cleared": cleared, "keys_deleted": gone_addresses + gone_devices}
