"""The daily purge of respondents' hashes, through a real Celery worker: the dispatcher fans
out one message per regency with its schema, and each regency's old hashes are cleared."""

import datetime
import time

import pytest
from django.db import connection
from django.utils import timezone

from sukma.surveys.models import HashKey, Response
from sukma.worker.tasks_privacy import purge_hashes
from tests.cleanup import remove_agency
from tests.factories import counter_create
from tests.surveys.conftest import ALL_FOUR, submit

pytestmark = pytest.mark.worker


def _hashes(personas, pk):
    connection.set_tenant(personas.tulungagung)
    try:
        return Response.objects.values_list("device_hash", "address_hash").get(pk=pk)
    finally:
        connection.set_schema_to_public()


def test_the_worker_clears_old_hashes_in_every_regency(personas, committed, celery_worker):
    point = counter_create(personas.tulungagung, "PH")
    try:
        connection.set_tenant(personas.tulungagung)
        now = timezone.now()
        day = timezone.localdate(now) - datetime.timedelta(days=20)
        old = submit(point, ALL_FOUR, now=now, day=day, token="phone-p", address="198.51.100.7")
        assert old.device_hash and old.address_hash
        connection.set_schema_to_public()

        later = (timezone.localdate(now) + datetime.timedelta(days=40)).isoformat()
        schemas = purge_hashes.delay(today=later).get(timeout=30)
        assert {personas.tulungagung.schema_name, personas.kediri.schema_name} <= set(schemas)
        deadline = time.monotonic() + 30
        while _hashes(personas, old.pk) != ("", "") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _hashes(personas, old.pk) == ("", "")
        connection.set_tenant(personas.tulungagung)
        assert not HashKey.objects.filter(starts_on__lte=day).exists()
    finally:
        connection.set_schema_to_public()
        remove_agency(personas.tulungagung, point.agency_id)
