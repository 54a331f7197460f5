"""The RTL pages: operators their agency, admins all, Kediri's admin nothing."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from sukma.surveys.followup import services as rtl
from sukma.surveys.followup.models import FollowUpEvidence, FollowUpPlan, PlanStatus
from tests.conftest import TULUNGAGUNG_HOST, host_client
from tests.followup.conftest import lock
from tests.followup.test_plans import PDF, filled


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def plan(answered_march, dukcapil, personas):
    """March is a recap: locking it drafts nothing, so its agency starts the plan."""
    lock(answered_march, personas.tulungagung_admin)
    return rtl.plan_start(
        acting_user=personas.tulungagung_admin, agency=dukcapil[0], period=answered_march
    )[0]


def client(user):
    return host_client(TULUNGAGUNG_HOST, user, HTTP_ACCEPT_LANGUAGE="en")


def url(plan):
    return f"/rtl/{plan.pk}/"


def test_an_operator_sees_the_plan_of_their_agency_lowest_first(plan, dukcapil, operator_of):
    page = client(operator_of(dukcapil[0])).get(url(plan))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index('data-element="U8"') < html.index('data-element="U3"')
    assert "Approve the plan" not in html  # approval is the admin's
    listing = client(operator_of(dukcapil[0], email="op2@x.go.id")).get("/rtl/")
    assert f'data-id="{plan.pk}"' in listing.content.decode()


def test_an_operator_of_another_agency_and_kediris_admin_get_403(
    plan, dinkes, personas, operator_of
):
    other = operator_of(dinkes[0], email="operator@dinkes.tulungagungkab.go.id")
    assert client(other).get(url(plan)).status_code == 403
    assert f'data-id="{plan.pk}"' not in client(other).get("/rtl/").content.decode()
    moved = client(other).post(url(plan), {"action": "transition", "to": "approved"})
    assert moved.status_code == 403
    for path in (url(plan), "/rtl/"):
        page = client(personas.kediri_admin).get(path)
        assert page.status_code == 403 and b'data-element="U8"' not in page.content
    assert host_client(TULUNGAGUNG_HOST).get(url(plan)).status_code == 302


def test_an_operator_edits_and_the_admin_approves_through_the_page(
    plan, personas, dukcapil, operator_of
):
    operator = operator_of(dukcapil[0])
    connection.set_tenant(personas.tulungagung)
    u8 = plan.items.get(element_code="U8")
    p = f"i{u8.pk}"
    client(operator).post(
        url(plan),
        {
            "action": "save",
            "revision": plan.revision,
            f"{p}-acts_on": "on",
            f"{p}-planned_action": "Tambah petugas <script>alert(1)</script>",
            f"{p}-deadline": "2025-09-30",
            f"{p}-responsible": "Kabid Pelayanan",
        },
    )
    page = client(personas.tulungagung_admin).get(url(plan))
    assert b"<script>alert(1)</script>" not in page.content
    assert "Approve the plan" in page.content.decode()
    client(personas.tulungagung_admin).post(url(plan), {"action": "transition", "to": "approved"})
    connection.set_tenant(personas.tulungagung)
    assert FollowUpPlan.objects.get(pk=plan.pk).status == PlanStatus.APPROVED
    item = plan.items.get(element_code="U8")
    assert item.acts_on and item.deadline == datetime.date(2025, 9, 30)


def test_evidence_upload_checks_the_bytes_and_serves_only_to_those_who_may_see(
    plan, personas, dukcapil, dinkes, operator_of
):
    operator = operator_of(dukcapil[0])
    connection.set_tenant(personas.tulungagung)
    plan = filled(plan, personas.tulungagung_admin)
    rtl.plan_transition(acting_user=personas.tulungagung_admin, plan=plan, to="approved")
    u8 = plan.items.get(element_code="U8")
    fake = SimpleUploadedFile("laporan.pdf", b"<html><body>hi</body></html>", "application/pdf")
    revision = FollowUpPlan.objects.get(pk=plan.pk).revision
    page = client(operator).post(
        url(plan), {"action": "save", "revision": revision, f"i{u8.pk}-file": fake}
    )
    assert page.status_code == 400 and "PDF, JPEG or PNG" in page.content.decode()
    real = SimpleUploadedFile("sk.pdf", PDF, "application/pdf")
    saved = client(operator).post(
        url(plan), {"action": "save", "revision": revision, f"i{u8.pk}-file": real}
    )
    assert saved.status_code == 302
    connection.set_tenant(personas.tulungagung)
    evidence = FollowUpEvidence.objects.get()
    download = client(operator).get(f"/rtl/bukti/{evidence.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["X-Content-Type-Options"] == "nosniff"
    other = operator_of(dinkes[0], email="operator@dinkes.tulungagungkab.go.id")
    assert client(other).get(f"/rtl/bukti/{evidence.pk}/").status_code == 403
    assert client(personas.kediri_admin).get(f"/rtl/bukti/{evidence.pk}/").status_code == 403
