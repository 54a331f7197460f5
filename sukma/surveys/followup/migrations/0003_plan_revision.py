"""A plan's revision, for optimistic concurrency: a save from a stale page is refused."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("followup", "0002_needless_drafts")]

    operations = [
        migrations.AddField(
            model_name="followupplan",
            name="revision",
            field=models.PositiveIntegerField(default=0, verbose_name="revision"),
        ),
    ]
