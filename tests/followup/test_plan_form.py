"""A plan is edited as one form: every item saved together, and a stale save is refused.

Issue 19 measured that with items 1 and 2 filled in, saving item 1 erased
item 2 (each item had its own form). Two people editing the same plan: the
second save is told, in Indonesian, that the plan changed, and loses nothing.
"""

import datetime
import re

import pytest
from django.db import connection

from sukma.access.models import AuditEvent
from sukma.surveys.followup import selectors
from sukma.surveys.followup import services as rtl
from sukma.surveys.followup.models import FollowUpItem, FollowUpPlan, PlanStatus
from tests.conftest import TULUNGAGUNG_HOST, host_client
from tests.followup.conftest import lock


@pytest.fixture
def plan(answered_march, dukcapil, personas):
    lock(answered_march, personas.tulungagung_admin)
    plan, _created = rtl.plan_start(
        acting_user=personas.tulungagung_admin, agency=dukcapil[0], period=answered_march
    )
    return plan


def client(user, language="id"):
    return host_client(TULUNGAGUNG_HOST, user, HTTP_ACCEPT_LANGUAGE=language)


def revision_on(html: str) -> str:
    return re.search(r'name="revision" value="(\d+)"', html).group(1)


def form_data(plan, revision, **filled) -> dict:
    """The whole plan form as the page posts it: every item, filled or left empty."""
    data = {"action": "save", "revision": revision}
    for item in plan.items.all():
        prefix = f"i{item.pk}"
        values = filled.get(item.element_code, {})
        data.update(
            {
                f"{prefix}-planned_action": values.get("planned_action", ""),
                f"{prefix}-deadline": values.get("deadline", ""),
                f"{prefix}-responsible": values.get("responsible", ""),
            }
        )
        if values.get("acts_on"):
            data[f"{prefix}-acts_on"] = "on"
    return data


U8 = {
    "acts_on": True,
    "planned_action": "Tambah petugas loket",
    "deadline": "2025-09-30",
    "responsible": "Kabid Pelayanan",
}
U3 = {
    "acts_on": True,
    "planned_action": "Standar waktu dipasang di loket",
    "deadline": "2025-10-31",
    "responsible": "Sekretaris Dinas",
}


def stored(personas, plan, code) -> FollowUpItem:
    connection.set_tenant(personas.tulungagung)
    return FollowUpItem.objects.get(plan=plan, element_code=code)


def test_one_save_stores_every_item_filled_in(plan, personas, dukcapil, operator_of):
    operator = client(operator_of(dukcapil[0]))
    page = operator.get(f"/rtl/{plan.pk}/")
    answer = operator.post(
        f"/rtl/{plan.pk}/", form_data(plan, revision_on(page.content.decode()), U8=U8, U3=U3)
    )
    assert answer.status_code == 302
    assert stored(personas, plan, "U8").planned_action == "Tambah petugas loket"
    assert stored(personas, plan, "U3").planned_action == "Standar waktu dipasang di loket"
    assert stored(personas, plan, "U3").responsible == "Sekretaris Dinas"
    # One save, one audit row for the plan, listing what changed.
    assert AuditEvent.objects.filter(action="followup.plan.saved").count() == 1


def test_saving_one_item_later_keeps_what_another_item_holds(plan, personas, dukcapil):
    admin = client(personas.tulungagung_admin)
    first = admin.get(f"/rtl/{plan.pk}/").content.decode()
    admin.post(f"/rtl/{plan.pk}/", form_data(plan, revision_on(first), U8=U8, U3=U3))
    page = admin.get(f"/rtl/{plan.pk}/").content.decode()
    assert "Standar waktu dipasang di loket" in page  # the page shows U3 back to be posted again
    changed = {**U8, "planned_action": "Tambah dua petugas loket"}
    admin.post(f"/rtl/{plan.pk}/", form_data(plan, revision_on(page), U8=changed, U3=U3))
    assert stored(personas, plan, "U8").planned_action == "Tambah dua petugas loket"
    assert stored(personas, plan, "U3").planned_action == "Standar waktu dipasang di loket"


