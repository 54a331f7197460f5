"""Remove the empty drafts locking used to make for every period (issue 19: 578 in one regency).

Until now every locked period (each month, quarter, semester and the year) got a
draft per agency with answers. A plan is needed for the year (see models.DRAFTED_KINDS);
the other drafts go, unless somebody wrote anything in them or moved them past draft.
Nothing written is ever deleted. Reversing restores nothing: the drafts held no text.
"""

from django.db import migrations


def remove_needless_drafts(apps, schema_editor):
    from sukma.surveys.followup.models import needless_drafts

    plan = apps.get_model("followup", "FollowUpPlan")
    item = apps.get_model("followup", "FollowUpItem")
    needless = list(needless_drafts(plan, item).values_list("pk", flat=True))
    item.objects.filter(plan_id__in=needless).delete()
    plan.objects.filter(pk__in=needless).delete()


class Migration(migrations.Migration):
    dependencies = [("followup", "0001_initial")]

    operations = [
        migrations.RunPython(remove_needless_drafts, migrations.RunPython.noop, elidable=True)
    ]
