"""Sending one message per active regency, each stamped with that regency's schema.

Beat's entries run in the public schema; a bare "all tenants" entry would stamp `public` on
every message (PITFALLS.md), so each message names its schema in `_schema_name` itself.
"""

from sukma.tenants.models import Regency, RegencyStatus


def fan_out(task, kwargs: dict | None = None) -> list[str]:
    """Send `task(regency_id, **kwargs)` once per active regency; the schemas sent to."""
    sent = []
    for regency_id, schema in Regency.objects.filter(status=RegencyStatus.ACTIVE).values_list(
        "pk", "schema_name"
    ):
        task.apply_async(args=[regency_id], kwargs=kwargs or {}, headers={"_schema_name": schema})
        sent.append(schema)
    return sent
