"""Every Django app is declared shared (public schema) or tenant (a regency's schema), once."""

from collections import Counter

from django.apps import apps
from django.conf import settings
from django.core.management import get_commands

from sukma.tenants.management.commands.migrate_schemas import Command as OurMigrate


def test_every_installed_app_is_declared_exactly_once():
    declared = Counter(settings.SHARED_APPS) + Counter(settings.TENANT_APPS)
    assert sorted(declared) == sorted(settings.INSTALLED_APPS)
    assert [app for app, n in declared.items() if n != 1] == []


def test_survey_data_lives_only_in_regency_schemas():
    assert "sukma.surveys" in settings.TENANT_APPS
    assert "sukma.surveys" not in settings.SHARED_APPS


def test_the_control_plane_lives_only_in_the_public_schema():
    for app in ("sukma.platform", "sukma.tenants", "django.contrib.auth"):
        assert app in settings.SHARED_APPS
        assert app not in settings.TENANT_APPS


def test_every_model_belongs_to_a_declared_app():
    declared = set(settings.SHARED_APPS) | set(settings.TENANT_APPS)
    for model in apps.get_models():
        assert model._meta.app_config.name in declared, model


def test_migrate_is_ours_so_the_template_schema_is_migrated_too():
    assert get_commands()["migrate"] == "sukma.tenants"
    assert get_commands()["migrate_schemas"] == "sukma.tenants"
    assert OurMigrate.__module__ == "sukma.tenants.management.commands.migrate_schemas"
