"""Statements prepared once per connection, run on the current regency's schema.

Django binds parameters on the client and never prepares, so a long
statement is planned again on every call. The citizen's submission is one
such statement on the hot path; it is prepared here instead. Its parameters
are all sent as text and cast in the SQL, so that one prepared statement
serves every call whatever is blank. Its tables are named with their
regency's schema, so it needs no search_path and one connection holds one
prepared statement per regency it has served.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import psycopg
from django.db import connection, models
from django_tenants.utils import quote_schema_name

NAMED_PARAMETER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Numbered:
    """A statement with $1, $2... placeholders and the parameter name each number stands for.

    psycopg parses %(name)s placeholders on every call and caches only short
    statements; converting once here leaves it nothing to parse.
    """

    text: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, sql: str) -> "Numbered":
        names: list[str] = []

        def number(match: re.Match) -> str:
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        return cls(NAMED_PARAMETER.sub(number, sql), tuple(names))


def fetch_prepared(statement: Numbered, params: Mapping[str, object]) -> tuple | None:
    """The first row of a statement prepared once per connection (Django's never prepare).

    The statement must name every table with its schema (see in_schema): it
    runs without the regency's search_path, which Django's cursor would first
    set in a round trip of its own on each request's first query. The session's
    search_path is left as it was; a later Django query still sets its own.
    """
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.RawCursor(connection.connection) as cursor:
        cursor.execute(statement.text, [params[name] for name in statement.names], prepare=True)
        return cursor.fetchone()


def in_schema(table: str, schema: str) -> str:
    """A table of one schema, for a statement that must not depend on the search_path.

    Without a schema, the table as the search_path finds it (for Django's cursors).
    """
    return f"{quote_schema_name(schema)}.{table}" if schema else table


def param_type(field: models.Field) -> str:
    """A column's type without its length: a value too long must fail, not be cut short."""
    if isinstance(field, models.CharField | models.TextField):
        return "text"
    return field.db_type(connection)


def as_text(field: models.Field, value) -> str | None:
    """A value as text, cast back to its column's type in the statement.

    With every parameter sent as text (or NULL, also of unknown type), one
    prepared statement serves every response: an int, a None or a date would
    each give it another parameter type and make it be prepared again.
    """
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return json.dumps(value, cls=field.encoder)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
