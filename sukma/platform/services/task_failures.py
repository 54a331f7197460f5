"""Tasks that failed for good: recorded by the worker, marked handled by the province."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sukma.access.audit import audit_record, snapshot
from sukma.platform.models import TaskFailure
from sukma.tenants.models import Regency

ERROR_MAX = TaskFailure._meta.get_field("error").max_length


def first_line(error: BaseException | str) -> str:
    """`Type: first line of the message`, cut to fit: what the province's page shows."""
    if isinstance(error, BaseException):
        message = str(error).strip().splitlines()
        text = f"{type(error).__name__}: {message[0]}" if message else type(error).__name__
    else:
        text = (str(error).strip().splitlines() or [""])[0]
    return text[:ERROR_MAX]


def task_failure_record(
    *, task_name: str, task_id: str, schema_name: str, error: BaseException | str, failed_at=None
) -> TaskFailure:
    """Record one task run's final failure; a second report of the same run changes nothing."""
    regency = Regency.objects.filter(schema_name=schema_name).exclude(schema_name="public").first()
    values = {
        "task_name": task_name[:200],
        "regency": regency,
        "schema_name": schema_name[:63],
        "error": first_line(error),
        "failed_at": failed_at or timezone.now(),
    }
    if not task_id:
        return TaskFailure.objects.create(task_id="", **values)
    failure, _created = TaskFailure.objects.get_or_create(task_id=task_id[:64], defaults=values)
    return failure


@transaction.atomic
def task_failure_handle(*, acting_user, failure_id: int) -> TaskFailure:
    """Mark a failure handled (audited). Raises ValidationError when it already is."""
    failure = TaskFailure.objects.select_for_update().filter(pk=failure_id).first()
    if failure is None:
        raise ValidationError(_("This failed task no longer exists."))
    if failure.handled_at is not None:
        raise ValidationError(_("This failed task was already marked handled."))
    before = snapshot(failure)
    failure.handled_at = timezone.now()
    failure.handled_by = acting_user
    failure.save(update_fields=["handled_at", "handled_by"])
    audit_record(
        actor=acting_user,
        action="task_failure.handled",
        target=failure,
        regency=failure.regency,
        before=before,
        after=snapshot(failure),
    )
    return failure
