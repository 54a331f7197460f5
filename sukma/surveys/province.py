"""What the province may use of a regency's survey: the one door from sukma.platform into here.

The control plane (provisioning, the provincial rankings, the province's pages)
imports from sukma.surveys only this module and the pure method
(sukma.surveys.method); an import-linter contract in pyproject.toml holds it to
that. Whatever else changes inside sukma.surveys, this surface is what the
province depends on: change it deliberately.

Reads come first: the element columns every total carries, periods and their
bounds, and the tables the rollup and the reconciliation read across schemas
(they read them with SQL, schema by schema, from the public schema). Then the
writes the province makes in a regency's schema: installing the standard
questionnaire when it provisions one, reopening a locked period, settling
the change stamps a restore brought from another cluster, and the trigger that
stamps a change of its directory.
"""

from datetime import datetime

from django.db import connection
from django_tenants.utils import quote_schema_name

from sukma.surveys.models import (
    ELEMENT_FIELDS,
    PERIOD_MONTHS,
    Agency,
    DailyServiceTotals,
    ElementTotalsColumns,
    Period,
    PeriodKind,
    Response,
    Service,
    never_negative,
)
from sukma.surveys.structure.questionnaire import questionnaire_install_standard
from sukma.surveys.structure.services import PERIODS_IN_YEAR, period_bounds, period_unlock

# The regency tables the provincial rollup and reconciliation read, qualified by schema there.
AGENCY_TABLE = Agency._meta.db_table
SERVICE_TABLE = Service._meta.db_table
RESPONSE_TABLE = Response._meta.db_table
DAILY_TOTALS_TABLE = DailyServiceTotals._meta.db_table


def totals_settle_foreign_xids(schema: str) -> int:
    """Stamp 0 on the daily totals rows whose changed_xid this cluster has not issued yet.

    Such stamps come from another cluster (a restored database or regency): left
    alone they would look newer than every snapshot, so the reconciliation would
    count their days as pending until this cluster's ids caught up. 0 means
    "settled long ago": the caller reads the whole regency again anyway. A
    response changing the row meanwhile stamps its own id and is left alone.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote_schema_name(schema)}.{DAILY_TOTALS_TABLE} SET changed_xid = 0 "
            "WHERE changed_xid > pg_current_xact_id()::text::bigint"
        )
        return cursor.rowcount


SCHEMAS_PER_STATEMENT = 100


def responses_newest(schemas: list[str]) -> dict[str, datetime | None]:
    """When each schema's newest response was stored (None: it has none yet).

    The newest is the one with the highest id, read through the primary key's index: one
    row per schema, whatever the number of responses, so a metrics scrape can afford it.
    """
    newest: dict[str, datetime | None] = {}
    for start in range(0, len(schemas), SCHEMAS_PER_STATEMENT):
        chunk = schemas[start : start + SCHEMAS_PER_STATEMENT]
        parts = [
            f"SELECT %s, (SELECT submitted_at FROM {quote_schema_name(schema)}.{RESPONSE_TABLE} "
            "ORDER BY id DESC LIMIT 1)"
            for schema in chunk
        ]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), chunk)
            newest.update(dict(cursor.fetchall()))
    return newest


# A statement trigger on the agency and service tables stamps the public
# rankings_directorychange row of the schema (function of rankings migration 0008), so the
# rollup learns which directories changed without reading every schema.
DIRECTORY_WATCH = "sukma_directory_watch"


def directory_watch_install(schema: str) -> None:
    """Install (idempotently) the directory's change stamp in a regency's schema."""
    with connection.cursor() as cursor:
        for table in (AGENCY_TABLE, SERVICE_TABLE):
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {DIRECTORY_WATCH} "
                "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {quote_schema_name(schema)}.{table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION public.rankings_directory_changed()"
            )


def directory_watched_schemas() -> set[str]:
    """The schemas whose agency and service tables both carry the trigger (from the catalog:
    no lock on any regency's table)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT n.nspname FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE t.tgname = %s AND c.relname IN (%s, %s)
            GROUP BY n.nspname HAVING count(DISTINCT c.relname) = 2""",
            [DIRECTORY_WATCH, AGENCY_TABLE, SERVICE_TABLE],
        )
        return {row[0] for row in cursor.fetchall()}


def periods_newest_first() -> list[Period]:
    """The regency's periods (the connection on its schema), newest year first."""
    return list(Period.objects.order_by("-year", "kind", "-starts_on"))


def period_get(period_id: int) -> Period | None:
    return Period.objects.filter(pk=period_id).first()


__all__ = [
    "AGENCY_TABLE",
    "DAILY_TOTALS_TABLE",
    "ELEMENT_FIELDS",
    "PERIODS_IN_YEAR",
    "PERIOD_MONTHS",
    "RESPONSE_TABLE",
    "SERVICE_TABLE",
    "ElementTotalsColumns",
    "PeriodKind",
    "directory_watch_install",
    "directory_watched_schemas",
    "never_negative",
    "period_bounds",
    "period_get",
    "period_unlock",
    "periods_newest_first",
    "questionnaire_install_standard",
    "responses_newest",
    "totals_settle_foreign_xids",
]
