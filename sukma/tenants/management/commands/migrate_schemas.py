"""migrate_schemas that also migrates the template schema new regencies are cloned from.

django-tenants migrates only schemas that have a tenant row; a clone of a
stale template would be marked migrated yet lack columns. So every run that
migrates all tenants migrates the template too.
"""

from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

from sukma.tenants.schemas import ensure_template_schema, template_schema_name


class Command(MigrateSchemasCommand):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        if self.sync_tenant and not options.get("schema_name"):
            ensure_template_schema()
            template_options = {
                **options,
                "schema_name": template_schema_name(),
                "shared": False,
                "tenant": True,
            }
            super().handle(*args, **template_options)
