"""A locked period keeps its expected users in the period (N), not only the yearly figures.

Until now a locked period kept each service's yearly users and scaled them when
read, so a change of the scaling rule would have moved its targets. From now on
period_lock writes the N of the regency, each agency and each service into
Period.basis["users"] (sukma.surveys.selectors.Basis), by the method's rule
(half-up, at least 1, a group's N the sum of its services').

Periods locked before keep the N they were shown with, computed here by the rule
of the code that locked them (a group's yearly users summed, scaled and rounded
by Python's round(), half to even; 0 read as unknown), so no published target
moves. Unlocked and locked again, a period takes the method's rule.
"""

from django.db import migrations

MONTHS = {"month": 1, "quarter": 3, "semester": 6, "year": 12}


def _as_locked(yearly: list, months: int):
    known = [n for n in yearly if n]
    return round(sum(known) * months / 12) if known else None


def users_as_shown_when_locked(basis: dict, months: int) -> dict:
    services = basis.get("services", [])
    active = [s for s in services if s[3]]
    agency_ids = sorted({*basis.get("agencies", []), *(s[1] for s in services)})
    return {
        "regency": _as_locked([s[2] for s in active], months),
        "agencies": {
            str(a): _as_locked([s[2] for s in active if s[1] == a], months) for a in agency_ids
        },
        "services": {str(s[0]): _as_locked([s[2]], months) for s in services},
    }


def keep_users_of_locked_periods(apps, schema_editor):
    Period = apps.get_model("surveys", "Period")
    for period in Period.objects.filter(locked=True):
        basis = period.basis or {}
        if not basis.get("policy") or "users" in basis:
            continue
        basis["users"] = users_as_shown_when_locked(basis, MONTHS[period.kind])
        period.basis = basis
        period.save(update_fields=["basis"])


def forget_users(apps, schema_editor):
    Period = apps.get_model("surveys", "Period")
    for period in Period.objects.filter(locked=True):
        if "users" in (period.basis or {}):
            period.basis = {k: v for k, v in period.basis.items() if k != "users"}
            period.save(update_fields=["basis"])


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0010_channel_key_held"),
    ]

    operations = [
        migrations.RunPython(keep_users_of_locked_periods, forget_users),
    ]
