"""An agency and an operator in Tulungagung, and clients for its admin and operator."""

import pytest
from django.db import connection

from sukma.access.models import Membership, Role, User
from sukma.surveys.models import Agency
from tests.conftest import PASSWORD, TULUNGAGUNG_HOST, host_client


@pytest.fixture
def agencies(personas, db):
    connection.set_tenant(personas.tulungagung)
    dinkes = Agency.objects.create(name="Dinas Kesehatan", short_name="Dinkes", kind="dinas")
    dukcapil = Agency.objects.create(
        name="Dinas Kependudukan dan Pencatatan Sipil", short_name="Dukcapil", kind="dinas"
    )
    connection.set_schema_to_public()
    return dinkes, dukcapil


@pytest.fixture
def operator(personas, agencies):
    user = User.objects.create_user("operator@dinkes.tulungagungkab.go.id", PASSWORD)
    Membership.objects.create(
        user=user,
        role=Role.AGENCY_OPERATOR,
        regency=personas.tulungagung,
        agency_id=agencies[0].pk,
    )
    return user


@pytest.fixture
def admin_client(personas, db):
    return host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)


@pytest.fixture
def operator_client(operator):
    return host_client(TULUNGAGUNG_HOST, operator)
