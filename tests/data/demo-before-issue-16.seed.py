"""Seeds the database that tests/data/demo-before-issue-16.sql.gz was dumped from.

Not a test and not run by one: it runs in the tree of commit 40f5baf (before issue 16 moved
the models), because it imports them from where they lived then. tests/test_upgrade.py says
how to run it and dump the result.

Two regencies of the demo, Tulungagung (35.04) and Kota Kediri (35.71), made by the old
code's own demo functions and services, with 60 responses a year instead of the demo's 600
so that the file stays small; then a row or more in the other tables a live deployment fills
(an agency operator and the invitation, answered and rejected complaints, an approved
follow-up plan with evidence, a report, the provincial rollup and rankings, a group, a
token, a session, an admin log entry).
"""

import datetime

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.authtoken.models import Token
from sukma.platform.services.memberships import (
    invitation_send,
    membership_grant,
    user_get_or_invite,
)

from sukma.platform import demo
from sukma.platform.models import Role, User
from sukma.surveys.complaints.models import Case, Status
from sukma.surveys.complaints.services import case_answer, case_note_add, case_transition
from sukma.surveys.followup.models import PlanStatus
from sukma.surveys.followup.services import (
    evidence_add,
    item_update,
    plan_transition,
    plans_draft_for_period,
)
from sukma.surveys.models import Agency, Period
from sukma.surveys.reports.models import ReportFormat, ReportScope
from sukma.surveys.reports.services import report_generate, report_request
from sukma.tenants.models import Regency

CODES = ("35.04", "35.71")
TODAY = datetime.date(2026, 3, 20)  # the demo seeds 2026 up to "today"; a fixed day
demo.RICH_RESPONSES = 60  # per year; the demo's 600 would make the file ten times larger

admin = demo.ensure_province_admin()
rows = [row for row in demo.east_java_regencies() if row.code in CODES]
for row in rows:
    demo.regency_seed(row, admin)
for row in rows:
    regency = Regency.objects.get(region_code=row.code)
    demo.structure_seed(regency)
    demo.standard_mapping_seed(regency)
    demo.responses_seed(regency, row.subdomain, TODAY)

tulungagung = Regency.objects.get(region_code="35.04")
regency_admin = User.objects.get(email="organisasi@tulungagungkab.go.id")
operator = user_get_or_invite(
    acting_user=admin, email="operator.dispendukcapil@tulungagungkab.go.id", full_name="Operator"
)
with tenant_context(tulungagung):
    agency = Agency.objects.get(short_name="Dispendukcapil")
membership_grant(
    acting_user=admin,
    user=operator,
    role=Role.AGENCY_OPERATOR,
    regency=tulungagung,
    agency_id=agency.pk,
)
invitation_send(acting_user=admin, user=operator, regency=tulungagung, host="localhost")

with tenant_context(tulungagung):
    cases = list(Case.objects.order_by("pk")[:3])
    case_transition(case=cases[0], acting_user=regency_admin, to=Status.IN_PROGRESS)
    case_note_add(case=cases[0], acting_user=regency_admin, text="Diteruskan ke kepala bidang.")
    case_answer(
        case=cases[0], acting_user=regency_admin, text="Terima kasih, sudah kami tindak lanjuti."
    )
    case_transition(
        case=cases[1], acting_user=regency_admin, to=Status.REJECTED, reason="Bukan layanan."
    )

    year = Period.objects.get(kind="year", year=2025)
    plan = plans_draft_for_period(acting_user=regency_admin, period=year, regency=tulungagung)[0]
    item = plan.items.order_by("position").first()
    item_update(
        acting_user=regency_admin,
        item=item,
        regency=tulungagung,
        acts_on=True,
        planned_action="Menambah petugas loket pada pagi hari.",
        deadline=datetime.date(2026, 6, 30),
        responsible="Kepala Bidang Pelayanan",
    )
    plan = plan_transition(acting_user=regency_admin, plan=plan, to=PlanStatus.APPROVED)
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    evidence_add(
        acting_user=regency_admin,
        item=item,
        upload=SimpleUploadedFile("bukti.png", png, content_type="image/png"),
        regency=tulungagung,
    )
    report, _ = report_request(
        acting_user=regency_admin,
        scope=ReportScope.REGENCY,
        scope_id=0,
        period=year,
        fmt=ReportFormat.XLSX,
    )
    report_generate(report_id=report.pk, regency=tulungagung)

call_command("refresh_rankings", sync=True, reconcile=True)

Token.objects.create(user=admin)
# The user's many-to-many tables (platform_user_groups, ..._user_permissions) get a row each.
helpdesk = Group.objects.create(name="Helpdesk SuKMa")
helpdesk.permissions.add(Permission.objects.get(codename="view_auditevent"))
operator.groups.add(helpdesk)
operator.user_permissions.add(Permission.objects.get(codename="view_membership"))
session = SessionStore()
session["_auth_user_id"] = str(admin.pk)
session.create()
LogEntry.objects.create(
    user=admin,
    content_type=ContentType.objects.get_for_model(admin),
    object_id=str(operator.pk),
    object_repr=str(operator),
    action_flag=CHANGE,
    change_message="[]",
    action_time=timezone.now(),
)
print("seeded", [row.name for row in rows])
