"""Refresh requests cannot pile up: one run at a time (later requests join it), and a limit per
person that an honest province admin never meets (issue 21: one token made 900 runs in ten
minutes). Through the API and the dashboard's button, with the message sending counted."""

from datetime import timedelta
from unittest import mock

import pytest
from django.test import override_settings
from django.utils import timezone

from sukma import background
from sukma.platform.rankings import services
from sukma.platform.rankings.models import RefreshKind, RefreshRun, RunState
from tests.api.conftest import api_client, assert_error_shape
from tests.conftest import PUBLIC_HOST

pytestmark = pytest.mark.django_db

REFRESH = "/api/v1/rankings/refresh/"


@pytest.fixture
def sent():
    """The refreshes handed to the queue: background.send is where every message leaves."""
    with mock.patch.object(background, "send") as send:
        yield send


def _finish_every_run():
    RefreshRun.objects.exclude(state=RunState.DONE).update(
        state=RunState.DONE, finished_at=timezone.now()
    )


def test_a_second_request_joins_the_waiting_run_and_sends_nothing(province_api, personas, sent):
    first = province_api.post(REFRESH, {"kind": "incremental"}, format="json")
    second = province_api.post(REFRESH, {"kind": "full"}, format="json")

    assert first.status_code == second.status_code == 202
    assert first.json()["joined"] is False and first.json()["detail"] == ""
    assert second.json()["id"] == first.json()["id"] and second.json()["joined"] is True
    assert second.json()["status_url"] == first.json()["status_url"]
    assert "sudah" in second.json()["detail"]  # said so, in Indonesian
    assert RefreshRun.objects.count() == 1 and sent.call_count == 1


def test_a_request_joins_a_running_run_even_one_beat_started(province_api, sent):
    running = RefreshRun.objects.create(kind=RefreshKind.INCREMENTAL, state=RunState.RUNNING)
    response = province_api.post(REFRESH, {}, format="json")
    assert response.json()["id"] == str(running.pk) and response.json()["joined"] is True
    assert RefreshRun.objects.count() == 1 and sent.call_count == 0


def test_once_the_run_is_over_a_request_starts_a_new_one(province_api, sent):
    first = province_api.post(REFRESH, {}, format="json").json()
    _finish_every_run()
    again = province_api.post(REFRESH, {}, format="json").json()
    assert again["id"] != first["id"] and again["joined"] is False
    assert RefreshRun.objects.count() == 2 and sent.call_count == 2


def test_the_dashboard_button_joins_the_waiting_run_and_says_so(province_client, sent):
    first = province_client.post("/peringkat/segarkan/")
    second = province_client.post("/peringkat/segarkan/", follow=True)
    run = RefreshRun.objects.get()
    assert first["Location"] == f"/peringkat/segarkan/{run.pk}/"
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "permintaan Anda bergabung" in second.content.decode()
    assert sent.call_count == 1


def test_an_honest_admin_refreshing_a_few_times_an_hour_is_never_refused(province_api, sent):
    for _ in range(5):
        response = province_api.post(REFRESH, {}, format="json")
        assert response.status_code == 202 and response.json()["joined"] is False
        _finish_every_run()
    # Clicking again and again while a run goes joins it and costs nothing against the limit.
    for _ in range(30):
        response = province_api.post(REFRESH, {}, format="json")
        assert response.status_code == 202
    assert RefreshRun.objects.count() == 6


@override_settings(SUKMA_REFRESH_LIMIT=10, SUKMA_REFRESH_WINDOW=3600)
def test_past_the_limit_a_new_run_is_a_429_in_indonesian_with_retry_after(
    province_api, personas, sent
):
    for _ in range(10):
        assert province_api.post(REFRESH, {}, format="json").json()["joined"] is False
        _finish_every_run()
    # The oldest of the ten leaves the window in about 50 minutes.
    oldest = RefreshRun.objects.order_by("created_at").first()
    RefreshRun.objects.filter(pk=oldest.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )

    refused = province_api.post(REFRESH, {}, format="json")

    body = assert_error_shape(refused, 429)
    assert "10 kali penyegaran" in body["detail"] and "coba lagi" in body["detail"]
    assert 49 * 60 <= int(refused["Retry-After"]) <= 50 * 60 + 1
    assert RefreshRun.objects.count() == 10 and sent.call_count == 10  # nothing new
    english = api_client(PUBLIC_HOST, personas.province_admin, language="en")
    assert "refreshes of the rankings" in english.post(REFRESH, {}, format="json").json()["detail"]


@override_settings(SUKMA_REFRESH_LIMIT=3, SUKMA_REFRESH_WINDOW=3600)
def test_old_runs_and_runs_the_queue_refused_do_not_count(province_api, personas, sent):
    admin = personas.province_admin
    long_ago = timezone.now() - timedelta(hours=2)
    for _ in range(3):
        old = RefreshRun.objects.create(started_by=admin, state=RunState.DONE)
        RefreshRun.objects.filter(pk=old.pk).update(created_at=long_ago)
        RefreshRun.objects.create(
            started_by=admin, state=RunState.FAILED, error=services.QUEUE_UNREACHABLE
        )
    assert province_api.post(REFRESH, {}, format="json").status_code == 202


@override_settings(SUKMA_REFRESH_LIMIT=2, SUKMA_REFRESH_WINDOW=3600)
def test_the_limit_is_each_persons_and_the_page_answers_429_too(
    province_client, province_api, personas, sent
):
    for _ in range(2):
        province_api.post(REFRESH, {}, format="json")
        _finish_every_run()
    page = province_client.post("/peringkat/segarkan/")  # the same admin, signed in
    assert page.status_code == 429 and page["Retry-After"]
    assert "10 kali" not in page.content.decode() and "2 kali penyegaran" in page.content.decode()
    # A run already going is still shown to them: joining is never refused.
    RefreshRun.objects.create(state=RunState.RUNNING)
    assert province_client.post("/peringkat/segarkan/").status_code == 302
