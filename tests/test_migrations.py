"""Every model change has its migration: a field changed in a shared abstract model reaches
both schemas' apps (the regency's surveys and the province's rankings)."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_its_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits 1 if one does
