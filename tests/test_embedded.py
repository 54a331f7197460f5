"""The embedded default: with no DATABASE_URL and no REDIS_URL the app brings its own servers.

`make smoke` runs this with neither variable set (SUKMA_EXPECT_EMBEDDED=1);
the full suite runs it against whatever the variables name.
"""

import os

import pytest
import redis
from django.conf import settings
from django.db import connection

from sukma import embedded

EXPECT_EMBEDDED = os.environ.get("SUKMA_EXPECT_EMBEDDED") == "1"

pytestmark = pytest.mark.django_db


def test_database_is_the_one_the_environment_chose(personas):
    host = connection.settings_dict["HOST"]
    if EXPECT_EMBEDDED:
        assert host.startswith(str(embedded.VAR_DIR)), host
    else:
        assert host == "127.0.0.1" or not host.startswith(str(embedded.VAR_DIR))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s",
            [personas.tulungagung.schema_name],
        )
        assert cursor.fetchone()[0] == 1


def test_broker_is_the_one_the_environment_chose():
    if EXPECT_EMBEDDED:
        assert f"redis+socket://{embedded.REDIS_SOCKET}" == settings.CELERY_BROKER_URL
        client = redis.Redis(unix_socket_path=str(embedded.REDIS_SOCKET))
    else:
        assert os.environ["REDIS_URL"] == settings.CELERY_BROKER_URL
        client = redis.Redis.from_url(os.environ["REDIS_URL"])
    assert client.ping()
