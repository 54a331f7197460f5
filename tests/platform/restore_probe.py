"""Every figure of one regency as plain JSON, read by whichever database Django is pointed at.

The restore tests read the original database in the test process and the restored one
(a fresh database, another cluster) in a subprocess running this module, so both sides are
read by the same code:

    python -m tests.platform.restore_probe figures 35.04
    python -m tests.platform.restore_probe answer 36.01 5 --seed 7
"""

import argparse
import hashlib
import json
import sys

# Ids a restore may renumber (public rows get new keys) and ranks that depend on who else is
# ranked: everything else in a ranking row is the regency's own figure.
_NOT_OWN = {"regency_id", "rank", "position", "rank_change", "previous_rank"}


def _plain(value):
    return json.loads(json.dumps(value, default=str))


def regency_figures(code: str) -> dict:
    from django.core.files.storage import default_storage
    from django.db import connection
    from django_tenants.utils import schema_context

    from sukma.access.models import Membership
    from sukma.platform.models import ReplicationAgreement
    from sukma.platform.rankings.models import RankingSnapshot
    from sukma.surveys.complaints.models import Case
    from sukma.surveys.followup.models import FollowUpPlan
    from sukma.surveys.models import Period
    from sukma.surveys.selectors import agency_figures, service_figures
    from sukma.tenants.models import Regency
    from tests.rollup_data import raw_month_totals, rolled_up_months

    regency = Regency.objects.get(region_code=code)
    agreements = []
    for a in ReplicationAgreement.objects.filter(regency=regency).order_by("number"):
        data = b""
        if a.document and default_storage.exists(a.document.name):
            with default_storage.open(a.document.name, "rb") as f:
                data = f.read()
        agreements.append([a.number, a.status, str(a.signed_on), hashlib.sha256(data).hexdigest()])
    ikm = []
    with schema_context(regency.schema_name):
        for period in Period.objects.order_by("kind", "year", "number"):
            key = [period.kind, period.year, period.number]
            for agency, figure in agency_figures(period):
                ikm.append([*key, "agency", agency.name, repr(figure.result)])
            for service, figure in service_figures(period):
                ikm.append([*key, "service", service.name, repr(figure.result)])
        complaints = sorted(
            Case.objects.values_list("tracking_code", "status", "agency__name", "received_at")
        )
        plans = sorted(
            FollowUpPlan.objects.values_list(
                "agency__name", "period__year", "status", "revision", "ikm_konversi"
            )
        )
    connection.set_schema_to_public()
    rankings = []
    # The regency level only: agency and service rankings follow the province's standard
    # lists, which belong to the province's database, not to the regency's export.
    for snapshot in RankingSnapshot.objects.filter(level="regency").order_by(
        "period_kind", "year", "number", "level", "code"
    ):
        for row in snapshot.rows:
            if row.get("regency_code") == code:
                own = {k: v for k, v in row.items() if k not in _NOT_OWN}
                rankings.append([snapshot.period_kind, snapshot.year, snapshot.number, own])
    return _plain(
        {
            "raw_months": sorted(raw_month_totals(regency).items()),
            "rolled_up_months": sorted(rolled_up_months(regency).items()),
            "ikm": ikm,
            "memberships": sorted(
                Membership.objects.filter(regency=regency).values_list(
                    "user__email", "role", "agency_id"
                )
            ),
            "domains": sorted(regency.domains.values_list("domain", flat=True)),
            "agreements": agreements,
            "complaints": complaints,
            "plans": plans,
            "rankings": rankings,
        }
    )


def answer_more(code: str, count: int, seed: int) -> list[int]:
    """`count` more citizens answer at the regency's counters (tests.rollup_data.answer)."""
    from django_tenants.utils import schema_context

    from sukma.surveys.models import Service, ServicePoint
    from sukma.tenants.models import Regency
    from tests.rollup_data import Answered, answer

    answered = Answered(Regency.objects.get(region_code=code))
    with schema_context(answered.regency.schema_name):
        answered.points = list(ServicePoint.objects.order_by("pk"))
        answered.services = list(Service.objects.order_by("pk"))
    return answer(answered, count, seed=seed)


def main(argv: list[str]) -> int:
    import django

    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["figures", "answer"])
    parser.add_argument("code")
    parser.add_argument("count", type=int, nargs="?", default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    django.setup()
    if args.what == "figures":
        print(json.dumps(regency_figures(args.code)))
    else:
        print(json.dumps(answer_more(args.code, args.count, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
