from django.db import migrations, models

# Called by a statement trigger on each regency's agency and service tables (installed by the
# rollup: sukma.surveys.province.directory_watch_install). Statement-level, so a bulk import
# stamps once; directory edits are rare, so the one row per regency is never contended.
DIRECTORY_CHANGED = """
CREATE OR REPLACE FUNCTION public.rankings_directory_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.rankings_directorychange AS d (schema_name, changed_xid)
    VALUES (TG_TABLE_SCHEMA, pg_current_xact_id()::text::bigint)
    ON CONFLICT (schema_name) DO UPDATE SET changed_xid = EXCLUDED.changed_xid;
    RETURN NULL;
END
$$
"""


class Migration(migrations.Migration):
    dependencies = [
        ("rankings", "0007_refresh_heartbeat"),
    ]

    operations = [
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
        migrations.CreateModel(
            name="DirectoryChange",
            fields=[
                (
                    "schema_name",
                    models.CharField(max_length=63, primary_key=True, serialize=False),
                ),
                ("changed_xid", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "directory change",
                "verbose_name_plural": "directory changes",
            },
        ),
        migrations.RunSQL(
            DIRECTORY_CHANGED,
            "DROP FUNCTION IF EXISTS public.rankings_directory_changed() CASCADE",
        ),
    ]
