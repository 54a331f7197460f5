"""Reopening a locked period: the province's act only, with a reason, audited; then writes work."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from sukma.access.models import AuditEvent
from sukma.surveys.models import Period, Response
from sukma.surveys.structure import services as structure
from tests.conftest import PUBLIC_HOST, TULUNGAGUNG_HOST, host_client
from tests.followup.conftest import UNEVEN, submit


@pytest.fixture
def closed_month(dukcapil, personas):
    """This month, with one response, locked (as if it had ended)."""
    today = timezone.localdate()
    submit(dukcapil[3], UNEVEN)
    period = structure.period_create(
        acting_user=personas.tulungagung_admin, kind="month", year=today.year, number=today.month
    )
    return structure.period_lock(
        acting_user=personas.tulungagung_admin,
        period=period,
        today=period.ends_on + datetime.timedelta(days=1),
    )


def url(personas, period):
    return f"/kabupaten-kota/{personas.tulungagung.pk}/periode/{period.pk}/buka/"


def page(personas):
    return f"/kabupaten-kota/{personas.tulungagung.pk}/periode/"


def test_the_regency_page_links_to_its_periods_which_list_the_locked_one(closed_month, personas):
    client = host_client(PUBLIC_HOST, personas.province_admin, HTTP_ACCEPT_LANGUAGE="en")
    detail = client.get(f"/kabupaten-kota/{personas.tulungagung.pk}/").content.decode()
    assert page(personas) in detail
    listing = client.get(page(personas))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert f'id="period-{closed_month.pk}" data-locked="true"' in html
    assert url(personas, closed_month) in html


def test_a_province_admin_reopens_with_a_reason_and_it_is_audited(closed_month, personas):
    client = host_client(PUBLIC_HOST, personas.province_admin, HTTP_ACCEPT_LANGUAGE="en")
    field = f"p{closed_month.pk}-reason"
    assert client.post(url(personas, closed_month), {field: "  "}).status_code == 400
    connection.set_tenant(personas.tulungagung)
    assert Period.objects.get(pk=closed_month.pk).locked
    answer = client.post(url(personas, closed_month), {field: "Data susulan dari loket"})
    assert answer.status_code == 302
    connection.set_tenant(personas.tulungagung)
    assert not Period.objects.get(pk=closed_month.pk).locked
    event = AuditEvent.objects.get(action="period.unlocked")
    assert event.actor_id == personas.province_admin.pk
    assert event.regency_id == personas.tulungagung.pk
    assert event.after["reason"] == "Data susulan dari loket"


def test_a_regency_admin_may_not_reopen(closed_month, personas):
    for host in (PUBLIC_HOST, TULUNGAGUNG_HOST):
        client = host_client(host, personas.tulungagung_admin)
        answer = client.post(url(personas, closed_month), {f"p{closed_month.pk}-reason": "x"})
        assert answer.status_code in (403, 404)
    connection.set_tenant(personas.tulungagung)
    with pytest.raises(PermissionDenied):
        structure.period_unlock(
            acting_user=personas.tulungagung_admin, period=closed_month, reason="Mau ubah"
        )
    assert Period.objects.get(pk=closed_month.pk).locked
    assert not AuditEvent.objects.filter(action="period.unlocked").exists()
    kediri = host_client(PUBLIC_HOST, personas.kediri_admin)
    assert kediri.get(page(personas)).status_code == 403


def test_after_reopening_writes_work_again(closed_month, personas, dukcapil):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        submit(dukcapil[3], UNEVEN)
    structure.period_unlock(
        acting_user=personas.province_admin, period=closed_month, reason="Data susulan"
    )
    submit(dukcapil[3], UNEVEN)
    assert Response.objects.count() == 2
    api = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    first = Response.objects.order_by("pk").first()
    answer = api.post(f"/api/v1/responses/{first.pk}/exclude/", {"reason": "Diisi petugas loket"})
    assert answer.status_code == 200, answer.content
    connection.set_tenant(personas.tulungagung)
    assert Response.objects.get(pk=first.pk).excluded
