"""Every API list pages with limit and offset, both bounded and both checked.

DRF's LimitOffsetPagination passes any whole number on to SQL: `?limit=9223372036854775808`
or a huge offset overflowed PostgreSQL's bigint and answered 500. A limit above MAX_LIMIT is
MAX_LIMIT; an offset past any table's size is an empty page.

DRF also ignores what is not a whole number (`?offset=null` was the first page), so a client's
typo went unnoticed; here it is a 400 naming the parameter, in the API's one error shape, as
the schema says (limit at least 1, offset at least 0).
"""

from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination

MAX_LIMIT = 500
MAX_OFFSET = 10**12  # more rows than any table here will hold; far below bigint's limit
LEAST = {"limit": 1, "offset": 0}


def _count(request, name: str, default: int) -> int:
    """The query parameter `name` as a whole number of at least LEAST[name], else a 400."""
    if name not in request.query_params:
        return default
    field = serializers.IntegerField(min_value=LEAST[name])
    try:
        return field.run_validation(request.query_params[name])
    except serializers.ValidationError as error:
        raise serializers.ValidationError({name: error.detail}) from None


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def get_limit(self, request) -> int:
        return min(_count(request, self.limit_query_param, self.default_limit), MAX_LIMIT)

    def get_offset(self, request) -> int:
        return min(_count(request, self.offset_query_param, 0), MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = LEAST[parameter["name"]]
        return parameters
