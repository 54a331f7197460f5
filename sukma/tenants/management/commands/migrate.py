"""`migrate` is migrate_schemas here, template schema included."""

from sukma.tenants.management.commands.migrate_schemas import Command  # noqa: F401
