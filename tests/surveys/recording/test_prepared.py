"""Statements prepared once per connection: placeholders numbered once, parameters as text."""

import datetime

import pytest
from django.db import connection

from sukma.surveys.models import Response
from sukma.surveys.recording.prepared import Numbered, as_text, fetch_prepared, param_type


def test_a_name_used_twice_keeps_its_number():
    statement = Numbered.of("SELECT %(a)s, %(b)s WHERE %(a)s <> ''")
    assert statement.text == "SELECT $1, $2 WHERE $1 <> ''"
    assert statement.names == ("a", "b")


def test_values_become_the_text_their_column_type_reads():
    field = Response._meta.get_field
    assert as_text(field("u1"), None) is None
    assert as_text(field("u1"), 4) == "4"
    assert as_text(field("excluded"), False) == "false"
    assert as_text(field("service_date"), datetime.date(2026, 11, 20)) == "2026-11-20"
    assert as_text(field("flags"), ["burst"]) == '["burst"]'
    assert param_type(field("sex")) == "text"  # not varchar(1): too long must fail, not be cut
    assert param_type(field("u1")) == "smallint"


@pytest.mark.django_db
def test_a_statement_is_prepared_once_and_answers_with_or_without_a_blank():
    statement = Numbered.of("SELECT COALESCE(%(n)s::integer, 0) + 1, %(word)s::text")
    assert fetch_prepared(statement, {"n": "41", "word": "x"}) == (42, "x")
    assert fetch_prepared(statement, {"n": None, "word": "y"}) == (1, "y")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = %s", [statement.text]
        )
        assert cursor.fetchone()[0] == 1
