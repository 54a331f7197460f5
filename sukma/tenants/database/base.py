"""The database backend: django-tenants' own, knowing which search_path the server holds.

django-tenants forgets the search_path it has set whenever a schema is
chosen, so each request paid a `SET search_path` round trip for its first
query, even when the server already held that path. A citizen's submission
needs only the public path (its statement names its regency's schema), so
after the first one, every later one on the same connection paid that SET
for nothing. This remembers the path the server holds, separately from the
one chosen, and sends no SET when they are the same.

A reconnect, a rollback and a savepoint rollback forget it: the server may
have undone a SET made inside the transaction, so a path is never trusted
beyond what is certain.
"""

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper


class DatabaseWrapper(TenantDatabaseWrapper):
    path_on_server: list[str] | None = None  # None: not known

    def set_tenant(self, tenant, include_public=True):
        super().set_tenant(tenant, include_public)
        if self.path_on_server is not None and self.path_on_server == (
            self._get_cursor_search_paths()
        ):
            self.search_path_set_schemas = self.path_on_server

    def _handle_search_path(self, cursor=None):
        super()._handle_search_path(cursor)
        self.path_on_server = self.search_path_set_schemas  # None if the SET failed

    def connect(self):
        self.path_on_server = None
        super().connect()

    def close(self):
        try:
            super().close()
        finally:
            self.path_on_server = None

    # Forgotten after the rollback too: getting a cursor for it may record the path of
    # the very SET the rollback then undoes.
    def rollback(self):
        try:
            super().rollback()
        finally:
            self.path_on_server = None

    def savepoint_rollback(self, sid):
        try:
            super().savepoint_rollback(sid)
        finally:
            self.path_on_server = None
