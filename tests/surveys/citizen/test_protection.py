"""What protection.py keeps: the started stamp, and the rate limit's count in Redis (kept
connections that outlive what Redis forgets)."""

import datetime
import itertools

import pytest
from django.core.cache import cache

from sukma.surveys.citizen import protection
from sukma.surveys.citizen.protection import over_limit, rate_key, started_at, started_stamp

SCOPE = "test-rate"
_addresses = itertools.count(1)


@pytest.fixture
def address():
    value = f"203.0.113.{next(_addresses) % 250 + 1}"
    cache.delete(rate_key(SCOPE, value))
    yield value
    cache.delete(rate_key(SCOPE, value))


def count(address: str) -> int:
    return cache.get(rate_key(SCOPE, address))


def test_the_limit_counts_each_request_and_says_when_it_is_passed(address):
    assert [over_limit(SCOPE, address, limit=2, window=60) for _ in range(4)] == [
        False,
        False,
        True,
        True,
    ]
    assert count(address) == 4


def test_a_count_goes_on_after_redis_forgets_its_script(address):
    over_limit(SCOPE, address, limit=5, window=60)
    cache._cache.get_client(write=True).script_flush()
    assert not over_limit(SCOPE, address, limit=5, window=60)
    assert count(address) == 2  # counted, not skipped


def test_a_count_goes_on_after_redis_closes_the_kept_connection(address, caplog):
    over_limit(SCOPE, address, limit=5, window=60)
    kept = protection._redis_connection()
    kept.send_command("CLIENT", "ID")
    client_id = kept.read_response()
    cache._cache.get_client(write=True).client_kill_filter(_id=client_id)
    with caplog.at_level("WARNING", logger="sukma.surveys.citizen.protection"):
        over_limit(SCOPE, address, limit=5, window=60)
    assert count(address) == 2
    assert "limit skipped" not in caplog.text


def test_with_redis_unreachable_the_limit_is_skipped_never_the_request(address, settings):
    settings.CACHES = {  # nothing listens on port 1
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    assert over_limit(SCOPE, address, limit=0, window=60) is False


def test_the_started_stamp_dates_the_form_to_the_second():
    now = datetime.datetime.now(datetime.UTC)
    opened = started_at(started_stamp(), now + datetime.timedelta(seconds=30))
    assert abs((opened - now).total_seconds()) <= 1


@pytest.mark.parametrize(
    "stamp",
    ["", None, "not-signed", "1700000000", "1700000000:" + "0" * 64, "9" * 500, "١٧٠٠:ab", "1:é"],
)
def test_a_missing_or_forged_started_stamp_is_none(stamp):
    now = datetime.datetime.now(datetime.UTC)
    assert started_at(stamp, now) is None  # the response is held: see test_stuffing.py


def test_a_stamp_edited_to_an_earlier_time_is_none():
    seconds, signature = started_stamp().split(":")
    earlier = f"{int(seconds) - 600}:{signature}"
    now = datetime.datetime.now(datetime.UTC)
    assert started_at(earlier, now) is None


def test_a_stamp_from_the_future_counts_as_now():
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    assert started_at(started_stamp(), now) == now
