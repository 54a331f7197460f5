"""The template schema that new regencies are cloned from."""

from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_exists


def template_schema_name() -> str:
    return settings.TENANT_BASE_SCHEMA


def ensure_template_schema() -> None:
    if not schema_exists(template_schema_name()):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{template_schema_name()}"')