def test_the_second_of_two_editors_is_told_in_indonesian_and_loses_nothing(
    plan, personas, dukcapil, operator_of
):
    admin = client(personas.tulungagung_admin)
    operator = client(operator_of(dukcapil[0]))
    seen_by_admin = revision_on(admin.get(f"/rtl/{plan.pk}/").content.decode())
    seen_by_operator = revision_on(operator.get(f"/rtl/{plan.pk}/").content.decode())
    assert admin.post(f"/rtl/{plan.pk}/", form_data(plan, seen_by_admin, U8=U8)).status_code == 302

    late = operator.post(f"/rtl/{plan.pk}/", form_data(plan, seen_by_operator, U3=U3))
    assert late.status_code == 409
    html = late.content.decode()
    assert "Rencana ini sudah diubah orang lain sejak Anda membukanya" in html
    assert "Standar waktu dipasang di loket" in html  # what the operator typed is still there
    assert "Tambah petugas loket" in html  # and what the admin saved is shown beside it
    assert stored(personas, plan, "U8").planned_action == "Tambah petugas loket"
    assert stored(personas, plan, "U3").planned_action == ""

    # Posting again from that page (it carries the new revision) keeps both.
    again = operator.post(f"/rtl/{plan.pk}/", form_data(plan, revision_on(html), U8=U8, U3=U3))
    assert again.status_code == 302
    assert stored(personas, plan, "U8").planned_action == "Tambah petugas loket"
    assert stored(personas, plan, "U3").planned_action == "Standar waktu dipasang di loket"


def test_a_stale_save_through_the_service_changes_nothing(plan, personas):
    admin = personas.tulungagung_admin
    u8 = plan.items.get(element_code="U8")
    rtl.plan_save(
        acting_user=admin,
        plan=plan,
        revision=plan.revision,
        items={u8.pk: {"acts_on": True, "planned_action": "Pertama"}},
    )
    with pytest.raises(rtl.PlanChanged):
        rtl.plan_save(
            acting_user=admin,
            plan=plan,
            revision=plan.revision,
            items={u8.pk: {"planned_action": "Kedua"}},
        )
    assert FollowUpItem.objects.get(pk=u8.pk).planned_action == "Pertama"


def test_one_bad_item_refuses_the_whole_save(plan, personas, dukcapil, operator_of):
    operator = client(operator_of(dukcapil[0]))
    revision = revision_on(operator.get(f"/rtl/{plan.pk}/").content.decode())
    early = {**U3, "deadline": "2025-01-01"}  # before the period's end
    answer = operator.post(f"/rtl/{plan.pk}/", form_data(plan, revision, U8=U8, U3=early))
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "Tambah petugas loket" in html and "Standar waktu dipasang di loket" in html
    assert stored(personas, plan, "U8").planned_action == ""
    connection.set_tenant(personas.tulungagung)
    assert FollowUpPlan.objects.get(pk=plan.pk).revision == int(revision)


@pytest.mark.parametrize(
    "garbage",
    [
        {"revision": "abc"},
        {"revision": ""},
        {"revision": "99999999999999999999999"},
        {"action": "save"},
        {"i999999-planned_action": "x"},
    ],
)
def test_malformed_posts_get_a_clear_answer_and_change_nothing(plan, personas, garbage):
    admin = client(personas.tulungagung_admin)
    revision = revision_on(admin.get(f"/rtl/{plan.pk}/").content.decode())
    data = {**form_data(plan, revision, U8=U8), **garbage}
    if garbage == {"action": "save"}:
        data = garbage
    answer = admin.post(f"/rtl/{plan.pk}/", data)
    assert answer.status_code in (302, 400, 409)
    if answer.status_code != 302:
        assert b"<main" in answer.content or b"<html" in answer.content
    if "i999999-planned_action" not in garbage:
        assert stored(personas, plan, "U8").planned_action == ""


def test_realisation_of_every_item_is_saved_together_once_approved(plan, personas):
    admin = personas.tulungagung_admin
    items = {i.element_code: i for i in plan.items.all()}
    plan = rtl.plan_save(
        acting_user=admin,
        plan=plan,
        revision=plan.revision,
        items={
            items["U8"].pk: {**U8, "deadline": datetime.date(2025, 9, 30)},
            items["U3"].pk: {**U3, "deadline": datetime.date(2025, 10, 31)},
        },
    )
    plan = rtl.plan_transition(acting_user=admin, plan=plan, to=PlanStatus.APPROVED)
    page = client(admin).get(f"/rtl/{plan.pk}/")
    data = {"action": "save", "revision": revision_on(page.content.decode())}
    for code, text in (("U8", "Dua petugas ditambah"), ("U3", "Papan standar dipasang")):
        data[f"i{items[code].pk}-realisation"] = text
        data[f"i{items[code].pk}-realised_at"] = "2025-06-02"
    assert client(admin).post(f"/rtl/{plan.pk}/", data).status_code == 302
    assert stored(personas, plan, "U8").realisation == "Dua petugas ditambah"
    assert stored(personas, plan, "U3").realisation == "Papan standar dipasang"
    assert selectors.plan_get(plan.pk).items.get(element_code="U8").acts_on
