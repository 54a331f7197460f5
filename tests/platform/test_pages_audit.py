"""The audit log page: filters by regency, action, actor and dates; pages of fifty."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sukma.access.models import AuditEvent
from tests.conftest import PUBLIC_HOST, host_client
from tests.factories import signed_agreement

pytestmark = pytest.mark.django_db
AUDIT = reverse("audit_log", urlconf="sukma.urls.public")


@pytest.fixture
def client(personas):
    return host_client(PUBLIC_HOST, personas.province_admin, HTTP_ACCEPT_LANGUAGE="en")


def shown(client, **filters) -> list[AuditEvent]:
    response = client.get(AUDIT, filters)
    assert response.status_code == 200
    return list(response.context["page"].object_list)


def test_unfiltered_log_shows_the_newest_events_first(client):
    events = shown(client)
    assert events
    assert events == sorted(events, key=lambda e: (e.created_at, e.id), reverse=True)


def test_filter_by_regency_shows_only_that_regencys_events(personas, client):
    events = shown(client, regency=personas.kediri.pk)
    assert events
    assert {e.regency_id for e in events} == {personas.kediri.pk}


def test_filter_by_action(personas, client):
    events = shown(client, action="regency.registered")
    assert {e.action for e in events} == {"regency.registered"}
    assert {e.regency_id for e in events} >= {personas.kediri.pk, personas.tulungagung.pk}


def test_filter_by_actor_email_part(personas, client):
    signed_agreement(None, region_code="35.03", regency_name="Trenggalek")
    events = shown(client, actor="biro.organisasi")
    assert events
    assert {e.actor_id for e in events} == {personas.province_admin.pk}
    assert not any(e.regency and e.regency.region_code == "35.03" for e in events)


def test_filter_by_date_range_includes_both_whole_days(personas, client):
    old = AuditEvent.objects.filter(regency=personas.kediri).first()
    AuditEvent.objects.filter(pk=old.pk).update(
        created_at=timezone.make_aware(datetime.datetime(2026, 3, 1, 23, 30))
    )
    events = shown(client, date_from="2026-03-01", date_until="2026-03-01")
    assert [e.pk for e in events] == [old.pk]
    assert old.pk not in [e.pk for e in shown(client, date_from="2026-03-02")]


def test_invalid_date_filter_is_shown_without_a_server_error(client):
    response = client.get(AUDIT, {"date_from": "kemarin"})
    assert response.status_code == 200
    assert response.context["form"].errors["date_from"]


def test_log_is_paginated_and_pages_keep_the_filter(personas, client):
    events = [
        AuditEvent(action="test.bulk", target_type="x", target_id=str(i), regency=personas.kediri)
        for i in range(60)
    ]
    AuditEvent.objects.bulk_create(events)

    first = client.get(AUDIT, {"action": "test.bulk"})
    second = client.get(AUDIT, {"action": "test.bulk", "page": 2})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 10
    assert "action=test.bulk&amp;page=2" in first.content.decode()


def test_each_event_lists_what_it_changed(personas, client):
    response = client.get(AUDIT, {"action": "regency.active", "regency": personas.kediri.pk})
    _event, changes = response.context["rows"][0]
    assert ("status", "onboarding", "active") in changes
