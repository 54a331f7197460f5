"""Period.basis: what a locked period's figures rest on, kept from the moment it is locked.

Periods already locked get today's values: the nearest to what they were
locked with that is still known.
"""

from django.db import migrations, models


def keep_basis_of_locked_periods(apps, schema_editor):
    Period = apps.get_model("surveys", "Period")
    Agency = apps.get_model("surveys", "Agency")
    Service = apps.get_model("surveys", "Service")
    SurveySettings = apps.get_model("surveys", "SurveySettings")
    settings = SurveySettings.objects.filter(pk=1).first()
    basis = {
        "policy": settings.weight_policy if settings else "exact",
        "agencies": list(
            Agency.objects.filter(active=True).order_by("pk").values_list("pk", flat=True)
        ),
        "services": [
            list(row)
            for row in Service.objects.order_by("pk").values_list(
                "pk", "agency_id", "annual_users", "active"
            )
        ],
    }
    Period.objects.filter(locked=True).update(basis=basis)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0006_lighter_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="period",
            name="basis",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.RunPython(keep_basis_of_locked_periods, migrations.RunPython.noop),
    ]
