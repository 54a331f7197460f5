"""/kelola/bobot/: a regency admin chooses exact or legacy weights for its open periods.

A locked period keeps the policy it was locked with; the public results page
and the API name the policy of every figure they show; the change is audited.
"""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from sukma.access.models import AuditEvent, Membership, Role, User
from sukma.surveys import selectors
from sukma.surveys.models import Period, PeriodKind, SurveySettings
from sukma.surveys.structure import services as structure
from tests.api.conftest import api_client
from tests.conftest import TULUNGAGUNG_HOST, host_client
from tests.surveys.conftest import ALL_FOUR, submit

pytestmark = pytest.mark.django_db
URL = "/kelola/bobot/"


def year_period(year: int) -> Period:
    return Period.objects.create(
        kind=PeriodKind.YEAR,
        year=year,
        number=1,
        starts_on=datetime.date(year, 1, 1),
        ends_on=datetime.date(year, 12, 31),
    )


@pytest.fixture
def two_years(personas, dukcapil):
    """Last year answered and locked (with exact weights), this year answered and open."""
    point = dukcapil[3]
    today = timezone.localdate()
    last, this = year_period(today.year - 1), year_period(today.year)
    december = timezone.make_aware(datetime.datetime(today.year - 1, 12, 20, 10, 0))
    submit(point, ALL_FOUR, now=december)
    submit(point, ALL_FOUR, now=timezone.now())
    last = structure.period_lock(acting_user=personas.tulungagung_admin, period=last)
    connection.set_schema_to_public()
    return last, this


def figures(personas, *periods):
    connection.set_tenant(personas.tulungagung)
    out = [selectors.regency_figure(p).to_dict() for p in periods]
    connection.set_schema_to_public()
    return out


def choose(personas, policy: str, user=None):
    client = host_client(TULUNGAGUNG_HOST, user or personas.tulungagung_admin)
    return client.post(URL, {"policy": policy})


def test_the_choice_moves_open_periods_and_leaves_a_locked_one(personas, two_years):
    last, this = two_years
    locked_before, open_before = figures(personas, last, this)
    assert open_before["konversi"] == locked_before["konversi"] == "100.00"

    response = choose(personas, "legacy_0_11")
    assert response.status_code == 302

    locked_after, open_after = figures(personas, last, this)
    assert locked_after == locked_before  # kept: exact, 100.00
    assert open_after["policy"] == "legacy_0_11" and open_after["konversi"] == "99.00"


def test_the_change_is_audited_with_before_and_after(personas, two_years):
    choose(personas, "legacy_0_111")
    event = AuditEvent.objects.get(action="survey_settings.weight_policy")
    assert event.actor == personas.tulungagung_admin
    assert event.regency_id == personas.tulungagung.pk
    assert event.before["weight_policy"] == "exact"
    assert event.after["weight_policy"] == "legacy_0_111"


def test_the_page_lists_what_locked_periods_keep(personas, two_years):
    last, _this = two_years
    choose(personas, "legacy_0_11")
    html = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin).get(URL).content.decode()
    assert "bobot lama, 0,11 per unsur (legacy_0_11)" in html
    row = html.split(f'data-period="{last.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "(exact)" in row


def test_an_operator_reads_the_policy_but_cannot_change_it(personas, two_years, dukcapil):
    operator = User.objects.create_user("operator@dukcapil.tulungagungkab.go.id", "x-Rahasia-1")
    Membership.objects.create(
        user=operator,
        role=Role.AGENCY_OPERATOR,
        regency=personas.tulungagung,
        agency_id=dukcapil[0].pk,
    )
    client = host_client(TULUNGAGUNG_HOST, operator)
    page = client.get(URL)
    assert page.status_code == 200 and 'id="weight-form"' not in page.content.decode()
    assert choose(personas, "legacy_0_11", operator).status_code == 403
    connection.set_tenant(personas.tulungagung)
    assert SurveySettings.current().weight_policy == "exact"


@pytest.mark.parametrize("bad", ["", "legacy", "0.11", "exact'--"])
def test_a_bad_choice_is_an_error_on_the_form_never_a_500(personas, two_years, bad):
    response = choose(personas, bad)
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="survey_settings.weight_policy").exists()


def test_the_public_results_name_each_period_policy(personas, two_years):
    choose(personas, "legacy_0_11")
    html = host_client(TULUNGAGUNG_HOST).get("/hasil/").content.decode()
    current = html.split('id="policy-berjalan"', 1)[1].split("</p>", 1)[0]
    final = html.split('id="policy-final"', 1)[1].split("</p>", 1)[0]
    assert 'data-policy="legacy_0_11"' in current and "0,11 per unsur" in current
    assert 'data-policy="exact"' in final and "1/9 per unsur" in final


def test_the_api_names_the_policy_of_each_period(personas, two_years):
    last, this = two_years
    choose(personas, "legacy_0_11")
    client = api_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    open_figure = client.get("/api/v1/ikm/", {"period": this.pk}).json()["figure"]
    locked_figure = client.get("/api/v1/ikm/", {"period": last.pk}).json()["figure"]
    assert open_figure["policy"] == "legacy_0_11"
    assert locked_figure["policy"] == "exact"
