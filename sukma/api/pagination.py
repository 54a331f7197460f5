"""Every API list pages with limit and offset, both bounded.

DRF's LimitOffsetPagination passes any whole number on to SQL: `?limit=9223372036854775808`
or a huge offset overflowed PostgreSQL's bigint and answered 500. A limit above MAX_LIMIT is
MAX_LIMIT; an offset past any table's size is an empty page.
"""

from rest_framework.pagination import LimitOffsetPagination

MAX_LIMIT = 500
MAX_OFFSET = 10**12  # more rows than any table here will hold; far below bigint's limit


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def get_offset(self, request) -> int:
        return min(super().get_offset(request), MAX_OFFSET)
