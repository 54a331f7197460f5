"""The database backend remembers the search_path it set, and never trusts a dropped one."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def _path_after_choosing(tenant) -> tuple[str, list[str]]:
    """Choose `tenant`, run one query: the path the server used, and the SETs sent for it."""
    connection.set_tenant(tenant)
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        path = cursor.fetchone()[0]
    sets = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SET search_path")]
    return path, sets


def test_choosing_the_path_the_connection_holds_sends_no_set(personas):
    path, _sets = _path_after_choosing(personas.tulungagung)
    assert path.startswith(personas.tulungagung.schema_name)
    path, sets = _path_after_choosing(personas.tulungagung)  # as the next request does
    assert path.startswith(personas.tulungagung.schema_name) and sets == []


def test_choosing_another_path_sets_it(personas):
    _path_after_choosing(personas.tulungagung)
    path, sets = _path_after_choosing(personas.kediri)
    assert path.startswith(personas.kediri.schema_name) and len(sets) == 1
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        assert cursor.fetchone()[0] == "public"
    path, sets = _path_after_choosing(personas.kediri)
    assert path.startswith(personas.kediri.schema_name) and len(sets) == 1


def test_after_a_rolled_back_set_the_path_is_still_the_one_chosen(personas):
    """A SET inside a savepoint that rolls back is undone by the server: never trusted after."""
    _path_after_choosing(personas.tulungagung)
    with pytest.raises(DatabaseError), transaction.atomic():
        connection.set_tenant(personas.kediri)
        with connection.cursor() as cursor:
            cursor.execute("SHOW search_path")  # sets Kediri's path inside the savepoint
            assert cursor.fetchone()[0].startswith(personas.kediri.schema_name)
            cursor.execute("SELECT 1 / 0")
    for tenant in (personas.tulungagung, personas.kediri, personas.kediri, personas.tulungagung):
        path, _sets = _path_after_choosing(tenant)
        assert path.startswith(tenant.schema_name)


def test_a_path_set_inside_a_rolled_back_savepoint_is_not_trusted(personas):
    """The server held Tulungagung's path; a savepoint set Kediri's and rolled back."""
    _path_after_choosing(personas.tulungagung)
    sid = transaction.savepoint()
    _path_after_choosing(personas.kediri)
    transaction.savepoint_rollback(sid)
    with connection.connection.cursor() as raw:  # beneath Django: what the server holds
        raw.execute("SHOW search_path")
        assert raw.fetchone()[0].startswith(personas.tulungagung.schema_name)
    path, _sets = _path_after_choosing(personas.kediri)
    assert path.startswith(personas.kediri.schema_name)
