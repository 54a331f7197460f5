"""The audit log records the client's address, believing X-Forwarded-For only from a named proxy.

The same address every limiter uses (sukma.addresses): a regency admin's
change of the weight policy, through a proxy of ours and past it.
"""

import pytest

from sukma.access.models import AuditEvent
from tests.conftest import TULUNGAGUNG_HOST, host_client

URL = "/kelola/bobot/"


@pytest.mark.parametrize(
    ("peer", "forwarded", "recorded"),
    [
        ("10.0.0.5", "203.0.113.20", "203.0.113.20"),  # our proxy names the client
        ("198.51.100.9", "203.0.113.21", "198.51.100.9"),  # anyone else's header is ignored
    ],
)
def test_an_audited_change_records_the_client_address(
    personas, in_tulungagung, settings, peer, forwarded, recorded
):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    admin = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin, REMOTE_ADDR=peer)
    answer = admin.post(URL, {"policy": "legacy_0_11"}, HTTP_X_FORWARDED_FOR=forwarded)
    assert answer.status_code == 302
    event = AuditEvent.objects.filter(action="survey_settings.weight_policy").latest("id")
    assert event.address == recorded


def test_work_outside_a_request_records_no_address(personas, in_tulungagung):
    from django.db import transaction

    from sukma.surveys.structure.weights import weight_policy_set

    with transaction.atomic():
        weight_policy_set(acting_user=personas.tulungagung_admin, policy="legacy_0_11")
    event = AuditEvent.objects.filter(action="survey_settings.weight_policy").latest("id")
    assert event.address == ""
