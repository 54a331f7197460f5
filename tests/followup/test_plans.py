"""Follow-up plans (RTL): drafted lowest first, once; moved one step at a time.

When plans are drafted at all (a locked year, or started for a recap) is test_needs.py.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from sukma.access.models import AuditEvent
from sukma.surveys.followup import selectors
from sukma.surveys.followup import services as rtl
from sukma.surveys.followup.models import FollowUpEvidence, FollowUpPlan, PlanStatus
from sukma.surveys.selectors import agency_figure
from sukma.surveys.structure import services as structure
from tests.factories import pdf_bytes, png_bytes
from tests.followup.conftest import MARCH_2025, UNEVEN, lock, submit

PDF = pdf_bytes()
PNG = png_bytes()


def upload(name: str, data: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def filled(plan, user, codes=("U8",)):
    for item in plan.items.filter(element_code__in=codes):
        rtl.item_update(
            acting_user=user,
            item=item,
            acts_on=True,
            planned_action="Tambah petugas loket pada jam sibuk",
            deadline=datetime.date(2025, 9, 30),
            responsible="Kepala Bidang Pelayanan",
        )
    return FollowUpPlan.objects.get(pk=plan.pk)


@pytest.fixture
def plan(answered_march, dukcapil, personas):
    """March is a recap: locking it drafts nothing, so its agency starts the plan."""
    lock(answered_march, personas.tulungagung_admin)
    return rtl.plan_start(
        acting_user=personas.tulungagung_admin, agency=dukcapil[0], period=answered_march
    )[0]


# ---------------------------------------------------------------- drafting
def test_a_plan_is_drafted_listing_the_lowest_elements_first(plan, dukcapil):
    assert plan.status == PlanStatus.DRAFT
    codes = [item.element_code for item in plan.items.all()]
    assert codes[:3] == ["U8", "U3", "U2"]
    assert sorted(codes) == [f"U{i}" for i in range(1, 10)]
    result = agency_figure(plan.period, dukcapil[0]).result
    assert codes == [e.code for e in result.lowest_first()]
    first = plan.items.all()[0]
    assert first.nrr_konversi == Decimal("25.00") and first.mutu == "D"
    assert [i.position for i in plan.items.all()] == list(range(1, 10))
    assert plan.responses == 3 and plan.ikm_konversi == result.konversi
    assert AuditEvent.objects.filter(action="followup.plan.drafted").count() == 1


def test_locking_twice_drafts_nothing_twice(plan, answered_march, personas):
    lock(answered_march, personas.tulungagung_admin)
    rtl.plans_draft_for_period(acting_user=None, period=answered_march)
    assert FollowUpPlan.objects.count() == 1
    assert plan.items.count() == 9


def test_relocking_after_a_reopen_keeps_the_plan_and_what_was_written(
    plan, answered_march, dukcapil, personas
):
    filled(plan, personas.tulungagung_admin)
    structure.period_unlock(
        acting_user=personas.province_admin, period=answered_march, reason="Data susulan"
    )
    # A late answer lifts U8 above U3: the order follows, the text stays.
    submit(
        dukcapil[3],
        {**UNEVEN, "U8": 4, "U3": 1},
        day=datetime.date(2025, 3, 9),
        now=MARCH_2025,
    )
    submit(dukcapil[3], {**UNEVEN, "U8": 4}, day=datetime.date(2025, 3, 9), now=MARCH_2025)
    lock(answered_march, personas.tulungagung_admin)
    assert FollowUpPlan.objects.count() == 1
    plan = selectors.plan_for(dukcapil[0], answered_march)
    codes = [item.element_code for item in plan.items.all()]
    assert codes[:3] == ["U3", "U8", "U2"]
    u8 = plan.items.get(element_code="U8")
    assert u8.acts_on and u8.planned_action.startswith("Tambah petugas")
    assert plan.responses == 5 and plan.items.count() == 9


def test_a_plan_past_draft_is_left_alone_by_a_relock(plan, answered_march, personas):
    admin = personas.tulungagung_admin
    plan = filled(plan, admin)
    rtl.plan_transition(acting_user=admin, plan=plan, to=PlanStatus.APPROVED)
    structure.period_unlock(acting_user=personas.province_admin, period=answered_march, reason="x")
    lock(answered_march, admin)
    assert FollowUpPlan.objects.get().status == PlanStatus.APPROVED
    assert not AuditEvent.objects.filter(action="followup.plan.redrafted").exists()


# ---------------------------------------------------------------- transitions
def test_a_plan_moves_draft_approved_in_progress_done(plan, personas, dukcapil, operator_of):
    admin, operator = personas.tulungagung_admin, operator_of(dukcapil[0])
    plan = filled(plan, operator)
    plan = rtl.plan_transition(acting_user=admin, plan=plan, to=PlanStatus.APPROVED)
    assert plan.approved_by == admin.pk and plan.approved_at
    plan = rtl.plan_transition(acting_user=operator, plan=plan, to=PlanStatus.IN_PROGRESS)
    plan = rtl.plan_transition(acting_user=operator, plan=plan, to=PlanStatus.DONE)
    assert plan.status == PlanStatus.DONE and plan.done_at
    actions = AuditEvent.objects.filter(action__startswith="followup.plan.").values_list(
        "action", flat=True
    )
    assert {"followup.plan.approved", "followup.plan.in_progress", "followup.plan.done"} <= set(
        actions
    )


@pytest.mark.parametrize(
    "start,to",
    [
        (PlanStatus.DRAFT, PlanStatus.IN_PROGRESS),
        (PlanStatus.DRAFT, PlanStatus.DONE),
        (PlanStatus.APPROVED, PlanStatus.DRAFT),
        (PlanStatus.APPROVED, PlanStatus.DONE),
        (PlanStatus.DONE, PlanStatus.IN_PROGRESS),
        (PlanStatus.DONE, PlanStatus.DRAFT),
        (PlanStatus.DRAFT, "nonsense"),
    ],
)
def test_illegal_transitions_are_refused(plan, personas, start, to):
    FollowUpPlan.objects.filter(pk=plan.pk).update(status=start)
    with pytest.raises(ValidationError):
        rtl.plan_transition(acting_user=personas.tulungagung_admin, plan=plan, to=to)
    assert FollowUpPlan.objects.get(pk=plan.pk).status == start


def test_only_a_regency_admin_approves(plan, personas, dukcapil, operator_of):
    operator = operator_of(dukcapil[0])
    plan = filled(plan, operator)
    with pytest.raises(PermissionDenied):
        rtl.plan_transition(acting_user=operator, plan=plan, to=PlanStatus.APPROVED)
    with pytest.raises(PermissionDenied):
        rtl.plan_transition(acting_user=personas.kediri_admin, plan=plan, to=PlanStatus.APPROVED)
    assert FollowUpPlan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT


def test_a_plan_without_a_complete_action_is_not_approved(plan, personas):
    with pytest.raises(ValidationError):
        rtl.plan_transition(acting_user=personas.tulungagung_admin, plan=plan, to="approved")
    item = plan.items.get(element_code="U8")
    rtl.item_update(acting_user=personas.tulungagung_admin, item=item, acts_on=True)
    with pytest.raises(ValidationError) as error:
        rtl.plan_transition(acting_user=personas.tulungagung_admin, plan=plan, to="approved")
    assert "U8" in str(error.value)


# ---------------------------------------------------------------- editing
def test_an_operator_of_another_agency_may_not_edit(plan, personas, dinkes, operator_of):
    other = operator_of(dinkes[0], email="operator@dinkes.tulungagungkab.go.id")
    item = plan.items.first()
    with pytest.raises(PermissionDenied):
        rtl.item_update(acting_user=other, item=item, planned_action="Bukan urusan kami")
    with pytest.raises(PermissionDenied):
        rtl.item_update(acting_user=personas.kediri_admin, item=item, planned_action="x")
    assert not plan.items.exclude(planned_action="").exists()


def test_actions_are_fixed_once_approved_and_realisation_waits_for_approval(plan, personas):
    admin = personas.tulungagung_admin
    plan = filled(plan, admin)
    u8 = plan.items.get(element_code="U8")
    with pytest.raises(ValidationError):
        rtl.item_update(acting_user=admin, item=u8, realisation="Sudah")
    rtl.plan_transition(acting_user=admin, plan=plan, to="approved")
    with pytest.raises(ValidationError):
        rtl.item_update(acting_user=admin, item=u8, planned_action="Lain")
    rtl.item_update(
        acting_user=admin,
        item=u8,
        realisation="Dua petugas ditambah sejak Juni",
        realised_at=datetime.date(2025, 6, 2),
    )
    assert plan.items.get(element_code="U8").realisation.startswith("Dua petugas")
    assert AuditEvent.objects.filter(action="followup.item.updated").count() == 2


# ---------------------------------------------------------------- evidence
@pytest.fixture
def approved(plan, personas):
    plan = filled(plan, personas.tulungagung_admin)
    rtl.plan_transition(acting_user=personas.tulungagung_admin, plan=plan, to="approved")
    return plan.items.get(element_code="U8")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_pdf_and_a_png_are_accepted_and_audited(approved, personas, dukcapil, operator_of):
    operator = operator_of(dukcapil[0])
    pdf = rtl.evidence_add(acting_user=operator, item=approved, upload=upload("sk.pdf", PDF))
    png = rtl.evidence_add(
        acting_user=operator, item=approved, upload=upload("foto.PNG", PNG, "image/png")
    )
    assert (pdf.content_type, png.content_type) == ("application/pdf", "image/png")
    assert pdf.file.read() == PDF and pdf.uploaded_by == operator.pk
    assert not pdf.file.name.endswith("sk.pdf")  # stored under a name of our own
    assert AuditEvent.objects.filter(action="followup.evidence.added").count() == 2


@pytest.mark.parametrize(
    "name,data",
    [
        ("laporan.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("foto.jpg", PNG),  # a PNG calling itself a JPEG
        ("skrip.html", PDF),  # a PDF's bytes under another name
        ("kosong.pdf", b""),
        ("program.exe", b"MZ\x90\x00" + b"\x00" * 60),
        ("polyglot.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>"),
        ("header.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),  # a PNG's first bytes only
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused(approved, personas, name, data):
    with pytest.raises(ValidationError):
        rtl.evidence_add(
            acting_user=personas.tulungagung_admin, item=approved, upload=upload(name, data)
        )
    assert not FollowUpEvidence.objects.exists()


def test_a_file_over_5_mb_is_refused(approved, personas):
    big = PDF + b"0" * (rtl.MAX_EVIDENCE_BYTES)
    with pytest.raises(ValidationError) as error:
        rtl.evidence_add(
            acting_user=personas.tulungagung_admin, item=approved, upload=upload("b.pdf", big)
        )
    assert "5 MB" in str(error.value)
    assert not FollowUpEvidence.objects.exists()


def test_evidence_waits_for_approval_and_other_agencies_may_not_add(
    plan, personas, dinkes, operator_of
):
    item = plan.items.first()
    with pytest.raises(ValidationError):
        rtl.evidence_add(
            acting_user=personas.tulungagung_admin, item=item, upload=upload("a.pdf", PDF)
        )
    other = operator_of(dinkes[0], email="operator@dinkes.tulungagungkab.go.id")
    with pytest.raises(PermissionDenied):
        rtl.evidence_add(acting_user=other, item=item, upload=upload("a.pdf", PDF))


# ---------------------------------------------------------------- selectors for the report
def test_the_next_period_carries_the_previous_realisation(plan, answered_march, dukcapil, personas):
    admin = personas.tulungagung_admin
    plan = filled(plan, admin, codes=("U8", "U3"))
    rtl.plan_transition(acting_user=admin, plan=plan, to="approved")
    rtl.item_update(
        acting_user=admin,
        item=plan.items.get(element_code="U8"),
        realisation="Petugas ditambah",
        realised_at=datetime.date(2025, 6, 1),
    )
    april = structure.period_create(acting_user=admin, kind="month", year=2025, number=4)
    structure.period_create(acting_user=admin, kind="year", year=2025, number=1)
    previous = selectors.previous_period_realisation(dukcapil[0], april)
    assert previous.period == answered_march and previous.plan.pk == plan.pk
    assert [i.element_code for i in previous.items] == ["U8", "U3"]
    assert previous.realised_count == 1
    assert previous.items[0].realisation == "Petugas ditambah"
    none = selectors.previous_period_realisation(dukcapil[0], answered_march)
    assert not none.exists and none.items == []
