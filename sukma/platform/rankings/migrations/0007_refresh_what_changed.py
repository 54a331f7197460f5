from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rankings", "0006_cursor_cluster_reconcile_repaired"),
    ]

    operations = [
        migrations.AddField(
            model_name="rollupcursor",
            name="directory",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="rankingsnapshot",
            name="inputs",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.CreateModel(
            name="RankingChange",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("regency_id", models.IntegerField()),
                ("month", models.DateField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "ranking change",
                "verbose_name_plural": "ranking changes",
            },
        ),
    ]
