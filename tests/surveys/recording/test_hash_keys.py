"""The keys of the respondents' hashes are random, rotate, and are destroyed with the hashes.

An address hashed under a key derived from SECRET_KEY could be recovered by anyone holding
SECRET_KEY (2^32 addresses); these keys live in the regency's schema for their period only.
"""

import datetime
import hashlib
import hmac

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from sukma.surveys.citizen.submission import respondent_hash
from sukma.surveys.models import HashKey, Response
from sukma.surveys.recording.hash_keys import ADDRESS, DEVICE, hash_key, hashes_purge
from tests.surveys.conftest import ALL_FOUR, submit

NOW = timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0))
TODAY = datetime.date(2026, 11, 20)


def test_keys_are_random_not_derived_from_the_secret_key(in_tulungagung):
    key = hash_key(ADDRESS, TODAY)
    assert len(key) == 32
    derived = hashlib.sha256(f"{settings.SECRET_KEY}:address:{TODAY}".encode()).digest()
    assert key != derived
    assert hash_key(ADDRESS, TODAY) == key  # the same day: the same key


def test_the_address_key_changes_daily_and_the_device_key_monthly(in_tulungagung):
    assert hash_key(ADDRESS, TODAY) != hash_key(ADDRESS, TODAY + datetime.timedelta(days=1))
    assert hash_key(DEVICE, TODAY) == hash_key(DEVICE, datetime.date(2026, 11, 30))
    assert hash_key(DEVICE, TODAY) != hash_key(DEVICE, datetime.date(2026, 12, 1))


def test_each_regency_has_keys_of_its_own(personas, db):
    connection.set_tenant(personas.tulungagung)
    tulungagung = hash_key(DEVICE, TODAY)
    connection.set_tenant(personas.kediri)
    kediri = hash_key(DEVICE, TODAY)
    connection.set_schema_to_public()
    assert tulungagung != kediri


def test_stored_hashes_are_made_with_the_periods_key(dukcapil):
    point = dukcapil[3]
    stored = submit(point, ALL_FOUR, now=NOW, token="phone-1", address="203.0.113.9")
    device = hmac.new(hash_key(DEVICE, TODAY), b"phone-1", "sha256").hexdigest()
    address = hmac.new(hash_key(ADDRESS, TODAY), b"203.0.113.9", "sha256").hexdigest()
    assert (stored.device_hash, stored.address_hash) == (device, address)
    assert stored.device_hash == respondent_hash(DEVICE, "phone-1", TODAY)


def test_a_late_answer_for_the_same_day_is_still_one_per_device(dukcapil):
    """The device's key follows the service date, so the day after still finds the first."""
    point = dukcapil[3]
    submit(point, ALL_FOUR, now=NOW, token="phone-1", day=TODAY)
    next_month = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0))
    with pytest.raises(Exception, match="device"):
        submit(point, ALL_FOUR, now=next_month, token="phone-1", day=TODAY)


def test_the_purge_clears_old_hashes_and_deletes_keys_whose_period_is_over(dukcapil):
    point = dukcapil[3]
    old_day = TODAY - datetime.timedelta(days=20)
    old = submit(point, ALL_FOUR, now=NOW, day=old_day, token="phone-1", address="203.0.113.9")
    recent = submit(point, ALL_FOUR, now=NOW, token="phone-2", address="203.0.113.9")
    hash_key(ADDRESS, TODAY - datetime.timedelta(days=2))
    hash_key(DEVICE, datetime.date(2026, 9, 3))

    removed = hashes_purge(today=TODAY, keep_days=14)

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.device_hash, old.address_hash) == ("", "")
    assert recent.device_hash and recent.address_hash
    kept = set(HashKey.objects.values_list("purpose", "starts_on"))
    assert (ADDRESS, TODAY) in kept  # today's address key is in use
    assert (ADDRESS, TODAY - datetime.timedelta(days=2)) not in kept
    assert (DEVICE, datetime.date(2026, 11, 1)) in kept  # this month's
    assert (DEVICE, datetime.date(2026, 10, 1)) not in kept  # its month ended 20 days ago
    assert (DEVICE, datetime.date(2026, 9, 1)) not in kept
    assert removed == {"hashes_cleared": 1, "keys_deleted": 3}
    # The answers themselves are untouched, and a second run finds nothing to do.
    assert old.u1 == 4 and Response.objects.count() == 2
    assert hashes_purge(today=TODAY, keep_days=14) == {"hashes_cleared": 0, "keys_deleted": 0}


def test_hashes_are_kept_as_long_as_a_late_answer_may_come(settings):
    from sukma.surveys.citizen.submission import OLDEST_SERVICE_DAYS

    assert settings.HASH_KEEP_DAYS >= OLDEST_SERVICE_DAYS
