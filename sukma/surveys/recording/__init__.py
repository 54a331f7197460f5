"""The one place for raw SQL on a regency's write path: how a response is recorded and counted.

Django's ORM serves every other write. A citizen's response is different: it
is the product's hottest write, and storing it through the ORM took a
transaction of many round trips (resolve the counter, check the period, count
the burst, insert, upsert three kinds of totals, open the complaint case).
Here it is one prepared statement, atomic by itself:

- statement.py: the submission statement, part by part (see its docstring);
- totals.py: the per-service day, month and profile totals a response moves,
  as SQL that the statement embeds and a moderator's exclusion runs;
- prepared.py: statements prepared once per connection, tables named with the
  regency's schema;
- periods.py: the share lock on the periods covering a day, so that no
  response slips into a period as it closes.

tests/surveys/recording/test_orm_parity.py stores the same responses through
the ORM and through the statement and fails if they ever differ. The database
backend that remembers the server's search_path is sukma.tenants.database.
"""
